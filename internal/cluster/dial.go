package cluster

import (
	"context"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/topology"
)

// The calls into package conn.

func dialConn(ctx context.Context, addr string, cfg *conn.Config) (*conn.Conn, error) {
	if cfg == nil {
		cfg = &conn.Config{}
	}
	return conn.Dial(ctx, addr, cfg)
}

// helloReply returns the handshake reply of a new connection.
func helloReply(c *conn.Conn) bson.Raw { return c.Description().Hello }

var (
	helloCmd, _       = bson.Marshal(bson.D{{Key: "hello", Value: 1}})
	legacyHelloCmd, _ = bson.Marshal(bson.D{{Key: "isMaster", Value: 1}, {Key: "helloOk", Value: true}})
)

// useHello reports whether checks on the monitoring connection c use
// hello rather than the legacy hello: when the server said helloOk, and
// always with a Stable API version or in load balanced mode, whose
// handshakes use hello.
func useHello(c *conn.Conn, cfg *conn.Config) bool {
	return c.Description().HelloOK || (cfg != nil && (cfg.ServerAPI != nil || cfg.LoadBalanced))
}

// pollHello returns the hello of a polling check (or of an RTT
// measurement) on a monitoring connection that completed its handshake.
func pollHello(c *conn.Conn, cfg *conn.Config) bson.Raw {
	if useHello(c, cfg) {
		return helloCmd
	}
	return legacyHelloCmd
}

// awaitableHello returns the awaitable hello of the streaming protocol:
// hello (or the legacy hello, with helloOk) with the topologyVersion of
// the previous reply and maxAwaitTimeMS set to the heartbeat interval.
func awaitableHello(helloOK bool, tv topology.TopologyVersion, maxAwait time.Duration) bson.Raw {
	d := make(bson.D, 0, 4)
	if helloOK {
		d = append(d, bson.E{Key: "hello", Value: int32(1)})
	} else {
		d = append(d, bson.E{Key: "isMaster", Value: int32(1)}, bson.E{Key: "helloOk", Value: true})
	}
	d = append(d,
		bson.E{Key: "topologyVersion", Value: bson.D{{Key: "processId", Value: tv.ProcessID}, {Key: "counter", Value: tv.Counter}}},
		bson.E{Key: "maxAwaitTimeMS", Value: maxAwait.Milliseconds()},
	)
	b, err := bson.Marshal(d)
	if err != nil { // unreachable: every value is encodable
		return nil
	}
	return b
}

// RoundTrip runs the command body against db on c and returns a copy of the
// reply. A reply with ok: 0 is a *mongoerr.ServerError.
func RoundTrip(ctx context.Context, c *conn.Conn, db string, body bson.Raw) (bson.Raw, error) {
	r, err := c.RoundTrip(ctx, &conn.Command{DB: db, Body: body})
	if err != nil {
		return nil, err
	}
	out := append(bson.Raw(nil), r.Body...)
	r.Release()
	return out, nil
}
