package cluster

import (
	"context"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
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

// monitorHello checks a server on a monitoring connection that completed
// its handshake, with hello if the server said it supports it. The reply
// is a copy the caller owns.
func monitorHello(ctx context.Context, c *conn.Conn) (bson.Raw, error) {
	body := legacyHelloCmd
	if c.Description().HelloOK {
		body = helloCmd
	}
	return RoundTrip(ctx, c, "admin", body)
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
