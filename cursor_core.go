package motor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/mongoerr"
)

// cursorCore is the untyped part of a Cursor: the server-side cursor (its
// id, namespace, server and session), the batch being handed out, and the
// getMore in flight.
//
// Two goroutines may touch a cursor: the one iterating it, which owns the
// fields above mu, and one running a prefetched getMore or closing the
// cursor (Close, or Client.Close); the fields below mu are shared. At most
// one getMore runs at a time, counted in busy.
type cursorCore struct {
	cursorOpts
	client *Client
	addr   string // the server that holds the cursor
	// explicit is the application's session the cursor was opened in,
	// which its getMores and killCursors use (and the cursor keeps
	// alive); the zero Ref for an implicit one.
	explicit op.Ref
	// pin is, under a load balancer, the connection the cursor of an
	// explicit session runs its getMores and killCursors on.
	pin *op.Pinned

	// ctx bounds prefetched getMores; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the iterating goroutine.
	docs     []bson.Raw // the current batch
	token    bson.Raw   // the batch's postBatchResumeToken, if any
	pos      int        // the next document of docs to hand out
	fresh    bool       // no document of docs has been handed out yet
	returned int64      // documents received, for limit
	err      error      // what ended the iteration
	waitErr  error      // ctx error of the last wait; the next call clears it

	mu       sync.Mutex
	id       int64
	db, coll string // the namespace, as the last reply said
	sess     *session.Server
	closed   bool
	closedBy error          // what a Next after Close reports
	pending  *fetch         // the prefetched getMore, until consumed
	abort    func()         // cancels a getMore sent by Next, while one is
	busy     sync.WaitGroup // getMores in progress
}

// cursorOpts are a cursor's settings, from the options of the command that
// opened it.
type cursorOpts struct {
	reg       *bson.Registry
	batchSize int32         // getMore's batchSize; 0 for the server's
	limit     int64         // a find's limit; 0 for none
	maxAwait  time.Duration // getMore's maxTimeMS, for awaitData cursors
	awaitData bool
	tailable  bool
	comment   any // sent with every getMore
	prefetch  bool
	// keepSession leaves the implicit session to the cursor's owner (a
	// change stream, which resumes with it) instead of ending it with the
	// cursor.
	keepSession bool
}

// fetch is one prefetched getMore; done is closed once reply and err are set.
type fetch struct {
	done  chan struct{}
	reply cursorReply
	err   error
}

// cursorReply is the cursor document of a find, aggregate or getMore reply.
type cursorReply struct {
	id   int64
	ns   string
	docs []bson.Raw
	// token is the batch's postBatchResumeToken, nil when there is none
	// (change streams).
	token bson.Raw
}

// ErrCursorClosed is reported by Cursor.Err when Next needed another batch
// from a cursor that Close had closed.
var ErrCursorClosed = errors.New("motor: cursor is closed")

// parseCursorReply reads the cursor document of reply; batch names its
// array, "firstBatch" or "nextBatch". The documents slice into reply.
func parseCursorReply(reply bson.Raw, batch string) (cursorReply, error) {
	r, err := decodeCursorReply(reply, batch)
	if err != nil {
		return r, fmt.Errorf("motor: %w", err)
	}
	return r, nil
}

// decodeCursorReply is parseCursorReply with errors that name no package,
// for callers that prefix their own (the command's name).
func decodeCursorReply(reply bson.Raw, batch string) (cursorReply, error) {
	var r cursorReply
	cur, ok := reply.Lookup("cursor").DocumentOK()
	if !ok {
		return r, fmt.Errorf("reply without a cursor document: %v", reply)
	}
	if r.id, ok = cur.Lookup("id").AsInt64OK(); !ok {
		return r, fmt.Errorf("cursor reply without an id: %v", cur)
	}
	r.ns = cur.Lookup("ns").StringValue()
	if t, ok := cur.Lookup("postBatchResumeToken").DocumentOK(); ok {
		r.token = t
	}
	arr, ok := cur.Lookup(batch).ArrayOK()
	if !ok {
		return r, fmt.Errorf("cursor reply without %s: %v", batch, cur)
	}
	n := 0
	for range arr.Values() {
		n++
	}
	r.docs = make([]bson.Raw, 0, n)
	for i, v := range arr.Values() {
		d, ok := v.DocumentOK()
		if !ok {
			return r, fmt.Errorf("%s element %d is a %v, not a document", batch, i, v.Type)
		}
		r.docs = append(r.docs, d)
	}
	return r, nil
}

// splitNS splits "db.coll" at its first dot.
func splitNS(ns string) (db, coll string, ok bool) {
	db, coll, ok = strings.Cut(ns, ".")
	return db, coll, ok && db != "" && coll != ""
}

// newCursorCore builds the cursor of a command's first reply and registers
// it with the client. res.Session, if any, becomes the cursor's.
func newCursorCore(ctx context.Context, cl *Client, res op.Result, first cursorReply, o cursorOpts) (*cursorCore, error) {
	c := &cursorCore{cursorOpts: o, client: cl, addr: res.Address, sess: res.Session, id: first.id,
		explicit: op.SessionRef(ctx), pin: res.Pinned}
	if db, coll, ok := splitNS(first.ns); ok {
		c.db, c.coll = db, coll
	}
	if cs := c.explicit.Session; cs != nil {
		if st := cs.TxnState(); st == session.TxnStarting || st == session.TxnInProgress {
			// A transaction runs one command at a time: a getMore sent
			// in the background would race the application's commands
			// and its commit, and one sent after the commit would run
			// outside the transaction (resetting its state).
			c.prefetch = false
		}
	}
	c.docs, c.fresh, c.returned, c.token = first.docs, true, int64(len(first.docs)), first.token
	if c.id == 0 {
		c.closed = true
		c.release()
		return c, nil
	}
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if !cl.open.add(c) {
		c.closeWith(ctx, ErrClientClosed, true)
		return nil, ErrClientClosed
	}
	return c, nil
}

// getMoreArgs is what one getMore needs of the shared state.
type getMoreArgs struct {
	id       int64
	db, coll string
	sess     *session.Server
}

// begin reserves the cursor for one getMore, which abort (if not nil)
// cancels; it reports false when there is nothing to fetch, with an error
// when the cursor was closed before the server's end.
func (c *cursorCore) begin(abort func()) (getMoreArgs, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		if c.id != 0 {
			return getMoreArgs{}, false, c.closedBy
		}
		return getMoreArgs{}, false, nil
	}
	if c.id == 0 {
		return getMoreArgs{}, false, nil
	}
	c.busy.Add(1)
	c.abort = abort
	return getMoreArgs{id: c.id, db: c.db, coll: c.coll, sess: c.sess}, true, nil
}

// end records a getMore's outcome, and releases the cursor's session when
// the server is done with the cursor.
func (c *cursorCore) end(r cursorReply, err error) {
	c.mu.Lock()
	c.abort = nil
	switch {
	case err == nil:
		c.id = r.id
		if db, coll, ok := splitNS(r.ns); ok {
			c.db, c.coll = db, coll
		}
	case isCursorGone(err):
		c.id = 0
	}
	done := c.id == 0
	c.mu.Unlock()
	if done {
		c.release()
	}
	c.busy.Done()
}

// isCursorGone reports errors after which the server holds no cursor.
func isCursorGone(err error) bool {
	var se *mongoerr.ServerError
	return errors.As(err, &se) && (se.Code == 43 || se.Code == 175 || se.Code == 237) // CursorNotFound, QueryPlanKilled, CursorKilled
}

// release returns the cursor's session to the pool and forgets the cursor
// in the client, once the server holds no cursor.
func (c *cursorCore) release() {
	c.mu.Lock()
	s := c.sess
	c.sess = nil
	c.mu.Unlock()
	if !c.keepSession {
		c.client.exec.EndSession(s)
	}
	c.client.exec.ReleasePin(c.pin)
	c.client.open.remove(c)
}

// closeWith closes the cursor: it waits for a prefetched getMore (or, with
// abort set or for a tailable cursor, cancels it), kills the server's cursor
// if it is still open and returns its session. Later calls do nothing.
// ctx bounds the wait and killCursors.
func (c *cursorCore) closeWith(ctx context.Context, why error, abort bool) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed, c.closedBy = true, why
	f := c.pending
	if c.abort != nil {
		c.abort() // a getMore sent by Next on another goroutine
	}
	c.mu.Unlock()
	if abort || c.tailable {
		c.cancel()
	}
	if f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			c.cancel()
		}
	}
	c.cancel()
	c.busy.Wait()
	c.mu.Lock()
	id, db, coll, sess := c.id, c.db, c.coll, c.sess
	c.mu.Unlock()
	var err error
	if id != 0 {
		err = c.kill(ctx, id, db, coll, sess)
	}
	c.release()
	return err
}

// abandonedKillTimeout bounds the killCursors of a cursor that was
// garbage collected without being closed.
const abandonedKillTimeout = 10 * time.Second

// abandoned closes a cursor whose Cursor was garbage collected unclosed, as
// the sessions specification asks (its session goes back to the pool), and
// lets the client forget it. It runs as a cleanup, so the closing happens on
// a goroutine of its own, which Client.Close waits for.
func (c *cursorCore) abandoned() {
	if !c.client.open.goStart() {
		return // the client is closing, and closes the cursor
	}
	go func() {
		defer c.client.open.goDone()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), abandonedKillTimeout)
		defer cancel()
		_ = c.closeWith(ctx, ErrCursorClosed, true) // best effort: nobody is waiting
	}()
}

// kill sends killCursors for the cursor to its server, with its session.
func (c *cursorCore) kill(ctx context.Context, id int64, db, coll string, sess *session.Server) error {
	body, err := bson.Marshal(bson.D{{Key: "killCursors", Value: coll}, {Key: "cursors", Value: bson.A{id}}})
	if err != nil {
		return err
	}
	_, err = c.client.exec.Run(c.withSession(ctx), &op.Command{Name: "killCursors", DB: db, Body: body, Address: c.addr, Session: sess, Pinned: c.pin})
	return err
}

// withSession returns ctx with the cursor's explicit session, or without
// any when it has none, for its getMores and killCursors.
func (c *cursorCore) withSession(ctx context.Context) context.Context {
	if c.explicit.Session == nil && op.SessionFrom(ctx) == nil {
		return ctx
	}
	return op.WithSession(ctx, c.explicit) // never the session of Next's context
}

// currentID returns the server's cursor id, 0 once it is exhausted or
// closed.
func (c *cursorCore) currentID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0
	}
	return c.id
}
