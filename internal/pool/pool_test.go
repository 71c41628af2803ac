package pool

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
)

// newTestPool creates a ready pool over d, recording its events, and closes
// it and checks for leaked goroutines when the test ends.
func newTestPool(t *testing.T, opts Options, d *fakeDialer) (*Pool[*fakeConn], *recorder) {
	t.Helper()
	before := runtime.NumGoroutine()
	rec := &recorder{}
	p, err := New("127.0.0.1:27017", opts, d.dial, rec.monitor())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		checkGoroutines(t, before)
		if n := d.doubleCloses.Load(); n != 0 {
			t.Errorf("%d connections closed twice", n)
		}
	})
	p.Ready()
	return p, rec
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// gate is a dial hook that blocks every dial until released (or its ctx
// is done), and tells when a dial has started.
type gate struct {
	started chan int64
	release chan struct{}
}

func newGate() *gate {
	return &gate{started: make(chan int64, 100), release: make(chan struct{})}
}

func (g *gate) hook(ctx context.Context, id int64) error {
	g.started <- id
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestCheckOutCancelWhileDialing(t *testing.T) {
	g := newGate()
	d := &fakeDialer{hook: g.hook}
	p, rec := newTestPool(t, DefaultOptions(), d)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-g.started // the dial for this check-out is under way
		cancel()
	}()
	start := time.Now()
	c, err := p.CheckOut(ctx)
	if c != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("CheckOut = %v, %v; want an error wrapping context.Canceled", c, err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("CheckOut returned %v after the cancel", waited)
	}
	var wqt *WaitQueueTimeoutError
	if !errors.As(err, &wqt) || wqt.Timeout() || !errors.Is(err, ErrWaitQueueTimeout) {
		t.Errorf("error %v: want a *WaitQueueTimeoutError that is no timeout", err)
	}
	if got := rec.count("ConnectionCheckOutFailed"); got != 1 {
		t.Errorf("%d CheckOutFailed events, want 1", got)
	}

	// The abandoned dial completes and its connection waits idle.
	close(g.release)
	eventually(t, "the abandoned connection is idle", func() bool { return p.Stats().Idle == 1 })
	c, err = p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.ID() != 1 || d.dials.Load() != 1 {
		t.Errorf("got connection %d after %d dials; want the first one reused", c.ID(), d.dials.Load())
	}
	if err := p.CheckIn(c); err != nil {
		t.Fatal(err)
	}
}

func TestCheckOutDeadlineAndCancelledContext(t *testing.T) {
	d := &fakeDialer{}
	p, _ := newTestPool(t, Options{MaxPoolSize: 1}, d)
	held, err := p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = p.CheckOut(ctx)
	var wqt *WaitQueueTimeoutError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &wqt) || !wqt.Timeout() {
		t.Errorf("CheckOut past the deadline: %v; want a timeout wrapping context.DeadlineExceeded", err)
	}
	if wqt != nil && wqt.Waited < 20*time.Millisecond {
		t.Errorf("waited %v, less than the deadline", wqt.Waited)
	}

	// A context done before the call fails at once, without waiting.
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := p.CheckOut(done); !errors.Is(err, context.Canceled) {
		t.Errorf("CheckOut with a done context: %v", err)
	}
	if s := p.Stats(); s.Waiting != 0 || s.Total != 1 {
		t.Errorf("stats after the timeouts: %+v", s)
	}
	if err := p.CheckIn(held); err != nil {
		t.Fatal(err)
	}
}

func TestWaitQueueTimeoutOption(t *testing.T) {
	d := &fakeDialer{}
	p, _ := newTestPool(t, Options{MaxPoolSize: 1, WaitQueueTimeout: 15 * time.Millisecond}, d)
	held, err := p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.CheckOut(context.Background())
	var wqt *WaitQueueTimeoutError
	if !errors.As(err, &wqt) || wqt.Cause != nil || !wqt.Timeout() {
		t.Fatalf("CheckOut: %v; want a *WaitQueueTimeoutError without cause", err)
	}
	if !strings.Contains(err.Error(), "timed out while checking out a connection from connection pool") {
		t.Errorf("message %q", err)
	}
	_ = p.CheckIn(held)
}

func TestDialFailure(t *testing.T) {
	dialErr := errors.New("fake: connection refused")
	var fail sync.Once
	d := &fakeDialer{}
	d.hook = func(ctx context.Context, id int64) error {
		err := error(nil)
		fail.Do(func() { err = dialErr })
		return err
	}
	p, rec := newTestPool(t, DefaultOptions(), d)

	_, err := p.CheckOut(context.Background())
	var de *DialError
	if !errors.As(err, &de) || !errors.Is(err, dialErr) || de.ConnectionID != 1 || de.Generation != 0 {
		t.Fatalf("CheckOut: %v; want a *DialError for connection 1 wrapping the dial error", err)
	}
	events := rec.snapshot()
	var types []string
	for _, e := range events {
		types = append(types, e["type"].(string))
	}
	want := "ConnectionPoolCreated ConnectionPoolReady ConnectionCheckOutStarted ConnectionCreated ConnectionClosed ConnectionCheckOutFailed"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
	if n := len(events); n >= 2 {
		if e := events[n-2]; e["reason"] != "error" {
			t.Errorf("ConnectionClosed reason %v, want error", e["reason"])
		}
		if e := events[n-1]; e["reason"] != "connectionError" {
			t.Errorf("CheckOutFailed reason %v, want connectionError", e["reason"])
		}
	}
	// The pool stays usable.
	c, err := p.CheckOut(context.Background())
	if err != nil || c.ID() != 2 {
		t.Fatalf("second CheckOut: %v, %v", c, err)
	}
	if s := p.Stats(); s.Total != 1 || s.InUse != 1 {
		t.Errorf("stats %+v", s)
	}
	_ = p.CheckIn(c)
}

func TestBackgroundDialErrorGoesToHandler(t *testing.T) {
	dialErr := errors.New("fake: no route to host")
	d := &fakeDialer{hook: func(context.Context, int64) error { return dialErr }}
	got := make(chan *DialError, 10)
	opts := DefaultOptions()
	opts.MinPoolSize = 1
	opts.OnDialError = func(e *DialError) { got <- e }
	newTestPool(t, opts, d)
	select {
	case e := <-got:
		if !errors.Is(e, dialErr) {
			t.Errorf("handler got %v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the background dial error never reached OnDialError")
	}
}

func TestCloseWhileWaiting(t *testing.T) {
	d := &fakeDialer{}
	before := runtime.NumGoroutine()
	p, err := New("127.0.0.1:27017", Options{MaxPoolSize: 1}, d.dial, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Ready()
	held, err := p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const waiters = 5
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			_, err := p.CheckOut(context.Background())
			errs <- err
		}()
	}
	eventually(t, "all wait", func() bool { return p.Stats().Waiting == waiters })
	p.Close()
	for range waiters {
		select {
		case err := <-errs:
			var pce *PoolClosedError
			if !errors.As(err, &pce) || !errors.Is(err, ErrPoolClosed) {
				t.Errorf("waiter got %v, want a *PoolClosedError", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a waiter is still waiting after Close")
		}
	}
	if d.open.Load() != 1 {
		t.Errorf("%d connections open, want the checked-out one", d.open.Load())
	}
	if err := p.CheckIn(held); err != nil {
		t.Fatal(err)
	}
	if d.open.Load() != 0 {
		t.Errorf("checking in to a closed pool left %d connections open", d.open.Load())
	}
	if _, err := p.CheckOut(context.Background()); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("CheckOut after Close: %v", err)
	}
	p.Close() // again: no effect
	checkGoroutines(t, before)
}

func TestCloseCancelsPendingDial(t *testing.T) {
	g := newGate()
	d := &fakeDialer{hook: g.hook}
	before := runtime.NumGoroutine()
	rec := &recorder{}
	p, err := New("127.0.0.1:27017", DefaultOptions(), d.dial, rec.monitor())
	if err != nil {
		t.Fatal(err)
	}
	p.Ready()
	errc := make(chan error, 1)
	go func() {
		_, err := p.CheckOut(context.Background())
		errc <- err
	}()
	<-g.started
	p.Close() // must not wait for the gate: the dial's ctx is cancelled
	if err := <-errc; !errors.Is(err, ErrPoolClosed) {
		t.Errorf("waiter got %v", err)
	}
	checkGoroutines(t, before)
	// Close joins the dial, so the pending connection's ConnectionClosed
	// comes before PoolClosed. (The waiter's CheckOutFailed comes from its
	// own goroutine and may come after.)
	closedAt, poolClosedAt := -1, -1
	events := rec.snapshot()
	for i, e := range events {
		switch {
		case e["type"] == "ConnectionClosed" && e["reason"] == "poolClosed":
			closedAt = i
		case e["type"] == "ConnectionPoolClosed":
			poolClosedAt = i
		}
	}
	if closedAt < 0 || poolClosedAt < closedAt {
		t.Errorf("want ConnectionClosed(poolClosed) before ConnectionPoolClosed: %s", eventList(events))
	}
}

func TestClearInterruptsInUse(t *testing.T) {
	d := &fakeDialer{}
	p, rec := newTestPool(t, DefaultOptions(), d)
	c, err := p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Interrupted() != nil {
		t.Fatal("interrupted before any clear")
	}
	cause := errors.New("fake: monitor check timed out")
	p.Clear(ClearOptions{InterruptInUse: true, Cause: cause})
	raw := c.Conn()
	eventually(t, "the in-use connection is closed", func() bool { return raw.closes.Load() == 1 })
	var pce *PoolClearedError
	if err := c.Interrupted(); !errors.As(err, &pce) || !pce.Interrupted || !pce.Retryable() ||
		!strings.Contains(err.Error(), "interrupted due to server monitor timeout") {
		t.Errorf("Interrupted() = %v", err)
	}
	// Paused: check-outs fail with a retryable error wrapping the cause.
	if _, err := p.CheckOut(context.Background()); !errors.As(err, &pce) || !errors.Is(err, cause) {
		t.Errorf("CheckOut of a cleared pool: %v", err)
	}
	if err := p.CheckIn(c); err != nil {
		t.Fatal(err)
	}
	events := rec.snapshot()
	if e := events[len(events)-1]; e["type"] != "ConnectionClosed" || e["reason"] != "stale" {
		t.Errorf("last event %v, want ConnectionClosed(stale)", e)
	}
	if p.Generation() != 1 || p.Stats().Total != 0 {
		t.Errorf("generation %d, stats %+v", p.Generation(), p.Stats())
	}
}

func TestCheckInMisuse(t *testing.T) {
	d := &fakeDialer{}
	p, _ := newTestPool(t, DefaultOptions(), d)
	other, _ := newTestPool(t, DefaultOptions(), &fakeDialer{})
	c, err := p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.CheckIn(c); !errors.Is(err, ErrNotCheckedOut) {
		t.Errorf("CheckIn to another pool: %v", err)
	}
	if err := p.CheckIn(c); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckIn(c); !errors.Is(err, ErrNotCheckedOut) {
		t.Errorf("second CheckIn: %v", err)
	}
	if err := p.CheckIn(nil); !errors.Is(err, ErrNotCheckedOut) {
		t.Errorf("CheckIn(nil): %v", err)
	}
	if s := p.Stats(); s.Idle != 1 || s.Total != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestBrokenConnectionIsClosed(t *testing.T) {
	d := &fakeDialer{}
	p, rec := newTestPool(t, DefaultOptions(), d)
	c1, _ := p.CheckOut(context.Background())
	c2, _ := p.CheckOut(context.Background())

	c1.Conn().broken.Store(true) // broken while in use
	_ = p.CheckIn(c1)
	_ = p.CheckIn(c2)
	c2.Conn().broken.Store(true) // closed by the peer while idle

	c3, err := p.CheckOut(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c3.ID() != 3 {
		t.Errorf("got connection %d, want a new one", c3.ID())
	}
	var reasons []string
	for _, e := range rec.snapshot() {
		if e["type"] == "ConnectionClosed" {
			reasons = append(reasons, e["reason"].(string))
		}
	}
	if strings.Join(reasons, ",") != "error,error" {
		t.Errorf("close reasons %v, want two errors", reasons)
	}
	_ = p.CheckIn(c3)
	eventually(t, "broken connections closed", func() bool { return d.open.Load() == 1 })
}

func TestMinPoolSizeAndMaxIdleTime(t *testing.T) {
	d := &fakeDialer{}
	opts := Options{MinPoolSize: 3, MaxConnecting: 2, MaxIdleTime: 20 * time.Millisecond, MaintainInterval: 5 * time.Millisecond}
	p, rec := newTestPool(t, opts, d)
	eventually(t, "the pool is filled", func() bool { return p.Stats().Idle == 3 })
	if m := d.maxDialing.Load(); m > 2 {
		t.Errorf("%d dials at once, MaxConnecting is 2", m)
	}
	// Idle connections expire and are replaced.
	eventually(t, "idle connections are replaced", func() bool { return d.dials.Load() >= 6 })
	idle := 0
	for _, e := range rec.snapshot() {
		if e["type"] == "ConnectionClosed" && e["reason"] == "idle" {
			idle++
		}
	}
	if idle < 3 {
		t.Errorf("%d idle closes, want at least 3", idle)
	}
	if s := p.Stats(); s.Total > 3+opts.MaxConnecting {
		t.Errorf("stats %+v", s)
	}
}

func TestLoadBalancedClear(t *testing.T) {
	svcA, svcB := bson.ObjectID{1}, bson.ObjectID{2}
	d := &fakeDialer{svc: func(id int64) bson.ObjectID {
		if id == 3 {
			return svcB
		}
		return svcA
	}}
	var cleared []event.PoolClearedEvent
	var mu sync.Mutex
	mon := &event.PoolMonitor{PoolCleared: func(e event.PoolClearedEvent) {
		mu.Lock()
		cleared = append(cleared, e)
		mu.Unlock()
	}}
	before := runtime.NumGoroutine()
	p, err := New("lb.example:27017", Options{LoadBalanced: true}, d.dial, mon)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { p.Close(); checkGoroutines(t, before) }()
	p.Ready()
	var cs []*PooledConn[*fakeConn]
	for range 3 {
		c, err := p.CheckOut(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	if id, ok := cs[2].ServiceID(); !ok || id != svcB {
		t.Errorf("connection 3 has service %v, %v", id, ok)
	}
	for _, c := range cs {
		_ = p.CheckIn(c)
	}
	p.Clear(ClearOptions{ServiceID: &svcA})
	mu.Lock()
	if len(cleared) != 1 || cleared[0].ServiceID == nil || *cleared[0].ServiceID != svcA {
		t.Errorf("PoolCleared events %+v", cleared)
	}
	mu.Unlock()
	if s := p.Stats(); !s.Ready || p.ServiceGeneration(svcA) != 1 || p.ServiceGeneration(svcB) != 0 {
		t.Errorf("after the clear: stats %+v, generations %d %d", s, p.ServiceGeneration(svcA), p.ServiceGeneration(svcB))
	}
	// Service B's connection survives; service A's are stale.
	c, err := p.CheckOut(context.Background())
	if err != nil || c.ID() != 3 {
		t.Fatalf("CheckOut: %v, %v; want connection 3", c, err)
	}
	c2, err := p.CheckOut(context.Background())
	if err != nil || c2.ID() != 4 {
		t.Fatalf("CheckOut: %v, %v; want a new connection 4", c2, err)
	}

	// Wait-queue timeouts detail the pinned connections.
	p2, err := New("lb.example:27017", Options{LoadBalanced: true, MaxPoolSize: 2, WaitQueueTimeout: 5 * time.Millisecond}, d.dial, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	p2.Ready()
	a, _ := p2.CheckOut(context.Background())
	b, _ := p2.CheckOut(context.Background())
	a.Pin(PinnedToCursor)
	b.Pin(PinnedToTransaction)
	_, err = p2.CheckOut(context.Background())
	want := "maxPoolSize: 2, connections in use by cursors: 1, connections in use by transactions: 1, connections in use by other operations: 0"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("timeout message %v; want it to contain %q", err, want)
	}
	_ = p2.CheckIn(a)
	_ = p2.CheckIn(b)
	if n := p2.pinnedCursors.Load() + p2.pinnedTxns.Load(); n != 0 {
		t.Errorf("%d connections still counted as pinned after check-in", n)
	}
	_ = p.CheckIn(c)
	_ = p.CheckIn(c2)
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"negative max", Options{MaxPoolSize: -1}},
		{"negative min", Options{MinPoolSize: -1}},
		{"min over max", Options{MaxPoolSize: 2, MinPoolSize: 3}},
		{"negative maxConnecting", Options{MaxConnecting: -1}},
		{"negative idle", Options{MaxIdleTime: -time.Second}},
		{"negative wait", Options{WaitQueueTimeout: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := New("h:1", tc.opts, (&fakeDialer{}).dial, nil); err == nil {
				p.Close()
				t.Errorf("New accepted %+v", tc.opts)
			}
		})
	}
	// Zero values stand for the defaults where the specification has them.
	rec := &recorder{}
	p, err := New("h:1", Options{MinPoolSize: 5}, (&fakeDialer{}).dial, rec.monitor())
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	opts := rec.snapshot()[0]["options"].(map[string]any)
	if opts["maxConnecting"] != float64(DefaultMaxConnecting) || opts["maxPoolSize"] != 0.0 || opts["minPoolSize"] != 5.0 {
		t.Errorf("PoolCreated options %v", opts)
	}
}

func TestErrorValues(t *testing.T) {
	cause := errors.New("boom")
	for _, tc := range []struct {
		err      error
		sentinel error
		text     string
	}{
		{&PoolClosedError{Address: "a:1"}, ErrPoolClosed, "attempted to check out a connection from closed connection pool for a:1"},
		{&PoolClearedError{Address: "a:1", Cause: cause}, ErrPoolCleared, "connection pool for a:1 was cleared because another operation failed with: boom"},
		{&PoolClearedError{Address: "a:1"}, ErrPoolCleared, "connection pool for a:1 was cleared"},
		{&WaitQueueTimeoutError{Address: "a:1", Waited: time.Second}, ErrWaitQueueTimeout, "timed out while checking out a connection from connection pool for a:1 after 1s"},
		{&WaitQueueTimeoutError{Address: "a:1", Cause: context.Canceled}, context.Canceled, "stopped after 0s: context canceled"},
		{&DialError{Address: "a:1", ConnectionID: 7, Err: cause}, cause, "establishing connection 7 to a:1: boom"},
	} {
		if !errors.Is(tc.err, tc.sentinel) {
			t.Errorf("%v is not %v", tc.err, tc.sentinel)
		}
		if !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("message %q, want it to contain %q", tc.err, tc.text)
		}
	}
	if errors.Is(&PoolClosedError{}, ErrPoolCleared) || errors.Is(&PoolClearedError{}, ErrPoolClosed) {
		t.Error("sentinels match the wrong types")
	}
}
