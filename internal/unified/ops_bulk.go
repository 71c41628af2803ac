package unified

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The bulk writes: Collection.BulkWrite (bulkWrite) and Client.BulkWrite
// (clientBulkWrite).

func init() {
	collectionOps["bulkWrite"] = collBulkWrite
	clientOps["clientBulkWrite"] = clientBulkWrite
}

// writeModel converts one request of bulkWrite or model of clientBulkWrite:
// a document with one key naming the kind of write. withNamespace reads the
// namespace of clientBulkWrite models.
func writeModel(path string, v bson.RawValue, withNamespace bool) (motor.WriteModel, string, error) {
	d, ok := v.DocumentOK()
	if !ok {
		return nil, "", fmt.Errorf("unified: %s must be a document, not %s", path, show(v))
	}
	var kind string
	var body bson.Raw
	n := 0
	for k, b := range d.Elements() {
		kind, body, n = k, b.Document(), n+1
	}
	if n != 1 || body == nil {
		return nil, "", fmt.Errorf("unified: %s must have one key naming the write: %s", path, d)
	}
	a := newArgs(path+"."+kind, body)
	ns := ""
	var err error
	if withNamespace {
		if ns, err = a.str("namespace", true); err != nil {
			return nil, "", err
		}
	}
	var m motor.WriteModel
	var errs [6]error
	switch kind {
	case "insertOne":
		var doc bson.Raw
		doc, _, errs[0] = a.document("document", true)
		m = motor.InsertOneModel[bson.Raw]{Document: doc}
	case "updateOne", "updateMany":
		filter, err := a.filter()
		update, uerr := updateValue(a)
		errs[0], errs[1] = err, uerr
		var af []any
		af, errs[2] = arrayFilters(a)
		coll, cerr := a.collation()
		upsert, berr := a.optBool("upsert")
		errs[3], errs[4] = cerr, berr
		hint := a.anyValue("hint")
		if kind == "updateOne" {
			var sort any
			sort, errs[5] = a.doc("sort")
			m = motor.UpdateOneModel{Filter: filter, Update: update, ArrayFilters: af, Collation: coll, Hint: hint, Upsert: upsert, Sort: sort}
		} else {
			m = motor.UpdateManyModel{Filter: filter, Update: update, ArrayFilters: af, Collation: coll, Hint: hint, Upsert: upsert}
		}
	case "replaceOne":
		filter, err := a.filter()
		repl, _, rerr := a.document("replacement", true)
		coll, cerr := a.collation()
		upsert, berr := a.optBool("upsert")
		sort, serr := a.doc("sort")
		errs[0], errs[1], errs[2], errs[3], errs[4] = err, rerr, cerr, berr, serr
		m = motor.ReplaceOneModel[bson.Raw]{Filter: filter, Replacement: repl, Collation: coll, Hint: a.anyValue("hint"), Upsert: upsert, Sort: sort}
	case "deleteOne", "deleteMany":
		filter, err := a.filter()
		coll, cerr := a.collation()
		errs[0], errs[1] = err, cerr
		if kind == "deleteOne" {
			m = motor.DeleteOneModel{Filter: filter, Collation: coll, Hint: a.anyValue("hint")}
		} else {
			m = motor.DeleteManyModel{Filter: filter, Collation: coll, Hint: a.anyValue("hint")}
		}
	default:
		return nil, "", fmt.Errorf("unified: %s: unknown write model %q", path, kind)
	}
	if err := firstErr(append(errs[:], a.check())...); err != nil {
		return nil, "", err
	}
	return m, ns, nil
}

func collBulkWrite(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	v, err := a.required("requests")
	if err != nil {
		return opResult{}, err
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return opResult{}, a.wrongType("requests", "an array", v)
	}
	models := []motor.WriteModel{}
	for i, rv := range arr.Values() {
		m, _, err := writeModel(fmt.Sprintf("bulkWrite.requests[%d]", i), rv, false)
		if err != nil {
			return opResult{}, err
		}
		models = append(models, m)
	}
	var o motor.BulkWriteOptions
	var errs [3]error
	o.Ordered, errs[0] = a.optBool("ordered")
	o.BypassDocumentValidation, errs[1] = a.optBool("bypassDocumentValidation")
	o.Let, errs[2] = a.doc("let")
	o.Comment = a.anyValue("comment")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	r, err := e.(*collectionEntity).coll.BulkWrite(ctx, models, o)
	if r == nil {
		return writeResult(nil, err)
	}
	return writeResult(bulkDoc(r), err)
}

func clientBulkWrite(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	v, err := a.required("models")
	if err != nil {
		return opResult{}, err
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return opResult{}, a.wrongType("models", "an array", v)
	}
	var models []motor.ClientWriteModel
	for i, mv := range arr.Values() {
		m, ns, err := writeModel(fmt.Sprintf("clientBulkWrite.models[%d]", i), mv, true)
		if err != nil {
			return opResult{}, err
		}
		db, coll, ok := cutNamespace(ns)
		if !ok {
			return opResult{}, fmt.Errorf("unified: clientBulkWrite.models[%d]: namespace %q is not database.collection", i, ns)
		}
		models = append(models, motor.ClientWriteModel{Database: db, Collection: coll, Model: m})
	}
	var o motor.ClientBulkWriteOptions
	var errs [5]error
	o.Ordered, errs[0] = a.optBool("ordered")
	o.BypassDocumentValidation, errs[1] = a.optBool("bypassDocumentValidation")
	o.Let, errs[2] = a.doc("let")
	o.Comment = a.anyValue("comment")
	o.WriteConcern, errs[3] = a.writeConcern()
	o.VerboseResults, errs[4] = a.flag("verboseResults")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	r, err := e.(*clientEntity).client.BulkWrite(ctx, models, o)
	var cbe *motor.ClientBulkWriteException
	if err != nil && errors.As(err, &cbe) && cbe.PartialResult != nil {
		r = cbe.PartialResult
	}
	if r == nil {
		return opResult{err: err}, nil
	}
	rv, derr := resultDoc(clientBulkDoc(r))
	if derr != nil {
		return opResult{}, derr
	}
	return opResult{value: rv, err: err}, nil
}

func cutNamespace(ns string) (string, string, bool) {
	for i := 0; i < len(ns); i++ {
		if ns[i] == '.' {
			return ns[:i], ns[i+1:], i > 0 && i < len(ns)-1
		}
	}
	return "", "", false
}

// clientBulkDoc writes a client bulk write result; the per-model results
// are present only for verbose results.
func clientBulkDoc(r *motor.ClientBulkWriteResult) bson.D {
	if !r.Acknowledged {
		return bson.D{{Key: "acknowledged", Value: false}}
	}
	d := bson.D{
		{Key: "insertedCount", Value: r.InsertedCount},
		{Key: "upsertedCount", Value: r.UpsertedCount},
		{Key: "matchedCount", Value: r.MatchedCount},
		{Key: "modifiedCount", Value: r.ModifiedCount},
		{Key: "deletedCount", Value: r.DeletedCount},
	}
	if !r.HasVerboseResults {
		return d
	}
	ins, upd, del := bson.D{}, bson.D{}, bson.D{}
	for i := 0; len(ins)+len(upd)+len(del) < len(r.InsertResults)+len(r.UpdateResults)+len(r.DeleteResults) && i <= 1<<24; i++ {
		k := strconv.Itoa(i)
		if x, ok := r.InsertResults[i]; ok {
			ins = append(ins, bson.E{Key: k, Value: bson.D{{Key: "insertedId", Value: x.InsertedID}}})
		}
		if x, ok := r.UpdateResults[i]; ok {
			u := bson.D{{Key: "matchedCount", Value: x.MatchedCount}, {Key: "modifiedCount", Value: x.ModifiedCount}}
			if x.DidUpsert {
				u = append(u, bson.E{Key: "upsertedId", Value: x.UpsertedID})
			}
			upd = append(upd, bson.E{Key: k, Value: u})
		}
		if x, ok := r.DeleteResults[i]; ok {
			del = append(del, bson.E{Key: k, Value: bson.D{{Key: "deletedCount", Value: x.DeletedCount}}})
		}
	}
	return append(d,
		bson.E{Key: "insertResults", Value: ins},
		bson.E{Key: "updateResults", Value: upd},
		bson.E{Key: "deleteResults", Value: del})
}
