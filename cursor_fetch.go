package motor

import (
	"context"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// This file holds how a cursor gets its batches: the document handed out
// by Next, the getMore sent when the batch is used up, and the one sent
// ahead of time by a prefetching cursor.

// getMore runs one getMore.
func (c *cursorCore) getMore(ctx context.Context, a getMoreArgs, batchSize int32) (cursorReply, error) {
	cmd := &op.Command{Name: "getMore", DB: a.db, Address: c.addr, Session: a.sess, Pinned: c.pin}
	cmd.Prepare = func(cmd *op.Command, l op.Limits) error {
		d := bson.D{{Key: "getMore", Value: a.id}, {Key: "collection", Value: a.coll}}
		if batchSize > 0 {
			d = append(d, bson.E{Key: "batchSize", Value: batchSize})
		}
		if c.awaitData && c.maxAwait > 0 {
			d = append(d, bson.E{Key: "maxTimeMS", Value: c.maxAwait.Milliseconds()})
		}
		if c.comment != nil && l.MaxWireVersion >= 9 { // servers before 4.4 take no comment on getMore
			d = append(d, bson.E{Key: "comment", Value: c.comment})
		}
		var err error
		cmd.Body, err = bson.MarshalOptions{Registry: c.reg}.Marshal(d)
		return err
	}
	res, err := c.client.exec.Run(c.withSession(ctx), cmd)
	if err != nil {
		return cursorReply{}, err
	}
	return parseCursorReply(res.Reply, "nextBatch")
}

// nextBatchSize returns the batchSize of the next getMore, and false when
// the find's limit has been reached.
func (c *cursorCore) nextBatchSize() (int32, bool) {
	if c.limit <= 0 {
		return c.batchSize, true
	}
	left := c.limit - c.returned
	if left <= 0 {
		return 0, false
	}
	if c.batchSize > 0 && int64(c.batchSize) > left {
		return int32(left), true
	}
	return c.batchSize, true
}

// next returns the next document. When the batch is used up it waits for
// the next one; with block unset (TryNext) it waits for one getMore only,
// and returns false if that brought an empty batch.
func (c *cursorCore) next(ctx context.Context, block bool) (bson.Raw, bool) {
	c.waitErr = nil
	for {
		if c.pos < len(c.docs) {
			d := c.docs[c.pos]
			c.pos++
			if c.fresh {
				c.fresh = false
				c.startPrefetch()
			}
			return d, true
		}
		if c.err != nil {
			return nil, false
		}
		if !c.fetchNext(ctx) {
			return nil, false
		}
		if len(c.docs) == 0 && !block {
			return nil, false
		}
	}
}

// install makes r the current batch.
func (c *cursorCore) install(r cursorReply) {
	c.docs, c.pos, c.fresh, c.token = r.docs, 0, true, r.token
	c.returned += int64(len(r.docs))
}

// fetchNext installs the next batch: the prefetched one, or one fetched
// now. It reports false at the end of the cursor or on an error (c.err, or
// c.waitErr when only the wait was cut short).
func (c *cursorCore) fetchNext(ctx context.Context) bool {
	c.mu.Lock()
	f := c.pending
	c.mu.Unlock()
	if f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			c.waitErr = fmt.Errorf("motor: waiting for the next batch: %w", ctx.Err())
			return false
		}
		c.mu.Lock()
		c.pending = nil
		c.mu.Unlock()
		if f.err != nil {
			c.err = c.closedErr(f.err)
			return false
		}
		c.install(f.reply)
		return true
	}
	bs, ok := c.nextBatchSize()
	if !ok { // the limit is reached: the server may still hold the cursor
		if err := c.closeWith(ctx, ErrCursorClosed, false); err != nil {
			c.err = err
		}
		return false
	}
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, ok, err := c.begin(cancel)
	if !ok {
		c.err = err
		return false
	}
	r, err := c.getMore(gctx, a, bs)
	c.end(r, err)
	if err != nil {
		c.err = c.closedErr(err)
		return false
	}
	c.install(r)
	return true
}

// closedErr returns why the cursor was closed in place of the error of a
// getMore that its closing cancelled.
func (c *cursorCore) closedErr(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed && errors.Is(err, context.Canceled) {
		return c.closedBy
	}
	return err
}

// startPrefetch sends the next getMore on a goroutine of its own, if the
// cursor prefetches and has more to fetch.
func (c *cursorCore) startPrefetch() {
	if !c.prefetch {
		return
	}
	bs, ok := c.nextBatchSize()
	if !ok {
		return
	}
	a, ok, _ := c.begin(nil)
	if !ok {
		return
	}
	if !c.client.open.goStart() {
		c.busy.Done()
		return
	}
	f := &fetch{done: make(chan struct{})}
	c.mu.Lock()
	c.pending = f
	c.mu.Unlock()
	go func() {
		defer c.client.open.goDone()
		r, err := c.getMore(c.ctx, a, bs)
		f.reply, f.err = r, err
		c.end(r, err)
		close(f.done)
	}()
}
