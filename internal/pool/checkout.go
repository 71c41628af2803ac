package pool

import (
	"context"
	"errors"
	"time"

	"github.com/motor-go/motor/event"
)

// CheckOut returns a connection for one operation, which must give it back
// with CheckIn. It fails with a *PoolClosedError if the pool is closed, a
// *PoolClearedError if it is paused or gets cleared meanwhile, a *DialError
// if establishing a new connection fails, and a *WaitQueueTimeoutError
// (wrapping ctx.Err() when ctx ended the wait) if no connection came in
// time. It returns as soon as ctx is done; a connection being established
// meanwhile is not abandoned but serves another check-out or waits idle.
func (p *Pool[C]) CheckOut(ctx context.Context) (*PooledConn[C], error) {
	start := time.Now()
	if p.mon != nil && p.mon.ConnectionCheckOutStarted != nil {
		p.mon.ConnectionCheckOutStarted(event.ConnectionCheckOutStartedEvent{Address: p.addr})
	}
	if err := ctx.Err(); err != nil {
		return nil, p.checkOutFailed(start, event.CheckOutTimeout, p.timeoutError(start, err))
	}
	var eff effects[C]
	p.mu.Lock()
	switch p.state {
	case poolClosed:
		p.mu.Unlock()
		return nil, p.checkOutFailed(start, event.CheckOutPoolClosed, &PoolClosedError{Address: p.addr})
	case poolPaused:
		err := &PoolClearedError{Address: p.addr, Cause: p.clearErr}
		p.mu.Unlock()
		return nil, p.checkOutFailed(start, event.CheckOutConnectionError, err)
	}
	if p.queue.n == 0 { // nobody waits: an idle connection may be taken at once
		if c := p.popIdleLocked(start, &eff); c != nil {
			c.state = stateInUse
			c.out.Store(true)
			p.mu.Unlock()
			eff.run(p)
			p.checkedOut(c, start)
			return c, nil
		}
	}
	w := p.waiters.Get().(*waiter[C])
	p.queue.push(w)
	p.serveLocked(start, &eff)
	p.mu.Unlock()
	eff.run(p)
	return p.wait(ctx, w, start)
}

// wait waits for the waiter's delivery, the wait queue timeout or ctx.
func (p *Pool[C]) wait(ctx context.Context, w *waiter[C], start time.Time) (*PooledConn[C], error) {
	var timeout <-chan time.Time
	if d := p.opts.WaitQueueTimeout; d > 0 {
		t := time.NewTimer(d - time.Since(start))
		defer t.Stop()
		timeout = t.C
	}
	var cause error
	select {
	case <-w.ready:
		return p.delivered(w, start)
	case <-ctx.Done():
		cause = ctx.Err()
	case <-timeout:
	}
	p.mu.Lock()
	if !w.queued {
		// The pool delivered (or is delivering) at the same moment: take
		// the delivery, as if it had won the select.
		p.mu.Unlock()
		<-w.ready
		return p.delivered(w, start)
	}
	p.queue.remove(w)
	err := p.timeoutErrorLocked(start, cause)
	p.mu.Unlock()
	p.waiters.Put(w)
	return nil, p.checkOutFailed(start, event.CheckOutTimeout, err)
}

// delivered completes a check-out whose waiter received its result.
func (p *Pool[C]) delivered(w *waiter[C], start time.Time) (*PooledConn[C], error) {
	c, err := w.conn, w.err
	w.conn, w.err = nil, nil
	p.waiters.Put(w)
	if err != nil {
		reason := event.CheckOutConnectionError
		if errors.Is(err, ErrPoolClosed) {
			reason = event.CheckOutPoolClosed
		}
		return nil, p.checkOutFailed(start, reason, err)
	}
	p.checkedOut(c, start)
	return c, nil
}

// CheckIn gives back a connection checked out of p. The connection is
// closed if it perished or the pool is closed, else it serves the first
// waiter or becomes idle. It fails with ErrNotCheckedOut if c is not
// checked out of p.
func (p *Pool[C]) CheckIn(c *PooledConn[C]) error {
	if c == nil || c.pool != p || !c.out.CompareAndSwap(true, false) {
		return ErrNotCheckedOut
	}
	if c.pin != Unpinned {
		p.pinCount(c.pin, -1)
		c.pin = Unpinned
	}
	if p.mon != nil && p.mon.ConnectionCheckedIn != nil {
		p.mon.ConnectionCheckedIn(event.ConnectionCheckedInEvent{Address: p.addr, ConnectionID: c.id})
	}
	now := time.Now()
	var eff effects[C]
	p.mu.Lock()
	if p.state == poolClosed {
		p.closeLocked(c, event.ReasonPoolClosed, nil, &eff)
	} else if reason, err, bad := p.perishedLocked(c, now, false); bad {
		p.closeLocked(c, reason, err, &eff)
	} else {
		p.putLocked(c, now)
	}
	p.serveLocked(now, &eff)
	p.mu.Unlock()
	eff.run(p)
	return nil
}

// serveLocked hands idle connections to the waiters, in order, and creates
// connections for the waiters that the connections being established will
// not serve, within MaxPoolSize and MaxConnecting.
func (p *Pool[C]) serveLocked(now time.Time, eff *effects[C]) {
	for p.queue.n > 0 {
		c := p.popIdleLocked(now, eff)
		if c == nil {
			break
		}
		c.state = stateInUse
		c.out.Store(true)
		p.queue.popFront().deliver(c, nil)
	}
	for p.queue.n > p.pending && p.canCreateLocked() {
		p.newConnLocked(false, eff)
	}
}

// popIdleLocked takes the most recently used idle connection that has not
// perished, closing the perished ones it meets.
func (p *Pool[C]) popIdleLocked(now time.Time, eff *effects[C]) *PooledConn[C] {
	for n := len(p.idle); n > 0; n = len(p.idle) {
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		if reason, err, bad := p.perishedLocked(c, now, true); bad {
			p.closeLocked(c, reason, err, eff)
			continue
		}
		return c
	}
	return nil
}

// putLocked makes an established connection serve the first waiter, or
// become idle.
func (p *Pool[C]) putLocked(c *PooledConn[C], now time.Time) {
	c.lastUsed = now
	if w := p.queue.popFront(); w != nil {
		c.state = stateInUse
		c.out.Store(true)
		w.deliver(c, nil)
		return
	}
	c.state = stateIdle
	p.idle = append(p.idle, c)
}

// perishedLocked says whether a connection must be closed, and why: stale
// (an older generation), idle for too long (only asked of idle ones), or
// broken according to its Checker.
func (p *Pool[C]) perishedLocked(c *PooledConn[C], now time.Time, idle bool) (event.ConnectionClosedReason, error, bool) {
	gen := p.gen
	if c.hasSvc {
		if s := p.services[c.svc]; s != nil {
			gen = s.gen
		}
	}
	if c.gen != gen || c.interrupted.Load() {
		return event.ReasonStale, nil, true
	}
	if idle && p.opts.MaxIdleTime > 0 && now.Sub(c.lastUsed) > p.opts.MaxIdleTime {
		return event.ReasonIdle, nil, true
	}
	if err := errOf(c.raw); err != nil {
		return event.ReasonError, err, true
	}
	return "", nil, false
}

// canCreateLocked says whether a new connection may be created now.
func (p *Pool[C]) canCreateLocked() bool {
	return p.state == poolReady &&
		(p.opts.MaxPoolSize == 0 || len(p.all) < p.opts.MaxPoolSize) &&
		p.pending < p.opts.MaxConnecting
}

// checkedOut reports a successful check-out.
func (p *Pool[C]) checkedOut(c *PooledConn[C], start time.Time) {
	if p.mon != nil && p.mon.ConnectionCheckedOut != nil {
		p.mon.ConnectionCheckedOut(event.ConnectionCheckedOutEvent{
			Address: p.addr, ConnectionID: c.id, Duration: time.Since(start),
		})
	}
}

// checkOutFailed reports a failed check-out and returns its error.
func (p *Pool[C]) checkOutFailed(start time.Time, reason event.CheckOutFailedReason, err error) error {
	if p.mon != nil && p.mon.ConnectionCheckOutFailed != nil {
		p.mon.ConnectionCheckOutFailed(event.ConnectionCheckOutFailedEvent{
			Address: p.addr, Reason: reason, Error: err, Duration: time.Since(start),
		})
	}
	return err
}

// timeoutError builds the error of a check-out that gave up waiting.
func (p *Pool[C]) timeoutError(start time.Time, cause error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.timeoutErrorLocked(start, cause)
}

func (p *Pool[C]) timeoutErrorLocked(start time.Time, cause error) error {
	e := &WaitQueueTimeoutError{Address: p.addr, Waited: time.Since(start), Cause: cause}
	if p.opts.LoadBalanced {
		e.LoadBalanced = true
		e.MaxPoolSize = p.opts.MaxPoolSize
		e.InUseByCursors = int(p.pinnedCursors.Load())
		e.InUseByTransactions = int(p.pinnedTxns.Load())
		inUse := len(p.all) - len(p.idle) - p.pending
		e.InUseByOthers = max(0, inUse-e.InUseByCursors-e.InUseByTransactions)
	}
	return e
}
