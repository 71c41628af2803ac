package conn

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

// helloReply is a server's usual answer to the handshake.
func helloReply(extra ...bson.E) bson.D {
	d := bson.D{
		{Key: "helloOk", Value: true},
		{Key: "isWritablePrimary", Value: true},
		{Key: "maxBsonObjectSize", Value: int32(16 * 1024 * 1024)},
		{Key: "maxMessageSizeBytes", Value: int32(48_000_000)},
		{Key: "maxWriteBatchSize", Value: int32(100_000)},
		{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		{Key: "connectionId", Value: int32(42)},
		{Key: "minWireVersion", Value: int32(0)},
		{Key: "maxWireVersion", Value: int32(21)},
	}
	d = append(d, extra...)
	return append(d, bson.E{Key: "ok", Value: 1.0})
}

var okReply = bson.D{{Key: "ok", Value: 1.0}}

// isHello reports whether a request is the handshake's: a hello with
// client metadata, which later hellos do not carry.
func isHello(req wiretest.Request) bool {
	return (req.Command == "hello" || req.Command == "isMaster") && req.Body.Lookup("client").Type != 0
}

// server starts a wiretest server that answers the handshake with
// helloReply(extra...) and every other command with rest (ok: 1 when rest
// is nil).
func server(t *testing.T, rest wiretest.Handler, extra ...bson.E) *wiretest.Server {
	t.Helper()
	hello := helloReply(extra...)
	return wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		if isHello(req) {
			return []wiretest.Reply{{Doc: hello}}
		}
		if rest == nil {
			if req.Flags&wire.MoreToCome != 0 { // no reply, as a real server
				return nil
			}
			return []wiretest.Reply{{Doc: okReply}}
		}
		return rest(req)
	})
}

// dial connects to s with cfg, failing the test on error, and closes the
// connection when the test ends.
func dial(t *testing.T, addr string, cfg *Config) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, cfg)
	if err != nil {
		t.Fatalf("Dial(%s): %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func marshal(t testing.TB, v any) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ping runs {ping: 1} on admin and returns a copy of the reply's body.
func ping(t *testing.T, c *Conn) bson.Raw {
	t.Helper()
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "ping", Value: int32(1)}})})
	if err != nil {
		t.Fatalf("ping: %v", err)
	}
	defer r.Release()
	return append(bson.Raw(nil), r.Body...)
}

// networkError returns err as a *mongoerr.NetworkError, failing the test if
// it is not one.
func networkError(t *testing.T, err error) *mongoerr.NetworkError {
	t.Helper()
	var ne *mongoerr.NetworkError
	if !errors.As(err, &ne) {
		t.Fatalf("error %v (%T) is not a NetworkError", err, err)
	}
	return ne
}

// eventually waits up to five seconds for cond to hold.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recordingDialer dials TCP and Unix sockets and records the connections it
// opened, to check that they are closed.
type recordingDialer struct {
	mu      sync.Mutex
	network string
	conns   []*trackedConn
}

func (d *recordingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	nc, err := (&net.Dialer{}).DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: nc}
	d.mu.Lock()
	d.network = network
	d.conns = append(d.conns, tc)
	d.mu.Unlock()
	return tc, nil
}

// allClosed reports whether every connection dialed was closed.
func (d *recordingDialer) allClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range d.conns {
		if !c.closed.Load() {
			return false
		}
	}
	return len(d.conns) > 0
}

type trackedConn struct {
	net.Conn
	closed atomic.Bool
}

func (c *trackedConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}
