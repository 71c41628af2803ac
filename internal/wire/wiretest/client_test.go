package wiretest

import (
	"bytes"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// client is a minimal driver-side connection built on package wire.
type client struct {
	t    *testing.T
	c    net.Conn
	comp *wire.Compressor
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c}
}

func (c *client) send(flags wire.MsgFlags, cmd bson.D, seqs ...wire.Sequence) int32 {
	c.t.Helper()
	body, err := bson.Marshal(cmd)
	if err != nil {
		c.t.Fatal(err)
	}
	id := wire.NextRequestID()
	b := wire.AppendMsg(nil, id, flags, body, seqs...)
	if c.comp != nil {
		if b, err = wire.AppendCompressed(nil, b, *c.comp); err != nil {
			c.t.Fatal(err)
		}
	}
	c.write(b)
	return id
}

func (c *client) write(b []byte) {
	c.t.Helper()
	c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.c.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// read reads one reply; the caller releases it.
func (c *client) read() (wire.Message, wire.Msg, error) {
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := wire.ReadMessage(c.c, 0)
	if err != nil {
		return m, wire.Msg{}, err
	}
	p, err := wire.ParseMsg(m.Bytes)
	return m, p, err
}

// roundTrip sends cmd and returns the reply's body, a copy.
func (c *client) roundTrip(cmd bson.D) bson.Raw {
	c.t.Helper()
	id := c.send(0, cmd)
	m, p, err := c.read()
	if err != nil {
		c.t.Fatalf("reading the reply: %v", err)
	}
	defer m.Release()
	if err := m.Header.CheckResponseTo(id); err != nil {
		c.t.Fatal(err)
	}
	return bson.Raw(bytes.Clone(p.Body))
}

func mustDoc(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// binaryPutLen sets the message length at the start of b.
func binaryPutLen(b []byte) {
	n := len(b)
	b[0], b[1], b[2], b[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
}

// isReset reports a connection reset by the peer.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
