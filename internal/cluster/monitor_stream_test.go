package cluster

import (
	"io"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

func TestStreamingMonitor(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", true)
	rec := &recorder{}
	const heartbeat = 3 * time.Second
	c := newCluster(t, testConfig(heartbeat, MonitorStream, rec, f.Addr()))

	waitFor(t, 2*time.Second, "standalone discovered", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
	waitFor(t, 2*time.Second, "an awaitable hello", func() bool {
		a, _ := monitorHellos(f.helloLog(), 0)
		return len(a) > 0
	})
	a, plain := monitorHellos(f.helloLog(), 0)
	if h := a[0]; h.maxAwait != heartbeat.Milliseconds() || !h.exhaust || h.counter != 0 {
		t.Errorf("awaitable hello: maxAwaitTimeMS %d, exhaustAllowed %v, counter %d", h.maxAwait, h.exhaust, h.counter)
	}
	if len(plain) != 0 {
		t.Errorf("%d plain hellos on the streaming connection", len(plain))
	}

	// A change of the server's state is seen at once, not a heartbeat later.
	changedAt := time.Now()
	f.setRole("mongos")
	waitFor(t, heartbeat/2, "the change streamed", func() bool { return serverKind(c, f.Addr()) == topology.Mongos })
	t.Logf("change seen after %v (heartbeat %v)", time.Since(changedAt), heartbeat)
	waitFor(t, time.Second, "the next awaitable hello", func() bool {
		a, _ := monitorHellos(f.helloLog(), 0)
		return len(a) >= 2 && a[len(a)-1].counter == 1
	})

	// The RTT monitor has its own connection, and the description an RTT.
	waitFor(t, time.Second, "the RTT connection", func() bool { return f.Accepted() >= 2 })
	if sd, _ := c.Topology().Description().Server(f.Addr()); sd.RTT <= 0 {
		t.Errorf("RTT %v", sd.RTT)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.started) < 2 || rec.started[0].Awaited || !rec.started[1].Awaited {
		t.Errorf("heartbeats started: %+v", rec.started)
	}
	if len(rec.succeeded) < 2 || rec.succeeded[0].Awaited || !rec.succeeded[1].Awaited {
		t.Errorf("heartbeats succeeded: %+v", rec.succeeded)
	}
	for i, o := range rec.order {
		if want := [2]string{"started", "succeeded"}[i%2]; o != want {
			t.Fatalf("event %d is %s, want %s: %v", i, o, want, rec.order)
		}
	}
}

func TestStreamingMonitorExhaust(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", true)
	f.set(func(f *fakeServer) { f.exhaust = 3 })
	rec := &recorder{}
	c := newCluster(t, testConfig(500*time.Millisecond, MonitorStream, rec, f.Addr()))

	waitFor(t, 3*time.Second, "two streams", func() bool {
		a, _ := monitorHellos(f.helloLog(), 0)
		return len(a) >= 3
	})
	c.Close()
	a, plain := monitorHellos(f.helloLog(), 0)
	awaited, polled, failed := rec.counts()
	// Each awaitable hello got three replies; each is an awaited heartbeat.
	// The one Close interrupted failed.
	if awaited < 3*(len(a)-1) || polled != 1 || failed > 1 || len(plain) != 0 {
		t.Errorf("%d awaitable hellos, %d plain: %d awaited heartbeats, %d polled, %d failed", len(a), len(plain), awaited, polled, failed)
	}
	for _, h := range a {
		if !h.exhaust {
			t.Errorf("awaitable hello without exhaustAllowed: %+v", h)
		}
	}
}

func TestRTTMonitor(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", true)
	c := newCluster(t, testConfig(500*time.Millisecond, MonitorStream, nil, f.Addr()))
	// The RTT monitor's connection (the second) gets a plain hello every
	// heartbeat after its handshake.
	waitFor(t, 3*time.Second, "RTT hellos", func() bool {
		_, p := monitorHellos(f.helloLog(), 1)
		return len(p) >= 2
	})
	_, p := monitorHellos(f.helloLog(), 1)
	if gap := p[1].at.Sub(p[0].at); gap < 450*time.Millisecond {
		t.Errorf("RTT hellos %v apart", gap)
	}
	// Streamed replies come every maxAwaitTimeMS; their descriptions carry
	// the RTT monitor's average and minimum.
	waitFor(t, 2*time.Second, "a minimum RTT", func() bool {
		sd, _ := c.Topology().Description().Server(f.Addr())
		return sd.RTT > 0 && sd.MinRTT > 0
	})
	if f.Accepted() != 2 {
		t.Errorf("%d connections, want 2", f.Accepted())
	}
}

func TestCancelCheck(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", true)
	rec := &recorder{}
	const heartbeat = time.Second
	c := newCluster(t, testConfig(heartbeat, MonitorStream, rec, f.Addr()))
	waitFor(t, 2*time.Second, "discovery", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
	waitFor(t, 2*time.Second, "an awaitable hello", func() bool {
		a, _ := monitorHellos(f.helloLog(), 0)
		return len(a) > 0
	})
	s := c.servers[f.Addr()]
	netErr := &mongoerr.NetworkError{Address: f.Addr(), Op: "read", Err: io.ErrUnexpectedEOF}
	cancelledAt := time.Now()
	out := c.Topology().HandleError(topology.NewAppError(f.Addr(), netErr, s.pool.Generation(), true, topology.Nullable[bson.ObjectID]{}))
	if !out.MarkedUnknown || !out.CancelCheck {
		t.Fatalf("outcome %+v", out)
	}
	// The monitor does not report the cancelled check, and waits before a
	// new connection.
	waitFor(t, 3*heartbeat, "a new monitoring connection", func() bool {
		for _, h := range f.helloLog() {
			if h.handshake && h.at.After(cancelledAt) {
				if gap := h.at.Sub(cancelledAt); gap < heartbeat*9/10 {
					t.Errorf("new connection %v after the cancel", gap)
				}
				return true
			}
		}
		return false
	})
	waitFor(t, time.Second, "the server back", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// One change to Unknown, the application error's: the cancelled check
	// reported nothing.
	unknown := 0
	for _, e := range rec.changed {
		if e.NewDescription.Type == event.ServerUnknown {
			unknown++
			if e.NewDescription.Error != error(netErr) {
				t.Errorf("server Unknown because of %v", e.NewDescription.Error)
			}
		}
	}
	if unknown != 1 {
		t.Errorf("%d changes to Unknown", unknown)
	}
}

func TestCloseInterruptsAwaitableHello(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", true)
	rec := &recorder{}
	closed := make(chan struct{})
	cfg := testConfig(10*time.Second, MonitorStream, rec, f.Addr())
	cfg.ServerMonitor.TopologyClosed = func(event.TopologyClosedEvent) { close(closed) }
	c := New(cfg)
	waitFor(t, 2*time.Second, "an awaitable hello", func() bool {
		a, _ := monitorHellos(f.helloLog(), 0)
		return len(a) > 0
	})
	start := time.Now()
	c.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	<-closed
	// The interrupted heartbeat ended with a failure, before the topology
	// closed.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := len(rec.order); n == 0 || rec.order[n-1] != "failed" || len(rec.started) != len(rec.succeeded)+len(rec.failed) {
		t.Errorf("heartbeat events %v", rec.order)
	}
}

// monitorHellos splits the hellos of the server's first connection, the
// monitor's: the handshake first, then awaitable and plain ones.
func monitorHellos(log []helloRecord, connID int) (awaitable, plain []helloRecord) {
	for _, h := range log {
		if h.conn != connID || h.handshake {
			continue
		}
		if h.awaitable {
			awaitable = append(awaitable, h)
		} else {
			plain = append(plain, h)
		}
	}
	return awaitable, plain
}
