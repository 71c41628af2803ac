package motor

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/session"
)

// ErrMissingResumeToken is reported by ChangeStream.Err when an event has
// no _id (a pipeline stage removed it): the stream could not be resumed
// after it, so it is closed.
var ErrMissingResumeToken = errors.New("motor: cannot provide resume functionality when the resume token is missing")

// ChangeStream is a stream of change events (change streams
// specification): an aggregate with a $changeStream stage, read with
// tailable awaitData getMores. Prefer Watch to an Aggregate with a
// $changeStream stage of your own: only Watch resumes.
//
//	cs, err := orders.Watch(ctx, bson.A{}, motor.ChangeStreamOptions{FullDocument: "updateLookup"})
//	if err != nil { ... }
//	defer cs.Close(ctx)
//	for cs.Next(ctx) {
//		var ev motor.ChangeEvent[Order]
//		if err := cs.Decode(&ev); err != nil { ... }
//	}
//	if err := cs.Err(); err != nil { ... }
//
// # Resuming
//
// After a resumable error of a getMore (a network error, CursorNotFound,
// or a server error labelled ResumableChangeStreamError, on servers before
// 4.4 one of the listed codes) the stream kills its cursor, selects a
// server again with its read preference and reruns the aggregate, once,
// in the same session, starting after the cached resume token (or at the
// saved operation time). Other errors end the stream.
//
// # Resume tokens
//
// ResumeToken returns the token a resume would use: after the last event
// of a batch, and after empty batches, the server's postBatchResumeToken.
// To store tokens and see every update of them, iterate with TryNext, which
// returns after each getMore, and read ResumeToken after each call,
// whatever it returned.
//
// # Read concern, batches, closing
//
// The server accepts only "majority" or no read concern. The next batch is
// requested in the background while the current one is read, as Cursor
// does. Close ends the stream, cancelling a getMore in flight; Client.Close
// closes open streams.
//
// A ChangeStream is read by one goroutine at a time; Close may be called
// from another one.
type ChangeStream struct {
	// Current is the event that the last successful Next or TryNext
	// returned. Its bytes belong to the stream's batch and are not reused.
	Current bson.Raw

	*csShared
	target   aggTarget
	cluster  bool
	stages   bson.RawArray
	opts     ChangeStreamOptions
	explicit op.Ref
	wire     int32 // the max wire version of the cursor's server

	// Owned by the iterating goroutine.
	token      bson.Raw        // the cached resume token
	opTime     *bson.Timestamp // the saved operation time
	startAfter bool            // started with StartAfter, no event returned yet
	resume     bool            // the next call resumes first (ctx cut a getMore)
	err        error
	waitErr    error
}

// csShared is the part of a ChangeStream that Close, Client.Close and the
// cleanup of an abandoned stream share with the reading goroutine: the
// current cursor and the session.
type csShared struct {
	client *Client

	mu       sync.Mutex
	core     *cursorCore
	sess     *session.Server // the implicit session, kept across resumes
	closed   bool
	opening  bool // an aggregate is in flight
	sessDone bool
}

// Watch opens a change stream on the collection. pipeline holds the stages
// that follow $changeStream ($match, $project, ...): bson.A{} for none.
func (c *Collection[T]) Watch(ctx context.Context, pipeline any, opts ...ChangeStreamOptions) (*ChangeStream, error) {
	return watch(ctx, aggTarget{db: c.db, coll: c.name, readPref: c.readPref, rc: c.rc, wc: c.wc, reg: c.registry}, false, pipeline, mergeChangeStream(opts))
}

// Watch opens a change stream on every collection of the database
// (MongoDB 4.0+).
func (db *Database) Watch(ctx context.Context, pipeline any, opts ...ChangeStreamOptions) (*ChangeStream, error) {
	return watch(ctx, aggTarget{db: db, readPref: db.readPref, rc: db.rc, wc: db.wc, reg: db.registry}, false, pipeline, mergeChangeStream(opts))
}

// Watch opens a change stream on every collection of every database of
// the cluster (MongoDB 4.0+): an aggregate on the admin database with
// allChangesForCluster.
func (c *Client) Watch(ctx context.Context, pipeline any, opts ...ChangeStreamOptions) (*ChangeStream, error) {
	db := c.Database("admin")
	return watch(ctx, aggTarget{db: db, readPref: db.readPref, rc: db.rc, wc: db.wc, reg: db.registry}, true, pipeline, mergeChangeStream(opts))
}

func watch(ctx context.Context, t aggTarget, cluster bool, pipeline any, o ChangeStreamOptions) (*ChangeStream, error) {
	cl := t.db.client
	stages, _, err := encodePipeline(t.reg, pipeline)
	if err != nil {
		return nil, err
	}
	if err := cl.checkMaxAwait(o.MaxAwaitTime); err != nil {
		return nil, err
	}
	cs := &ChangeStream{csShared: &csShared{client: cl}, target: t, cluster: cluster, stages: stages, opts: o, explicit: op.SessionRef(ctx)}
	switch {
	case o.StartAfter != nil:
		cs.token, err = cs.marshalToken("startAfter", o.StartAfter)
		cs.startAfter = true
	case o.ResumeAfter != nil:
		cs.token, err = cs.marshalToken("resumeAfter", o.ResumeAfter)
	}
	if err != nil {
		return nil, err
	}
	if o.StartAtOperationTime != nil {
		ts := *o.StartAtOperationTime
		cs.opTime = &ts
	}
	if err := cs.open(ctx, true); err != nil {
		return nil, err
	}
	runtime.AddCleanup(cs, (*csShared).abandoned, cs.csShared)
	return cs, nil
}

// marshalToken encodes a resume token given as an option.
func (cs *ChangeStream) marshalToken(name string, v any) (bson.Raw, error) {
	b, err := bson.MarshalOptions{Registry: cs.target.reg}.Marshal(bson.D{{Key: "t", Value: v}})
	if err != nil {
		return nil, fmt.Errorf("motor: watch: %s: %w", name, err)
	}
	d, ok := bson.Raw(b).Lookup("t").DocumentOK()
	if !ok {
		return nil, fmt.Errorf("motor: watch: %s is a %T, not a document", name, v)
	}
	return d, nil
}

// Next advances to the next event, waiting for one, and reports whether
// there is one. It returns false when the stream ends (an invalidate event
// ends it on the server), on an error, which Err then reports, or when ctx
// is done: then Err reports ctx's error until the next call, the stream
// stays usable, and the next call resumes it if the wait had to cut a
// getMore short.
func (cs *ChangeStream) Next(ctx context.Context) bool { return cs.next(ctx, true) }

// TryNext is Next that waits for at most one getMore: it returns false,
// with Err nil, when that getMore brought no event. ResumeToken then holds
// the server's latest token.
func (cs *ChangeStream) TryNext(ctx context.Context) bool { return cs.next(ctx, false) }

func (cs *ChangeStream) next(ctx context.Context, block bool) bool {
	defer runtime.KeepAlive(cs) // no cleanup (see abandoned) while Next works
	cs.waitErr, cs.Current = nil, nil
	for cs.err == nil {
		if cs.resume && !cs.resumeNow(ctx) {
			return false
		}
		core := cs.current()
		if core == nil {
			cs.err = ErrCursorClosed
			return false
		}
		d, ok := core.next(ctx, false)
		if ok {
			return cs.deliver(core, d)
		}
		if core.waitErr != nil {
			cs.waitErr = core.waitErr
			return false
		}
		if err := core.err; err != nil {
			switch {
			case ctx.Err() != nil || isContextErr(err): // a getMore cut short by ctx: resume next time
				cs.waitErr, cs.resume = err, true
				return false
			case cs.resumable(core, err):
				cs.resume = true
				continue
			}
			cs.err = err
			return false
		}
		if core.token != nil { // an empty batch
			cs.token = core.token
		}
		if core.currentID() == 0 || !block {
			return false
		}
	}
	return false
}

// deliver hands out event d of core's batch and caches its resume token.
func (cs *ChangeStream) deliver(core *cursorCore, d bson.Raw) bool {
	id, ok := d.Lookup("_id").DocumentOK()
	if !ok {
		cs.err = ErrMissingResumeToken
		cs.mu.Lock()
		cs.closed = true
		cs.mu.Unlock()
		kctx, cancel := context.WithTimeout(context.Background(), abandonedKillTimeout)
		_ = core.closeWith(kctx, ErrMissingResumeToken, true)
		cancel()
		cs.endSession()
		return false
	}
	if core.pos == len(core.docs) && core.token != nil {
		cs.token = core.token
	} else {
		cs.token = id
	}
	cs.startAfter = false
	cs.Current = d
	return true
}

// current returns the stream's cursor, nil once it is closed.
func (cs *csShared) current() *cursorCore {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return nil
	}
	return cs.core
}

// Decode unmarshals the current event into v: a *ChangeEvent[T], a
// *bson.D, or a type matching the shape a pipeline gave the events.
func (cs *ChangeStream) Decode(v any) error {
	return bson.UnmarshalOptions{Registry: cs.target.reg}.Unmarshal(cs.Current, v)
}

// ResumeToken returns the token a resume would start after (see
// ChangeStream), nil before there is one. It is valid until the next call
// of Next or TryNext.
func (cs *ChangeStream) ResumeToken() bson.Raw { return cs.token }

// Err returns the error that ended the stream, or the ctx error of the
// last call, until the next one; nil otherwise.
func (cs *ChangeStream) Err() error {
	if cs.err != nil {
		return cs.err
	}
	return cs.waitErr
}

// ID returns the server's id of the stream's cursor, 0 once the stream has
// ended or is closed.
func (cs *ChangeStream) ID() int64 {
	if core := cs.current(); core != nil {
		return core.currentID()
	}
	return 0
}

// Close closes the stream: it cancels a getMore in flight, kills the
// server's cursor (ctx bounds it; its error is returned) and ends the
// stream's session. Close may be called more than once, and from another
// goroutine than the one reading.
func (cs *ChangeStream) Close(ctx context.Context) error { return cs.close(ctx) }

func (cs *csShared) close(ctx context.Context) error {
	cs.mu.Lock()
	if cs.closed {
		cs.mu.Unlock()
		return nil
	}
	cs.closed = true
	core, opening := cs.core, cs.opening
	cs.mu.Unlock()
	var err error
	if core != nil {
		err = core.closeWith(ctx, ErrCursorClosed, true)
	}
	if !opening { // else the aggregate in flight ends it
		cs.endSession()
	}
	return err
}

// endSession returns the implicit session to the pool, once.
func (cs *csShared) endSession() {
	cs.mu.Lock()
	s, done := cs.sess, cs.sessDone
	cs.sessDone = true
	cs.mu.Unlock()
	if !done && s != nil {
		cs.client.exec.EndSession(s)
	}
}

// abandoned closes a stream that was garbage collected unclosed, on a
// goroutine of its own that Client.Close waits for, as cursorCore.abandoned
// does.
func (cs *csShared) abandoned() {
	if !cs.client.open.goStart() {
		return // the client is closing, and closes the cursor
	}
	go func() {
		defer cs.client.open.goDone()
		ctx, cancel := context.WithTimeout(context.Background(), abandonedKillTimeout)
		defer cancel()
		_ = cs.close(ctx) // best effort: nobody is waiting
	}()
}

// All returns an iterator over the events, which waits for new ones until
// the stream ends, fails or ctx is done; the error, if any, is the last
// element. The stream is closed when the loop ends.
func (cs *ChangeStream) All(ctx context.Context) iter.Seq2[bson.Raw, error] {
	return func(yield func(bson.Raw, error) bool) {
		defer func() {
			kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abandonedKillTimeout)
			defer cancel()
			_ = cs.Close(kctx) // best effort: the loop is over
		}()
		for cs.Next(ctx) {
			if !yield(cs.Current, nil) {
				return
			}
		}
		if err := cs.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// isContextErr reports whether err is, or wraps, a context's error: a
// getMore that a ctx ended, whose deadline may fire on the connection just
// before ctx.Err reports it.
func isContextErr(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
