package conn

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// replayConn is a net.Conn whose peer answers every message written with
// the next of its replies, framed as an OP_MSG answering that message: the
// fuzzers choose the bodies and flags, not the framing.
type replayConn struct {
	replies []fuzzReply
	in      bytes.Buffer // what the client will read
	closed  bool
}

type fuzzReply struct {
	body  []byte
	flags wire.MsgFlags
}

func (c *replayConn) Write(b []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(b) < wire.HeaderLen {
		return 0, errors.New("short write")
	}
	if len(c.replies) == 0 {
		return len(b), nil // the reads then find EOF
	}
	h, _ := wire.ParseHeader(b)
	r := c.replies[0]
	c.replies = c.replies[1:]
	out, start := wire.BeginMsg(nil, 1, h.RequestID, r.flags)
	out = append(out, 0)
	out = append(out, r.body...)
	out = wire.EndMsg(out, start)
	c.in.Write(out)
	return len(b), nil
}

func (c *replayConn) Read(b []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	if c.in.Len() == 0 {
		return 0, io.EOF
	}
	return c.in.Read(b)
}

func (c *replayConn) Close() error                     { c.closed = true; return nil }
func (c *replayConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *replayConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

type replayDialer struct{ conn *replayConn }

func (d replayDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return d.conn, nil
}

// FuzzHandshakeReply answers the hello with arbitrary bytes: Dial must
// return a usable connection or an error, never panic, and a connection it
// returns must carry a command.
func FuzzHandshakeReply(f *testing.F) {
	seed := func(d bson.D) []byte { b, _ := bson.Marshal(d); return b }
	f.Add(seed(helloReply()), uint32(0), false, seed(okReply))
	f.Add(seed(helloReply(bson.E{Key: "serviceId", Value: bson.NewObjectID()})), uint32(0), true, seed(okReply))
	f.Add(seed(helloReply(bson.E{Key: "compression", Value: bson.A{"zstd", "snappy"}})), uint32(0), false, seed(okReply))
	f.Add(seed(helloReply(bson.E{Key: "saslSupportedMechs", Value: bson.A{"x"}}, bson.E{Key: "speculativeAuthenticate", Value: bson.D{}})), uint32(2), false, seed(bson.D{{Key: "ok", Value: 0}}))
	f.Add([]byte{5, 0, 0, 0, 0}, uint32(0), false, []byte{})
	f.Fuzz(func(t *testing.T, hello []byte, flags uint32, lb bool, second []byte) {
		rc := &replayConn{replies: []fuzzReply{{hello, wire.MsgFlags(flags)}, {second, 0}}}
		c, err := Dial(context.Background(), "fuzz:27017", &Config{Dialer: replayDialer{rc}, LoadBalanced: lb, Compressors: []string{"zstd", "snappy", "zlib"}, ZlibLevel: -1})
		if err != nil {
			if !rc.closed {
				t.Fatal("a failed Dial left the connection open")
			}
			return
		}
		d := c.Description()
		if d.MaxMessageSize <= 0 || d.MaxBSONObjectSize <= 0 || d.MaxWriteBatchSize <= 0 || (lb && !d.HasServiceID) {
			t.Fatalf("Description %+v", d)
		}
		if d.Hello.Validate() != nil || d.Hello.Lookup("speculativeAuthenticate").Type != 0 {
			t.Fatalf("Description.Hello %v", d.Hello)
		}
		r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: seed(bson.D{{Key: "ping", Value: 1}})})
		if err == nil {
			if binary.LittleEndian.Uint32(r.Body) != uint32(len(r.Body)) {
				t.Fatal("reply body with a wrong length")
			}
			r.Release()
		}
	})
}

// FuzzParseDescription reads arbitrary documents as hello replies.
func FuzzParseDescription(f *testing.F) {
	for _, d := range []bson.D{helloReply(), {{Key: "speculativeAuthenticate", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "ok", Value: 1}}} {
		b, _ := bson.Marshal(d)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := parseDescription(b)
		if d.MaxMessageSize <= 0 || d.MaxBSONObjectSize <= 0 || d.MaxWriteBatchSize <= 0 {
			t.Fatalf("Description %+v", d)
		}
		_ = serverCompressors(b)
		if bson.Raw(b).Validate() == nil {
			out := withoutElement(b, "speculativeAuthenticate")
			if out.Validate() != nil || out.Lookup("speculativeAuthenticate").Type != 0 {
				t.Fatalf("withoutElement(%v) = %v", bson.Raw(b), out)
			}
		}
	})
}
