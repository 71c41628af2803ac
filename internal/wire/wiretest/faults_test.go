package wiretest

import (
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

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

// fakeTB captures what LeakCheck reports.
type fakeTB struct {
	testing.TB
	cleanups []func()
	errors   int
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

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
