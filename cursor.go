package motor

import (
	"context"
	"iter"
	"runtime"

	"github.com/motor-go/motor/bson"
)

// Cursor iterates over the documents of a query (Find, Aggregate), typed as
// T. The server returns them in batches: the first with the query's reply,
// the others with getMore commands sent as the cursor is read.
//
//	cur, err := users.Find(ctx, bson.D{{Key: "age", Value: bson.D{{Key: "$gte", Value: 18}}}})
//	if err != nil { ... }
//	defer cur.Close(ctx)
//	for cur.Next(ctx) {
//		var u User
//		if err := cur.Decode(&u); err != nil { ... }
//	}
//	if err := cur.Err(); err != nil { ... }
//
// or, as an iterator that closes the cursor when the loop ends:
//
//	for u, err := range cur.All(ctx) {
//		if err != nil { ... } // the last element, if anything failed
//	}
//
// # Prefetching
//
// By default (FindOptions.Prefetch and AggregateOptions.Prefetch) the next
// batch is requested as soon as the first document of the current one is
// handed out, on a goroutine of the cursor's, so that it arrives while the
// caller works through the current batch. At most one such getMore is in
// flight per cursor and at most two batches are held in memory. The
// getMore's result, or its error, is taken by the Next call that needs it.
//
// # Closing
//
// A cursor the server still holds keeps a session and server resources
// until it is exhausted or closed: call Close (All and ToSlice close it for
// you). Client.Close closes every open cursor, and a Cursor that is garbage
// collected unclosed is closed in the background.
//
// # Concurrency
//
// A Cursor is read by one goroutine at a time. Close may be called from
// another goroutine, to end a Next blocked on a tailable cursor for example.
type Cursor[T any] struct {
	core *cursorCore

	// Current is the document that the last successful Next or TryNext
	// returned, as the server sent it. Its bytes belong to the cursor's
	// batch and are not reused; Decode copies what it keeps.
	Current bson.Raw
}

// Next advances to the next document, waiting for the next batch when the
// current one is used up, and reports whether there is one. It returns
// false at the end of the cursor or on an error, which Err then reports.
// On a tailable cursor Next waits for new documents until the cursor ends
// on the server, ctx is done, or the cursor is closed.
//
// ctx bounds the wait. When the wait is for a prefetched batch, ctx ending
// leaves that getMore running: Next returns false, Err reports ctx's error,
// and a later Next takes up where this one stopped. A getMore that Next
// sends itself (prefetching off) is cancelled with ctx, and the cursor is
// then done.
func (c *Cursor[T]) Next(ctx context.Context) bool { return c.advance(ctx, true) }

// TryNext is Next for tailable cursors: when the current batch is used up
// it sends one getMore and, if that brings no document, returns false
// without the cursor ending. Check Err, and ID (0 once the cursor has
// ended), to tell the cases apart.
func (c *Cursor[T]) TryNext(ctx context.Context) bool { return c.advance(ctx, false) }

func (c *Cursor[T]) advance(ctx context.Context, block bool) bool {
	d, ok := c.core.next(ctx, block)
	c.Current = d
	runtime.KeepAlive(c) // no cleanup (see abandoned) while Next works
	return ok
}

// Decode unmarshals the current document into v, with the registry of the
// collection that opened the cursor.
func (c *Cursor[T]) Decode(v *T) error {
	return bson.UnmarshalOptions{Registry: c.core.reg}.Unmarshal(c.Current, v)
}

// Err returns the error that ended the iteration, nil at the end of the
// cursor. After a Next cut short by its ctx it returns ctx's error, until
// the next call.
func (c *Cursor[T]) Err() error {
	if c.core.err != nil {
		return c.core.err
	}
	return c.core.waitErr
}

// ID returns the server's id for the cursor, 0 once the server no longer
// holds it (it was exhausted or closed).
func (c *Cursor[T]) ID() int64 { return c.core.currentID() }

// RemainingBatchLength returns how many documents of the current batch Next
// will hand out before it needs another batch.
func (c *Cursor[T]) RemainingBatchLength() int { return len(c.core.docs) - c.core.pos }

// Close closes the cursor. A prefetched getMore in flight is waited for
// (on a tailable cursor, cancelled); then, if the server still holds the
// cursor, a killCursors is sent to the server that holds it, with the
// cursor's session, which goes back to the pool. ctx bounds the wait and
// the killCursors; their error is returned, and the cursor is closed
// whatever happens. Documents already received are still handed out by
// Next; a Next that needs more reports ErrCursorClosed. Close may be called
// more than once.
func (c *Cursor[T]) Close(ctx context.Context) error {
	return c.core.closeWith(ctx, ErrCursorClosed, false)
}

// All returns an iterator over the remaining documents, decoded. If
// anything fails (a getMore, decoding, ctx) the error is the last element,
// with the zero T. The cursor is closed when the loop ends, whether it ran
// to the end or stopped early, with ctx bounding the killCursors. All is for
// one loop.
func (c *Cursor[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer c.Close(ctx)
		for c.Next(ctx) {
			var v T
			if err := c.Decode(&v); err != nil {
				yield(v, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := c.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

// ToSlice reads the remaining documents into a slice and closes the cursor.
// On an error it returns the documents read before it.
func (c *Cursor[T]) ToSlice(ctx context.Context) ([]T, error) {
	out := make([]T, 0, c.RemainingBatchLength())
	for v, err := range c.All(ctx) {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
