package cluster

import (
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

func TestPollingMonitor(t *testing.T) {
	faas, err := bson.Marshal(bson.D{{Key: "driver", Value: bson.D{{Key: "name", Value: "motor-go"}}}, {Key: "env", Value: bson.D{{Key: "name", Value: "aws.lambda"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		mode       MonitoringMode
		streamable bool
		meta       bson.Raw
	}{
		{"poll mode", MonitorPoll, true, nil},
		{"no topologyVersion", MonitorStream, false, nil},
		{"auto mode on FaaS", MonitorAuto, true, faas},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			f := newFakeServer(t, "standalone", tc.streamable)
			rec := &recorder{}
			cfg := testConfig(500*time.Millisecond, tc.mode, rec, f.Addr())
			cfg.MonitorConn.Metadata = tc.meta
			c := newCluster(t, cfg)
			waitFor(t, 3*time.Second, "two polls", func() bool {
				_, p := monitorHellos(f.helloLog(), 0)
				return len(p) >= 2
			})
			c.Close()
			a, p := monitorHellos(f.helloLog(), 0)
			if len(a) != 0 || f.Accepted() != 1 {
				t.Errorf("%d awaitable hellos, %d connections: want polling on one connection", len(a), f.Accepted())
			}
			for i := 1; i < len(p); i++ {
				if gap := p[i].at.Sub(p[i-1].at); gap < 450*time.Millisecond {
					t.Errorf("polls %v apart", gap)
				}
			}
			if awaited, _, _ := rec.counts(); awaited != 0 {
				t.Errorf("%d awaited heartbeats", awaited)
			}
		})
	}
}

func TestMonitorRetriesKnownServerAtOnce(t *testing.T) {
	for _, mode := range []MonitoringMode{MonitorPoll, MonitorStream} {
		t.Run(mode.String(), func(t *testing.T) {
			wiretest.LeakCheck(t)
			f := newFakeServer(t, "standalone", true)
			rec := &recorder{}
			c := newCluster(t, testConfig(10*time.Second, mode, rec, f.Addr()))
			waitFor(t, 2*time.Second, "discovery", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
			if mode == MonitorStream {
				waitFor(t, 2*time.Second, "an awaitable hello", func() bool {
					a, _ := monitorHellos(f.helloLog(), 0)
					return len(a) > 0
				})
				f.CloseConnections()
			} else {
				f.set(func(f *fakeServer) { f.failHellos = 1 })
				c.servers[f.Addr()].mon.requestCheck()
			}
			waitFor(t, 3*time.Second, "a failed heartbeat", func() bool { _, _, n := rec.counts(); return n == 1 })
			failedAt := rec.failedAt[0]
			// The retry opens a new connection at once: no heartbeat wait.
			waitFor(t, 300*time.Millisecond, "the retry's handshake", func() bool {
				for _, h := range f.helloLog() {
					if h.handshake && h.at.After(failedAt) {
						return true
					}
				}
				return false
			})
			waitFor(t, time.Second, "the server back", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
			rec.mu.Lock()
			defer rec.mu.Unlock()
			var sawUnknown bool
			for _, e := range rec.changed {
				sawUnknown = sawUnknown || e.NewDescription.Type == event.ServerUnknown
			}
			if !sawUnknown || !mongoerr.IsNetworkError(rec.failed[0].Failure) {
				t.Errorf("unknown reported %v, failure %v", sawUnknown, rec.failed[0].Failure)
			}
		})
	}
}

func TestMonitorWaitsAfterFailureOnUnknownServer(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", true)
	rec := &recorder{}
	c := newCluster(t, testConfig(500*time.Millisecond, MonitorStream, rec, f.Addr()))
	waitFor(t, 2*time.Second, "discovery", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
	waitFor(t, 2*time.Second, "an awaitable hello", func() bool {
		a, _ := monitorHellos(f.helloLog(), 0)
		return len(a) > 0
	})
	f.Close() // the server goes away: its port refuses connections
	waitFor(t, 3*time.Second, "four failures", func() bool { _, _, n := rec.counts(); return n >= 4 })
	if serverKind(c, f.Addr()) != topology.ServerUnknown {
		t.Errorf("server still known")
	}
	rec.mu.Lock()
	at := slices.Clone(rec.failedAt)
	rec.mu.Unlock()
	c.Close()
	// The failure of the known server is retried at once; the retry's
	// failure finds the server Unknown and waits a heartbeat, and so on.
	if gap := at[1].Sub(at[0]); gap > 300*time.Millisecond {
		t.Errorf("retry %v after the first failure", gap)
	}
	for i := 2; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < 450*time.Millisecond {
			t.Errorf("failure %d %v after the one before", i, gap)
		}
	}
}

func TestMonitorMinimumInterval(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", false)
	c := newCluster(t, testConfig(10*time.Second, MonitorPoll, nil, f.Addr()))
	waitFor(t, 2*time.Second, "discovery", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
	mon := c.servers[f.Addr()].mon
	deadline := time.Now().Add(1600 * time.Millisecond)
	for time.Now().Before(deadline) {
		mon.requestCheck()
		c.Topology().HandleError(topology.NewAppError(f.Addr(), &mongoerr.ServerError{Code: 10107, Message: "not primary"}, 0, true, topology.Nullable[bson.ObjectID]{}))
		time.Sleep(10 * time.Millisecond)
	}
	c.Close()
	_, p := monitorHellos(f.helloLog(), 0)
	if len(p) < 2 || len(p) > 4 {
		t.Errorf("%d checks in 1.6 s of requests", len(p))
	}
	for i := 1; i < len(p); i++ {
		if gap := p[i].at.Sub(p[i-1].at); gap < 490*time.Millisecond {
			t.Errorf("checks %v apart", gap)
		}
	}
}

func TestCheckTimeoutInterruptsPool(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "standalone", false)
	cleared := make(chan event.PoolClearedEvent, 4)
	rec := &recorder{}
	cfg := testConfig(500*time.Millisecond, MonitorPoll, rec, f.Addr())
	cfg.MonitorConn.ConnectTimeout = 200 * time.Millisecond
	cfg.PoolMonitor = &event.PoolMonitor{PoolCleared: func(e event.PoolClearedEvent) {
		select {
		case cleared <- e:
		default:
		}
	}}
	c := newCluster(t, cfg)
	waitFor(t, 2*time.Second, "discovery", func() bool { return serverKind(c, f.Addr()) == topology.Standalone })
	f.set(func(f *fakeServer) { f.delay = time.Second })
	select {
	case e := <-cleared:
		if !e.InterruptInUseConnections {
			t.Errorf("pool cleared without interrupting connections in use after a check timed out")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("pool not cleared")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.failed) == 0 || !mongoerr.IsTimeout(rec.failed[0].Failure) {
		t.Errorf("failed heartbeats %+v", rec.failed)
	}
}

func TestLoadBalancedIsNotMonitored(t *testing.T) {
	wiretest.LeakCheck(t)
	f := newFakeServer(t, "mongos", true)
	cfg := testConfig(500*time.Millisecond, MonitorStream, nil, f.Addr())
	cfg.Topology.LoadBalanced = true
	c := newCluster(t, cfg)
	time.Sleep(700 * time.Millisecond)
	if n := f.Accepted(); n != 0 {
		t.Errorf("%d connections to the load balancer without an operation", n)
	}
	if k := serverKind(c, f.Addr()); k != topology.LoadBalancer {
		t.Errorf("server type %v", k)
	}
}

func TestStreamingEnabled(t *testing.T) {
	meta := func(env string) bson.Raw {
		d := bson.D{{Key: "driver", Value: bson.D{{Key: "name", Value: "motor-go"}}}}
		if env != "" {
			d = append(d, bson.E{Key: "env", Value: bson.D{{Key: "name", Value: env}}})
		}
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		mode MonitoringMode
		env  string
		want bool
	}{
		{MonitorAuto, "", true},
		{MonitorAuto, "aws.lambda", false},
		{MonitorAuto, "azure.func", false},
		{MonitorAuto, "gcp.func", false},
		{MonitorAuto, "vercel", false},
		{MonitorAuto, "something.else", true},
		{MonitorStream, "aws.lambda", true},
		{MonitorPoll, "", false},
	} {
		cfg := monitorConnConfig(nil)
		cfg.Metadata = meta(tc.env)
		if got := streamingEnabled(tc.mode, cfg); got != tc.want {
			t.Errorf("%v with env %q: streaming %v, want %v", tc.mode, tc.env, got, tc.want)
		}
	}
}

// TestHeartbeatStartedBeforeConnecting is the Heartbeat prose test of the
// SDAM specification: the started event precedes the connection, and the
// failed one follows the server's closing it.
func TestHeartbeatStartedBeforeConnecting(t *testing.T) {
	wiretest.LeakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		events []string
	)
	push := func(e string) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			push("client connected")
			buf := make([]byte, 1)
			if _, err := nc.Read(buf); err == nil {
				push("client hello received")
			}
			_ = nc.Close()
		}
	}()
	defer wg.Wait()
	defer ln.Close()

	cfg := testConfig(500*time.Millisecond, MonitorAuto, nil, ln.Addr().String())
	cfg.ServerMonitor = &event.ServerMonitor{
		ServerHeartbeatStarted: func(event.ServerHeartbeatStartedEvent) { push("serverHeartbeatStartedEvent") },
		ServerHeartbeatFailed:  func(event.ServerHeartbeatFailedEvent) { push("serverHeartbeatFailedEvent") },
	}
	c := New(cfg)
	waitFor(t, 2*time.Second, "a failed heartbeat", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(events) >= 4
	})
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	want := []string{"serverHeartbeatStartedEvent", "client connected", "client hello received", "serverHeartbeatFailedEvent"}
	if !slices.Equal(events[:4], want) {
		t.Errorf("events %q, want %q", events[:4], want)
	}
}

// TestMonitorHelloCommand checks which hello monitors send: the legacy
// hello to a server that did not say helloOk, hello to one that did, and
// hello whenever a Stable API version is declared.
func TestMonitorHelloCommand(t *testing.T) {
	for _, tc := range []struct {
		name      string
		helloOK   bool
		serverAPI bool
		want      string
	}{
		{"legacy", false, false, "isMaster"},
		{"helloOk", true, false, "hello"},
		{"stable API", false, true, "hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			f := newFakeServer(t, "standalone", true)
			f.set(func(f *fakeServer) { f.noHelloOK = !tc.helloOK })
			cfg := testConfig(500*time.Millisecond, MonitorStream, nil, f.Addr())
			if tc.serverAPI {
				cfg.MonitorConn.ServerAPI = &conn.ServerAPI{Version: "1"}
			}
			c := newCluster(t, cfg)
			// The streaming monitor's awaitable hello, and the RTT
			// monitor's plain one.
			waitFor(t, 3*time.Second, "awaitable and RTT hellos", func() bool {
				a, _ := monitorHellos(f.helloLog(), 0)
				_, p := monitorHellos(f.helloLog(), 1)
				return len(a) > 0 && len(p) > 0
			})
			c.Close()
			for _, h := range f.helloLog() {
				if !h.handshake && h.cmd != tc.want {
					t.Errorf("check sent %s, want %s", h.cmd, tc.want)
				}
			}
		})
	}
}
