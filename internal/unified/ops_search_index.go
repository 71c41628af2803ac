package unified

import (
	"context"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The search index operations of collection entities (Index Management
// specification, "Search Indexes"), on the API of search_index.go, and
// modifyCollection, on that of collection_modify.go.

func init() {
	for name, f := range map[string]opFunc{
		"createSearchIndex":   collCreateSearchIndex,
		"createSearchIndexes": collCreateSearchIndexes,
		"dropSearchIndex":     collDropSearchIndex,
		"updateSearchIndex":   collUpdateSearchIndex,
		"listSearchIndexes":   collListSearchIndexes,
	} {
		collectionOps[name] = f
	}
	databaseOps["modifyCollection"] = dbModifyCollection
}

// searchIndexModel reads a SearchIndexModel: {definition, name, type}.
func searchIndexModel(op string, d bson.Raw) (motor.SearchIndexModel, error) {
	var m motor.SearchIndexModel
	ma := newArgs(op+" model", d)
	def, _, err := ma.document("definition", true)
	if err != nil {
		return m, err
	}
	m.Definition = def
	var errs [2]error
	m.Name, errs[0] = ma.str("name", false)
	m.Type, errs[1] = ma.str("type", false)
	return m, firstErr(append(errs[:], ma.check())...)
}

// stringResult is a string result.
func stringResult(s string) (opResult, error) {
	t, b, err := bson.MarshalValue(s)
	return opResult{value: bson.RawValue{Type: t, Value: b}}, err
}

func collCreateSearchIndex(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	d, _, err := a.document("model", true)
	if err != nil {
		return opResult{}, err
	}
	m, err := searchIndexModel(a.op, d)
	if err := firstErr(err, a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	name, err := e.(*collectionEntity).coll.SearchIndexes().CreateOne(ctx, m)
	if err != nil {
		return opResult{err: err}, nil
	}
	return stringResult(name)
}

func collCreateSearchIndexes(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	v, err := a.required("models")
	if err != nil {
		return opResult{}, err
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return opResult{}, a.wrongType("models", "an array", v)
	}
	models := []motor.SearchIndexModel{}
	for i, mv := range arr.Values() {
		d, ok := mv.DocumentOK()
		if !ok {
			return opResult{}, fmt.Errorf("unified: %s: models[%d] is %s, not a document", a.op, i, show(mv))
		}
		m, err := searchIndexModel(a.op, d)
		if err != nil {
			return opResult{}, err
		}
		models = append(models, m)
	}
	if err := firstErr(a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	names, err := e.(*collectionEntity).coll.SearchIndexes().CreateMany(ctx, models)
	if err != nil {
		return opResult{err: err}, nil
	}
	sv, err := stringsValue(names)
	return opResult{value: sv}, err
}

func collDropSearchIndex(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	name, err := a.str("name", true)
	if err := firstErr(err, a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*collectionEntity).coll.SearchIndexes().DropOne(ctx, name)}, nil
}

func collUpdateSearchIndex(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	name, err := a.str("name", true)
	def, _, err2 := a.document("definition", true)
	if err := firstErr(err, err2, a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*collectionEntity).coll.SearchIndexes().UpdateOne(ctx, name, def)}, nil
}

// collListSearchIndexes lists the search indexes and reads the cursor to
// the end. aggregationOptions are the aggregate's options.
func collListSearchIndexes(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	var o motor.ListSearchIndexesOptions
	name, err := a.str("name", false)
	if err != nil {
		return opResult{}, err
	}
	o.Name = name
	if d, ok, err := a.document("aggregationOptions", false); err != nil {
		return opResult{}, err
	} else if ok {
		if o.AggregateOptions, err = aggregateOnlyOptions(tr, newArgs(a.op+" aggregationOptions", d)); err != nil {
			return opResult{}, err
		}
	}
	if err := firstErr(a.noSession(tr), a.check()); err != nil {
		return opResult{}, err
	}
	c, err := e.(*collectionEntity).coll.SearchIndexes().List(ctx, o)
	return drain(ctx, c, err, rawDoc), nil
}

// dbModifyCollection runs Database.ModifyCollection.
func dbModifyCollection(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	var o motor.ModifyCollectionOptions
	name, err := a.str("collection", true)
	if err != nil {
		return opResult{}, err
	}
	var errs [8]error
	o.Validator, errs[0] = a.doc("validator")
	o.ValidationLevel, errs[1] = a.str("validationLevel", false)
	o.ValidationAction, errs[2] = a.str("validationAction", false)
	o.Comment = a.anyValue("comment")
	if d, ok, err := a.document("changeStreamPreAndPostImages", false); err != nil || ok {
		errs[3] = err
		if ok {
			o.ChangeStreamPreAndPostImages, errs[3] = preAndPostImages(d)
		}
	}
	if d, ok, err := a.document("index", false); err != nil || ok {
		errs[4] = err
		if ok {
			o.Index, errs[4] = indexModification(a.op, d)
		}
	}
	if n, ok, err := a.integer("expireAfterSeconds", false); err != nil || ok {
		o.ExpireAfterSeconds, errs[5] = &n, err
	}
	errs[6] = a.noSession(tr)
	errs[7] = a.noTimeoutMS()
	if err := firstErr(append(errs[:], a.check())...); err != nil {
		return opResult{}, err
	}
	return opResult{err: e.(*databaseEntity).db.ModifyCollection(ctx, name, o)}, nil
}

// indexModification reads the index argument of modifyCollection.
func indexModification(op string, d bson.Raw) (*motor.IndexModification, error) {
	ia := newArgs(op+" index", d)
	var m motor.IndexModification
	var errs [6]error
	m.Name, errs[0] = ia.str("name", false)
	if k, ok, err := ia.document("keyPattern", false); err != nil || ok {
		errs[1] = err
		if ok {
			m.Keys = k
		}
	}
	m.Hidden, errs[2] = ia.optBool("hidden")
	m.PrepareUnique, errs[3] = ia.optBool("prepareUnique")
	m.Unique, errs[4] = ia.optBool("unique")
	if n, ok, err := ia.integer("expireAfterSeconds", false); err != nil || ok {
		m.ExpireAfterSeconds, errs[5] = &n, err
	}
	return &m, firstErr(append(errs[:], ia.check())...)
}
