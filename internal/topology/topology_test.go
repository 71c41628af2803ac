package topology

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/mongoerr"
)

// fakeClock is a Clock whose timers fire when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	c       chan time.Time
	stopped bool
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	ft := &fakeTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	c.timers = append(c.timers, ft)
	return fakeTimerRef{c, ft}
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, ft := range c.timers {
		if !ft.stopped && !ft.at.After(c.now) {
			ft.stopped = true
			ft.c <- c.now
		}
	}
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ft := range c.timers {
		if !ft.stopped {
			n++
		}
	}
	return n
}

type fakeTimerRef struct {
	c  *fakeClock
	ft *fakeTimer
}

func (r fakeTimerRef) C() <-chan time.Time { return r.ft.c }
func (r fakeTimerRef) Stop() bool {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	was := !r.ft.stopped
	r.ft.stopped = true
	return was
}

func helloReply(t testing.TB, json string) bson.Raw { return extJSON(t, []byte(json)) }

func newTestTopology(t testing.TB, cfg Config) (*Topology, *fakeHooks, *fakeClock, *recorder) {
	if cfg.ServerSelectionTimeout == 0 {
		cfg.ServerSelectionTimeout = 30 * time.Second
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = 10 * time.Second
	}
	if cfg.LocalThreshold == 0 {
		cfg.LocalThreshold = 15 * time.Millisecond
	}
	hooks := newFakeHooks()
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	rec := &recorder{}
	mon := rec.monitor()
	mon.ServerHeartbeatStarted = func(e event.ServerHeartbeatStartedEvent) { rec.add("heartbeat_started", e) }
	mon.ServerHeartbeatSucceeded = func(e event.ServerHeartbeatSucceededEvent) { rec.add("heartbeat_succeeded", e) }
	mon.ServerHeartbeatFailed = func(e event.ServerHeartbeatFailedEvent) { rec.add("heartbeat_failed", e) }
	topo := New(cfg, Options{Monitor: mon, Hooks: hooks, Clock: clock})
	topo.Open()
	return topo, hooks, clock, rec
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSelectServerWaitsForChange(t *testing.T) {
	topo, hooks, clock, _ := newTestTopology(t, Config{Seeds: []string{"a:27017", "b:27017"}, SetName: "rs"})
	type result struct {
		sd  ServerDescription
		err error
	}
	done := make(chan result, 1)
	go func() {
		sd, err := topo.SelectServer(context.Background(), Criteria{Write: true})
		done <- result{sd, err}
	}()
	waitFor(t, "a selection timer", func() bool { return clock.pending() == 1 })
	hooks.mu.Lock()
	checks := slices.Clone(hooks.checks)
	hooks.mu.Unlock()
	if !slices.Contains(checks, "a:27017") || !slices.Contains(checks, "b:27017") {
		t.Errorf("selection requested checks of %v, want both servers", checks)
	}
	select {
	case r := <-done:
		t.Fatalf("selection returned before any primary: %+v", r)
	default:
	}
	topo.ServerChecked(NewServerDescription("b:27017", helloReply(t,
		`{"ok":1,"isWritablePrimary":false,"secondary":true,"setName":"rs","hosts":["a:27017","b:27017"],"maxWireVersion":21}`),
		time.Millisecond, clock.Now()), false)
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t,
		`{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],"maxWireVersion":21}`),
		time.Millisecond, clock.Now()), false)
	r := <-done
	if r.err != nil || r.sd.Addr != "a:27017" {
		t.Fatalf("selected %s, %v; want a:27017", r.sd.Addr, r.err)
	}
	if n := topo.OperationCount("a:27017"); n != 1 {
		t.Errorf("operation count %d after selection, want 1", n)
	}
	topo.ReleaseServer("a:27017")
	if n := topo.OperationCount("a:27017"); n != 0 {
		t.Errorf("operation count %d after release, want 0", n)
	}
	if clock.pending() != 0 {
		t.Error("selection left its timer running")
	}
}

func TestSelectServerTimeout(t *testing.T) {
	topo, _, clock, _ := newTestTopology(t, Config{Seeds: []string{"a:27017"}, SetName: "rs", ServerSelectionTimeout: 2 * time.Second})
	topo.ServerChecked(NewUnknownServer("a:27017", errors.New("connection refused")), false)
	done := make(chan error, 1)
	go func() {
		_, err := topo.SelectServer(context.Background(), Criteria{ReadPref: ReadPref{Mode: Secondary}})
		done <- err
	}()
	waitFor(t, "a selection timer", func() bool { return clock.pending() == 1 })
	clock.advance(2 * time.Second)
	err := <-done
	var se *SelectionError
	if !errors.As(err, &se) || !errors.Is(err, ErrSelectionTimeout) || !se.Timeout() || !mongoerr.IsTimeout(err) {
		t.Fatalf("error %v, want a selection timeout", err)
	}
	msg := err.Error()
	for _, want := range []string{"read with read preference secondary", "2s", "ReplicaSetNoPrimary", "a:27017 (Unknown: connection refused)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestSelectServerContextAndClose(t *testing.T) {
	topo, _, clock, _ := newTestTopology(t, Config{Seeds: []string{"a:27017", "b:27017"}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { _, err := topo.SelectServer(ctx, Criteria{}); done <- err }()
	waitFor(t, "a selection timer", func() bool { return clock.pending() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}

	go func() { _, err := topo.SelectServer(context.Background(), Criteria{}); done <- err }()
	waitFor(t, "a selection timer", func() bool { return clock.pending() == 1 })
	topo.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("error %v, want ErrClosed", err)
	}
	if _, err := topo.SelectServer(context.Background(), Criteria{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("selection after Close: %v, want ErrClosed", err)
	}
}

func TestSelectServerIncompatible(t *testing.T) {
	topo, _, _, _ := newTestTopology(t, Config{Seeds: []string{"a:27017"}, Direct: true})
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"maxWireVersion":6}`), 0, time.Now()), false)
	_, err := topo.SelectServer(context.Background(), Criteria{})
	var ce *CompatibilityError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "requires at least 8 (MongoDB 4.2)") {
		t.Fatalf("error %v, want a compatibility error", err)
	}
}

func TestServerCheckedPools(t *testing.T) {
	topo, hooks, _, _ := newTestTopology(t, Config{Seeds: []string{"a:27017", "b:27017"}})
	if !slices.Equal(hooks.added, []string{"a:27017", "b:27017"}) {
		t.Errorf("servers added %v", hooks.added)
	}
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, `{"ok":1,"msg":"isdbgrid","maxWireVersion":21}`), 0, time.Now()), false)
	topo.ServerChecked(NewUnknownServer("b:27017", errors.New("i/o timeout")), true)
	if !slices.Equal(hooks.ready, []string{"a:27017"}) {
		t.Errorf("pools made ready %v, want [a:27017]", hooks.ready)
	}
	if !slices.Equal(hooks.clears, []string{"b:27017"}) || !hooks.interrup[0] {
		t.Errorf("pools cleared %v (interrupt %v), want b:27017 with interruption", hooks.clears, hooks.interrup)
	}
	// A standalone among several seeds is removed: its outcome is then
	// ignored, and its pool is neither cleared nor readied.
	topo.ServerChecked(NewServerDescription("b:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"maxWireVersion":21}`), 0, time.Now()), false)
	topo.ServerChecked(NewUnknownServer("b:27017", errors.New("gone")), false)
	if d := topo.Description(); d.Kind != Sharded || len(d.Servers) != 1 {
		t.Errorf("description %v %v, want Sharded with a:27017", d.Kind, d.Addrs())
	}
	if !slices.Equal(hooks.removed, []string{"b:27017"}) || len(hooks.clears) != 1 {
		t.Errorf("removed %v, cleared %v", hooks.removed, hooks.clears)
	}
}

func TestHeartbeatEventsAndClose(t *testing.T) {
	topo, _, _, rec := newTestTopology(t, Config{Seeds: []string{"a:27017"}, Direct: true})
	reply := helloReply(t, `{"ok":1,"isWritablePrimary":true,"maxWireVersion":21}`)
	topo.HeartbeatStarted("a:27017", HeartbeatConn{}, false)
	buf := slices.Clone([]byte(reply))
	topo.HeartbeatSucceeded("a:27017", HeartbeatConn{}, 3*time.Millisecond, buf, false)
	clear(buf) // the event has its own copy
	topo.HeartbeatStarted("a:27017", HeartbeatConn{}, true)
	topo.HeartbeatFailed("a:27017", HeartbeatConn{}, time.Second, errors.New("boom"), true)
	topo.Close()
	topo.Close()
	var names []string
	var succeeded event.ServerHeartbeatSucceededEvent
	for _, r := range rec.take() {
		names = append(names, r.name)
		if e, ok := r.e.(event.ServerHeartbeatSucceededEvent); ok {
			succeeded = e
		}
	}
	want := []string{
		"topology_opening_event", "topology_description_changed_event", "server_opening_event",
		"heartbeat_started", "heartbeat_succeeded", "heartbeat_started", "heartbeat_failed",
		"server_closed_event", "topology_description_changed_event", "topology_closed_event",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("events\n%v\nwant\n%v", names, want)
	}
	if succeeded.Reply.Lookup("maxWireVersion").Int32() != 21 || succeeded.Duration != 3*time.Millisecond {
		t.Errorf("heartbeat succeeded event %+v", succeeded)
	}
	// Reports after Close change nothing.
	topo.ServerChecked(NewServerDescription("a:27017", reply, 0, time.Now()), false)
	if d := topo.Description(); d.Kind != TopologyUnknown || len(d.Servers) != 0 {
		t.Errorf("description after Close: %v %v", d.Kind, d.Addrs())
	}
}

// TestEventCallbackMayCallBack checks that callbacks run without the
// topology's lock: one may read the description, and one that reports a
// change does not deadlock (its events follow in order).
func TestEventCallbackMayCallBack(t *testing.T) {
	var topo *Topology
	var kinds []TopologyType
	var once sync.Once
	mon := &event.ServerMonitor{
		TopologyDescriptionChanged: func(e event.TopologyDescriptionChangedEvent) {
			d := topo.Description()
			kinds = append(kinds, d.Kind)
			once.Do(func() {
				topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"maxWireVersion":21}`), 0, time.Now()), false)
			})
		},
	}
	topo = New(Config{Seeds: []string{"a:27017"}, Direct: true}, Options{Monitor: mon})
	topo.Open()
	if len(kinds) != 2 || kinds[1] != Single {
		t.Fatalf("callbacks saw %v", kinds)
	}
}

func TestUpdateSRVHosts(t *testing.T) {
	topo, hooks, _, _ := newTestTopology(t, Config{Seeds: []string{"a:27017", "b:27017"}})
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, `{"ok":1,"msg":"isdbgrid","maxWireVersion":21}`), 5*time.Millisecond, time.Now()), false)
	if !topo.UpdateSRVHosts([]string{"a:27017", "C:27017"}) {
		t.Fatal("a sharded topology refused SRV hosts")
	}
	d := topo.Description()
	if got := d.Addrs(); !slices.Equal(got, []string{"a:27017", "c:27017"}) {
		t.Fatalf("servers %v, want [a:27017 c:27017]", got)
	}
	if a, _ := d.Server("a:27017"); a.Kind != Mongos || a.RTT != 5*time.Millisecond {
		t.Errorf("a kept server was changed: %+v", a)
	}
	if !slices.Contains(hooks.added, "c:27017") || !slices.Contains(hooks.removed, "b:27017") {
		t.Errorf("added %v, removed %v", hooks.added, hooks.removed)
	}
	if topo.UpdateSRVHosts(nil); len(topo.Description().Servers) != 2 {
		t.Error("an empty host list changed the topology")
	}

	rs, _, _, _ := newTestTopology(t, Config{Seeds: []string{"a:27017"}, SetName: "rs"})
	if rs.UpdateSRVHosts([]string{"x:1"}) {
		t.Error("a replica set topology accepted SRV hosts")
	}
}

func TestHandleErrorLoadBalanced(t *testing.T) {
	topo, hooks, _, _ := newTestTopology(t, Config{Seeds: []string{"lb:27017"}, LoadBalanced: true})
	if !slices.Equal(hooks.ready, []string{"lb:27017"}) {
		t.Errorf("ready pools %v, want the load balancer's", hooks.ready)
	}
	svc := Some(bson.NewObjectID())
	out := topo.HandleError(AppError{Addr: "lb:27017", Kind: NetworkErr, HandshakeDone: true, ServiceID: svc, Err: errNetwork})
	if out.MarkedUnknown || !out.ClearPool || out.ServiceID != svc {
		t.Errorf("network error: %+v, want a clear of the service only", out)
	}
	// The clear made errors of generation 0 stale.
	if out = topo.HandleError(AppError{Addr: "lb:27017", Kind: NetworkErr, HandshakeDone: true, ServiceID: svc, Err: errNetwork}); !out.Ignored {
		t.Errorf("stale network error: %+v, want it ignored", out)
	}
	out = topo.HandleError(AppError{Addr: "lb:27017", Kind: CommandErr, HandshakeDone: true, ServiceID: svc, Generation: 1,
		Failure: CommandFailure{Code: 91, Message: "shutting down"}, Err: errNetwork})
	if out.MarkedUnknown || !out.ClearPool || out.ServiceID != svc || !out.RequestCheck {
		t.Errorf("shutdown error: %+v", out)
	}
	if sd, _ := topo.Description().Server("lb:27017"); sd.Kind != LoadBalancer {
		t.Errorf("load balancer became %v", sd.Kind)
	}
}

// TestDefaults runs a topology with its default collaborators: no hooks,
// the system clock and the global random source.
func TestDefaults(t *testing.T) {
	topo := New(Config{Seeds: []string{"a:27017", "b:27017"}, ServerSelectionTimeout: 20 * time.Millisecond,
		LocalThreshold: time.Hour}, Options{})
	if topo.ID().IsZero() {
		t.Error("no topology id")
	}
	topo.Open()
	changed := topo.Changed()
	start := time.Now()
	_, err := topo.SelectServer(context.Background(), Criteria{})
	if !errors.Is(err, ErrSelectionTimeout) || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("selection: %v after %v", err, time.Since(start))
	}
	for _, addr := range []string{"a:27017", "b:27017"} {
		topo.ServerChecked(NewServerDescription(addr, helloReply(t, `{"ok":1,"msg":"isdbgrid","maxWireVersion":21}`), time.Millisecond, time.Now()), false)
	}
	select {
	case <-changed:
	default:
		t.Fatal("the Changed channel was not closed by a change")
	}
	seen := map[string]bool{}
	for range 100 {
		sd, err := topo.SelectServer(context.Background(), Criteria{ReadPref: ReadPref{Mode: Nearest}})
		if err != nil {
			t.Fatal(err)
		}
		seen[sd.Addr] = true
		topo.ReleaseServer(sd.Addr)
	}
	if len(seen) != 2 {
		t.Errorf("100 selections chose only %v", seen)
	}
	if out := topo.HandleError(AppError{Addr: "a:27017", Kind: NetworkErr, HandshakeDone: true}); !out.MarkedUnknown || !out.ClearPool {
		t.Errorf("network error: %+v", out)
	}
	topo.Close()
	if out := topo.HandleError(AppError{Addr: "b:27017", Kind: NetworkErr, HandshakeDone: true}); !out.Ignored {
		t.Errorf("error after Close: %+v", out)
	}
}

func TestNewPrimaryChecksOldOne(t *testing.T) {
	topo, hooks, _, _ := newTestTopology(t, Config{Seeds: []string{"a:27017", "b:27017"}, SetName: "rs"})
	primary := `{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],"maxWireVersion":21}`
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, primary), 0, time.Now()), false)
	topo.ServerChecked(NewServerDescription("b:27017", helloReply(t, primary), 0, time.Now()), false)
	if !slices.Equal(hooks.checks, []string{"a:27017"}) {
		t.Errorf("checks requested %v, want the old primary's", hooks.checks)
	}
	if len(hooks.clears) != 0 {
		t.Errorf("pools cleared %v: the old primary's pool must be kept", hooks.clears)
	}
}

func TestWrongSetNameKeepsPoolPaused(t *testing.T) {
	topo, hooks, _, _ := newTestTopology(t, Config{Seeds: []string{"a:27017"}, Direct: true, SetName: "rs"})
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"setName":"x","maxWireVersion":21}`), 0, time.Now()), false)
	if len(hooks.ready) != 0 {
		t.Errorf("pool made ready for a member of the wrong set: %v", hooks.ready)
	}
	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t, `{"ok":1,"secondary":true,"setName":"rs","maxWireVersion":21}`), 0, time.Now()), false)
	if !slices.Equal(hooks.ready, []string{"a:27017"}) {
		t.Errorf("ready pools %v, want a:27017", hooks.ready)
	}
}
