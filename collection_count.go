package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// CountOptions are the options of Collection.CountDocuments. Several are
// merged left to right, the set fields of later ones winning.
type CountOptions struct {
	// Skip is the number of matching documents to skip before counting.
	Skip int64
	// Limit is the most documents to count.
	Limit int64
	// Collation sets the string comparison rules.
	Collation *Collation
	// Comment is attached to the command.
	Comment any
	// Hint names the index to use: its name or its key document.
	Hint any
	// MaxTime bounds the command on the server (maxTimeMS); deprecated in
	// favour of ctx deadlines and ignored when Config.Timeout is set.
	MaxTime time.Duration
	// ReadConcern overrides the collection's read concern for this call.
	ReadConcern *ReadConcern
}

// EstimatedDocumentCountOptions are the options of
// Collection.EstimatedDocumentCount.
type EstimatedDocumentCountOptions struct {
	// Comment is attached to the command.
	Comment any
	// MaxTime bounds the command on the server (maxTimeMS); deprecated in
	// favour of ctx deadlines and ignored when Config.Timeout is set.
	MaxTime time.Duration
	// ReadConcern overrides the collection's read concern for this call.
	ReadConcern *ReadConcern
}

// CountDocuments counts the documents that match filter (bson.D{} for all;
// nil is an error) by running the pipeline
//
//	[{$match: filter}, {$skip: Skip}, {$limit: Limit}, {$group: {_id: 1, n: {$sum: 1}}}]
//
// which is exact, on sharded clusters too, but reads every matching
// document or index entry. Because the filter goes into $match, query
// operators that $match refuses cannot be used: $where, $near and
// $nearSphere (use $expr, $geoWithin with $center and $centerSphere
// instead). EstimatedDocumentCount is the fast count of a whole collection.
func (c *Collection[T]) CountDocuments(ctx context.Context, filter any, opts ...CountOptions) (int64, error) {
	var o CountOptions
	for _, p := range opts {
		setZero(&o.Skip, p.Skip)
		setZero(&o.Limit, p.Limit)
		setPtr(&o.Collation, p.Collation)
		setAny(&o.Comment, p.Comment)
		setAny(&o.Hint, p.Hint)
		setZero(&o.MaxTime, p.MaxTime)
		setPtr(&o.ReadConcern, p.ReadConcern)
	}
	f, err := c.filterDoc("CountDocuments", filter)
	if err != nil {
		return 0, err
	}
	pipeline := bson.A{bson.D{{Key: "$match", Value: f}}}
	if o.Skip != 0 {
		pipeline = append(pipeline, bson.D{{Key: "$skip", Value: o.Skip}})
	}
	if o.Limit != 0 {
		pipeline = append(pipeline, bson.D{{Key: "$limit", Value: o.Limit}})
	}
	pipeline = append(pipeline, bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: int32(1)}, {Key: "n", Value: bson.D{{Key: "$sum", Value: int32(1)}}}}}})
	d := bson.D{{Key: "aggregate", Value: c.name}, {Key: "pipeline", Value: pipeline}, {Key: "cursor", Value: bson.D{}}}
	if o.Collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.Collation})
	}
	d = appendSet(d, "comment", o.Comment)
	d = appendSet(d, "hint", o.Hint)
	d = c.appendMaxTime(d, o.MaxTime)
	res, err := c.runRead(ctx, "aggregate", d, readConcernOf(o.ReadConcern, c.rc))
	if err != nil {
		return 0, err
	}
	r, err := parseCursorReply(res.Reply, "firstBatch")
	if err != nil {
		return 0, err
	}
	if r.id != 0 { // one $group result fits in any batch; the server closes the cursor
		return 0, fmt.Errorf("motor: CountDocuments: the server left cursor %d open", r.id)
	}
	if len(r.docs) == 0 { // nothing matched: $group has no group
		return 0, nil
	}
	n, ok := r.docs[0].Lookup("n").AsInt64OK()
	if !ok {
		return 0, fmt.Errorf("motor: CountDocuments: no count in %v", r.docs[0])
	}
	return n, nil
}

// EstimatedDocumentCount returns the number of documents in the collection
// from its metadata, without reading them: it runs the count command with
// no filter (see the server's documentation, "count: Behavior"). The result
// can be off after an unclean shutdown, and on a sharded cluster counts
// orphaned documents and those of chunks being migrated.
//
// The count command was missing from version 1 of the Stable API on MongoDB
// 5.0.0 to 5.0.8 and 5.1.0 to 5.3.1: with Config.ServerAPI.Strict on those
// servers, upgrade them to 5.0.9 or 5.3.2 or later, or turn strict off.
func (c *Collection[T]) EstimatedDocumentCount(ctx context.Context, opts ...EstimatedDocumentCountOptions) (int64, error) {
	var o EstimatedDocumentCountOptions
	for _, p := range opts {
		setAny(&o.Comment, p.Comment)
		setZero(&o.MaxTime, p.MaxTime)
		setPtr(&o.ReadConcern, p.ReadConcern)
	}
	d := bson.D{{Key: "count", Value: c.name}}
	d = appendSet(d, "comment", o.Comment)
	d = c.appendMaxTime(d, o.MaxTime)
	res, err := c.runRead(ctx, "count", d, readConcernOf(o.ReadConcern, c.rc))
	if err != nil {
		return 0, err
	}
	n, ok := res.Reply.Lookup("n").AsInt64OK()
	if !ok {
		return 0, fmt.Errorf("motor: EstimatedDocumentCount: no count in %v", res.Reply)
	}
	return n, nil
}

// runRead runs a retryable read command of the collection, given as a
// document, with the collection's read preference and the read concern
// rc.
func (c *Collection[T]) runRead(ctx context.Context, name string, d bson.D, rc *op.ReadConcern) (op.Result, error) {
	body, err := c.marshal(d)
	if err != nil {
		return op.Result{}, fmt.Errorf("motor: %s: %w", name, err)
	}
	return c.run(ctx, &op.Command{Name: name, Body: body, ReadPref: c.readPref, Retry: op.RetryRead, ReadConcern: rc})
}
