package unified

import (
	"context"
	"errors"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The read operations of collection entities (CRUD specification), on the
// API of collection_find.go, cursor.go and read_command.go.

func init() {
	for name, f := range map[string]opFunc{
		"find":                   collFind,
		"findOne":                collFindOne,
		"createFindCursor":       collCreateFindCursor,
		"aggregate":              collAggregate,
		"countDocuments":         collCountDocuments,
		"estimatedDocumentCount": collEstimatedDocumentCount,
		"distinct":               collDistinct,
	} {
		collectionOps[name] = f
	}
}

// findOptions reads the arguments of find and createFindCursor.
func findOptions(tr *testRun, a *args) (bson.Raw, motor.FindOptions, error) {
	var o motor.FindOptions
	filter, err := a.filter()
	if err != nil {
		return nil, o, err
	}
	var errs [20]error
	o.Sort, errs[0] = a.doc("sort")
	o.Projection, errs[1] = a.doc("projection")
	o.Skip, _, errs[2] = a.integer("skip", false)
	o.Limit, _, errs[3] = a.integer("limit", false)
	o.BatchSize, errs[4] = a.int32Arg("batchSize")
	o.Hint = a.anyValue("hint")
	o.Min, errs[5] = a.doc("min")
	o.Max, errs[6] = a.doc("max")
	o.Comment = a.anyValue("comment")
	o.Let, errs[7] = a.doc("let")
	o.AllowDiskUse, errs[8] = a.optBool("allowDiskUse")
	o.AllowPartialResults, errs[9] = a.flag("allowPartialResults")
	o.NoCursorTimeout, errs[10] = a.flag("noCursorTimeout")
	o.ReturnKey, errs[11] = a.flag("returnKey")
	o.ShowRecordID, errs[12] = a.flag("showRecordId")
	o.Collation, errs[13] = a.collation()
	o.MaxAwaitTime, errs[14] = a.millis("maxAwaitTimeMS")
	o.MaxTime, errs[15] = a.millis("maxTimeMS")
	var ct string
	ct, errs[16] = a.str("cursorType", false)
	switch ct {
	case "", "nonTailable":
	case "tailable":
		o.CursorType = motor.Tailable
	case "tailableAwait":
		o.CursorType = motor.TailableAwait
	default:
		errs[17] = fmt.Errorf("unified: %s: unknown cursorType %q", a.op, ct)
	}
	errs[18] = a.noSession(tr)
	errs[19] = a.noTimeoutMS()
	if err := firstErr(errs[:]...); err != nil {
		return nil, o, err
	}
	return filter, o, a.check()
}

// drain reads every document of a cursor, for operations that return an
// iterable, and closes it.
func drain[T any](ctx context.Context, c *motor.Cursor[T], err error, toRaw func(T) (bson.Raw, error)) opResult {
	if err != nil {
		return opResult{err: err}
	}
	defer c.Close(ctx)
	var out []bson.Raw
	for c.Next(ctx) {
		var v T
		if err := c.Decode(&v); err != nil {
			return opResult{err: err}
		}
		d, err := toRaw(v)
		if err != nil {
			return opResult{err: err}
		}
		out = append(out, d)
	}
	if err := c.Err(); err != nil {
		return opResult{err: err, value: arrayValue(out), iterable: true}
	}
	return opResult{value: arrayValue(out), iterable: true}
}

func rawDoc(d bson.Raw) (bson.Raw, error) { return d, nil }

func dDoc(d bson.D) (bson.Raw, error) { return bson.Marshal(d) }

func collFind(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, o, err := findOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	c, err := e.(*collectionEntity).coll.Find(ctx, filter, o)
	return drain(ctx, c, err, rawDoc), nil
}

// cursorEntity is a find or aggregate cursor saved with saveResultAsEntity.
type cursorEntity struct {
	c *motor.Cursor[bson.Raw]
}

func (*cursorEntity) kind() string { return "cursor" }

func (c *cursorEntity) closeEntity(ctx context.Context) { c.c.Close(ctx) }

func (*cursorEntity) ops() map[string]opFunc { return cursorOps }

var cursorOps = map[string]opFunc{
	"iterateUntilDocumentOrError": cursorIterateUntilDocumentOrError,
	"iterateOnce":                 cursorIterateOnce,
	"close":                       cursorClose,
}

// collCreateFindCursor runs the find and keeps the cursor, unread. The
// cursor does not prefetch: the format defines its cursor operations
// (iterateOnce: "one getMore MUST be attempted" when the batch is used up)
// for a cursor that sends a getMore only when iterated, and the tests count
// the getMores. Motor's default, a getMore sent in the background while the
// caller reads the current batch, is exercised by find and aggregate, which
// read their cursors to the end.
func collCreateFindCursor(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, o, err := findOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	o.Prefetch = new(false)
	c, err := e.(*collectionEntity).coll.Find(ctx, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	ce := &cursorEntity{c: c}
	tr.track(ce)
	return opResult{entity: ce}, nil
}

// cursorIterateUntilDocumentOrError returns the next document, waiting for
// one on a tailable cursor. The end of a cursor that is not tailable is an
// error: there is no document to return.
func cursorIterateUntilDocumentOrError(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	c := e.(*cursorEntity).c
	for {
		if c.Next(ctx) {
			return opResult{value: docValue(c.Current)}, nil
		}
		if err := c.Err(); err != nil {
			return opResult{err: err}, nil
		}
		if c.ID() == 0 {
			return opResult{err: errors.New("unified: the cursor is exhausted")}, nil
		}
	}
}

// cursorIterateOnce advances the cursor once: one getMore at most.
func cursorIterateOnce(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	c := e.(*cursorEntity).c
	if c.TryNext(ctx) {
		return opResult{value: docValue(c.Current)}, nil
	}
	return opResult{err: c.Err()}, nil
}

// cursorClose closes the cursor; its error is suppressed, as the
// specification requires (killCursors is checked through events).
func cursorClose(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	_ = e.(*cursorEntity).c.Close(ctx)
	return opResult{}, nil
}

func collFindOne(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	var o motor.FindOneOptions
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	var errs [10]error
	o.Sort, errs[0] = a.doc("sort")
	o.Projection, errs[1] = a.doc("projection")
	o.Skip, _, errs[2] = a.integer("skip", false)
	o.Hint = a.anyValue("hint")
	o.Min, errs[3] = a.doc("min")
	o.Max, errs[4] = a.doc("max")
	o.Comment = a.anyValue("comment")
	o.Let, errs[5] = a.doc("let")
	o.AllowDiskUse, errs[6] = a.optBool("allowDiskUse")
	o.AllowPartialResults, errs[7] = a.flag("allowPartialResults")
	o.ReturnKey, _ = a.flag("returnKey")
	o.ShowRecordID, _ = a.flag("showRecordId")
	o.Collation, errs[8] = a.collation()
	o.MaxTime, errs[9] = a.millis("maxTimeMS")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	d, err := e.(*collectionEntity).coll.FindOne(ctx, filter, o)
	return singleDocument(d, err), nil
}

// singleDocument is the result of an operation that returns a document or
// nothing: no document is a null result, not an error.
func singleDocument(d bson.Raw, err error) opResult {
	if errors.Is(err, motor.ErrNoDocuments) {
		return opResult{value: bson.RawValue{Type: bson.TypeNull}}
	}
	if err != nil {
		return opResult{err: err}
	}
	return opResult{value: docValue(d)}
}

// aggregateOptions reads the arguments of aggregate (collection or
// database).
func aggregateOptions(tr *testRun, a *args) (bson.RawValue, motor.AggregateOptions, error) {
	var o motor.AggregateOptions
	pipeline, err := a.required("pipeline")
	if err != nil {
		return pipeline, o, err
	}
	if pipeline.Type != bson.TypeArray {
		return pipeline, o, a.wrongType("pipeline", "an array", pipeline)
	}
	o, err = aggregateOnlyOptions(tr, a)
	return pipeline, o, err
}

// aggregateOnlyOptions reads the options of an aggregate, without its
// pipeline, and checks a.
func aggregateOnlyOptions(tr *testRun, a *args) (motor.AggregateOptions, error) {
	var o motor.AggregateOptions
	var errs [10]error
	o.AllowDiskUse, errs[0] = a.optBool("allowDiskUse")
	o.BatchSize, errs[1] = a.int32Arg("batchSize")
	o.BypassDocumentValidation, errs[2] = a.optBool("bypassDocumentValidation")
	o.Collation, errs[3] = a.collation()
	o.Comment = a.anyValue("comment")
	o.Hint = a.anyValue("hint")
	o.Let, errs[4] = a.doc("let")
	o.MaxAwaitTime, errs[5] = a.millis("maxAwaitTimeMS")
	o.MaxTime, errs[6] = a.millis("maxTimeMS")
	o.ReadConcern, errs[7] = a.readConcern()
	o.WriteConcern, errs[8] = a.writeConcern()
	errs[9] = a.noSession(tr)
	if err := firstErr(append(errs[:], a.noTimeoutMS())...); err != nil {
		return o, err
	}
	return o, a.check()
}

func collAggregate(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	pipeline, o, err := aggregateOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	c, err := e.(*collectionEntity).coll.Aggregate(ctx, pipeline, o)
	return drain(ctx, c, err, rawDoc), nil
}

func collCountDocuments(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	var o motor.CountOptions
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	var errs [4]error
	o.Skip, _, errs[0] = a.integer("skip", false)
	o.Limit, _, errs[1] = a.integer("limit", false)
	o.Collation, errs[2] = a.collation()
	o.Comment = a.anyValue("comment")
	o.Hint = a.anyValue("hint")
	o.MaxTime, errs[3] = a.millis("maxTimeMS")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	n, err := e.(*collectionEntity).coll.CountDocuments(ctx, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	return opResult{value: int64Value(n)}, nil
}

func collEstimatedDocumentCount(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	var o motor.EstimatedDocumentCountOptions
	var err error
	o.Comment = a.anyValue("comment")
	o.MaxTime, err = a.millis("maxTimeMS")
	if err := firstErr(err, a.noSession(tr), a.noTimeoutMS(), a.check()); err != nil {
		return opResult{}, err
	}
	n, err := e.(*collectionEntity).coll.EstimatedDocumentCount(ctx, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	return opResult{value: int64Value(n)}, nil
}

func collDistinct(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	var o motor.DistinctOptions
	field, err := a.str("fieldName", true)
	if err != nil {
		return opResult{}, err
	}
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	var errs [2]error
	o.Collation, errs[0] = a.collation()
	o.Comment = a.anyValue("comment")
	o.Hint = a.anyValue("hint")
	o.MaxTime, errs[1] = a.millis("maxTimeMS")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	vals, err := e.(*collectionEntity).coll.Distinct(ctx, field, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	a2 := make(bson.A, len(vals))
	for i, v := range vals {
		a2[i] = v
	}
	t, b, err := bson.MarshalValue(a2)
	if err != nil {
		return opResult{}, fmt.Errorf("unified: distinct: %w", err)
	}
	return opResult{value: bson.RawValue{Type: t, Value: b}}, nil
}
