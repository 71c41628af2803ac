package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/topology"
)

// AggregateOptions are the options of Collection.Aggregate and
// Database.Aggregate. The zero value of each field leaves it unset. Several
// are merged left to right, the set fields of later ones winning.
type AggregateOptions struct {
	// AllowDiskUse lets stages use temporary files; new(false) forbids it
	// where the server would allow it by default.
	AllowDiskUse *bool
	// BatchSize is the number of documents per batch, for the aggregate
	// and each getMore. It is not sent with a pipeline ending in $out or
	// $merge, which returns no documents.
	BatchSize int32
	// BypassDocumentValidation lets $out and $merge write documents that
	// fail the target collection's validator.
	BypassDocumentValidation *bool
	// Collation sets the string comparison rules.
	Collation *Collation
	// Comment is attached to the aggregate and its getMores.
	Comment any
	// Hint names the index to use: its name or its key document.
	Hint any
	// Let defines variables for the pipeline ($$name); MongoDB 5.0+.
	Let any
	// MaxAwaitTime is how long a getMore on a tailable awaitData cursor
	// (a $changeStream pipeline) waits for new documents.
	MaxAwaitTime time.Duration
	// MaxTime bounds the aggregate on the server (maxTimeMS); deprecated
	// in favour of ctx deadlines and ignored when Config.Timeout is set.
	MaxTime time.Duration
	// ReadConcern overrides the inherited read concern for this call.
	ReadConcern *ReadConcern
	// WriteConcern overrides the inherited write concern of a pipeline
	// ending in $out or $merge; other pipelines send none.
	WriteConcern *WriteConcern
	// Prefetch requests each next batch while the current one is being
	// read (see Cursor); nil means true.
	Prefetch *bool
}

func mergeAggregate(opts []AggregateOptions) AggregateOptions {
	if len(opts) == 1 {
		return opts[0]
	}
	var o AggregateOptions
	for _, p := range opts {
		setPtr(&o.AllowDiskUse, p.AllowDiskUse)
		setZero(&o.BatchSize, p.BatchSize)
		setPtr(&o.BypassDocumentValidation, p.BypassDocumentValidation)
		setPtr(&o.Collation, p.Collation)
		setAny(&o.Comment, p.Comment)
		setAny(&o.Hint, p.Hint)
		setAny(&o.Let, p.Let)
		setZero(&o.MaxAwaitTime, p.MaxAwaitTime)
		setZero(&o.MaxTime, p.MaxTime)
		setPtr(&o.ReadConcern, p.ReadConcern)
		setPtr(&o.WriteConcern, p.WriteConcern)
		setPtr(&o.Prefetch, p.Prefetch)
	}
	return o
}

// Aggregate runs an aggregation pipeline on the collection and returns a
// cursor over its results. pipeline is an array of stages: a bson.A, a
// []bson.D, or any slice the registry encodes as an array.
//
//	cur, err := orders.Aggregate(ctx, bson.A{
//		bson.D{{Key: "$match", Value: bson.D{{Key: "status", Value: "paid"}}}},
//		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$customer"}, {Key: "total", Value: bson.D{{Key: "$sum", Value: "$amount"}}}}}},
//	})
//
// A pipeline ending in $out or $merge writes its results to a collection
// and returns an empty cursor. It is sent with the write concern and is not
// retried. When the read preference is not primary it is honoured only if
// every known server is MongoDB 5.0 or later; otherwise the pipeline runs on
// the primary, as older servers require. Other pipelines are retryable
// reads.
func (c *Collection[T]) Aggregate(ctx context.Context, pipeline any, opts ...AggregateOptions) (*Cursor[T], error) {
	return aggregate[T](ctx, aggTarget{db: c.db, coll: c.name, readPref: c.readPref, rc: c.rc, wc: c.wc, reg: c.registry}, pipeline, mergeAggregate(opts))
}

// Aggregate runs a pipeline that needs no collection, one starting with a
// stage such as $currentOp, $listLocalSessions or $documents, and returns a
// cursor over its results, as bson.D.
func (db *Database) Aggregate(ctx context.Context, pipeline any, opts ...AggregateOptions) (*Cursor[bson.D], error) {
	return aggregate[bson.D](ctx, aggTarget{db: db, readPref: db.readPref, rc: db.rc, wc: db.wc, reg: db.registry}, pipeline, mergeAggregate(opts))
}

// aggTarget is where a pipeline runs and what it inherits.
type aggTarget struct {
	db       *Database
	coll     string // "" for a database pipeline
	readPref topology.ReadPref
	rc       *ReadConcern
	wc       *WriteConcern
	reg      *bson.Registry
}

func aggregate[T any](ctx context.Context, t aggTarget, pipeline any, o AggregateOptions) (*Cursor[T], error) {
	cl := t.db.client
	stages, write, err := encodePipeline(t.reg, pipeline)
	if err != nil {
		return nil, err
	}
	if err := cl.checkMaxAwait(o.MaxAwaitTime); err != nil {
		return nil, err
	}
	d := make(bson.D, 0, 12)
	if t.coll == "" {
		d = append(d, bson.E{Key: "aggregate", Value: int32(1)})
	} else {
		d = append(d, bson.E{Key: "aggregate", Value: t.coll})
	}
	d = append(d, bson.E{Key: "pipeline", Value: stages})
	cursor := bson.D{}
	if o.BatchSize != 0 && !write {
		cursor = append(cursor, bson.E{Key: "batchSize", Value: o.BatchSize})
	}
	d = append(d, bson.E{Key: "cursor", Value: cursor})
	if o.AllowDiskUse != nil {
		d = append(d, bson.E{Key: "allowDiskUse", Value: *o.AllowDiskUse})
	}
	if o.BypassDocumentValidation != nil && *o.BypassDocumentValidation {
		d = append(d, bson.E{Key: "bypassDocumentValidation", Value: true})
	}
	if o.Collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.Collation})
	}
	d = appendSet(d, "comment", o.Comment)
	d = appendSet(d, "hint", o.Hint)
	d = appendSet(d, "let", o.Let)
	d = cl.appendMaxTime(d, o.MaxTime)
	cmd := &op.Command{Name: "aggregate", DB: t.db.name, ReadPref: t.readPref, Retry: op.RetryRead, KeepSession: true,
		ReadConcern: readConcernOf(o.ReadConcern, t.rc)}
	if write {
		if o.WriteConcern != nil && inTransaction(ctx) {
			return nil, fmt.Errorf("motor: aggregate: %w", ErrTransactionWriteConcern)
		}
		wc := o.WriteConcern
		if wc == nil {
			wc = txnWriteConcern(ctx, t.wc)
		}
		if wcd := writeConcernDoc(wc); wcd != nil {
			d = append(d, bson.E{Key: "writeConcern", Value: wcd})
		}
		cmd.Retry = op.NoRetry
		cmd.ReadPref = writeStageReadPref(cl.cluster.Topology().Description(), t.readPref)
	}
	if cmd.Body, err = (bson.MarshalOptions{Registry: t.reg}).Marshal(d); err != nil {
		return nil, fmt.Errorf("motor: aggregate: %w", err)
	}
	res, err := cl.exec.Run(ctx, cmd)
	if err != nil {
		return nil, err
	}
	co := cursorOpts{
		reg:       t.reg,
		batchSize: o.BatchSize,
		comment:   o.Comment,
		maxAwait:  o.MaxAwaitTime,
		awaitData: o.MaxAwaitTime > 0,
		prefetch:  o.Prefetch == nil || *o.Prefetch,
	}
	return openCursor[T](ctx, cl, res, co)
}

// encodePipeline encodes a pipeline, which must be an array of documents,
// and reports whether its last stage is $out or $merge.
func encodePipeline(reg *bson.Registry, pipeline any) (bson.RawArray, bool, error) {
	if pipeline == nil {
		return nil, false, fmt.Errorf("motor: aggregate: nil pipeline (use bson.A{} for none)")
	}
	b, err := bson.MarshalOptions{Registry: reg, NilSliceAsEmpty: true}.Marshal(bson.D{{Key: "p", Value: pipeline}})
	if err != nil {
		return nil, false, fmt.Errorf("motor: aggregate: pipeline: %w", err)
	}
	arr, ok := bson.Raw(b).Lookup("p").ArrayOK()
	if !ok {
		return nil, false, fmt.Errorf("motor: aggregate: the pipeline is a %T, not an array of stages", pipeline)
	}
	var last bson.Raw
	for i, v := range arr.Values() {
		stage, ok := v.DocumentOK()
		if !ok {
			return nil, false, fmt.Errorf("motor: aggregate: pipeline stage %d is a %v, not a document", i, v.Type)
		}
		last = stage
	}
	write := false
	for k := range last.Elements() {
		write = k == "$out" || k == "$merge"
		break
	}
	return arr, write, nil
}

// writeStageReadPref returns the read preference for a pipeline with $out
// or $merge (CRUD specification, "Aggregation Pipelines with Write
// Stages"): rp, unless some available server is older than MongoDB 5.0
// (wire version 13), which cannot run it on a secondary; then primary. A
// load balancer is taken to front 5.0+ servers.
func writeStageReadPref(d topology.Description, rp topology.ReadPref) topology.ReadPref {
	if rp.Mode == topology.Primary || d.Kind == topology.LoadBalanced {
		return rp
	}
	for _, s := range d.Servers {
		known := s.Kind != topology.ServerUnknown && s.Kind != topology.PossiblePrimary
		if known && s.MaxWireVersion < 13 {
			return topology.ReadPref{}
		}
	}
	return rp
}
