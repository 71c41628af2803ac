package motor

import (
	"context"

	"github.com/motor-go/motor/bson"
)

// CreateCollectionOptions are the options of Database.CreateCollection.
// The zero value of each field leaves the option out. ListCollections
// reports a collection's options in the same form.
type CreateCollectionOptions struct {
	// Capped makes a capped collection, of at most Size bytes (required)
	// and, if Max is set, Max documents; the oldest documents make room
	// for new ones.
	Capped bool
	// Size is the largest size of a capped collection, in bytes.
	Size int64
	// Max is the largest number of documents of a capped collection.
	Max int64
	// Validator is the query filter (or $jsonSchema document) that
	// inserted and updated documents must match.
	Validator any
	// ValidationLevel is how strictly the validator applies: "off",
	// "strict" (the default) or "moderate".
	ValidationLevel string
	// ValidationAction is what a document that fails validation causes:
	// "error" (the default), "warn" or "errorAndLog".
	ValidationAction string
	// Collation is the collection's default collation.
	Collation *Collation
	// IndexOptionDefaults are the defaults of the collection's indexes,
	// a document such as {storageEngine: {wiredTiger: {...}}}.
	IndexOptionDefaults any
	// StorageEngine configures the storage engine for the collection.
	StorageEngine any
	// ChangeStreamPreAndPostImages lets change streams report documents
	// as they were before and after each change (MongoDB 6.0).
	ChangeStreamPreAndPostImages *ChangeStreamPreAndPostImages
	// ClusteredIndex makes a clustered collection, whose documents are
	// stored in the order of this index (MongoDB 5.3).
	ClusteredIndex *ClusteredIndex
	// TimeSeries makes a time-series collection (MongoDB 5.0).
	TimeSeries *TimeSeriesOptions
	// ExpireAfterSeconds removes documents of a time-series or clustered
	// collection this many seconds after their time (or _id) value.
	ExpireAfterSeconds *int64
	// Comment is attached to the create command; it is not part of the
	// collection and ListCollections never reports it.
	Comment any
}

// ChangeStreamPreAndPostImages is the changeStreamPreAndPostImages option
// of a collection.
type ChangeStreamPreAndPostImages struct {
	// Enabled turns the recording of pre- and post-images on.
	Enabled bool
}

// ClusteredIndex is the clustered index of a clustered collection. The
// server requires Key to be {_id: 1} and Unique to be true.
type ClusteredIndex struct {
	// Key is the index's key pattern; nil means {_id: 1}.
	Key any
	// Unique must be true.
	Unique bool
	// Name is the index's name; when empty the server names it.
	Name string
	// Version is the index version (v); 0 leaves it to the server.
	Version int32
}

// TimeSeriesOptions are the options of a time-series collection.
type TimeSeriesOptions struct {
	// TimeField names the field that holds each measurement's date. It is
	// required.
	TimeField string
	// MetaField names the field that holds each measurement's metadata,
	// by which measurements are grouped.
	MetaField string
	// Granularity is "seconds", "minutes" or "hours": about how far apart
	// consecutive measurements of one source are.
	Granularity string
	// BucketMaxSpanSeconds and BucketRoundingSeconds replace Granularity
	// with explicit bucket bounds (MongoDB 6.3); set both to one value.
	BucketMaxSpanSeconds, BucketRoundingSeconds int32
}

// CreateViewOptions are the options of Database.CreateView.
type CreateViewOptions struct {
	// Collation is the view's default collation.
	Collation *Collation
	// Comment is attached to the create command.
	Comment any
}

// DropDatabaseOptions are the options of Database.Drop.
type DropDatabaseOptions struct {
	// Comment is attached to the command.
	Comment any
}

func mergeCreateCollection(opts []CreateCollectionOptions) CreateCollectionOptions {
	if len(opts) == 1 {
		return opts[0]
	}
	var o CreateCollectionOptions
	for _, p := range opts {
		setOpt(&o.Capped, p.Capped)
		setOpt(&o.Size, p.Size)
		setOpt(&o.Max, p.Max)
		setOpt(&o.Validator, p.Validator)
		setOpt(&o.ValidationLevel, p.ValidationLevel)
		setOpt(&o.ValidationAction, p.ValidationAction)
		setOpt(&o.Collation, p.Collation)
		setOpt(&o.IndexOptionDefaults, p.IndexOptionDefaults)
		setOpt(&o.StorageEngine, p.StorageEngine)
		setOpt(&o.ChangeStreamPreAndPostImages, p.ChangeStreamPreAndPostImages)
		setOpt(&o.ClusteredIndex, p.ClusteredIndex)
		setOpt(&o.TimeSeries, p.TimeSeries)
		setOpt(&o.ExpireAfterSeconds, p.ExpireAfterSeconds)
		setOpt(&o.Comment, p.Comment)
	}
	return o
}

// appendCollectionOptions appends the options that o sets to d, under the
// names of the create command.
func appendCollectionOptions(d bson.D, o *CreateCollectionOptions) bson.D {
	add := func(k string, v any) { d = append(d, bson.E{Key: k, Value: v}) }
	if o.Capped {
		add("capped", true)
	}
	if o.Size != 0 {
		add("size", o.Size)
	}
	if o.Max != 0 {
		add("max", o.Max)
	}
	if o.Validator != nil {
		add("validator", o.Validator)
	}
	if o.ValidationLevel != "" {
		add("validationLevel", o.ValidationLevel)
	}
	if o.ValidationAction != "" {
		add("validationAction", o.ValidationAction)
	}
	if o.Collation != nil {
		add("collation", o.Collation)
	}
	if o.IndexOptionDefaults != nil {
		add("indexOptionDefaults", o.IndexOptionDefaults)
	}
	if o.StorageEngine != nil {
		add("storageEngine", o.StorageEngine)
	}
	if p := o.ChangeStreamPreAndPostImages; p != nil {
		add("changeStreamPreAndPostImages", bson.D{{Key: "enabled", Value: p.Enabled}})
	}
	if ci := o.ClusteredIndex; ci != nil {
		var key any = bson.D{{Key: "_id", Value: int32(1)}}
		if ci.Key != nil {
			key = ci.Key
		}
		doc := bson.D{{Key: "key", Value: key}, {Key: "unique", Value: ci.Unique}}
		if ci.Name != "" {
			doc = append(doc, bson.E{Key: "name", Value: ci.Name})
		}
		if ci.Version != 0 {
			doc = append(doc, bson.E{Key: "v", Value: ci.Version})
		}
		add("clusteredIndex", doc)
	}
	if ts := o.TimeSeries; ts != nil {
		doc := bson.D{{Key: "timeField", Value: ts.TimeField}}
		if ts.MetaField != "" {
			doc = append(doc, bson.E{Key: "metaField", Value: ts.MetaField})
		}
		if ts.Granularity != "" {
			doc = append(doc, bson.E{Key: "granularity", Value: ts.Granularity})
		}
		if ts.BucketMaxSpanSeconds != 0 {
			doc = append(doc, bson.E{Key: "bucketMaxSpanSeconds", Value: ts.BucketMaxSpanSeconds})
		}
		if ts.BucketRoundingSeconds != 0 {
			doc = append(doc, bson.E{Key: "bucketRoundingSeconds", Value: ts.BucketRoundingSeconds})
		}
		add("timeseries", doc)
	}
	if o.ExpireAfterSeconds != nil {
		add("expireAfterSeconds", *o.ExpireAfterSeconds)
	}
	return d
}

// CreateCollection creates the collection name with the given options.
// It fails with a *ServerError (code 48, NamespaceExists) when the
// collection exists. Collections are also created implicitly by the first
// insert or index; CreateCollection is for those that need options.
//
//	err := db.CreateCollection(ctx, "log", motor.CreateCollectionOptions{Capped: true, Size: 1 << 20})
//
// Queryable encryption (encryptedFields) is not supported.
func (db *Database) CreateCollection(ctx context.Context, name string, opts ...CreateCollectionOptions) error {
	if err := checkAdminName("CreateCollection", "collection", name); err != nil {
		return err
	}
	o := mergeCreateCollection(opts)
	if o.TimeSeries != nil && o.TimeSeries.TimeField == "" {
		return adminError("CreateCollection", "time-series collection without TimeField")
	}
	doc := appendCollectionOptions(bson.D{{Key: "create", Value: name}}, &o)
	cmd := adminCommand{name: "create", db: db.name, doc: doc, reg: db.registry, wc: db.wc, comment: o.Comment}
	_, err := cmd.run(ctx, db.client)
	return err
}

// CreateView creates the read-only view name of the collection (or view)
// viewOn through the aggregation pipeline, a slice of stage documents such
// as []bson.D or bson.A; nil means no stage.
//
//	err := db.CreateView(ctx, "adults", "users", []bson.D{{{Key: "$match", Value: bson.D{{Key: "age", Value: bson.D{{Key: "$gte", Value: 18}}}}}}})
func (db *Database) CreateView(ctx context.Context, name, viewOn string, pipeline any, opts ...CreateViewOptions) error {
	if err := checkAdminName("CreateView", "view", name); err != nil {
		return err
	}
	if err := checkAdminName("CreateView", "source collection", viewOn); err != nil {
		return err
	}
	var o CreateViewOptions
	for _, p := range opts {
		setOpt(&o.Collation, p.Collation)
		setOpt(&o.Comment, p.Comment)
	}
	if pipeline == nil {
		pipeline = bson.A{}
	}
	doc := bson.D{{Key: "create", Value: name}, {Key: "viewOn", Value: viewOn}, {Key: "pipeline", Value: pipeline}}
	if o.Collation != nil {
		doc = append(doc, bson.E{Key: "collation", Value: o.Collation})
	}
	cmd := adminCommand{name: "create", db: db.name, doc: doc, reg: db.registry, wc: db.wc, comment: o.Comment}
	body, err := cmd.encode()
	if err != nil {
		return err
	}
	if t := bson.Raw(body).Lookup("pipeline").Type; t != bson.TypeArray {
		return adminError("CreateView", "pipeline is a %T, which encodes as a BSON %v, not an array", pipeline, t)
	}
	_, err = db.client.exec.Run(ctx, cmd.op(body))
	return err
}

// Drop drops the database with all its collections. Dropping a database
// that does not exist succeeds.
func (db *Database) Drop(ctx context.Context, opts ...DropDatabaseOptions) error {
	if err := checkAdminName("Drop", "database", db.name); err != nil {
		return err
	}
	var o DropDatabaseOptions
	for _, p := range opts {
		setOpt(&o.Comment, p.Comment)
	}
	cmd := adminCommand{name: "dropDatabase", db: db.name, doc: bson.D{{Key: "dropDatabase", Value: int32(1)}}, reg: db.registry, wc: db.wc, comment: o.Comment}
	_, err := cmd.run(ctx, db.client)
	return err
}
