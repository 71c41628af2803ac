package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// ioTimeout bounds every read and write of the test clients.
const ioTimeout = 10 * time.Second

// backend returns the address of the FerretDB server shared by the tests.
func backend(t *testing.T) string {
	t.Helper()
	return testenv.Shared(t, testenv.Options{}).Addr
}

// newRS starts a replica set for the test, checks for leaked goroutines and
// closes the set at the end.
func newRS(t *testing.T, opts Options) *ReplicaSet {
	t.Helper()
	addr := backend(t)
	wiretest.LeakCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := NewReplicaSet(ctx, addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rs.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return rs
}

// dbSeq makes database names unique across the tests of a run.
var dbSeq atomic.Int64

// testDB returns a database name of the test's own.
func testDB(t *testing.T) string {
	return fmt.Sprintf("sim_%d_%d", time.Now().UnixNano()%1e6, dbSeq.Add(1))
}

// doc builds a bson.D from alternating keys and values.
func doc(kv ...any) bson.D {
	d := make(bson.D, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return d
}

// client is a minimal driver-side connection on package wire.
type client struct {
	t    *testing.T
	nc   net.Conn
	comp *wire.Compressor
}

// dial connects to addr; the connection closes at the end of the test.
func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc}
}

// send writes cmd as an OP_MSG and returns its requestID.
func (c *client) send(flags wire.MsgFlags, cmd bson.D, seqs ...wire.Sequence) (int32, error) {
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
	c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	_, err = c.nc.Write(b)
	return id, err
}

// reply is a reply read by a client, copied out of the pooled buffer.
type reply struct {
	header     wire.Header
	flags      wire.MsgFlags
	compressed bool
	compressor wire.CompressorID
	body       bson.Raw
}

// read reads one reply within d.
func (c *client) read(d time.Duration) (reply, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	m, err := wire.ReadMessage(c.nc, 0)
	if err != nil {
		return reply{}, err
	}
	defer m.Release()
	p, err := wire.ParseMsg(m.Bytes)
	if err != nil {
		return reply{}, err
	}
	return reply{header: p.Header, flags: p.Flags, compressed: m.Compressed, compressor: m.Compressor,
		body: bson.Raw(bytes.Clone(p.Body))}, nil
}

// roundTrip sends cmd and reads its reply, checking responseTo.
func (c *client) roundTrip(cmd bson.D, seqs ...wire.Sequence) (bson.Raw, error) {
	id, err := c.send(0, cmd, seqs...)
	if err != nil {
		return nil, err
	}
	r, err := c.read(ioTimeout)
	if err != nil {
		return nil, err
	}
	if err := r.header.CheckResponseTo(id); err != nil {
		return nil, err
	}
	return r.body, nil
}

// run is roundTrip failing the test on a network error.
func (c *client) run(cmd bson.D, seqs ...wire.Sequence) bson.Raw {
	c.t.Helper()
	body, err := c.roundTrip(cmd, seqs...)
	if err != nil {
		c.t.Fatalf("%s: %v", cmd[0].Key, err)
	}
	return body
}

// hello runs a hello with the given extra fields.
func (c *client) hello(extra ...any) bson.Raw {
	c.t.Helper()
	return c.run(append(doc("hello", 1, "$db", "admin"), doc(extra...)...))
}

// mustOK fails the test unless reply has ok 1.
func mustOK(t *testing.T, what string, reply bson.Raw) {
	t.Helper()
	if !okReply(reply) {
		t.Fatalf("%s: %s", what, reply)
	}
}

// mustCode fails the test unless reply is an error with code.
func mustCode(t *testing.T, what string, reply bson.Raw, code int32) {
	t.Helper()
	if okReply(reply) || reply.Lookup("code").Int32() != code {
		t.Fatalf("%s: want error code %d, got %s", what, code, reply)
	}
}

// labels returns a reply's errorLabels.
func labels(reply bson.Raw) []string {
	var out []string
	for _, v := range reply.Lookup("errorLabels").Array().Values() {
		out = append(out, v.StringValue())
	}
	return out
}

// stringsOf returns the strings of an array value.
func stringsOf(v bson.RawValue) []string {
	var out []string
	for _, e := range v.Array().Values() {
		out = append(out, e.StringValue())
	}
	return out
}

// tv returns a hello reply's topologyVersion.
func tv(t *testing.T, reply bson.Raw) (bson.ObjectID, int64) {
	t.Helper()
	pid, ok := reply.Lookup("topologyVersion", "processId").ObjectIDOK()
	n, ok2 := reply.Lookup("topologyVersion", "counter").Int64OK()
	if !ok || !ok2 {
		t.Fatalf("no topologyVersion in %s", reply)
	}
	return pid, n
}

// sameStrings reports whether a and b hold the same strings in any order.
func sameStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// isNetErr reports whether err is the connection closed or reset by the
// peer, or refused.
func isNetErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE)
}
