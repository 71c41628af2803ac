package topology

import (
	"errors"
	"math/rand/v2"
	"sync"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/logger"
)

// Hooks are what a Topology asks of the layer that owns the monitors and
// the connection pools. The Topology calls them while holding its lock, so
// that pool clears are ordered with the descriptions (as the SDAM
// specification requires): they must not block, and must not call back
// into the Topology.
type Hooks interface {
	// ServerAdded: a server joined; create its pool (paused) and start
	// monitoring it.
	ServerAdded(addr string)
	// ServerRemoved: a server left; stop its monitor and close its pool.
	ServerRemoved(addr string)
	// PoolGeneration returns the generation of the server's pool: of the
	// service's connections when serviceID is set.
	PoolGeneration(addr string, serviceID Nullable[bson.ObjectID]) uint64
	// ClearPool clears the server's pool (only the service's connections
	// when serviceID is set), interrupting connections in use if asked.
	ClearPool(addr string, serviceID Nullable[bson.ObjectID], interruptInUse bool)
	// ReadyPool marks the server's pool ready.
	ReadyPool(addr string)
	// RequestCheck asks the server's monitor to check it soon.
	RequestCheck(addr string)
	// CancelCheck cancels the monitor's check in progress.
	CancelCheck(addr string)
}

// Options are the collaborators of a Topology. Each is optional.
type Options struct {
	// Monitor receives the SDAM events.
	Monitor *event.ServerMonitor
	// Hooks act on monitors and pools; none by default.
	Hooks Hooks
	// Clock times server selection; the system clock by default.
	Clock Clock
	// Rand picks among servers in the latency window; math/rand/v2 by
	// default. It is called with the Topology's lock held.
	Rand Rand
	// ID identifies the topology in events; a new ObjectID by default.
	ID bson.ObjectID
	// Log receives the SDAM ("topology" component) and server selection
	// log messages; nil for none.
	Log *logger.Logger
}

// A Topology holds the current [Description] of a client's deployment and
// serializes its changes. Monitors report checks into it, the operation
// layer reports errors and selects servers from it. It does no I/O and
// starts no goroutine.
//
// Every change installs a new Description, closes the channel that
// [Topology.Changed] returned before it, and queues the SDAM events, which
// are delivered after the lock is released, in order, on the goroutine that
// made the change (or on one that is delivering earlier events).
type Topology struct {
	cfg   Config
	id    bson.ObjectID
	mon   *event.ServerMonitor
	log   *logger.Logger
	hooks Hooks
	clock Clock
	rand  Rand

	mu      sync.Mutex
	desc    *Description
	changed chan struct{}
	opened  bool
	closed  bool
	ops     map[string]int64 // operationCount of each server

	qmu      sync.Mutex
	queue    []func()
	draining bool
}

// New returns a topology for cfg. It reports nothing until [Topology.Open].
func New(cfg Config, opts Options) *Topology {
	t := &Topology{
		cfg: cfg, id: opts.ID, mon: opts.Monitor, log: opts.Log, hooks: opts.Hooks, clock: opts.Clock, rand: opts.Rand,
		changed: make(chan struct{}),
		ops:     make(map[string]int64),
	}
	if t.id.IsZero() {
		t.id = bson.NewObjectID()
	}
	if t.hooks == nil {
		t.hooks = nopHooks{}
	}
	if t.clock == nil {
		t.clock = SystemClock{}
	}
	if t.rand == nil {
		t.rand = globalRand{}
	}
	d := Description{}
	t.desc = &d
	return t
}

// ID returns the topology's identifier, as events report it.
func (t *Topology) ID() bson.ObjectID { return t.id }

// Open installs the initial description, reports TopologyOpening, the
// first TopologyDescriptionChanged and a ServerOpening for each seed, and
// adds the seeds through the hooks. A load balanced topology's server
// becomes a LoadBalancer at once, with a ready pool. Open does nothing the
// second time.
func (t *Topology) Open() {
	t.mu.Lock()
	if t.opened || t.closed {
		t.mu.Unlock()
		return
	}
	t.opened = true
	if t.logging() {
		id := t.id
		t.enqueue(func() { t.logTopology("Starting topology monitoring", id) })
	}
	if t.mon != nil && t.mon.TopologyOpening != nil {
		e := event.TopologyOpeningEvent{TopologyID: t.id}
		t.enqueue(func() { t.mon.TopologyOpening(e) })
	}
	d := NewDescription(t.cfg)
	t.install(&d, "")
	if d.Kind == LoadBalanced {
		for _, addr := range d.Addrs() {
			n := Apply(d, ServerDescription{Addr: addr, Kind: LoadBalancer})
			t.install(&n, addr)
			t.hooks.ReadyPool(addr)
		}
	}
	t.mu.Unlock()
	t.drain()
}

// Description returns the current description. It is immutable.
func (t *Topology) Description() Description {
	t.mu.Lock()
	defer t.mu.Unlock()
	return *t.desc
}

// Changed returns a channel that is closed at the next change of the
// description (or when the topology closes).
func (t *Topology) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

// install makes n the current description, queues the events and calls
// the hooks of the change (servers added and removed, checks of former
// primaries that a new one replaced), and wakes the waiters. The lock is
// held.
func (t *Topology) install(n *Description, cause string) {
	old := t.desc
	c := Diff(old, n, cause)
	t.desc = n
	t.events(old, n, &c)
	for _, addr := range c.Removed {
		delete(t.ops, addr)
		t.hooks.ServerRemoved(addr)
	}
	for _, addr := range c.Added {
		t.ops[addr] = 0
		t.hooks.ServerAdded(addr)
	}
	for _, sc := range c.Changed {
		if sc.New.Addr != cause && errors.Is(sc.New.Err, ErrNewerPrimary) {
			// An old primary: its monitor must find out what it is now.
			t.hooks.RequestCheck(sc.New.Addr)
		}
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// ServerChecked reports the outcome of a check, successful or not, as a
// description built by [NewServerDescription] or [NewUnknownServer]. It
// applies it; marks the pool ready after a successful check of a
// data-bearing server (of any server, for a direct connection); and
// clears the pool after a failed one, interrupting connections in use if
// interruptInUse (the check timed out). A description of a server no
// longer in the topology, or older than the current one, is ignored.
func (t *Topology) ServerChecked(sd ServerDescription, interruptInUse bool) {
	t.mu.Lock()
	if t.closed || !t.opened {
		t.mu.Unlock()
		return
	}
	cur, ok := t.desc.Server(sd.Addr)
	if !ok || CompareTopologyVersion(cur.TopologyVersion, sd.TopologyVersion) > 0 {
		t.mu.Unlock()
		return
	}
	n := Apply(*t.desc, sd)
	t.install(&n, sd.Addr)
	if now, still := n.Server(sd.Addr); still {
		// The rules may have made the server Unknown (a stale primary, a
		// wrong set name): only what they kept counts for readiness.
		switch {
		case sd.Err != nil:
			t.hooks.ClearPool(sd.Addr, Nullable[bson.ObjectID]{}, interruptInUse)
		case now.Kind.DataBearing() || (now.Kind != ServerUnknown && n.Kind == Single):
			t.hooks.ReadyPool(sd.Addr)
		}
	}
	t.mu.Unlock()
	t.drain()
}

// HandleError applies the SDAM error handling rules to an error of an
// application operation (see [HandleError]) and acts on the outcome:
// clears the pool, requests or cancels a check. It returns the outcome.
func (t *Topology) HandleError(e AppError) ErrorOutcome {
	t.mu.Lock()
	if t.closed || !t.opened {
		t.mu.Unlock()
		return ErrorOutcome{Ignored: true}
	}
	gen := t.hooks.PoolGeneration(e.Addr, e.ServiceID)
	n, out := HandleError(*t.desc, e, gen)
	if out.MarkedUnknown {
		t.install(&n, e.Addr)
	}
	if out.ClearPool {
		t.hooks.ClearPool(e.Addr, out.ServiceID, false)
	}
	if out.CancelCheck {
		t.hooks.CancelCheck(e.Addr)
	}
	if out.RequestCheck {
		t.hooks.RequestCheck(e.Addr)
	}
	t.mu.Unlock()
	t.drain()
	return out
}

// UpdateSRVHosts applies the host list of an SRV rescan (see [ApplySRV]).
// It reports false, changing nothing, when the topology is neither Sharded
// nor Unknown: only those are polled.
func (t *Topology) UpdateSRVHosts(hosts []string) bool {
	t.mu.Lock()
	if t.closed || !t.opened || !PollsSRV(t.desc.Kind) {
		t.mu.Unlock()
		return false
	}
	n := ApplySRV(*t.desc, hosts)
	t.install(&n, "")
	t.mu.Unlock()
	t.drain()
	return true
}

// Close removes every server and makes the topology Unknown, reporting
// ServerClosed for each server, a last TopologyDescriptionChanged and
// TopologyClosed. Waiters in selection fail with [ErrClosed]. Later
// reports into the topology are ignored.
func (t *Topology) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	if t.opened {
		n := Description{}
		t.install(&n, "")
		if t.logging() {
			id := t.id
			t.enqueue(func() { t.logTopology("Stopped topology monitoring", id) })
		}
		if t.mon != nil && t.mon.TopologyClosed != nil {
			e := event.TopologyClosedEvent{TopologyID: t.id}
			t.enqueue(func() { t.mon.TopologyClosed(e) })
		}
	} else {
		close(t.changed)
		t.changed = make(chan struct{})
	}
	t.mu.Unlock()
	t.drain()
}

// OperationCount returns the number of operations running on the server
// at addr: selected by [Topology.SelectServer] and not yet released.
func (t *Topology) OperationCount(addr string) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.ops[addr]
}

// ReleaseServer ends an operation that SelectServer chose addr for.
func (t *Topology) ReleaseServer(addr string) {
	t.mu.Lock()
	if n, ok := t.ops[addr]; ok && n > 0 {
		t.ops[addr] = n - 1
	}
	t.mu.Unlock()
}

type nopHooks struct{}

func (nopHooks) ServerAdded(string)                                    {}
func (nopHooks) ServerRemoved(string)                                  {}
func (nopHooks) PoolGeneration(string, Nullable[bson.ObjectID]) uint64 { return 0 }
func (nopHooks) ClearPool(string, Nullable[bson.ObjectID], bool)       {}
func (nopHooks) ReadyPool(string)                                      {}
func (nopHooks) RequestCheck(string)                                   {}
func (nopHooks) CancelCheck(string)                                    {}

type globalRand struct{}

func (globalRand) IntN(n int) int { return rand.IntN(n) }
