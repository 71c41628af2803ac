package hellobench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

func init() { register(Driver{Name: "raw", Open: openRaw}) }

// rawClient is the floor: one plain net.Conn per worker, on which the
// pre-encoded OP_MSG {hello: 1, $db: "admin"} is written with a new
// requestID and the reply read and checked with the wire package's
// framing, and nothing else: no handshake, no pool, no monitor.
type rawClient struct {
	conns []*rawConn
}

type rawConn struct {
	nc  net.Conn
	br  *bufio.Reader
	req []byte // the request; its requestID is patched for each round trip
}

// errNotOK is the error of a reply without ok: 1.
var errNotOK = errors.New("hello reply without ok: 1")

// helloRequest returns the raw clients' request, with a requestID of 0.
func helloRequest() ([]byte, error) {
	body, err := bson.Marshal(bson.D{{Key: "hello", Value: 1}, {Key: "$db", Value: "admin"}})
	if err != nil {
		return nil, err
	}
	return wire.AppendMsg(nil, 0, 0, body), nil
}

func openRaw(ctx context.Context, t Target, workers int) (Client, error) {
	req, err := helloRequest()
	if err != nil {
		return nil, err
	}
	c := &rawClient{}
	var d net.Dialer
	for range workers {
		nc, err := d.DialContext(ctx, "tcp", t.Addr)
		if err != nil {
			c.Close(ctx)
			return nil, err
		}
		c.conns = append(c.conns, &rawConn{nc: nc, br: bufio.NewReader(nc), req: append([]byte(nil), req...)})
	}
	return c, nil
}

func (c *rawClient) Hello(_ context.Context, w int) error { return c.conns[w].hello() }

func (c *rawClient) Close(context.Context) error {
	var errs []error
	for _, rc := range c.conns {
		errs = append(errs, rc.nc.Close())
	}
	return errors.Join(errs...)
}

// hello makes one round trip on the connection.
func (c *rawConn) hello() error {
	id := wire.NextRequestID()
	binary.LittleEndian.PutUint32(c.req[4:], uint32(id))
	if _, err := c.nc.Write(c.req); err != nil {
		return err
	}
	m, err := wire.ReadMessage(c.br, 0)
	if err != nil {
		return err
	}
	defer m.Release()
	if err := m.Header.CheckResponseTo(id); err != nil {
		return err
	}
	msg, err := wire.ParseMsg(m.Bytes)
	if err != nil {
		return err
	}
	if ok, _ := msg.Body.Lookup("ok").AsFloat64OK(); ok != 1 {
		return fmt.Errorf("%w: %v", errNotOK, msg.Body)
	}
	return nil
}
