package conn

import (
	"context"
	"time"
)

// aLongTimeAgo is the deadline that interrupts the socket's I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// watch prepares one exchange on the socket: it sets the deadline, the
// earlier of ctx's and timeout from now (timeout 0: ctx's only), and, when
// ctx can be cancelled, arranges for its cancellation to interrupt the I/O.
// fromCtx says whether the deadline is ctx's. The caller runs its I/O, then
// calls unwatch with stop. A ctx done already returns its error, and the
// connection is untouched.
//
// No goroutine is started here: context.AfterFunc runs interrupt only once
// ctx is done.
func (c *Conn) watch(ctx context.Context, timeout time.Duration) (stop func() bool, fromCtx bool, err error) {
	done := ctx.Done()
	if done != nil {
		select {
		case <-done:
			return nil, false, ctxCause(ctx)
		default:
		}
	}
	deadline, ok := ctx.Deadline()
	fromCtx = ok
	if timeout > 0 {
		if d := time.Now().Add(timeout); !ok || d.Before(deadline) {
			deadline, ok, fromCtx = d, true, false
		}
	}
	if ok || c.deadlineSet {
		// The zero time clears a deadline left by an earlier exchange.
		_ = c.raw.SetDeadline(deadline)
		c.deadlineSet = ok
	}
	if done != nil {
		stop = context.AfterFunc(ctx, c.interruptFn)
	}
	return stop, fromCtx, nil
}

// unwatch ends what watch started. If the interruption ran, or is running,
// it waits for it to finish, so that its deadline cannot land on the next
// exchange; that deadline in the past is then cleared by the next watch.
func (c *Conn) unwatch(stop func() bool) {
	if stop != nil && !stop() {
		<-c.interrupted
		c.deadlineSet = true
	}
}

// interrupt is run by context.AfterFunc when the watched ctx is done: it
// makes the socket's pending and future I/O fail at once.
func (c *Conn) interrupt() {
	_ = c.raw.SetDeadline(aLongTimeAgo)
	c.interrupted <- struct{}{}
}
