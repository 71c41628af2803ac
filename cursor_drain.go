package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// This file holds the reading of a whole cursor at once, with the machinery
// of Cursor (getMore, killCursors, the cursor's session), for the commands
// whose documents the driver gathers itself: listIndexes and
// listCollections, which return few documents and give them as a slice, and
// the results cursor of the bulkWrite command.

// drainKillTimeout bounds the killCursors sent when draining a cursor stops
// half way: it runs even when the caller's context has ended, and must not
// block for long.
const drainKillTimeout = 5 * time.Second

// drainCursor hands each to every document of the cursor that res's reply
// opened: those of first, then those of the getMores sent to the server
// that ran the command (res.Address) with its session, with o's batchSize
// and comment. The cursor takes res.Session, which goes back to the pool
// exactly once, when the server no longer holds the cursor; the caller
// must not end it. name is the command, for the errors.
//
// err is what stopped the drain before the end of the cursor: a getMore's
// error, or ctx's. The cursor is then killed, within drainKillTimeout even
// if ctx has ended, and killErr is the outcome of that killCursors, which a
// caller may ignore: the server closes idle cursors by itself in time.
func (cl *Client) drainCursor(ctx context.Context, name string, res op.Result, first cursorReply, o cursorOpts, each func(bson.Raw)) (err, killErr error) {
	if _, _, ok := splitNS(first.ns); !ok && first.id != 0 {
		cl.exec.Release(res)
		return fmt.Errorf("motor: %s: cursor namespace %q is not database.collection", name, first.ns), nil
	}
	o.prefetch = false // one batch at a time, on this goroutine
	c, err := newCursorCore(ctx, cl, res, first, o)
	if err != nil {
		return err, nil
	}
	for {
		d, ok := c.next(ctx, true)
		if !ok {
			break
		}
		each(d)
	}
	if c.err == nil { // exhausted: the server holds no cursor, nothing to kill
		return nil, c.closeWith(ctx, ErrCursorClosed, false)
	}
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainKillTimeout)
	defer cancel()
	return c.err, c.closeWith(kctx, ErrCursorClosed, true)
}

// drainListing runs cmd, a listing command that returns a cursor
// (listIndexes, listCollections), and returns every document of every
// batch, read with drainCursor: getMore carries batchSize and comment when
// they are set (nil for comment leaves it out). A failed killCursors is not
// reported.
func drainListing(ctx context.Context, cl *Client, cmd *op.Command, batchSize int32, getMoreComment any) ([]bson.Raw, error) {
	cmd.KeepSession = true
	res, err := cl.exec.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	first, err := decodeCursorReply(res.Reply, "firstBatch")
	if err != nil {
		cl.exec.Release(res)
		return nil, fmt.Errorf("motor: %s: %w", cmd.Name, err)
	}
	docs := make([]bson.Raw, 0, len(first.docs))
	o := cursorOpts{batchSize: batchSize, comment: getMoreComment}
	if err, _ := cl.drainCursor(ctx, cmd.Name, res, first, o, func(d bson.Raw) { docs = append(docs, d) }); err != nil {
		return nil, err
	}
	return docs, nil
}
