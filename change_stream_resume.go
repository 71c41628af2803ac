package motor

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/mongoerr"
)

// This file holds how a change stream opens its cursor, the first time and
// on each resume (change streams specification, "Resume Process"), and
// which errors it resumes after ("Resumable Error").

// resumableCodes are the codes of resumable errors from servers before
// MongoDB 4.4, which label none.
var resumableCodes = []int32{6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 13388, 234, 133}

// resumable reports whether err, which ended a getMore of core, lets the
// stream resume. The wire version is that of core's server when its
// aggregate ran, not as the error left it.
func (cs *ChangeStream) resumable(core *cursorCore, err error) bool {
	if errors.Is(err, ErrClientClosed) || errors.Is(err, ErrCursorClosed) {
		return false
	}
	var se *mongoerr.ServerError
	if errors.As(err, &se) {
		if se.Code == 43 { // CursorNotFound
			return true
		}
		if cs.wire >= 9 {
			return se.HasLabel("ResumableChangeStreamError")
		}
		return slices.Contains(resumableCodes, se.Code)
	}
	return mongoerr.IsNetworkError(err) || mongoerr.IsTimeout(err)
}

// resumeNow kills the stream's cursor (errors are ignored) and opens a new
// one. It reports false, with the error in cs.err (or cs.waitErr when ctx
// ended), if that failed.
func (cs *ChangeStream) resumeNow(ctx context.Context) bool {
	if core := cs.current(); core != nil {
		_ = core.closeWith(ctx, ErrCursorClosed, true) // the specification has kill errors suppressed
	}
	if err := cs.open(ctx, false); err != nil {
		if ctx.Err() != nil || isContextErr(err) {
			cs.waitErr = err // try again next time
			return false
		}
		cs.resume = false
		cs.err = err
		return false
	}
	cs.resume = false
	return true
}

// stage returns the $changeStream stage: with the options as given the
// first time, and the cached token or saved operation time on a resume.
func (cs *ChangeStream) stage(first bool) bson.D {
	o := cs.opts
	d := make(bson.D, 0, 6)
	if o.FullDocument != "" {
		d = append(d, bson.E{Key: "fullDocument", Value: o.FullDocument})
	}
	if o.FullDocumentBeforeChange != "" {
		d = append(d, bson.E{Key: "fullDocumentBeforeChange", Value: o.FullDocumentBeforeChange})
	}
	switch {
	case first:
		d = appendSet(d, "resumeAfter", o.ResumeAfter)
		d = appendSet(d, "startAfter", o.StartAfter)
		if o.StartAtOperationTime != nil {
			d = append(d, bson.E{Key: "startAtOperationTime", Value: *o.StartAtOperationTime})
		}
	case cs.token != nil && cs.startAfter:
		d = append(d, bson.E{Key: "startAfter", Value: cs.token})
	case cs.token != nil:
		d = append(d, bson.E{Key: "resumeAfter", Value: cs.token})
	case cs.opTime != nil:
		d = append(d, bson.E{Key: "startAtOperationTime", Value: *cs.opTime})
	}
	if cs.cluster {
		d = append(d, bson.E{Key: "allChangesForCluster", Value: true})
	}
	if o.ShowExpandedEvents != nil {
		d = append(d, bson.E{Key: "showExpandedEvents", Value: *o.ShowExpandedEvents})
	}
	return d
}

// open runs the aggregate and makes its cursor the stream's.
func (cs *ChangeStream) open(ctx context.Context, first bool) error {
	cs.mu.Lock()
	if cs.closed {
		cs.mu.Unlock()
		return ErrCursorClosed
	}
	cs.opening = true
	cs.mu.Unlock()
	core, err := cs.aggregate(ctx, first)
	cs.mu.Lock()
	cs.opening = false
	closed := cs.closed
	if err == nil && !closed {
		cs.core = core
	}
	cs.mu.Unlock()
	if err == nil && closed {
		err = core.closeWith(ctx, ErrCursorClosed, true)
		if err == nil {
			err = ErrCursorClosed
		}
	}
	if err != nil && (first || closed) {
		cs.endSession()
	}
	return err
}

func (cs *ChangeStream) aggregate(ctx context.Context, first bool) (*cursorCore, error) {
	t, o, cl := cs.target, cs.opts, cs.client
	pipeline := make(bson.A, 0, 1+len(cs.stages))
	pipeline = append(pipeline, bson.D{{Key: "$changeStream", Value: cs.stage(first)}})
	for _, v := range cs.stages.Values() {
		pipeline = append(pipeline, v.Document()) // encodePipeline checked it is one
	}
	d := make(bson.D, 0, 6)
	if t.coll == "" {
		d = append(d, bson.E{Key: "aggregate", Value: int32(1)})
	} else {
		d = append(d, bson.E{Key: "aggregate", Value: t.coll})
	}
	d = append(d, bson.E{Key: "pipeline", Value: pipeline})
	cursor := bson.D{}
	if o.BatchSize != 0 {
		cursor = append(cursor, bson.E{Key: "batchSize", Value: o.BatchSize})
	}
	d = append(d, bson.E{Key: "cursor", Value: cursor})
	if o.Collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.Collation})
	}
	d = appendSet(d, "comment", o.Comment)
	cmd := &op.Command{Name: "aggregate", DB: t.db.name, ReadPref: t.readPref, Retry: op.RetryRead, KeepSession: true,
		ReadConcern: readConcernOf(nil, t.rc), Session: cs.sess}
	var err error
	if cmd.Body, err = (bson.MarshalOptions{Registry: t.reg}).Marshal(d); err != nil {
		return nil, fmt.Errorf("motor: watch: %w", err)
	}
	ctx = cs.withSession(ctx)
	res, err := cl.exec.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if res.Session != nil {
		cs.mu.Lock()
		cs.sess = res.Session
		cs.mu.Unlock()
	}
	res.Session = cs.sess
	if sd, ok := cl.cluster.Topology().Description().Server(res.Address); ok {
		cs.wire = sd.MaxWireVersion
	}
	reply, err := parseCursorReply(res.Reply, "firstBatch")
	if err != nil {
		cl.exec.ReleasePin(res.Pinned)
		return nil, err
	}
	if first && len(reply.docs) == 0 && reply.token == nil && o.StartAfter == nil && o.ResumeAfter == nil && o.StartAtOperationTime == nil {
		if ts, ok := res.Reply.Lookup("operationTime").TimestampOK(); ok {
			cs.opTime = &ts
		}
	}
	if len(reply.docs) == 0 && reply.token != nil {
		cs.token = reply.token
	}
	co := cursorOpts{reg: t.reg, batchSize: o.BatchSize, comment: o.Comment, maxAwait: o.MaxAwaitTime,
		awaitData: true, tailable: true, prefetch: o.Prefetch == nil || *o.Prefetch, keepSession: true}
	return newCursorCore(ctx, cl, res, reply, co)
}

// withSession returns ctx with the stream's explicit session, or none, for
// its aggregates: never the session of a later Next's context.
func (cs *ChangeStream) withSession(ctx context.Context) context.Context {
	if cs.explicit.Session == nil && op.SessionFrom(ctx) == nil {
		return ctx
	}
	return op.WithSession(ctx, cs.explicit)
}
