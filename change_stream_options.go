package motor

import (
	"time"

	"github.com/motor-go/motor/bson"
)

// ChangeStreamOptions are the options of Watch (change streams
// specification, "ChangeStreamOptions"). The zero value of each field
// leaves it unset, and unset options are not sent. Several are merged left
// to right, the set fields of later ones winning.
//
// FullDocument, FullDocumentBeforeChange, ResumeAfter, StartAfter,
// StartAtOperationTime and ShowExpandedEvents are options of the
// $changeStream stage; BatchSize, Collation and Comment of the aggregate
// command (BatchSize and Comment of each getMore too); MaxAwaitTime is the
// getMores' maxTimeMS. ResumeAfter, StartAfter and StartAtOperationTime
// exclude each other: the server refuses more than one.
type ChangeStreamOptions struct {
	// FullDocument is "default", "updateLookup", "whenAvailable" or
	// "required": whether update events carry the document as it is now.
	FullDocument string
	// FullDocumentBeforeChange is "whenAvailable", "required" or "off":
	// whether events carry the document before the change (pre-images,
	// MongoDB 6.0+).
	FullDocumentBeforeChange string
	// ResumeAfter is a resume token (an event's _id, or
	// ChangeStream.ResumeToken) to resume after.
	ResumeAfter any
	// StartAfter is a resume token to start after, which, unlike
	// ResumeAfter, may be an invalidate event's.
	StartAfter any
	// StartAtOperationTime starts the stream at an operation time.
	StartAtOperationTime *bson.Timestamp
	// BatchSize is the number of events per batch.
	BatchSize int32
	// MaxAwaitTime is how long each getMore waits for new events.
	MaxAwaitTime time.Duration
	// Collation sets the string comparison rules of the pipeline.
	Collation *Collation
	// Comment is attached to the aggregate and (MongoDB 4.4+) its
	// getMores.
	Comment any
	// ShowExpandedEvents asks for the expanded events (createIndexes,
	// create, modify, ...); MongoDB 6.0+.
	ShowExpandedEvents *bool
	// Prefetch requests each next batch while the current one is being
	// read, as a Cursor does; nil means true. A Motor option, not sent.
	Prefetch *bool
}

func mergeChangeStream(opts []ChangeStreamOptions) ChangeStreamOptions {
	if len(opts) == 1 {
		return opts[0]
	}
	var o ChangeStreamOptions
	for _, p := range opts {
		setZero(&o.FullDocument, p.FullDocument)
		setZero(&o.FullDocumentBeforeChange, p.FullDocumentBeforeChange)
		setAny(&o.ResumeAfter, p.ResumeAfter)
		setAny(&o.StartAfter, p.StartAfter)
		setPtr(&o.StartAtOperationTime, p.StartAtOperationTime)
		setZero(&o.BatchSize, p.BatchSize)
		setZero(&o.MaxAwaitTime, p.MaxAwaitTime)
		setPtr(&o.Collation, p.Collation)
		setAny(&o.Comment, p.Comment)
		setPtr(&o.ShowExpandedEvents, p.ShowExpandedEvents)
		setPtr(&o.Prefetch, p.Prefetch)
	}
	return o
}

// ChangeEvent is a change stream event (change streams specification,
// "Response Format"), for ChangeStream.Decode. T is the type of the
// documents of the watched collection; FullDocument and
// FullDocumentBeforeChange are nil when the event carries none. A pipeline
// that reshapes events ($project) needs a type of its own, or bson.D.
type ChangeEvent[T any] struct {
	// ID is the event's resume token.
	ID bson.Raw `bson:"_id"`
	// OperationType is "insert", "update", "replace", "delete", "drop",
	// "rename", "dropDatabase", "invalidate", or with
	// ShowExpandedEvents one of the expanded events.
	OperationType string `bson:"operationType"`
	// FullDocument is the inserted or replaced document, or for updates
	// the document as it is now when FullDocument asked for it.
	FullDocument *T `bson:"fullDocument"`
	// FullDocumentBeforeChange is the pre-image, when asked for.
	FullDocumentBeforeChange *T `bson:"fullDocumentBeforeChange"`
	// DocumentKey is the _id (and shard key) of the changed document.
	DocumentKey bson.Raw `bson:"documentKey"`
	// NS is the namespace of the change.
	NS ChangeNamespace `bson:"ns"`
	// To is the new namespace of a rename.
	To *ChangeNamespace `bson:"to"`
	// NSType is the kind of namespace of expanded events: "collection",
	// "timeseries" or "view".
	NSType string `bson:"nsType"`
	// UpdateDescription describes an update.
	UpdateDescription *UpdateDescription `bson:"updateDescription"`
	// ClusterTime is when the change happened (its oplog entry).
	ClusterTime bson.Timestamp `bson:"clusterTime"`
	// WallTime is the server's clock at the change; MongoDB 6.0+.
	WallTime *time.Time `bson:"wallTime"`
	// TxnNumber and LSID identify the transaction of the change, if any.
	TxnNumber *int64   `bson:"txnNumber"`
	LSID      bson.Raw `bson:"lsid"`
	// CollectionUUID is the changed collection's UUID (expanded events).
	CollectionUUID *bson.Binary `bson:"collectionUUID"`
	// OperationDescription describes a DDL event (expanded events).
	OperationDescription bson.Raw `bson:"operationDescription"`
	// SplitEvent is set on the fragments of an event split by
	// $changeStreamSplitLargeEvent.
	SplitEvent *SplitEvent `bson:"splitEvent"`
}

// ChangeNamespace is the namespace of a change event.
type ChangeNamespace struct {
	DB   string `bson:"db"`
	Coll string `bson:"coll"`
}

// UpdateDescription is what an update event changed.
type UpdateDescription struct {
	// UpdatedFields maps the dotted paths of changed fields to their new
	// values.
	UpdatedFields bson.Raw `bson:"updatedFields"`
	// RemovedFields are the paths of removed fields.
	RemovedFields []string `bson:"removedFields"`
	// TruncatedArrays lists the arrays that were shortened.
	TruncatedArrays []TruncatedArray `bson:"truncatedArrays"`
	// DisambiguatedPaths maps ambiguous paths of UpdatedFields and
	// RemovedFields to their components (ShowExpandedEvents, 6.1+).
	DisambiguatedPaths bson.Raw `bson:"disambiguatedPaths"`
}

// TruncatedArray is an array an update shortened.
type TruncatedArray struct {
	Field   string `bson:"field"`
	NewSize int32  `bson:"newSize"`
}

// SplitEvent numbers the fragments of a split event.
type SplitEvent struct {
	Fragment int32 `bson:"fragment"`
	Of       int32 `bson:"of"`
}
