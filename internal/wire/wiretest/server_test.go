package wiretest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
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

func echo(req Request) []Reply {
	return []Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "cmd", Value: req.Command}, {Key: "conn", Value: req.Conn}}}}
}

func TestServerRecordsAndReplies(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, echo)
	c := dial(t, s)
	docs := append(mustDoc(t, bson.D{{Key: "_id", Value: 1}}), mustDoc(t, bson.D{{Key: "_id", Value: 2}})...)
	id := c.send(0, bson.D{{Key: "insert", Value: "coll"}, {Key: "$db", Value: "test"}},
		wire.Sequence{Identifier: "documents", Docs: docs})
	m, p, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Header.CheckResponseTo(id); err != nil {
		t.Error(err)
	}
	if got := p.Body.Lookup("cmd").StringValue(); got != "insert" {
		t.Errorf("reply names command %q", got)
	}
	m.Release()
	if got := c.roundTrip(bson.D{{Key: "ping", Value: 1}}).Lookup("cmd").StringValue(); got != "ping" {
		t.Errorf("second reply names %q", got)
	}

	reqs := s.Requests()
	if len(reqs) != 2 || !slices.Equal(s.Commands(), []string{"insert", "ping"}) {
		t.Fatalf("recorded %v", s.Commands())
	}
	r := reqs[0]
	if r.Conn != 0 || r.Header.RequestID != id || r.Compressed || r.Body.Lookup("$db").StringValue() != "test" {
		t.Errorf("request %+v", r)
	}
	if len(r.Sequences) != 1 || r.Sequences[0].Identifier != "documents" || !bytes.Equal(r.Sequences[0].Docs, docs) {
		t.Errorf("sequences %+v", r.Sequences)
	}
	if s.Accepted() != 1 || s.Err() != nil {
		t.Errorf("accepted %d, err %v", s.Accepted(), s.Err())
	}
}

func TestScript(t *testing.T) {
	LeakCheck(t)
	sc := NewScript(
		Expect("hello", Reply{Doc: bson.D{{Key: "isWritablePrimary", Value: true}, {Key: "ok", Value: 1.0}}}),
		Expect("ping", Reply{Doc: bson.D{{Key: "ok", Value: 1.0}}}),
		Expect("", Reply{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "any", Value: true}}}),
		Expect("find", Reply{Doc: bson.D{{Key: "ok", Value: 1.0}}}),
	)
	s := NewServer(t, sc.Handle)
	c := dial(t, s)
	if !c.roundTrip(bson.D{{Key: "hello", Value: 1}}).Lookup("isWritablePrimary").Boolean() {
		t.Error("hello reply")
	}
	c.roundTrip(bson.D{{Key: "ping", Value: 1}})
	c.roundTrip(bson.D{{Key: "whatever", Value: 1}})
	if sc.Done() || sc.Err() == nil {
		t.Errorf("script done %v with %v before its last step", sc.Done(), sc.Err())
	}
	// A command out of order gets the connection closed.
	c.send(0, bson.D{{Key: "insert", Value: "c"}})
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Errorf("after an unexpected command: %v, want EOF", err)
	}
	if err := sc.Err(); err == nil {
		t.Error("script reports no error")
	}
	c2 := dial(t, s)
	c2.roundTrip(bson.D{{Key: "find", Value: "c"}})
	if !sc.Done() {
		t.Error("script not done")
	}
	c2.send(0, bson.D{{Key: "extra", Value: 1}})
	if _, _, err := c2.read(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last step: %v, want EOF", err)
	}
}

func TestDelayedReply(t *testing.T) {
	LeakCheck(t)
	const delay = 150 * time.Millisecond
	s := NewServer(t, func(Request) []Reply { return []Reply{{Delay: delay, Doc: bson.D{{Key: "ok", Value: 1.0}}}} })
	c := dial(t, s)
	start := time.Now()
	c.roundTrip(bson.D{{Key: "ping", Value: 1}})
	if d := time.Since(start); d < delay {
		t.Errorf("reply after %v, want at least %v", d, delay)
	}
}

func TestCloseReply(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		if req.Command == "last" {
			return []Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}, Close: true}}
		}
		return []Reply{{Close: true}}
	})
	c := dial(t, s)
	c.send(0, bson.D{{Key: "ping", Value: 1}})
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read after Close: %v, want EOF", err)
	}
	c = dial(t, s)
	c.roundTrip(bson.D{{Key: "last", Value: 1}}) // the reply comes, then the close
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read after the reply and Close: %v, want EOF", err)
	}
	if s.Err() != nil {
		t.Error(s.Err())
	}
}

func TestWrongResponseTo(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(Request) []Reply { return []Reply{{WrongResponseTo: true, Doc: bson.D{{Key: "ok", Value: 1.0}}}} })
	c := dial(t, s)
	id := c.send(0, bson.D{{Key: "ping", Value: 1}})
	m, _, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if err := m.Header.CheckResponseTo(id); !errors.Is(err, wire.ErrResponseTo) {
		t.Errorf("CheckResponseTo = %v, want ErrResponseTo", err)
	}
}

func TestExhaustStream(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		if req.Flags&wire.ExhaustAllowed == 0 {
			return []Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		return []Reply{
			{Doc: bson.D{{Key: "n", Value: 1}}, Flags: wire.MoreToCome},
			{Doc: bson.D{{Key: "n", Value: 2}}, Flags: wire.MoreToCome, Delay: 10 * time.Millisecond},
			{Doc: bson.D{{Key: "n", Value: 3}}},
		}
	})
	c := dial(t, s)
	prev := c.send(wire.ExhaustAllowed, bson.D{{Key: "getMore", Value: int64(1)}})
	for i := 1; i <= 3; i++ {
		m, p, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Header.CheckResponseTo(prev); err != nil {
			t.Errorf("reply %d: %v", i, err)
		}
		if more := p.Flags&wire.MoreToCome != 0; more != (i < 3) {
			t.Errorf("reply %d: moreToCome %v", i, more)
		}
		if n := p.Body.Lookup("n").Int32(); n != int32(i) {
			t.Errorf("reply %d: n = %d", i, n)
		}
		prev = m.Header.RequestID
		m.Release()
	}
	c.roundTrip(bson.D{{Key: "ping", Value: 1}}) // the turn is back with the client
}

func TestMoreToComeRequest(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		if req.Flags&wire.MoreToCome != 0 {
			return nil // unacknowledged: no reply
		}
		return echo(req)
	})
	c := dial(t, s)
	c.send(wire.MoreToCome, bson.D{{Key: "insert", Value: "c"}, {Key: "writeConcern", Value: bson.D{{Key: "w", Value: 0}}}})
	if got := c.roundTrip(bson.D{{Key: "ping", Value: 1}}).Lookup("cmd").StringValue(); got != "ping" {
		t.Errorf("first reply is for %q, want ping", got)
	}
	if !slices.Equal(s.Commands(), []string{"insert", "ping"}) {
		t.Errorf("recorded %v", s.Commands())
	}
}

func TestCompressedReplies(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		r := echo(req)
		r[0].Compression = req.Body.Lookup("reply").StringValue()
		return r
	})
	for _, name := range []string{"snappy", "zlib", "zstd", "noop"} {
		comp, err := wire.NewCompressor(name, 6)
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, s)
		c.comp = &comp
		for _, tt := range []struct {
			reply string
			want  bool
			id    wire.CompressorID
		}{{"", true, comp.ID()}, {"none", false, 0}, {"zstd", true, wire.Zstd}} {
			c.send(0, bson.D{{Key: "ping", Value: 1}, {Key: "reply", Value: tt.reply}})
			m, p, err := c.read()
			if err != nil {
				t.Fatalf("%s/%q: %v", name, tt.reply, err)
			}
			if m.Compressed != tt.want || (tt.want && m.Compressor != tt.id) || p.Body.Lookup("cmd").StringValue() != "ping" {
				t.Errorf("%s/%q: compressed %v with %v", name, tt.reply, m.Compressed, m.Compressor)
			}
			m.Release()
		}
		last := s.Requests()[len(s.Requests())-1]
		if !last.Compressed || last.Compressor != comp.ID() {
			t.Errorf("%s: request recorded as compressed %v with %v", name, last.Compressed, last.Compressor)
		}
	}
	// An uncompressed request gets a compressed reply when the Reply asks.
	c := dial(t, s)
	c.send(0, bson.D{{Key: "ping", Value: 1}, {Key: "reply", Value: "snappy"}})
	m, _, err := c.read()
	if err != nil || !m.Compressed || m.Compressor != wire.Snappy {
		t.Errorf("forced snappy: %v, compressed %v with %v", err, m.Compressed, m.Compressor)
	}
	m.Release()
	// An unknown compressor is the test's mistake, reported by Err.
	c.send(0, bson.D{{Key: "ping", Value: 1}, {Key: "reply", Value: "lz4"}})
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Errorf("unknown compressor: %v, want the connection closed", err)
	}
	if !errors.Is(s.Err(), wire.ErrCompressor) {
		t.Errorf("Err() = %v, want ErrCompressor", s.Err())
	}
}

func TestRawReply(t *testing.T) {
	LeakCheck(t)
	garbage := []byte{8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	s := NewServer(t, func(Request) []Reply { return []Reply{{Raw: garbage}} })
	c := dial(t, s)
	c.send(0, bson.D{{Key: "ping", Value: 1}})
	if _, _, err := c.read(); !errors.Is(err, wire.ErrLength) {
		t.Errorf("reading raw garbage: %v, want ErrLength", err)
	}
}

func TestLegacyOpcodeRejected(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, echo)
	c := dial(t, s)
	// An OP_QUERY for legacy hello: the driver must never send one.
	q := wire.AppendHeader(nil, wire.Header{RequestID: 1, OpCode: 2004})
	q = append(q, 0, 0, 0, 0)
	q = append(q, "admin.$cmd\x00"...)
	q = append(q, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff)
	q = append(q, mustDoc(t, bson.D{{Key: "isMaster", Value: 1}})...)
	binaryPutLen(q)
	c.write(q)
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Errorf("after OP_QUERY: %v, want the connection closed", err)
	}
	if !errors.Is(s.Err(), wire.ErrOpcode) {
		t.Errorf("Err() = %v, want ErrOpcode", s.Err())
	}
}

func TestCloseStopsEverything(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(Request) []Reply { return []Reply{{Delay: time.Hour, Doc: bson.D{{Key: "ok", Value: 1.0}}}} })
	var clients []*client
	for range 5 {
		c := dial(t, s)
		c.send(0, bson.D{{Key: "ping", Value: 1}})
		clients = append(clients, c)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Requests()) < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with delayed replies pending", d)
	}
	for i, c := range clients {
		if _, _, err := c.read(); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !isReset(err) {
			t.Errorf("client %d after Close: %v", i, err)
		}
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		t.Error("server still accepts after Close")
	}
	s.Close() // again: a no-op
}

func TestCloseConnections(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, echo)
	c := dial(t, s)
	c.roundTrip(bson.D{{Key: "ping", Value: 1}})
	s.CloseConnections()
	if _, _, err := c.read(); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("after CloseConnections: %v", err)
	}
	c2 := dial(t, s)
	if got := c2.roundTrip(bson.D{{Key: "ping", Value: 1}}).Lookup("conn").Int32(); got != 1 {
		t.Errorf("new connection numbered %d, want 1", got)
	}
	if s.Accepted() != 2 || s.Err() != nil {
		t.Errorf("accepted %d, err %v", s.Accepted(), s.Err())
	}
}

func TestConcurrentClients(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, echo)
	const clients, each = 8, 20
	var wg sync.WaitGroup
	for range clients {
		c := dial(t, s)
		wg.Go(func() {
			for range each {
				id := wire.NextRequestID()
				body, _ := bson.Marshal(bson.D{{Key: "ping", Value: 1}})
				if _, err := c.c.Write(wire.AppendMsg(nil, id, 0, body)); err != nil {
					t.Error(err)
					return
				}
				m, _, err := c.read()
				if err != nil {
					t.Error(err)
					return
				}
				if err := m.Header.CheckResponseTo(id); err != nil {
					t.Error(err)
				}
				m.Release()
			}
		})
	}
	wg.Wait()
	if n := len(s.Requests()); n != clients*each {
		t.Errorf("%d requests recorded, want %d", n, clients*each)
	}
}

// fakeTB captures what LeakCheck reports.
type fakeTB struct {
	testing.TB
	cleanups []func()
	errors   int
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(string, ...any) { f.errors++ }
func (f *fakeTB) runCleanups() {
	slices.Reverse(f.cleanups)
	for _, fn := range f.cleanups {
		fn()
	}
}

func TestLeakCheckFindsLeaks(t *testing.T) {
	defer func(w time.Duration) { leakWait = w }(leakWait)
	leakWait = 100 * time.Millisecond

	f := &fakeTB{TB: t}
	LeakCheck(f)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { <-stop; close(done) }()
	f.runCleanups()
	close(stop)
	<-done
	if f.errors != 1 {
		t.Errorf("LeakCheck reported %d errors for a leaked goroutine, want 1", f.errors)
	}

	f = &fakeTB{TB: t}
	LeakCheck(f)
	go func() { time.Sleep(20 * time.Millisecond) }() // ends within the wait
	f.runCleanups()
	if f.errors != 0 {
		t.Errorf("LeakCheck reported %d errors for a goroutine that ended", f.errors)
	}
}

func mustDoc(t *testing.T, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func binaryPutLen(b []byte) {
	n := len(b)
	b[0], b[1], b[2], b[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// TestCloseEndsIdleConnections checks that Close alone, with clients still
// connected and idle, ends every goroutine of the server.
func TestCloseEndsIdleConnections(t *testing.T) {
	defer func(w time.Duration) { leakWait = w }(leakWait)
	leakWait = 500 * time.Millisecond

	f := &fakeTB{TB: t}
	LeakCheck(f)
	s := NewServer(f, echo) // f's cleanups close it
	for range 3 {
		dial(t, s).roundTrip(bson.D{{Key: "ping", Value: 1}}) // connections stay open until t ends
	}
	f.runCleanups()
	if f.errors != 0 {
		t.Errorf("goroutines left after Close with idle clients")
	}
}
