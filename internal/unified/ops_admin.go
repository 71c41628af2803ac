package unified

import (
	"context"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The operations of the Enumerate Collections and Enumerate Databases
// specifications, collection management and database-level aggregate, on
// the API of admin.go and client_admin.go.

func init() {
	for name, f := range map[string]opFunc{
		"aggregate":           dbAggregate,
		"createCollection":    dbCreateCollection,
		"dropCollection":      dbDropCollection,
		"listCollections":     dbListCollections,
		"listCollectionNames": dbListCollectionNames,
	} {
		databaseOps[name] = f
	}
	for name, f := range map[string]opFunc{
		"listDatabases":     clientListDatabases,
		"listDatabaseNames": clientListDatabaseNames,
	} {
		clientOps[name] = f
	}
}

func dbAggregate(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	pipeline, o, err := aggregateOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	c, err := e.(*databaseEntity).db.Aggregate(ctx, pipeline, o)
	return drain(ctx, c, err, dDoc), nil
}

// stringsValue encodes names as a BSON array value.
func stringsValue(names []string) (bson.RawValue, error) {
	t, b, err := bson.MarshalValue(names)
	return bson.RawValue{Type: t, Value: b}, err
}

// rawsResult is the result of a listing: the raw documents, each matched as
// a root-level document.
func rawsResult(docs []bson.Raw) opResult {
	return opResult{value: arrayValue(docs), iterable: true}
}

// dbCreateCollection creates a collection or a view. Its result, for
// saveResultAsEntity, is the collection: an entity of the database's
// options.
func dbCreateCollection(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	de := e.(*databaseEntity)
	db := de.db
	name, err := a.str("collection", true)
	if err != nil {
		return opResult{}, err
	}
	var o motor.CreateCollectionOptions
	var errs [16]error
	o.Capped, errs[0] = a.flag("capped")
	o.Size, _, errs[1] = a.integer("size", false)
	o.Max, _, errs[2] = a.integer("max", false)
	o.Validator, errs[3] = a.doc("validator")
	o.ValidationLevel, errs[4] = a.str("validationLevel", false)
	o.ValidationAction, errs[5] = a.str("validationAction", false)
	o.Collation, errs[6] = a.collation()
	o.IndexOptionDefaults, errs[7] = a.doc("indexOptionDefaults")
	o.StorageEngine, errs[8] = a.doc("storageEngine")
	o.Comment = a.anyValue("comment")
	if d, ok, err := a.document("changeStreamPreAndPostImages", false); err != nil || ok {
		errs[9] = err
		if ok {
			o.ChangeStreamPreAndPostImages, errs[9] = preAndPostImages(d)
		}
	}
	if d, ok, err := a.document("clusteredIndex", false); err != nil || ok {
		errs[10] = err
		if ok {
			o.ClusteredIndex, errs[10] = clusteredIndex(d)
		}
	}
	if d, ok, err := a.document("timeseries", false); err != nil || ok {
		errs[11] = err
		if ok {
			o.TimeSeries, errs[11] = timeSeries(d)
		}
	}
	if n, ok, err := a.integer("expireAfterSeconds", false); err != nil || ok {
		o.ExpireAfterSeconds, errs[12] = &n, err
	}
	var viewOn string
	viewOn, errs[13] = a.str("viewOn", false)
	pipeline := a.value("pipeline")
	if v := a.value("encryptedFields"); v.Type != 0 {
		errs[14] = fmt.Errorf("unified: createCollection: encryptedFields: Motor does not implement queryable encryption")
	}
	errs[15] = a.noSession(tr)
	if err := firstErr(append(errs[:], a.check())...); err != nil {
		return opResult{}, err
	}
	if viewOn != "" {
		if pipeline.Type == 0 {
			pipeline = arrayValue(nil)
		}
		return opResult{err: db.CreateView(ctx, name, viewOn, pipeline, motor.CreateViewOptions{Collation: o.Collation, Comment: o.Comment})}, nil
	}
	if pipeline.Type != 0 {
		return opResult{}, fmt.Errorf("unified: createCollection: pipeline without viewOn")
	}
	if err := db.CreateCollection(ctx, name, o); err != nil {
		return opResult{err: err}, nil
	}
	return opResult{entity: &collectionEntity{db: de, coll: motor.CollectionOf[bson.Raw](db, name)}}, nil
}

func preAndPostImages(d bson.Raw) (*motor.ChangeStreamPreAndPostImages, error) {
	var p motor.ChangeStreamPreAndPostImages
	for k, v := range d.Elements() {
		if k != "enabled" || v.Type != bson.TypeBoolean {
			return nil, fmt.Errorf("unified: changeStreamPreAndPostImages: unsupported field %q: %s", k, show(v))
		}
		p.Enabled = v.Boolean()
	}
	return &p, nil
}

func clusteredIndex(d bson.Raw) (*motor.ClusteredIndex, error) {
	var c motor.ClusteredIndex
	for k, v := range d.Elements() {
		switch k {
		case "key":
			c.Key = v
		case "unique":
			c.Unique = v.Boolean()
		case "name":
			c.Name = v.StringValue()
		case "v":
			n, _ := v.AsInt64OK()
			c.Version = int32(n)
		default:
			return nil, fmt.Errorf("unified: clusteredIndex: unsupported field %q", k)
		}
	}
	return &c, nil
}

func timeSeries(d bson.Raw) (*motor.TimeSeriesOptions, error) {
	var t motor.TimeSeriesOptions
	for k, v := range d.Elements() {
		n, _ := v.AsInt64OK()
		switch k {
		case "timeField":
			t.TimeField = v.StringValue()
		case "metaField":
			t.MetaField = v.StringValue()
		case "granularity":
			t.Granularity = v.StringValue()
		case "bucketMaxSpanSeconds":
			t.BucketMaxSpanSeconds = int32(n)
		case "bucketRoundingSeconds":
			t.BucketRoundingSeconds = int32(n)
		default:
			return nil, fmt.Errorf("unified: timeseries: unsupported field %q", k)
		}
	}
	return &t, nil
}

func dbDropCollection(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	name, err := a.str("collection", true)
	if err != nil {
		return opResult{}, err
	}
	comment := a.anyValue("comment")
	if v := a.value("encryptedFields"); v.Type != 0 {
		return opResult{}, fmt.Errorf("unified: dropCollection: encryptedFields: Motor does not implement queryable encryption")
	}
	if err := firstErr(a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	coll := e.(*databaseEntity).db.Collection(name)
	return opResult{err: coll.Drop(ctx, motor.DropCollectionOptions{Comment: comment})}, nil
}

// listCollectionsArgs reads the arguments of listCollections and
// listCollectionNames. No filter means every collection: bson.D{} for
// Motor, which refuses a nil filter.
func listCollectionsArgs(tr *testRun, a *args) (any, motor.ListCollectionsOptions, error) {
	var o motor.ListCollectionsOptions
	filter, err := a.doc("filter")
	if filter == nil {
		filter = bson.D{}
	}
	var errs [3]error
	o.BatchSize, errs[0] = a.int32Arg("batchSize")
	o.AuthorizedCollections, errs[1] = a.flag("authorizedCollections")
	o.NameOnly, errs[2] = a.flag("nameOnly")
	o.Comment = a.anyValue("comment")
	return filter, o, firstErr(append(errs[:], err, a.noSession(tr), a.noTimeoutMS(), a.check())...)
}

func dbListCollections(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, o, err := listCollectionsArgs(tr, a)
	if err != nil {
		return opResult{}, err
	}
	specs, err := e.(*databaseEntity).db.ListCollections(ctx, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	var out []bson.Raw
	for _, s := range specs {
		out = append(out, s.Raw)
	}
	return rawsResult(out), nil
}

func dbListCollectionNames(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, o, err := listCollectionsArgs(tr, a)
	if err != nil {
		return opResult{}, err
	}
	names, err := e.(*databaseEntity).db.ListCollectionNames(ctx, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	v, err := stringsValue(names)
	return opResult{value: v}, err
}

func listDatabasesArgs(tr *testRun, a *args) (any, motor.ListDatabasesOptions, error) {
	var o motor.ListDatabasesOptions
	filter, err := a.doc("filter")
	if filter == nil {
		filter = bson.D{}
	}
	var errs [2]error
	o.NameOnly, errs[0] = a.flag("nameOnly")
	o.AuthorizedDatabases, errs[1] = a.optBool("authorizedDatabases")
	o.Comment = a.anyValue("comment")
	return filter, o, firstErr(append(errs[:], err, a.noSession(tr), a.noTimeoutMS(), a.check())...)
}

func clientListDatabases(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, o, err := listDatabasesArgs(tr, a)
	if err != nil {
		return opResult{}, err
	}
	res, err := e.(*clientEntity).client.ListDatabases(ctx, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	var out []bson.Raw
	for _, d := range res.Databases {
		out = append(out, d.Raw)
	}
	return rawsResult(out), nil
}

func clientListDatabaseNames(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, o, err := listDatabasesArgs(tr, a)
	if err != nil {
		return opResult{}, err
	}
	names, err := e.(*clientEntity).client.ListDatabaseNames(ctx, filter, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	v, err := stringsValue(names)
	return opResult{value: v}, err
}
