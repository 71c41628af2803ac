package cluster

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// fakeServer is a scripted mongod or mongos for monitor tests: it answers
// hello as its role says, with a topologyVersion when streamable, waits in
// an awaitable hello until its state changes or maxAwaitTimeMS passes, and
// can stream replies flagged moreToCome.
type fakeServer struct {
	*wiretest.Server
	t *testing.T

	mu         sync.Mutex
	role       string        // "standalone", "mongos", "primary" or "secondary"
	streamable bool          // replies carry a topologyVersion
	exhaust    int           // replies streamed for an awaitable hello allowing exhaust
	failHellos int           // hellos (not handshakes) to answer by closing the connection
	delay      time.Duration // before answering a hello that is not a handshake
	noHelloOK  bool          // replies leave helloOk out, as servers before 4.4.2
	pid        bson.ObjectID
	counter    int64
	changed    chan struct{}
	hellos     []helloRecord
	closed     chan struct{}
}

// helloRecord is one hello the server received.
type helloRecord struct {
	cmd       string // hello or isMaster
	conn      int
	handshake bool
	awaitable bool
	exhaust   bool
	maxAwait  int64
	counter   int64 // the topologyVersion counter asked about
	at        time.Time
}

func newFakeServer(t *testing.T, role string, streamable bool) *fakeServer {
	f := &fakeServer{t: t, role: role, streamable: streamable, pid: bson.NewObjectID(),
		changed: make(chan struct{}), closed: make(chan struct{})}
	f.Server = wiretest.NewServer(t, f.handle)
	t.Cleanup(func() {
		close(f.closed)
		f.Server.Close()
	})
	return f
}

// setRole changes the server's state, bumping its topologyVersion and
// waking the awaitable hellos.
func (f *fakeServer) setRole(role string) {
	f.mu.Lock()
	f.role = role
	f.counter++
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

func (f *fakeServer) set(fn func(f *fakeServer)) {
	f.mu.Lock()
	fn(f)
	f.mu.Unlock()
}

func (f *fakeServer) helloLog() []helloRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]helloRecord(nil), f.hellos...)
}

// reply builds the hello reply for the current state. The lock is held.
func (f *fakeServer) reply() bson.D {
	var d bson.D
	if !f.noHelloOK {
		d = append(d, bson.E{Key: "helloOk", Value: true})
	}
	d = append(d, bson.D{
		{Key: "maxBsonObjectSize", Value: int32(16 * 1024 * 1024)},
		{Key: "maxMessageSizeBytes", Value: int32(48_000_000)},
		{Key: "maxWriteBatchSize", Value: int32(100_000)},
		{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		{Key: "minWireVersion", Value: int32(0)},
		{Key: "maxWireVersion", Value: int32(21)},
	}...)
	switch f.role {
	case "standalone":
		d = append(d, bson.E{Key: "isWritablePrimary", Value: true})
	case "mongos":
		d = append(d, bson.E{Key: "isWritablePrimary", Value: true}, bson.E{Key: "msg", Value: "isdbgrid"})
	case "primary", "secondary":
		d = append(d,
			bson.E{Key: "isWritablePrimary", Value: f.role == "primary"},
			bson.E{Key: "secondary", Value: f.role == "secondary"},
			bson.E{Key: "setName", Value: "rs"},
			bson.E{Key: "hosts", Value: bson.A{f.Addr()}},
			bson.E{Key: "me", Value: f.Addr()},
		)
		if f.role == "primary" {
			d = append(d, bson.E{Key: "setVersion", Value: int32(1)}, bson.E{Key: "electionId", Value: bson.ObjectID{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}})
		}
	}
	if f.streamable {
		d = append(d, bson.E{Key: "topologyVersion", Value: bson.D{{Key: "processId", Value: f.pid}, {Key: "counter", Value: f.counter}}})
	}
	return append(d, bson.E{Key: "ok", Value: 1.0})
}

func (f *fakeServer) handle(req wiretest.Request) []wiretest.Reply {
	if req.Command != "hello" && req.Command != "isMaster" {
		if req.Flags&wire.MoreToCome != 0 {
			return nil
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
	}
	rec := helloRecord{cmd: req.Command, conn: req.Conn, handshake: req.Body.Lookup("client").Type != 0, at: time.Now(),
		exhaust: req.Flags&wire.ExhaustAllowed != 0}
	tv, awaitable := req.Body.Lookup("topologyVersion").DocumentOK()
	if awaitable {
		rec.awaitable = true
		rec.maxAwait, _ = req.Body.Lookup("maxAwaitTimeMS").AsInt64OK()
		rec.counter, _ = tv.Lookup("counter").AsInt64OK()
	}
	f.mu.Lock()
	f.hellos = append(f.hellos, rec)
	if !rec.handshake && f.failHellos > 0 {
		f.failHellos--
		f.mu.Unlock()
		return []wiretest.Reply{{Close: true}}
	}
	pid, _ := tv.Lookup("processId").ObjectIDOK()
	if awaitable && pid == f.pid && rec.counter == f.counter {
		changed := f.changed
		f.mu.Unlock()
		t := time.NewTimer(time.Duration(rec.maxAwait) * time.Millisecond)
		select {
		case <-changed:
		case <-t.C:
		case <-f.closed:
		}
		t.Stop()
		f.mu.Lock()
	}
	doc := f.reply()
	n := f.exhaust
	var delay time.Duration
	if !rec.handshake {
		delay = f.delay
	}
	f.mu.Unlock()
	if !awaitable || !rec.exhaust || n == 0 {
		return []wiretest.Reply{{Doc: doc, Delay: delay}}
	}
	// A stream of n replies, the last one ending it.
	replies := make([]wiretest.Reply, n)
	for i := range replies {
		replies[i] = wiretest.Reply{Doc: doc, Flags: wire.MoreToCome}
		if i > 0 {
			replies[i].Delay = 50 * time.Millisecond
		}
	}
	replies[n-1].Flags = 0
	return replies
}

// recorder keeps the SDAM events of a test.
type recorder struct {
	mu        sync.Mutex
	started   []event.ServerHeartbeatStartedEvent
	succeeded []event.ServerHeartbeatSucceededEvent
	failed    []event.ServerHeartbeatFailedEvent
	failedAt  []time.Time
	changed   []event.ServerDescriptionChangedEvent
	order     []string // "started", "succeeded", "failed", in order
}

func (r *recorder) monitor() *event.ServerMonitor {
	return &event.ServerMonitor{
		ServerHeartbeatStarted: func(e event.ServerHeartbeatStartedEvent) {
			r.mu.Lock()
			r.started = append(r.started, e)
			r.order = append(r.order, "started")
			r.mu.Unlock()
		},
		ServerHeartbeatSucceeded: func(e event.ServerHeartbeatSucceededEvent) {
			e.Reply = nil
			r.mu.Lock()
			r.succeeded = append(r.succeeded, e)
			r.order = append(r.order, "succeeded")
			r.mu.Unlock()
		},
		ServerHeartbeatFailed: func(e event.ServerHeartbeatFailedEvent) {
			r.mu.Lock()
			r.failed = append(r.failed, e)
			r.failedAt = append(r.failedAt, time.Now())
			r.order = append(r.order, "failed")
			r.mu.Unlock()
		},
		ServerDescriptionChanged: func(e event.ServerDescriptionChangedEvent) {
			r.mu.Lock()
			r.changed = append(r.changed, e)
			r.mu.Unlock()
		},
	}
}

// counts returns the numbers of succeeded heartbeats, awaited and not,
// and of failed ones.
func (r *recorder) counts() (awaited, polled, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.succeeded {
		if e.Awaited {
			awaited++
		} else {
			polled++
		}
	}
	return awaited, polled, len(r.failed)
}

// testConfig returns a cluster configuration for seeds, checked every
// heartbeat.
func testConfig(heartbeat time.Duration, mode MonitoringMode, rec *recorder, seeds ...string) Config {
	cc := &conn.Config{ConnectTimeout: 2 * time.Second}
	var mon *event.ServerMonitor
	if rec != nil {
		mon = rec.monitor()
	}
	return Config{
		Topology: topology.Config{
			Seeds:                  seeds,
			HeartbeatInterval:      heartbeat,
			LocalThreshold:         15 * time.Millisecond,
			ServerSelectionTimeout: 5 * time.Second,
		},
		Conn:          cc,
		MonitorConn:   cc,
		Pool:          pool.DefaultOptions(),
		ServerMonitor: mon,
		Monitoring:    mode,
	}
}

// newCluster starts a cluster closed when the test ends.
func newCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	c := New(cfg)
	t.Cleanup(c.Close)
	return c
}

// waitFor polls cond until it holds or d passes, and fails the test then.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serverKind returns the type of the server at addr in c's topology.
func serverKind(c *Cluster, addr string) topology.ServerType {
	sd, ok := c.Topology().Description().Server(addr)
	if !ok {
		return topology.ServerUnknown
	}
	return sd.Kind
}

// hostDialer dials every address on 127.0.0.1, keeping the port: test
// host names from SRV records lead to loopback servers.
type hostDialer struct{ d net.Dialer }

func (h *hostDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	return h.d.DialContext(ctx, network, "127.0.0.1:"+port)
}

// portOf returns the port of "host:port".
func portOf(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }
