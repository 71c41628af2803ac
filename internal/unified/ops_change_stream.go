package unified

import (
	"context"
	"errors"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The createChangeStream operation of client, database and collection
// entities (unified test format, "createChangeStream"), and the change
// stream entity it saves, on the API of change_stream.go.

func init() {
	clientOps["createChangeStream"] = clientCreateChangeStream
	databaseOps["createChangeStream"] = dbCreateChangeStream
	collectionOps["createChangeStream"] = collCreateChangeStream
}

// changeStreamOptions reads the arguments of createChangeStream.
func changeStreamOptions(tr *testRun, a *args) (bson.RawValue, motor.ChangeStreamOptions, error) {
	var o motor.ChangeStreamOptions
	pipeline, err := a.required("pipeline")
	if err != nil {
		return pipeline, o, err
	}
	if pipeline.Type != bson.TypeArray {
		return pipeline, o, a.wrongType("pipeline", "an array", pipeline)
	}
	var errs [12]error
	o.FullDocument, errs[0] = a.str("fullDocument", false)
	o.FullDocumentBeforeChange, errs[1] = a.str("fullDocumentBeforeChange", false)
	o.ResumeAfter, errs[2] = a.doc("resumeAfter")
	o.StartAfter, errs[3] = a.doc("startAfter")
	if v := a.value("startAtOperationTime"); v.Type != 0 {
		ts, ok := v.TimestampOK()
		if !ok {
			errs[4] = a.wrongType("startAtOperationTime", "a timestamp", v)
		}
		o.StartAtOperationTime = &ts
	}
	o.BatchSize, errs[5] = a.int32Arg("batchSize")
	o.MaxAwaitTime, errs[6] = a.millis("maxAwaitTimeMS")
	o.Collation, errs[7] = a.collation()
	o.Comment = a.anyValue("comment")
	o.ShowExpandedEvents, errs[8] = a.optBool("showExpandedEvents")
	errs[9] = a.noSession(tr)
	errs[10] = a.noTimeoutMS()
	// The format counts the getMores that iterating sends: no getMore
	// in the background (see collCreateFindCursor).
	o.Prefetch = new(false)
	if err := firstErr(errs[:]...); err != nil {
		return pipeline, o, err
	}
	return pipeline, o, a.check()
}

// changeStreamResult saves a change stream as an entity.
func changeStreamResult(tr *testRun, cs *motor.ChangeStream, err error) opResult {
	if err != nil {
		return opResult{err: err}
	}
	ce := &changeStreamEntity{cs: cs}
	tr.track(ce)
	return opResult{entity: ce}
}

func clientCreateChangeStream(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	pipeline, o, err := changeStreamOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	cs, err := e.(*clientEntity).client.Watch(ctx, pipeline, o)
	return changeStreamResult(tr, cs, err), nil
}

func dbCreateChangeStream(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	pipeline, o, err := changeStreamOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	cs, err := e.(*databaseEntity).db.Watch(ctx, pipeline, o)
	return changeStreamResult(tr, cs, err), nil
}

func collCreateChangeStream(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	pipeline, o, err := changeStreamOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	cs, err := e.(*collectionEntity).coll.Watch(ctx, pipeline, o)
	return changeStreamResult(tr, cs, err), nil
}

// changeStreamEntity is a change stream saved with saveResultAsEntity.
type changeStreamEntity struct {
	cs *motor.ChangeStream
}

func (*changeStreamEntity) kind() string { return "changeStream" }

func (c *changeStreamEntity) closeEntity(ctx context.Context) { c.cs.Close(ctx) }

func (*changeStreamEntity) ops() map[string]opFunc { return changeStreamOps }

var changeStreamOps = map[string]opFunc{
	"iterateUntilDocumentOrError": changeStreamIterateUntilDocumentOrError,
	"iterateOnce":                 changeStreamIterateOnce,
	"close":                       changeStreamClose,
}

// changeStreamIterateUntilDocumentOrError waits for the next event.
func changeStreamIterateUntilDocumentOrError(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	cs := e.(*changeStreamEntity).cs
	if cs.Next(ctx) {
		return opResult{value: docValue(cs.Current)}, nil
	}
	if err := cs.Err(); err != nil {
		return opResult{err: err}, nil
	}
	return opResult{err: errStreamEnded}, nil
}

// changeStreamIterateOnce advances the stream by one getMore at most.
func changeStreamIterateOnce(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	cs := e.(*changeStreamEntity).cs
	if cs.TryNext(ctx) {
		return opResult{value: docValue(cs.Current)}, nil
	}
	return opResult{err: cs.Err()}, nil
}

// changeStreamClose closes the stream; its error is suppressed, as for
// cursors.
func changeStreamClose(ctx context.Context, _ *testRun, e any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	_ = e.(*changeStreamEntity).cs.Close(ctx)
	return opResult{}, nil
}

// errStreamEnded is the error of iterateUntilDocumentOrError on a stream
// that ended without an error: there is no event to return.
var errStreamEnded = errors.New("unified: the change stream ended")
