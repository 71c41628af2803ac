// Package pool is the connection pool of one server, as the Connection
// Monitoring and Pooling (CMAP) specification defines it.
//
// # Life of a pool
//
// New creates a pool in the paused state and reports PoolCreated. Server
// discovery calls Ready after a successful check of the server, and Clear
// after an error that makes its connections suspect: Clear bumps the
// generation, so that every existing connection is stale and is closed when
// it is next seen, fails the waiting check-outs with a retryable
// *PoolClearedError, and pauses the pool until the next Ready. Close closes
// the idle connections, fails every waiter and joins the pool's goroutines;
// connections checked out at that moment are closed when checked in.
//
// # Checking out
//
// CheckOut hands out an idle connection when one is available and nobody
// waits, without allocating. Otherwise the caller joins a FIFO wait queue.
// A new connection is created when the waiters outnumber the connections
// being established, within MaxPoolSize and MaxConnecting; each connection
// is established (by the Dialer) on a goroutine of the pool, and goes to
// the head of the queue when ready, or to the idle stack if nobody waits.
// So a waiter's context bounds only its wait: when it is done, CheckOut
// returns at once with a *WaitQueueTimeoutError wrapping ctx.Err(), and the
// connection being established for it still completes and serves the next
// waiter, or waits idle. Idle connections are reused most recently used
// first; perished ones (stale, idle for longer than MaxIdleTime, or
// reporting an error through Checker) are closed as they are found.
//
// # Goroutines
//
// A pool runs one background goroutine, which closes connections
// asynchronously, interrupts in-use connections after a clear that asks
// for it, closes perished idle connections and keeps MinPoolSize
// connections open; plus one goroutine per connection being established,
// at most MaxConnecting at a time. Close joins them all.
//
// # Load-balanced mode
//
// With Options.LoadBalanced, generations are kept per service ID, learned
// from each connection after its handshake (ServiceIDer); Clear with a
// ServiceID makes only that service's connections stale, and never pauses
// the pool or fails waiters.
//
// # Events
//
// Every CMAP event is reported to the event.PoolMonitor given to New, in the
// order the specification prescribes, from the goroutine that causes it
// and never under the pool's lock.
package pool

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
)

// poolState is the state of the pool in the specification's terms.
type poolState uint8

const (
	poolPaused poolState = iota
	poolReady
	poolClosed
)

// Pool is the connection pool of one server. Its methods are safe for
// concurrent use.
type Pool[C Conn] struct {
	addr string
	opts Options
	dial Dialer[C]
	mon  *event.PoolMonitor

	ctx     context.Context // the pool's lifetime, parent of every dial
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the background goroutine and the dials
	wake    chan struct{}  // wakes the background goroutine
	closed  chan struct{}  // closed when Close has finished
	waiters sync.Pool      // of *waiter[C]

	// admin orders Ready, Clear and Close, and the events they report,
	// against each other and against background runs.
	admin sync.Mutex

	mu        sync.Mutex
	state     poolState
	gen       uint64
	services  map[bson.ObjectID]*service // load-balanced mode
	idle      []*PooledConn[C]           // most recently used last
	all       []*PooledConn[C]           // every connection not closed
	pending   int                        // connections being established
	nextID    int64
	queue     waitQueue[C]
	clearErr  error // cause of the last clear, for PoolClearedError
	runSoon   bool  // a background run is due now
	interrupt bool  // in-use connections below interruptBelow must be closed
	below     uint64
	bgRunning bool
	toClose   []C // raw connections for the background goroutine to close

	pinnedCursors atomic.Int64
	pinnedTxns    atomic.Int64
}

// service is the generation and connection count of one service ID, in
// load-balanced mode.
type service struct {
	gen, below uint64 // below: in-use connections under it are interrupted
	count      int
}

// New creates the pool of the server at address, in the paused state, and
// starts its background goroutine. dial establishes its connections; mon,
// which may be nil, receives its events.
func New[C Conn](address string, opts Options, dial Dialer[C], mon *event.PoolMonitor) (*Pool[C], error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	mon = logMonitor(opts.Log, mon)
	p := &Pool[C]{
		addr:      address,
		opts:      opts,
		dial:      dial,
		mon:       mon,
		wake:      make(chan struct{}, 1),
		closed:    make(chan struct{}),
		bgRunning: true,
	}
	p.waiters.New = func() any { return &waiter[C]{ready: make(chan struct{}, 1)} }
	if opts.LoadBalanced {
		p.services = make(map[bson.ObjectID]*service)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if mon != nil && mon.PoolCreated != nil {
		mon.PoolCreated(event.PoolCreatedEvent{Address: address, Options: opts.eventOptions()})
	}
	p.wg.Add(1)
	go p.maintain()
	return p, nil
}

// Address returns the server address of the pool.
func (p *Pool[C]) Address() string { return p.addr }

// Generation returns the pool's generation, which Clear increments.
func (p *Pool[C]) Generation() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen
}

// ServiceGeneration returns the generation of a service, in load-balanced
// mode (0 for a service the pool has no connection to).
func (p *Pool[C]) ServiceGeneration(id bson.ObjectID) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.services[id]; s != nil {
		return s.gen
	}
	return 0
}

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Total      int    // connections not closed: pending, idle and in use
	Idle       int    // established and available
	Pending    int    // being established
	InUse      int    // checked out
	Waiting    int    // check-outs in the wait queue
	Ready      bool   // the pool is ready (not paused, not closed)
	Closed     bool   // the pool is closed
	Generation uint64 // the pool's generation
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool[C]) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{
		Total:      len(p.all),
		Idle:       len(p.idle),
		Pending:    p.pending,
		InUse:      len(p.all) - len(p.idle) - p.pending,
		Waiting:    p.queue.n,
		Ready:      p.state == poolReady,
		Closed:     p.state == poolClosed,
		Generation: p.gen,
	}
}

// Ready marks a paused pool ready, reports PoolReady and lets the
// background goroutine fill it to MinPoolSize. It does nothing to a ready or
// closed pool.
func (p *Pool[C]) Ready() {
	p.admin.Lock()
	defer p.admin.Unlock()
	p.mu.Lock()
	if p.state != poolPaused {
		p.mu.Unlock()
		return
	}
	p.state = poolReady
	p.runSoon = true
	p.mu.Unlock()
	if p.mon != nil && p.mon.PoolReady != nil {
		p.mon.PoolReady(event.PoolReadyEvent{Address: p.addr})
	}
	p.wakeBackground() // the background run waits for admin, so it follows the event
}

// ClearOptions are the options of Clear.
type ClearOptions struct {
	// ServiceID, in load-balanced mode, limits the clear to the connections
	// of one service. Without it, a load-balanced pool clears every
	// service. It is ignored outside load-balanced mode.
	ServiceID *bson.ObjectID
	// InterruptInUse also closes, as soon as possible, the connections
	// checked out and those being established, so that the operations
	// using them fail (PooledConn.Interrupted tells them why).
	InterruptInUse bool
	// Cause is the error that made server discovery clear the pool; the
	// check-outs the clear fails wrap it.
	Cause error
}

// Clear makes every current connection stale. Outside load-balanced mode it
// also pauses the pool, fails every waiting check-out with a
// *PoolClearedError and reports PoolCleared (unless the pool was already
// paused). Stale idle connections are closed by a background run scheduled
// at once; stale checked-out ones when checked in.
func (p *Pool[C]) Clear(opts ClearOptions) {
	p.admin.Lock()
	defer p.admin.Unlock()
	var eff effects[C]
	p.mu.Lock()
	if p.state == poolClosed {
		p.mu.Unlock()
		return
	}
	if p.opts.LoadBalanced {
		p.clearServicesLocked(opts)
		p.runSoon = true
		p.mu.Unlock()
		p.emitCleared(opts)
		p.wakeBackground()
		return
	}
	wasPaused := p.state == poolPaused
	p.gen++
	p.state = poolPaused
	p.clearErr = opts.Cause
	p.runSoon = true
	evicted := p.queue.detachAll()
	if opts.InterruptInUse {
		p.interrupt, p.below = true, p.gen
		// Pending connections are closed now; their dials are cancelled
		// and their goroutines discard what they return.
		for i := len(p.all) - 1; i >= 0; i-- {
			if c := p.all[i]; c.state == statePending {
				c.cancel()
				p.closeLocked(c, event.ReasonStale, nil, &eff)
			}
		}
	}
	p.mu.Unlock()
	if !wasPaused {
		p.emitCleared(opts)
	}
	eff.run(p)
	err := &PoolClearedError{Address: p.addr, Cause: opts.Cause}
	for w := evicted; w != nil; {
		next := w.next
		w.next = nil
		w.deliver(nil, err)
		w = next
	}
	p.wakeBackground()
}

// clearServicesLocked bumps the generations of a load-balanced clear.
func (p *Pool[C]) clearServicesLocked(opts ClearOptions) {
	bump := func(s *service) {
		if opts.InterruptInUse {
			s.below = s.gen + 1
			p.interrupt = true
		}
		s.gen++
	}
	if opts.ServiceID != nil {
		s := p.services[*opts.ServiceID]
		if s == nil {
			return // no connection of that service exists
		}
		bump(s)
		return
	}
	for _, s := range p.services {
		bump(s)
	}
}

// Close closes the pool: it closes the idle connections, fails every
// waiting check-out with a *PoolClosedError, cancels the connections being
// established, joins the pool's goroutines and reports PoolClosed. It
// returns when all of that is done, also when called again.
func (p *Pool[C]) Close() {
	p.admin.Lock()
	var eff effects[C]
	p.mu.Lock()
	if p.state == poolClosed {
		p.mu.Unlock()
		p.admin.Unlock()
		<-p.closed
		return
	}
	p.state = poolClosed
	p.bgRunning = false // from now on, connections are closed inline
	for _, c := range p.idle {
		p.closeLocked(c, event.ReasonPoolClosed, nil, &eff)
	}
	clear(p.idle)
	p.idle = nil
	evicted := p.queue.detachAll()
	p.mu.Unlock()
	p.admin.Unlock()

	eff.run(p)
	err := &PoolClosedError{Address: p.addr}
	for w := evicted; w != nil; {
		next := w.next
		w.next = nil
		w.deliver(nil, err)
		w = next
	}
	p.cancel()
	p.wg.Wait()
	if p.mon != nil && p.mon.PoolClosed != nil {
		p.mon.PoolClosed(event.PoolClosedEvent{Address: p.addr})
	}
	close(p.closed)
}

// wakeBackground wakes the background goroutine, if it sleeps.
func (p *Pool[C]) wakeBackground() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// emitCleared reports PoolCleared.
func (p *Pool[C]) emitCleared(opts ClearOptions) {
	if p.mon == nil || p.mon.PoolCleared == nil {
		return
	}
	e := event.PoolClearedEvent{Address: p.addr, InterruptInUseConnections: opts.InterruptInUse}
	if opts.ServiceID != nil && p.opts.LoadBalanced {
		id := *opts.ServiceID
		e.ServiceID = &id
	}
	p.mon.PoolCleared(e)
}
