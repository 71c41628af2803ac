package pool

import "time"

// maintain is the pool's background goroutine. Whenever woken it closes
// the connections queued for closing and interrupts in-use connections
// after a clear that asked for it; every MaintainInterval, and at once when
// a run is due (the pool became ready, was cleared, or dropped below
// MinPoolSize), it runs: it closes perished idle connections and creates
// connections up to MinPoolSize. It returns when the pool is closed.
func (p *Pool[C]) maintain() {
	defer p.wg.Done()
	interval := p.opts.MaintainInterval
	var tick <-chan time.Time
	var timer *time.Timer
	if interval > 0 {
		timer = time.NewTimer(interval)
		defer timer.Stop()
		tick = timer.C
	}
	for {
		due := false
		select {
		case <-p.ctx.Done():
			p.closeQueued()
			return
		case <-p.wake:
		case <-tick:
			due = true
		}
		p.closeQueued()
		p.interruptInUse()
		if interval < 0 {
			continue // runs disabled
		}
		p.mu.Lock()
		due = due || p.runSoon
		p.mu.Unlock()
		if due {
			p.run()
			timer.Reset(interval)
		}
	}
}

// run is one background run. It takes the admin lock so that it cannot
// observe a ready pool before PoolReady was reported.
func (p *Pool[C]) run() {
	var eff effects[C]
	p.admin.Lock()
	p.mu.Lock()
	if p.state != poolClosed {
		p.pruneLocked(time.Now(), &eff)
		for len(p.all) < p.opts.MinPoolSize && p.canCreateLocked() {
			p.newConnLocked(true, &eff)
		}
	}
	p.runSoon = false
	p.mu.Unlock()
	p.admin.Unlock()
	eff.run(p)
}

// pruneLocked closes the perished idle connections, oldest first, keeping
// the order of the others.
func (p *Pool[C]) pruneLocked(now time.Time, eff *effects[C]) {
	kept := p.idle[:0]
	for _, c := range p.idle {
		if reason, err, bad := p.perishedLocked(c, now, true); bad {
			p.closeLocked(c, reason, err, eff)
			continue
		}
		kept = append(kept, c)
	}
	clear(p.idle[len(kept):])
	p.idle = kept
}

// closeQueued closes the connections closeLocked queued.
func (p *Pool[C]) closeQueued() {
	p.mu.Lock()
	raws := p.toClose
	p.toClose = nil
	p.mu.Unlock()
	for _, raw := range raws {
		_ = raw.Close()
	}
}

// interruptInUse closes the checked-out connections that a clear with
// InterruptInUse targeted: those of a generation older than the clear's.
// They stay checked out; their operations fail, PooledConn.Interrupted
// says why, and check-in accounts for them as stale.
func (p *Pool[C]) interruptInUse() {
	p.mu.Lock()
	if !p.interrupt {
		p.mu.Unlock()
		return
	}
	p.interrupt = false
	var raws []C
	for _, c := range p.all {
		if c.state != stateInUse || c.rawClosed {
			continue
		}
		below := p.below
		if c.hasSvc {
			below = 0
			if s := p.services[c.svc]; s != nil {
				below = s.below
			}
		}
		if c.gen < below {
			c.interrupted.Store(true)
			c.rawClosed = true
			raws = append(raws, c.raw)
		}
	}
	p.mu.Unlock()
	for _, raw := range raws {
		_ = raw.Close()
	}
}
