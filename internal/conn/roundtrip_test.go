package conn

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

var pingCmd = bson.D{{Key: "ping", Value: int32(1)}}

func TestRoundTrip(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(len(req.Sequences))}, {Key: "ok", Value: int32(1)}}}}
	})
	c := dial(t, s.Addr(), nil)
	docs := append(marshal(t, bson.D{{Key: "_id", Value: 1}}), marshal(t, bson.D{{Key: "_id", Value: 2}})...)
	cmd := &Command{DB: "shop", Body: marshal(t, bson.D{{Key: "insert", Value: "orders"}, {Key: "ordered", Value: true}}),
		Sequences: []wire.Sequence{{Identifier: "documents", Docs: docs}}}
	r, err := c.RoundTrip(context.Background(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if r.Body.Lookup("n").Int32() != 1 || r.MoreToCome() {
		t.Errorf("reply %v", r.Body)
	}
	r.Release()
	if r.Body != nil {
		t.Error("Release left Body set")
	}
	req := s.Requests()[1]
	want := marshal(t, bson.D{{Key: "insert", Value: "orders"}, {Key: "ordered", Value: true}, {Key: "$db", Value: "shop"}})
	if !bytes.Equal(req.Body, want) {
		t.Errorf("body sent %v, want %v", req.Body, want)
	}
	if len(req.Sequences) != 1 || req.Sequences[0].Identifier != "documents" || !bytes.Equal(req.Sequences[0].Docs, docs) {
		t.Errorf("sequences sent %+v", req.Sequences)
	}
	if req.Flags != 0 || req.Compressed {
		t.Errorf("flags %v, compressed %v", req.Flags, req.Compressed)
	}
}

func TestRoundTripChecksum(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd), Flags: wire.ChecksumPresent | wire.MoreToCome})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if got := s.Requests()[1].Flags; got != wire.ChecksumPresent {
		t.Errorf("flags sent %v: want the checksum, and moreToCome left to Send", got)
	}
}

func TestRoundTripServerError(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "insert" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(11000)},
				{Key: "errmsg", Value: "E11000 duplicate key"}, {Key: "errorLabels", Value: bson.A{"Label"}}}}}
		}
		if req.Command == "noOk" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: 1}}}}
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: true}}}}
	})
	c := dial(t, s.Addr(), nil)
	_, err := c.RoundTrip(context.Background(), &Command{DB: "db", Body: marshal(t, bson.D{{Key: "insert", Value: "c"}})})
	var se *mongoerr.ServerError
	if !errors.As(err, &se) || !errors.Is(err, mongoerr.ErrDuplicateKey) || se.Command != "insert" || !se.HasLabel("Label") || se.Raw == nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("a server error broke the connection: %v", c.Err())
	}
	_, err = c.RoundTrip(context.Background(), &Command{DB: "db", Body: marshal(t, bson.D{{Key: "noOk", Value: 1}})})
	if !errors.As(err, &se) {
		t.Errorf("a reply without ok: %v", err)
	}
	ping(t, c) // ok: true counts as success
}

func TestRoundTripInvalidCommand(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	for name, cmd := range map[string]*Command{
		"no database":     {Body: marshal(t, pingCmd)},
		"empty document":  {DB: "db", Body: marshal(t, bson.D{})},
		"short":           {DB: "db", Body: bson.Raw{5, 0, 0}},
		"length mismatch": {DB: "db", Body: append(marshal(t, pingCmd), 0)},
		"no terminator":   {DB: "db", Body: func() bson.Raw { b := marshal(t, pingCmd); b[len(b)-1] = 1; return b }()},
	} {
		if _, err := c.RoundTrip(context.Background(), cmd); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("%s: %v", name, err)
		}
		if err := c.Send(context.Background(), cmd); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("Send %s: %v", name, err)
		}
	}
	if c.Err() != nil || len(s.Requests()) != 1 {
		t.Errorf("invalid commands were sent (%v) or broke the connection (%v)", s.Commands(), c.Err())
	}
}

// FerretDB answers messages flagged moreToCome: those replies must be

// discarded, never handed to the next command.

func TestStaleMoreToComeReplyDiscarded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration // before the reply to the w:0 insert
	}{
		{"already arrived", 0},
		{"arrives during the next round trip", 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			s := server(t, func(req wiretest.Request) []wiretest.Reply {
				if req.Command == "insert" {
					return []wiretest.Reply{{Delay: tc.delay, Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "stale", Value: true}, {Key: "ok", Value: 1.0}}}}
				}
				return []wiretest.Reply{{Doc: bson.D{{Key: "fresh", Value: true}, {Key: "ok", Value: 1.0}}}}
			})
			c := dial(t, s.Addr(), nil)
			insert := &Command{DB: "db", Body: marshal(t, bson.D{{Key: "insert", Value: "c"}, {Key: "writeConcern", Value: bson.D{{Key: "w", Value: 0}}}})}
			for range 3 {
				if err := c.Send(context.Background(), insert); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 {
				body := ping(t, c)
				if body.Lookup("stale").Type != 0 || !body.Lookup("fresh").Boolean() {
					t.Fatalf("ping got %v", body)
				}
			}
			if c.Err() != nil || len(c.noReply) != 0 || c.discarded != 3 {
				t.Errorf("err %v, %d request IDs still remembered, %d replies discarded", c.Err(), len(c.noReply), c.discarded)
			}
			for _, r := range s.Requests()[1:4] {
				if r.Flags != wire.MoreToCome {
					t.Errorf("insert sent with flags %v", r.Flags)
				}
			}
		})
	}
}

// A server that answers no moreToCome message, as MongoDB does.

func TestSendWithoutReplies(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	for range maxNoReply + 10 {
		if err := c.Send(context.Background(), &Command{DB: "db", Body: marshal(t, bson.D{{Key: "insert", Value: "c"}})}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.noReply) != maxNoReply {
		t.Errorf("%d request IDs remembered, want the cap %d", len(c.noReply), maxNoReply)
	}
	ping(t, c)
	if len(c.noReply) != 0 {
		t.Errorf("%d request IDs remembered after a reply", len(c.noReply))
	}
}

func TestWrongResponseToBreaks(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{WrongResponseTo: true, Doc: okReply}}
	})
	d := &recordingDialer{}
	c := dial(t, s.Addr(), &Config{Dialer: d})
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	ne := networkError(t, err)
	if !errors.Is(err, wire.ErrResponseTo) || ne.Op != "read" {
		t.Errorf("RoundTrip: %v", err)
	}
	if !c.Broken() || !c.Closed() || !errors.Is(c.Err(), wire.ErrResponseTo) || !d.allClosed() {
		t.Errorf("broken %v closed %v err %v socket closed %v", c.Broken(), c.Closed(), c.Err(), d.allClosed())
	}
	_, err = c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, ErrClosed) || !mongoerr.IsNetworkError(err) {
		t.Errorf("RoundTrip on a broken connection: %v", err)
	}
	if err := c.Send(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Send on a broken connection: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close after a failure: %v", err)
	}
}

// A context whose deadline is later than the socket timeout does not

// lengthen it, and an earlier one wins over it.

// The deadline of one round trip must not linger into the next.

func TestOversizedReply(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "pad", Value: strings.Repeat("x", 2048)}, {Key: "ok", Value: 1.0}}}}
	})
	c := dial(t, s.Addr(), &Config{MaxMessageSize: 1024})
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, wire.ErrTooLarge) || !c.Broken() {
		t.Errorf("RoundTrip: %v, broken %v", err, c.Broken())
	}
}

func TestCompressedRoundTrips(t *testing.T) {
	for _, name := range []string{"snappy", "zlib", "zstd"} {
		t.Run(name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			big := strings.Repeat("compressible ", 5000)
			s := server(t, func(req wiretest.Request) []wiretest.Reply {
				return []wiretest.Reply{{Doc: bson.D{{Key: "echo", Value: req.Body.Lookup("data").StringValue()}, {Key: "ok", Value: 1.0}}}}
			}, bson.E{Key: "compression", Value: bson.A{name}})
			c := dial(t, s.Addr(), &Config{Compressors: []string{name}, ZlibLevel: 6})
			for range 3 {
				r, err := c.RoundTrip(context.Background(), &Command{DB: "db", Body: marshal(t, bson.D{{Key: "echo", Value: 1}, {Key: "data", Value: big}})})
				if err != nil {
					t.Fatal(err)
				}
				if r.Body.Lookup("echo").StringValue() != big {
					t.Error("reply does not echo the data")
				}
				r.Release()
			}
			for _, req := range s.Requests()[1:] {
				if !req.Compressed || req.Compressor.String() != name {
					t.Errorf("%s sent compressed %v with %v", req.Command, req.Compressed, req.Compressor)
				}
			}
		})
	}
}

// Commands that must not be compressed go uncompressed even once a

// compressor is in use.

func TestIncompressibleCommands(t *testing.T) {
	s := server(t, nil, bson.E{Key: "compression", Value: bson.A{"zstd"}})
	c := dial(t, s.Addr(), &Config{Compressors: []string{"zstd"}})
	for _, name := range []string{"hello", "saslContinue", "ping"} {
		r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: name, Value: 1}})})
		if err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	for _, req := range s.Requests()[1:] {
		if want := req.Command == "ping"; req.Compressed != want {
			t.Errorf("%s compressed %v", req.Command, req.Compressed)
		}
	}
}

// A command sent in the middle of a stream would read the stream's replies:

// it breaks the connection instead.

// An awaitable hello stream cancelled by its monitor.

func TestMalformedReplyBreaks(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: 1 << 3}} // an undefined required flag bit
	})
	c := dial(t, s.Addr(), nil)
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, wire.ErrFlags) || !c.Broken() || networkError(t, err).Op != "read" {
		t.Errorf("RoundTrip: %v", err)
	}
}

// A buffer grown for a big message is not kept for the connection's life.

func TestBigMessageBuffersReleased(t *testing.T) {
	s := server(t, nil, bson.E{Key: "compression", Value: bson.A{"snappy"}})
	c := dial(t, s.Addr(), &Config{Compressors: []string{"snappy"}})
	big := marshal(t, bson.D{{Key: "insert", Value: "c"}, {Key: "pad", Value: strings.Repeat("x", 2*maxKeptBuffer)}})
	r, err := c.RoundTrip(context.Background(), &Command{DB: "db", Body: big})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if cap(c.wbuf) > maxKeptBuffer || cap(c.cbuf) > maxKeptBuffer {
		t.Errorf("buffers of %d and %d bytes kept", cap(c.wbuf), cap(c.cbuf))
	}
	ping(t, c)
	if cap(c.wbuf) == 0 {
		t.Error("the small buffer is not kept")
	}
}

func TestFirstKey(t *testing.T) {
	for _, tc := range []struct {
		doc  []byte
		want string
	}{
		{marshal(t, pingCmd), "ping"},
		{marshal(t, bson.D{}), ""},
		{[]byte{9, 0, 0, 0, 2, 'a', 'b', 'c'}, ""}, // no NUL after the key
		{nil, ""},
	} {
		if got := commandName(tc.doc); got != tc.want {
			t.Errorf("commandName(%v) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}
