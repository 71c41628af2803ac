package motor

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// CursorType says whether a find's cursor is tailable: whether it stays open
// at the end of the data, to return documents inserted later into a capped
// collection.
type CursorType uint8

// The cursor types.
const (
	// NonTailable is the default: the cursor ends with the data.
	NonTailable CursorType = iota
	// Tailable keeps the cursor open at the end of the data; getMore then
	// returns at once, with an empty batch when there is nothing new.
	Tailable
	// TailableAwait is Tailable with awaitData: at the end of the data a
	// getMore waits up to FindOptions.MaxAwaitTime (the server's default,
	// one second, when zero) for new documents.
	TailableAwait
)

// FindOptions are the options of Collection.Find. The zero value of each
// field leaves it unset: it is not sent, and the server's default applies.
// Several FindOptions given to one call are merged left to right, the set
// fields of later ones winning.
type FindOptions struct {
	// Sort orders the results: a document such as bson.D{{Key: "age", Value: -1}}.
	Sort any
	// Projection selects the fields to return: bson.D{{Key: "name", Value: 1}}.
	Projection any
	// Skip is the number of matching documents to skip.
	Skip int64
	// Limit is the most documents to return. A negative limit asks for
	// one batch of at most -Limit documents, after which the cursor is
	// closed (the find command's singleBatch).
	Limit int64
	// BatchSize is the number of documents per batch, for the find and
	// each getMore.
	BatchSize int32
	// Hint names the index to use: its name, or its key document.
	Hint any
	// Min and Max are the inclusive lower and exclusive upper bounds of
	// the index given by Hint, as documents of index key values.
	Min, Max any
	// Comment is attached to the find and its getMores, for the profiler
	// and logs.
	Comment any
	// Let defines variables for $expr in the filter ($$name); MongoDB 5.0+.
	Let any
	// AllowDiskUse lets a large sort use temporary files (MongoDB 4.4+);
	// new(false) forbids it where the server would allow it by default.
	AllowDiskUse *bool
	// AllowPartialResults returns what the reachable shards have when some
	// are down, instead of an error.
	AllowPartialResults bool
	// NoCursorTimeout keeps the server from closing the cursor after its
	// idle timeout (10 minutes).
	NoCursorTimeout bool
	// ReturnKey returns only the index keys of the results.
	ReturnKey bool
	// ShowRecordID adds the record identifier, $recordId, to each result.
	ShowRecordID bool
	// Collation sets the string comparison rules.
	Collation *Collation
	// CursorType makes the cursor tailable; see CursorType.
	CursorType CursorType
	// MaxAwaitTime is how long a getMore on a TailableAwait cursor waits
	// for new documents (the getMore's maxTimeMS). It must be below
	// Config.Timeout when that is set.
	MaxAwaitTime time.Duration
	// MaxTime bounds the find on the server (maxTimeMS). It is deprecated
	// in favour of ctx deadlines and Config.Timeout, and ignored when
	// Config.Timeout is set.
	MaxTime time.Duration
	// ReadConcern overrides the collection's read concern for this call.
	ReadConcern *ReadConcern
	// Prefetch requests each next batch while the current one is being
	// read (see Cursor); nil means true. new(false) fetches a batch only
	// when Next needs it.
	Prefetch *bool
}

// FindOneOptions are the options of Collection.FindOne: those of Find that
// make sense for one document. Several are merged as FindOptions are.
type FindOneOptions struct {
	Sort, Projection, Hint, Min, Max, Comment, Let any // as in FindOptions
	Skip                                           int64
	AllowDiskUse                                   *bool
	AllowPartialResults, ReturnKey, ShowRecordID   bool
	Collation                                      *Collation
	MaxTime                                        time.Duration
	ReadConcern                                    *ReadConcern
}

// mergeFind merges options left to right.
func mergeFind(opts []FindOptions) FindOptions {
	if len(opts) == 1 {
		return opts[0]
	}
	var o FindOptions
	for _, p := range opts {
		setAny(&o.Sort, p.Sort)
		setAny(&o.Projection, p.Projection)
		setAny(&o.Hint, p.Hint)
		setAny(&o.Min, p.Min)
		setAny(&o.Max, p.Max)
		setAny(&o.Comment, p.Comment)
		setAny(&o.Let, p.Let)
		setZero(&o.Skip, p.Skip)
		setZero(&o.Limit, p.Limit)
		setZero(&o.BatchSize, p.BatchSize)
		setPtr(&o.AllowDiskUse, p.AllowDiskUse)
		o.AllowPartialResults = o.AllowPartialResults || p.AllowPartialResults
		o.NoCursorTimeout = o.NoCursorTimeout || p.NoCursorTimeout
		o.ReturnKey = o.ReturnKey || p.ReturnKey
		o.ShowRecordID = o.ShowRecordID || p.ShowRecordID
		setPtr(&o.Collation, p.Collation)
		setZero(&o.CursorType, p.CursorType)
		setZero(&o.MaxAwaitTime, p.MaxAwaitTime)
		setZero(&o.MaxTime, p.MaxTime)
		setPtr(&o.ReadConcern, p.ReadConcern)
		setPtr(&o.Prefetch, p.Prefetch)
	}
	return o
}

// findOptions returns the FindOptions equivalent of FindOneOptions.
func (p FindOneOptions) findOptions() FindOptions {
	return FindOptions{
		Sort: p.Sort, Projection: p.Projection, Hint: p.Hint, Min: p.Min, Max: p.Max,
		Comment: p.Comment, Let: p.Let, Skip: p.Skip, AllowDiskUse: p.AllowDiskUse,
		AllowPartialResults: p.AllowPartialResults, ReturnKey: p.ReturnKey, ShowRecordID: p.ShowRecordID,
		Collation: p.Collation, MaxTime: p.MaxTime, ReadConcern: p.ReadConcern,
	}
}

// Find returns a cursor over the documents that match filter, a document
// (bson.D{} matches every one; a nil filter is ErrNilFilter, and nothing is
// sent). The find is retried once on a retryable error if Config.RetryReads
// allows; getMores are not.
//
//	cur, err := users.Find(ctx, bson.D{{Key: "city", Value: "Oslo"}},
//		motor.FindOptions{Sort: bson.D{{Key: "age", Value: 1}}, Limit: 10})
func (c *Collection[T]) Find(ctx context.Context, filter any, opts ...FindOptions) (*Cursor[T], error) {
	o := mergeFind(opts)
	body, err := c.findCommand(filter, &o, false)
	if err != nil {
		return nil, err
	}
	res, err := c.run(ctx, &op.Command{Name: "find", Body: body, ReadPref: c.readPref, Retry: op.RetryRead, KeepSession: true, ReadConcern: readConcernOf(o.ReadConcern, c.rc)})
	if err != nil {
		return nil, err
	}
	co := cursorOpts{
		reg:       c.registry,
		batchSize: o.BatchSize,
		limit:     o.Limit,
		comment:   o.Comment,
		tailable:  o.CursorType != NonTailable,
		awaitData: o.CursorType == TailableAwait,
		maxAwait:  o.MaxAwaitTime,
		prefetch:  o.Prefetch == nil || *o.Prefetch,
	}
	if co.limit < 0 || co.batchSize < 0 { // one batch
		co.limit, co.batchSize = 0, 0
	}
	return openCursor[T](ctx, c.db.client, res, co)
}

// FindOne returns the first document that matches filter, decoded, or
// ErrNoDocuments. It sends a find with limit 1 and singleBatch, so no
// cursor stays open. Use Sort to say which document is first.
func (c *Collection[T]) FindOne(ctx context.Context, filter any, opts ...FindOneOptions) (T, error) {
	var v T
	var o FindOptions
	if len(opts) > 0 {
		fo := make([]FindOptions, len(opts))
		for i, p := range opts {
			fo[i] = p.findOptions()
		}
		o = mergeFind(fo)
	}
	body, err := c.findCommand(filter, &o, true)
	if err != nil {
		return v, err
	}
	res, err := c.run(ctx, &op.Command{Name: "find", Body: body, ReadPref: c.readPref, Retry: op.RetryRead, ReadConcern: readConcernOf(o.ReadConcern, c.rc)})
	if err != nil {
		return v, err
	}
	r, err := parseCursorReply(res.Reply, "firstBatch")
	if err != nil {
		return v, err
	}
	if len(r.docs) == 0 {
		return v, ErrNoDocuments
	}
	if err := (bson.UnmarshalOptions{Registry: c.registry}).Unmarshal(r.docs[0], &v); err != nil {
		return v, fmt.Errorf("motor: FindOne: decoding the document: %w", err)
	}
	return v, nil
}

// findCommand builds the find command; one is set for FindOne.
func (c *Collection[T]) findCommand(filter any, o *FindOptions, one bool) ([]byte, error) {
	f, err := c.filterDoc("find", filter)
	if err != nil {
		return nil, err
	}
	if o.CursorType > TailableAwait {
		return nil, fmt.Errorf("motor: find: unknown CursorType %d", o.CursorType)
	}
	if err := c.checkMaxAwait(o.MaxAwaitTime); err != nil {
		return nil, err
	}
	d := make(bson.D, 0, 12)
	d = append(d, bson.E{Key: "find", Value: c.name}, bson.E{Key: "filter", Value: f})
	d = appendSet(d, "sort", o.Sort)
	d = appendSet(d, "projection", o.Projection)
	d = appendSet(d, "hint", o.Hint)
	if o.Skip != 0 {
		d = append(d, bson.E{Key: "skip", Value: o.Skip})
	}
	// The find command's spelling of limit and batchSize (see the find,
	// getMore and killCursors specification, and the CRUD one for FindOne).
	limit, batch, single := o.Limit, int64(o.BatchSize), false
	switch {
	case one:
		limit, batch, single = 1, 0, true
	case limit < 0 || batch < 0:
		single, limit, batch = true, abs(limit), abs(batch)
		if limit != 0 {
			batch = limit
		}
	case limit > 0 && limit == batch:
		batch = limit + 1 // else the server leaves an open cursor to kill
	}
	if limit != 0 {
		d = append(d, bson.E{Key: "limit", Value: limit})
	}
	if batch != 0 {
		d = append(d, bson.E{Key: "batchSize", Value: batch})
	}
	if single {
		d = append(d, bson.E{Key: "singleBatch", Value: true})
	}
	d = appendSet(d, "comment", o.Comment)
	d = c.appendMaxTime(d, o.MaxTime)
	if o.Collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.Collation})
	}
	d = appendSet(d, "let", o.Let)
	d = appendSet(d, "min", o.Min)
	d = appendSet(d, "max", o.Max)
	if o.AllowDiskUse != nil {
		d = append(d, bson.E{Key: "allowDiskUse", Value: *o.AllowDiskUse})
	}
	d = appendTrue(d, "allowPartialResults", o.AllowPartialResults)
	d = appendTrue(d, "noCursorTimeout", o.NoCursorTimeout && !one)
	d = appendTrue(d, "returnKey", o.ReturnKey)
	d = appendTrue(d, "showRecordId", o.ShowRecordID)
	d = appendTrue(d, "tailable", o.CursorType != NonTailable && !one)
	d = appendTrue(d, "awaitData", o.CursorType == TailableAwait && !one)
	body, err := c.marshal(d)
	if err != nil {
		return nil, fmt.Errorf("motor: find: %w", err)
	}
	return body, nil
}

// openCursor returns the cursor of a find or aggregate reply.
func openCursor[T any](ctx context.Context, cl *Client, res op.Result, o cursorOpts) (*Cursor[T], error) {
	first, err := parseCursorReply(res.Reply, "firstBatch")
	if err != nil {
		cl.exec.Release(res)
		return nil, err
	}
	return newCursor[T](ctx, cl, res, first, o)
}

// newCursor returns the cursor of a reply whose first batch is first. The
// cursor takes res.Session.
func newCursor[T any](ctx context.Context, cl *Client, res op.Result, first cursorReply, o cursorOpts) (*Cursor[T], error) {
	core, err := newCursorCore(ctx, cl, res, first, o)
	if err != nil {
		return nil, err
	}
	cur := &Cursor[T]{core: core}
	if core.id != 0 {
		runtime.AddCleanup(cur, (*cursorCore).abandoned, core)
	}
	return cur, nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
