package conn

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
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

func TestCancelDuringDelayedReply(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("RoundTrip returned %v after the cancel", elapsed)
	}
	ne := networkError(t, err)
	if !errors.Is(err, context.Canceled) || ne.Timeout() || ne.Op != "read" {
		t.Errorf("RoundTrip: %v (timeout %v)", err, ne.Timeout())
	}
	if !c.Broken() || !c.Closed() {
		t.Error("the interrupted connection is not broken")
	}
}

func TestContextDeadline(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	ne := networkError(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || !ne.Timeout() || !mongoerr.IsTimeout(err) {
		t.Errorf("RoundTrip: %v (timeout %v)", err, ne.Timeout())
	}
	if !c.Broken() {
		t.Error("the timed-out connection is not broken")
	}
}

func TestSocketTimeout(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "slow" {
			return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
		}
		return []wiretest.Reply{{Doc: okReply}}
	})
	c := dial(t, s.Addr(), &Config{SocketTimeout: 100 * time.Millisecond})
	// The handshake is not bound by the socket timeout, and a quick command
	// is not either.
	ping(t, c)
	start := time.Now()
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "slow", Value: 1}})})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("RoundTrip took %v with a 100ms socket timeout", elapsed)
	}
	ne := networkError(t, err)
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || !ne.Timeout() {
		t.Errorf("RoundTrip: %v", err)
	}
}

// A context whose deadline is later than the socket timeout does not
// lengthen it, and an earlier one wins over it.
func TestDeadlineIsTheEarlier(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), &Config{SocketTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("socket timeout first: %v", err)
	}

	c = dial(t, s.Addr(), &Config{SocketTimeout: time.Minute})
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context deadline first: %v", err)
	}
}

// The deadline of one round trip must not linger into the next.
func TestDeadlineCleared(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "slow" {
			return []wiretest.Reply{{Delay: 200 * time.Millisecond, Doc: okReply}}
		}
		return []wiretest.Reply{{Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	r, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	cancel() // after the round trip: its interruption may run, and is waited for
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	time.Sleep(60 * time.Millisecond)
	r, err = c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "slow", Value: 1}})})
	if err != nil {
		t.Fatalf("a round trip after one with a deadline: %v", err)
	}
	r.Release()
}

func TestContextDoneBeforeSending(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, context.Canceled) {
		t.Errorf("RoundTrip: %v", err)
	}
	if err := c.Send(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send: %v", err)
	}
	if c.Err() != nil || len(s.Requests()) != 1 {
		t.Fatalf("a done context sent %v or broke the connection: %v", s.Commands(), c.Err())
	}
	ping(t, c)
}

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

func TestExhaustStream(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "getMore":
			return []wiretest.Reply{
				{Doc: bson.D{{Key: "batch", Value: 1}, {Key: "ok", Value: 1.0}}, Flags: wire.MoreToCome},
				{Doc: bson.D{{Key: "batch", Value: 2}, {Key: "ok", Value: 1.0}}, Flags: wire.MoreToCome, Delay: 20 * time.Millisecond},
				{Doc: bson.D{{Key: "batch", Value: 3}, {Key: "ok", Value: 1.0}}},
			}
		case "noExhaust":
			return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}}
		}
		return []wiretest.Reply{{Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	if _, err := c.ReadMore(context.Background()); !errors.Is(err, ErrNotStreaming) || c.Err() != nil {
		t.Fatalf("ReadMore without a stream: %v (conn err %v)", err, c.Err())
	}
	getMore := &Command{DB: "db", Body: marshal(t, bson.D{{Key: "getMore", Value: int64(1)}}), Flags: wire.ExhaustAllowed}
	r, err := c.RoundTrip(context.Background(), getMore)
	if err != nil {
		t.Fatal(err)
	}
	batches := []int32{r.Body.Lookup("batch").Int32()}
	more := r.MoreToCome()
	r.Release()
	if s.Requests()[1].Flags != wire.ExhaustAllowed {
		t.Errorf("getMore flags %v", s.Requests()[1].Flags)
	}
	if !c.Streaming() || !errors.Is(c.Err(), ErrStreaming) {
		t.Errorf("during the stream: streaming %v, err %v", c.Streaming(), c.Err())
	}
	for more {
		r, err := c.ReadMore(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		batches = append(batches, r.Body.Lookup("batch").Int32())
		more = r.MoreToCome()
		r.Release()
	}
	if len(batches) != 3 || batches[2] != 3 || c.Streaming() || c.Err() != nil {
		t.Fatalf("batches %v, streaming %v, err %v", batches, c.Streaming(), c.Err())
	}
	ping(t, c)

	// A moreToCome reply to a request that did not allow it.
	_, err = c.RoundTrip(context.Background(), &Command{DB: "db", Body: marshal(t, bson.D{{Key: "noExhaust", Value: 1}})})
	if !errors.Is(err, ErrUnexpectedMoreToCome) || !c.Broken() {
		t.Errorf("unexpected moreToCome: %v", err)
	}
}

// A command sent in the middle of a stream would read the stream's replies:
// it breaks the connection instead.
func TestCommandDuringStream(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}, {Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "hello", Value: 1}}), Flags: wire.ExhaustAllowed})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if _, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, ErrStreaming) || !c.Broken() {
		t.Errorf("RoundTrip during a stream: %v", err)
	}
}

// An awaitable hello stream cancelled by its monitor.
func TestReadMoreCancel(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}, {Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "hello", Value: 1}}), Flags: wire.ExhaustAllowed})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.ReadMore(ctx); !errors.Is(err, context.DeadlineExceeded) || !c.Broken() {
		t.Errorf("ReadMore: %v", err)
	}
	if _, err := c.ReadMore(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadMore on a broken connection: %v", err)
	}
}

func TestReadMoreWrongResponseTo(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: okReply, Flags: wire.MoreToCome}, {Doc: okReply, WrongResponseTo: true}}
	})
	c := dial(t, s.Addr(), nil)
	r, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, bson.D{{Key: "hello", Value: 1}}), Flags: wire.ExhaustAllowed})
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if _, err := c.ReadMore(context.Background()); !errors.Is(err, wire.ErrResponseTo) || !c.Broken() {
		t.Errorf("ReadMore: %v", err)
	}
}

func TestCloseDuringRoundTrip(t *testing.T) {
	wiretest.LeakCheck(t)
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(50 * time.Millisecond)
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	wg.Wait()
	if !errors.Is(err, net.ErrClosed) || !mongoerr.IsNetworkError(err) {
		t.Errorf("RoundTrip: %v", err)
	}
	if !c.Closed() || c.Close() != nil || !errors.Is(c.Err(), net.ErrClosed) {
		t.Errorf("closed %v, err %v", c.Closed(), c.Err())
	}
}

func TestCloseIdempotent(t *testing.T) {
	s := server(t, nil)
	c := dial(t, s.Addr(), nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _ = c.Close() })
	}
	wg.Wait()
	if !c.Closed() || c.Broken() || !errors.Is(c.Err(), ErrClosed) || c.Close() != nil {
		t.Errorf("closed %v broken %v err %v", c.Closed(), c.Broken(), c.Err())
	}
}

func TestPeerCloses(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Close: true}}
	})
	c := dial(t, s.Addr(), nil)
	_, err := c.RoundTrip(context.Background(), &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if ne := networkError(t, err); ne.Op != "read" || ne.Timeout() || !c.Broken() {
		t.Errorf("RoundTrip: %v", err)
	}
}

func TestCancelCause(t *testing.T) {
	s := server(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: 10 * time.Second, Doc: okReply}}
	})
	c := dial(t, s.Addr(), nil)
	cause := errors.New("the user went away")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(20*time.Millisecond, func() { cancel(cause) })
	_, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Errorf("RoundTrip: %v", err)
	}
}

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
