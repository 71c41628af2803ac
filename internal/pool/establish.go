package pool

import (
	"context"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
)

// effects collects what a locked section decided and what must happen once
// the lock is released: events, closes, dials, a wake-up. It lives on the
// caller's stack; its slices stay nil on the fast paths.
type effects[C Conn] struct {
	closed   []closedConn
	closeNow []C
	started  []startedConn[C]
	wake     bool
}

type closedConn struct {
	id     int64
	reason event.ConnectionClosedReason
	err    error
}

type startedConn[C Conn] struct {
	c   *PooledConn[C]
	ctx context.Context
}

// run carries out the effects, with no lock held: ConnectionClosed events,
// inline closes (after Close), ConnectionCreated events and the dials.
func (e *effects[C]) run(p *Pool[C]) {
	if p.mon != nil && p.mon.ConnectionClosed != nil {
		for _, c := range e.closed {
			p.mon.ConnectionClosed(event.ConnectionClosedEvent{
				Address: p.addr, ConnectionID: c.id, Reason: c.reason, Error: c.err,
			})
		}
	}
	for _, raw := range e.closeNow {
		_ = raw.Close()
	}
	for _, s := range e.started {
		if p.mon != nil && p.mon.ConnectionCreated != nil {
			p.mon.ConnectionCreated(event.ConnectionCreatedEvent{Address: p.addr, ConnectionID: s.c.id})
		}
		go p.establish(s.ctx, s.c)
	}
	if e.wake {
		p.wakeBackground()
	}
}

// newConnLocked creates a pending connection; its dial starts when the
// effects run. The WaitGroup is incremented here, under the lock and while
// the pool is not closed, so that Close's Wait covers the dial.
func (p *Pool[C]) newConnLocked(background bool, eff *effects[C]) {
	p.nextID++
	c := &PooledConn[C]{
		pool:       p,
		id:         p.nextID,
		created:    time.Now(),
		state:      statePending,
		gen:        p.gen,
		index:      len(p.all),
		background: background,
	}
	ctx, cancel := context.WithCancel(p.ctx)
	c.cancel = cancel
	p.all = append(p.all, c)
	p.pending++
	p.wg.Add(1)
	eff.started = append(eff.started, startedConn[C]{c: c, ctx: ctx})
}

// establish runs the Dialer for a pending connection, on its own goroutine,
// and then hands the connection to the first waiter or the idle stack. A
// failure goes to the first waiter, if the connection was created for the
// wait queue, and otherwise to Options.OnDialError.
func (p *Pool[C]) establish(ctx context.Context, c *PooledConn[C]) {
	defer p.wg.Done()
	raw, err := p.dial(ctx, c.id)
	if err == nil && ctx.Err() != nil {
		// Cancelled (pool closed, or pending connections interrupted)
		// while the dial succeeded: the connection is not wanted.
		_ = raw.Close()
		err = ctx.Err()
	}
	c.cancel()
	now := time.Now()
	if err == nil && p.mon != nil && p.mon.ConnectionReady != nil {
		p.mon.ConnectionReady(event.ConnectionReadyEvent{
			Address: p.addr, ConnectionID: c.id, Duration: now.Sub(c.created),
		})
	}

	var eff effects[C]
	p.mu.Lock()
	if c.state == stateClosed {
		// A clear interrupted the connection while pending and reported it.
		p.mu.Unlock()
		if err == nil {
			_ = raw.Close()
		}
		return
	}
	if err != nil {
		p.dialFailedLocked(c, err, now, &eff)
		return // dialFailedLocked unlocked
	}
	c.raw = raw
	c.hasRaw = true
	p.pending--
	c.state = stateIdle
	if p.opts.LoadBalanced {
		p.assignServiceLocked(c)
	}
	switch {
	case p.state == poolClosed:
		p.closeLocked(c, event.ReasonPoolClosed, nil, &eff)
	default:
		if reason, cerr, bad := p.perishedLocked(c, now, false); bad {
			p.closeLocked(c, reason, cerr, &eff)
		} else {
			p.putLocked(c, now)
		}
		if p.state == poolReady && len(p.all) < p.opts.MinPoolSize {
			p.runSoon, eff.wake = true, true
		}
	}
	p.serveLocked(now, &eff)
	p.mu.Unlock()
	eff.run(p)
}

// dialFailedLocked closes a connection whose dial failed and routes the
// error. It releases the lock.
func (p *Pool[C]) dialFailedLocked(c *PooledConn[C], err error, now time.Time, eff *effects[C]) {
	if p.state == poolClosed {
		p.closeLocked(c, event.ReasonPoolClosed, nil, eff)
		p.mu.Unlock()
		eff.run(p)
		return
	}
	derr := &DialError{Address: p.addr, ConnectionID: c.id, Generation: c.gen, Err: err}
	p.closeLocked(c, event.ReasonError, err, eff)
	var w *waiter[C]
	if !c.background {
		w = p.queue.popFront()
	}
	p.serveLocked(now, eff)
	p.mu.Unlock()
	if w == nil && p.opts.OnDialError != nil {
		p.opts.OnDialError(derr) // may clear the pool: before ConnectionClosed, as CMAP orders it
	}
	eff.run(p)
	if w != nil {
		w.deliver(nil, derr) // after ConnectionClosed, so the waiter's CheckOutFailed follows it
	}
}

// assignServiceLocked gives a just-established connection, in load-balanced
// mode, the generation of the service its handshake reported.
func (p *Pool[C]) assignServiceLocked(c *PooledConn[C]) {
	var id bson.ObjectID
	if s, ok := any(c.raw).(ServiceIDer); ok {
		id, _ = s.ServiceID()
	}
	s := p.services[id]
	if s == nil {
		s = &service{}
		p.services[id] = s
	}
	s.count++
	c.svc, c.hasSvc, c.gen = id, true, s.gen
}

// closeLocked marks a connection closed: it leaves the pool's counts (the
// caller has taken it out of the idle stack), its ConnectionClosed event is
// queued, and its Conn is given to the background goroutine to close (or
// closed inline once the pool is closed).
func (p *Pool[C]) closeLocked(c *PooledConn[C], reason event.ConnectionClosedReason, err error, eff *effects[C]) {
	if c.state == statePending {
		p.pending--
	}
	last := len(p.all) - 1
	moved := p.all[last]
	p.all[c.index] = moved
	moved.index = c.index
	p.all[last] = nil
	p.all = p.all[:last]
	if c.hasSvc {
		if s := p.services[c.svc]; s != nil {
			if s.count--; s.count == 0 {
				delete(p.services, c.svc)
			}
		}
	}
	c.state = stateClosed
	eff.closed = append(eff.closed, closedConn{id: c.id, reason: reason, err: err})
	if c.hasRaw && !c.rawClosed {
		c.rawClosed = true
		if p.bgRunning {
			p.toClose = append(p.toClose, c.raw)
			eff.wake = true
		} else {
			eff.closeNow = append(eff.closeNow, c.raw)
		}
		if p.state == poolReady && len(p.all) < p.opts.MinPoolSize {
			p.runSoon = true
		}
	}
}
