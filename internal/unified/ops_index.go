package unified

import (
	"context"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The operations of the Index Management specification, on the API of
// index.go.

func init() {
	for name, f := range map[string]opFunc{
		"createIndex":    collCreateIndex,
		"dropIndex":      collDropIndex,
		"dropIndexes":    collDropIndexes,
		"listIndexes":    collListIndexes,
		"listIndexNames": collListIndexNames,
		"rename":         collRename,
	} {
		collectionOps[name] = f
	}
}

// indexOptions reads the options of createIndex that describe the index.
func indexOptions(a *args) (motor.IndexOptions, error) {
	var o motor.IndexOptions
	optInt32 := func(key string) (*int32, error) {
		n, ok, err := a.integer(key, false)
		if err != nil || !ok {
			return nil, err
		}
		v := int32(n)
		return &v, nil
	}
	optFloat := func(key string) (*float64, error) {
		v := a.value(key)
		if v.Type == 0 {
			return nil, nil
		}
		if !isNumber(v.Type) {
			return nil, a.wrongType(key, "a number", v)
		}
		f := asFloat(v)
		return &f, nil
	}
	var errs [18]error
	o.Name, errs[0] = a.str("name", false)
	o.Unique, errs[1] = a.optBool("unique")
	o.Sparse, errs[2] = a.optBool("sparse")
	o.ExpireAfterSeconds, errs[3] = optInt32("expireAfterSeconds")
	o.PartialFilterExpression, errs[4] = a.doc("partialFilterExpression")
	o.Hidden, errs[5] = a.optBool("hidden")
	o.Collation, errs[6] = a.collation()
	o.Weights, errs[7] = a.doc("weights")
	o.DefaultLanguage, errs[8] = a.str("default_language", false)
	o.LanguageOverride, errs[9] = a.str("language_override", false)
	o.TextIndexVersion, errs[10] = optInt32("textIndexVersion")
	o.SphereIndexVersion, errs[11] = optInt32("2dsphereIndexVersion")
	o.Bits, errs[12] = optInt32("bits")
	o.Min, errs[13] = optFloat("min")
	o.Max, errs[14] = optFloat("max")
	o.WildcardProjection, errs[15] = a.doc("wildcardProjection")
	o.StorageEngine, errs[16] = a.doc("storageEngine")
	o.Version, errs[17] = optInt32("version")
	var err error
	o.Background, err = a.optBool("background")
	return o, firstErr(append(errs[:], err)...)
}

func collCreateIndex(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	keys, _, err := a.document("keys", true)
	if err != nil {
		return opResult{}, err
	}
	io, err := indexOptions(a)
	if err != nil {
		return opResult{}, err
	}
	var o motor.CreateIndexesOptions
	o.CommitQuorum = a.anyValue("commitQuorum")
	o.Comment = a.anyValue("comment")
	o.MaxTime, err = a.millis("maxTimeMS")
	if err := firstErr(err, a.noSession(tr), a.noTimeoutMS(), a.check()); err != nil {
		return opResult{}, err
	}
	name, err := e.(*collectionEntity).coll.Indexes().CreateOne(ctx, motor.IndexModel{Keys: keys, Options: io}, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	t, b, err := bson.MarshalValue(name)
	return opResult{value: bson.RawValue{Type: t, Value: b}}, err
}

func dropIndexesOptions(tr *testRun, a *args) (motor.DropIndexesOptions, error) {
	var o motor.DropIndexesOptions
	var err error
	o.Comment = a.anyValue("comment")
	o.MaxTime, err = a.millis("maxTimeMS")
	return o, firstErr(err, a.noSession(tr), a.noTimeoutMS(), a.check())
}

func collDropIndex(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	name, err := a.str("name", true)
	if err != nil {
		return opResult{}, err
	}
	o, err := dropIndexesOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*collectionEntity).coll.Indexes().DropOne(ctx, name, o)}, nil
}

func collDropIndexes(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	o, err := dropIndexesOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*collectionEntity).coll.Indexes().DropAll(ctx, o)}, nil
}

func listIndexesOptions(tr *testRun, a *args) (motor.ListIndexesOptions, error) {
	var o motor.ListIndexesOptions
	var err error
	o.BatchSize, err = a.int32Arg("batchSize")
	o.Comment = a.anyValue("comment")
	return o, firstErr(err, a.noSession(tr), a.noTimeoutMS(), a.check())
}

func collListIndexes(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	o, err := listIndexesOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	specs, err := e.(*collectionEntity).coll.Indexes().List(ctx, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	var out []bson.Raw
	for _, s := range specs {
		out = append(out, s.Raw)
	}
	return rawsResult(out), nil
}

func collListIndexNames(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	o, err := listIndexesOptions(tr, a)
	if err != nil {
		return opResult{}, err
	}
	names, err := e.(*collectionEntity).coll.Indexes().ListNames(ctx, o)
	if err != nil {
		return opResult{err: err}, nil
	}
	v, err := stringsValue(names)
	return opResult{value: v}, err
}

// collRename renames the collection: the rename operation of the change
// streams tests ({to, dropTarget}).
func collRename(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	to, err := a.str("to", true)
	if err != nil {
		return opResult{}, err
	}
	var o motor.RenameCollectionOptions
	drop, err := a.optBool("dropTarget")
	if err != nil {
		return opResult{}, err
	}
	o.DropTarget = drop != nil && *drop
	o.Comment = a.anyValue("comment")
	if err := firstErr(a.noSession(tr), a.noTimeoutMS(), a.check()); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*collectionEntity).coll.Rename(ctx, to, o)}, nil
}
