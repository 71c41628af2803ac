package simtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/testenv"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/testserver/sim"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// heartbeat is the heartbeatFrequencyMS of every client, the smallest
// allowed, so that the tests are quick.
const heartbeat = 500 * time.Millisecond

// backend returns the address of the FerretDB server shared by the tests,
// and starts checking for leaked goroutines (the server's own process
// started before).
func backend(t *testing.T) string {
	t.Helper()
	addr := testenv.Shared(t, testenv.Options{}).Addr
	wiretest.LeakCheck(t)
	return addr
}

// newRS starts a replica set closed at the end of the test.
func newRS(t *testing.T, opts sim.Options) *sim.ReplicaSet {
	t.Helper()
	addr := backend(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := sim.NewReplicaSet(ctx, addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rs.Close(); err != nil {
			t.Errorf("closing the replica set: %v", err)
		}
	})
	return rs
}

// newStandalone starts a standalone server in front of the test backend,
// closed at the end of the test.
func newStandalone(t *testing.T) *sim.Standalone {
	t.Helper()
	addr := backend(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := sim.NewStandalone(ctx, addr, sim.StandaloneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("closing the standalone: %v", err)
		}
	})
	return st
}

// newSharded starts n mongos routers in front of the test backend, closed
// at the end of the test.
func newSharded(t *testing.T, n int) *sim.Sharded {
	t.Helper()
	return newShardedWith(t, sim.ShardedOptions{Routers: n})
}

// newShardedWith starts the routers opts describes in front of the test
// backend, closed at the end of the test.
func newShardedWith(t *testing.T, opts sim.ShardedOptions) *sim.Sharded {
	t.Helper()
	addr := backend(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sh, err := sim.NewShardedWith(ctx, addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sh.Close(); err != nil {
			t.Errorf("closing the routers: %v", err)
		}
	})
	return sh
}

// parse parses uri with opts, failing the test on error.
func parse(t *testing.T, uri string, opts motor.ParseOptions) *motor.Config {
	t.Helper()
	opts.Warn = func(msg string) { t.Logf("URI warning: %s", msg) }
	cfg, err := motor.ParseURIWith(context.Background(), uri, opts)
	if err != nil {
		t.Fatalf("ParseURIWith(%q): %v", uri, err)
	}
	return cfg
}

// connect returns a client for cfg, with its SDAM events going to rec,
// closed at the end of the test.
func connect(t *testing.T, cfg *motor.Config, rec *topoRecorder) *motor.Client {
	t.Helper()
	if rec != nil {
		cfg.ServerMonitor = rec.monitor()
	}
	c, err := motor.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// serverChange is a ServerDescriptionChanged event and when it came.
type serverChange struct {
	at   time.Time
	addr string
	typ  event.ServerType
}

// topoRecorder keeps the client's latest topology description and the
// history of server type changes.
type topoRecorder struct {
	mu      sync.Mutex
	topo    event.TopologyDescription
	changes []serverChange
	wake    chan struct{}
}

func newRecorder() *topoRecorder { return &topoRecorder{wake: make(chan struct{})} }

func (r *topoRecorder) monitor() *event.ServerMonitor {
	return &event.ServerMonitor{
		TopologyDescriptionChanged: func(e event.TopologyDescriptionChangedEvent) {
			r.mu.Lock()
			r.topo = e.NewDescription
			close(r.wake)
			r.wake = make(chan struct{})
			r.mu.Unlock()
		},
		ServerDescriptionChanged: func(e event.ServerDescriptionChangedEvent) {
			r.mu.Lock()
			r.changes = append(r.changes, serverChange{at: time.Now(), addr: e.Address, typ: e.NewDescription.Type})
			r.mu.Unlock()
		},
	}
}

// waitTopology waits up to d for the topology to satisfy cond, and returns
// the description that did; it fails the test otherwise.
func (r *topoRecorder) waitTopology(t *testing.T, d time.Duration, what string, cond func(event.TopologyDescription) bool) event.TopologyDescription {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		r.mu.Lock()
		topo, wake := r.topo, r.wake
		r.mu.Unlock()
		if cond(topo) {
			return topo
		}
		select {
		case <-wake:
		case <-timer.C:
			t.Fatalf("after %v, %s: topology %s", d, what, describe(topo))
		}
	}
}

// firstChange returns the time of the first change of addr to typ after
// since.
func (r *topoRecorder) firstChange(addr string, typ event.ServerType, since time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.changes {
		if c.addr == addr && c.typ == typ && !c.at.Before(since) {
			return c.at, true
		}
	}
	return time.Time{}, false
}

// hasTypes reports whether the topology has exactly the servers of want,
// of the types given.
func hasTypes(topo event.TopologyDescription, want map[string]event.ServerType) bool {
	if len(topo.Servers) != len(want) {
		return false
	}
	for _, s := range topo.Servers {
		if want[s.Address] != s.Type {
			return false
		}
	}
	return true
}

func describe(topo event.TopologyDescription) string {
	s := string(topo.Type) + " ["
	for i, sd := range topo.Servers {
		if i > 0 {
			s += ", "
		}
		s += sd.Address + " " + string(sd.Type)
	}
	return s + "]"
}

// dbSeq makes database names unique across the tests of a run.
var dbSeq atomic.Int64

// testDB returns a database name of the test's own.
func testDB() string {
	return fmt.Sprintf("simtest_%d_%d", time.Now().UnixNano()%1e6, dbSeq.Add(1))
}

// insert runs an insert command of one document.
func insert(ctx context.Context, db *motor.Database, coll string, i int) error {
	return db.RunCommand(ctx, bson.D{
		{Key: "insert", Value: coll},
		{Key: "documents", Value: bson.A{bson.D{{Key: "i", Value: int64(i)}}}},
	}).Err()
}

// find runs a find command, a read routed by the database's read
// preference.
func find(ctx context.Context, db *motor.Database, coll string) error {
	return db.RunCommand(ctx, bson.D{{Key: "find", Value: coll}, {Key: "limit", Value: int32(1)}}).Err()
}
