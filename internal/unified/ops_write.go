package unified

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The write operations of collection entities (CRUD specification), on the
// API of collection_insert.go, collection_update.go, collection_delete.go
// and collection_findmodify.go.

func init() {
	for name, f := range map[string]opFunc{
		"insertOne":         collInsertOne,
		"insertMany":        collInsertMany,
		"updateOne":         collUpdate(false),
		"updateMany":        collUpdate(true),
		"replaceOne":        collReplaceOne,
		"deleteOne":         collDelete(false),
		"deleteMany":        collDelete(true),
		"findOneAndDelete":  collFindOneAndDelete,
		"findOneAndReplace": collFindOneAndReplace,
		"findOneAndUpdate":  collFindOneAndUpdate,
	} {
		collectionOps[name] = f
	}
}

// resultDoc encodes a result document the runner builds.
func resultDoc(d bson.D) (bson.RawValue, error) {
	b, err := bson.Marshal(d)
	if err != nil {
		return absent, fmt.Errorf("unified: encoding a result: %w", err)
	}
	return docValue(b), nil
}

// idsDoc writes a map of indexes to ids as a document keyed by index, as
// the format writes insertedIds and upsertedIds.
func idsDoc(ids map[int]any) bson.D {
	d := bson.D{}
	for i := 0; len(d) < len(ids); i++ {
		if id, ok := ids[i]; ok {
			d = append(d, bson.E{Key: strconv.Itoa(i), Value: id})
		}
		if i > 1<<20 {
			break
		}
	}
	return d
}

func insertOneDoc(r *motor.InsertOneResult) bson.D {
	d := bson.D{{Key: "insertedId", Value: r.InsertedID}}
	if !r.Acknowledged {
		d = append(d, bson.E{Key: "acknowledged", Value: false})
	}
	return d
}

func insertManyDoc(r *motor.InsertManyResult) bson.D {
	ids := map[int]any{}
	for i, id := range r.InsertedIDs {
		ids[i] = id
	}
	d := bson.D{{Key: "insertedIds", Value: idsDoc(ids)}}
	if !r.Acknowledged {
		d = append(d, bson.E{Key: "acknowledged", Value: false})
	}
	return d
}

func updateDoc(r *motor.UpdateResult) bson.D {
	if !r.Acknowledged {
		return bson.D{{Key: "acknowledged", Value: false}}
	}
	d := bson.D{
		{Key: "matchedCount", Value: r.MatchedCount},
		{Key: "modifiedCount", Value: r.ModifiedCount},
		{Key: "upsertedCount", Value: r.UpsertedCount},
	}
	if r.UpsertedID != nil {
		d = append(d, bson.E{Key: "upsertedId", Value: r.UpsertedID})
	}
	return d
}

func deleteDoc(r *motor.DeleteResult) bson.D {
	if !r.Acknowledged {
		return bson.D{{Key: "acknowledged", Value: false}}
	}
	return bson.D{{Key: "deletedCount", Value: r.DeletedCount}}
}

func bulkDoc(r *motor.BulkWriteResult) bson.D {
	if !r.Acknowledged {
		return bson.D{{Key: "acknowledged", Value: false}}
	}
	return bson.D{
		{Key: "deletedCount", Value: r.DeletedCount},
		{Key: "insertedCount", Value: r.InsertedCount},
		{Key: "matchedCount", Value: r.MatchedCount},
		{Key: "modifiedCount", Value: r.ModifiedCount},
		{Key: "upsertedCount", Value: r.UpsertedCount},
		{Key: "insertedIds", Value: idsDoc(r.InsertedIDs)},
		{Key: "upsertedIds", Value: idsDoc(r.UpsertedIDs)},
	}
}

// writeResult is the result of a write: the document of its result, or its
// error with the partial result a bulk write exception carries.
func writeResult(d bson.D, err error) (opResult, error) {
	var bwe *motor.BulkWriteException
	if err != nil && errors.As(err, &bwe) && bwe.PartialResult != nil {
		d = bulkDoc(bwe.PartialResult)
	}
	if d == nil {
		return opResult{err: err}, nil
	}
	v, derr := resultDoc(d)
	if derr != nil {
		return opResult{}, derr
	}
	return opResult{value: v, err: err}, nil
}

func collInsertOne(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	doc, _, err := a.document("document", true)
	if err != nil {
		return opResult{}, err
	}
	var o motor.InsertOneOptions
	o.BypassDocumentValidation, err = a.optBool("bypassDocumentValidation")
	o.Comment = a.anyValue("comment")
	if err := firstErr(err, a.noSession(tr), a.noTimeoutMS(), a.check()); err != nil {
		return opResult{}, err
	}
	r, err := e.(*collectionEntity).coll.InsertOne(ctx, doc, o)
	if r == nil {
		return writeResult(nil, err)
	}
	return writeResult(insertOneDoc(r), err)
}

func collInsertMany(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	v, err := a.required("documents")
	if err != nil {
		return opResult{}, err
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return opResult{}, a.wrongType("documents", "an array", v)
	}
	var docs []bson.Raw
	for _, dv := range arr.Values() {
		d, ok := dv.DocumentOK()
		if !ok {
			return opResult{}, a.wrongType("documents", "an array of documents", v)
		}
		docs = append(docs, d)
	}
	var o motor.InsertManyOptions
	var errs [2]error
	o.Ordered, errs[0] = a.optBool("ordered")
	o.BypassDocumentValidation, errs[1] = a.optBool("bypassDocumentValidation")
	o.Comment = a.anyValue("comment")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	r, err := e.(*collectionEntity).coll.InsertMany(ctx, docs, o)
	var bwe *motor.BulkWriteException
	if err != nil && errors.As(err, &bwe) && bwe.PartialResult != nil {
		return writeResult(nil, err)
	}
	if r == nil {
		return writeResult(nil, err)
	}
	return writeResult(insertManyDoc(r), err)
}

// updateValue returns the update argument: a document of update operators
// or an aggregation pipeline (an array).
func updateValue(a *args) (any, error) {
	v, err := a.required("update")
	if err != nil {
		return nil, err
	}
	if v.Type != bson.TypeDocument && v.Type != bson.TypeArray {
		return nil, a.wrongType("update", "a document or a pipeline", v)
	}
	return v, nil
}

// arrayFilters returns the arrayFilters argument, nil when absent.
func arrayFilters(a *args) ([]any, error) {
	v := a.value("arrayFilters")
	if v.Type == 0 {
		return nil, nil
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, a.wrongType("arrayFilters", "an array", v)
	}
	out := []any{}
	for _, f := range arr.Values() {
		out = append(out, f)
	}
	return out, nil
}

func collUpdate(many bool) opFunc {
	return func(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
		filter, err := a.filter()
		if err != nil {
			return opResult{}, err
		}
		update, err := updateValue(a)
		if err != nil {
			return opResult{}, err
		}
		var o motor.UpdateOptions
		var errs [6]error
		o.ArrayFilters, errs[0] = arrayFilters(a)
		o.BypassDocumentValidation, errs[1] = a.optBool("bypassDocumentValidation")
		o.Collation, errs[2] = a.collation()
		o.Hint = a.anyValue("hint")
		o.Upsert, errs[3] = a.optBool("upsert")
		o.Let, errs[4] = a.doc("let")
		o.Comment = a.anyValue("comment")
		if !many {
			o.Sort, errs[5] = a.doc("sort")
		}
		if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
			return opResult{}, err
		}
		coll := e.(*collectionEntity).coll
		var r *motor.UpdateResult
		if many {
			r, err = coll.UpdateMany(ctx, filter, update, o)
		} else {
			r, err = coll.UpdateOne(ctx, filter, update, o)
		}
		if r == nil {
			return writeResult(nil, err)
		}
		return writeResult(updateDoc(r), err)
	}
}

func collReplaceOne(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	repl, _, err := a.document("replacement", true)
	if err != nil {
		return opResult{}, err
	}
	var o motor.ReplaceOptions
	var errs [5]error
	o.BypassDocumentValidation, errs[0] = a.optBool("bypassDocumentValidation")
	o.Collation, errs[1] = a.collation()
	o.Hint = a.anyValue("hint")
	o.Upsert, errs[2] = a.optBool("upsert")
	o.Let, errs[3] = a.doc("let")
	o.Comment = a.anyValue("comment")
	o.Sort, errs[4] = a.doc("sort")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	r, err := e.(*collectionEntity).coll.ReplaceOne(ctx, filter, repl, o)
	if r == nil {
		return writeResult(nil, err)
	}
	return writeResult(updateDoc(r), err)
}

func collDelete(many bool) opFunc {
	return func(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
		filter, err := a.filter()
		if err != nil {
			return opResult{}, err
		}
		var o motor.DeleteOptions
		var errs [2]error
		o.Collation, errs[0] = a.collation()
		o.Hint = a.anyValue("hint")
		o.Let, errs[1] = a.doc("let")
		o.Comment = a.anyValue("comment")
		if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
			return opResult{}, err
		}
		coll := e.(*collectionEntity).coll
		var r *motor.DeleteResult
		if many {
			r, err = coll.DeleteMany(ctx, filter, o)
		} else {
			r, err = coll.DeleteOne(ctx, filter, o)
		}
		if r == nil {
			return writeResult(nil, err)
		}
		return writeResult(deleteDoc(r), err)
	}
}

// returnDocument reads returnDocument: "Before" or "After", in any case.
func returnDocument(a *args) (motor.ReturnDocument, error) {
	s, err := a.str("returnDocument", false)
	switch {
	case err != nil:
		return 0, err
	case s == "" || strings.EqualFold(s, "Before"):
		return motor.ReturnBefore, nil
	case strings.EqualFold(s, "After"):
		return motor.ReturnAfter, nil
	}
	return 0, fmt.Errorf("unified: %s: returnDocument %q is neither Before nor After", a.op, s)
}

func collFindOneAndDelete(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	var o motor.FindOneAndDeleteOptions
	var errs [5]error
	o.Collation, errs[0] = a.collation()
	o.Hint = a.anyValue("hint")
	o.MaxTime, errs[1] = a.millis("maxTimeMS")
	o.Projection, errs[2] = a.doc("projection")
	o.Sort, errs[3] = a.doc("sort")
	o.Let, errs[4] = a.doc("let")
	o.Comment = a.anyValue("comment")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	d, err := e.(*collectionEntity).coll.FindOneAndDelete(ctx, filter, o)
	return singleDocument(d, err), nil
}

func collFindOneAndReplace(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	repl, _, err := a.document("replacement", true)
	if err != nil {
		return opResult{}, err
	}
	var o motor.FindOneAndReplaceOptions
	var errs [8]error
	o.BypassDocumentValidation, errs[0] = a.optBool("bypassDocumentValidation")
	o.Collation, errs[1] = a.collation()
	o.Hint = a.anyValue("hint")
	o.MaxTime, errs[2] = a.millis("maxTimeMS")
	o.Projection, errs[3] = a.doc("projection")
	o.ReturnDocument, errs[4] = returnDocument(a)
	o.Sort, errs[5] = a.doc("sort")
	o.Upsert, errs[6] = a.optBool("upsert")
	o.Let, errs[7] = a.doc("let")
	o.Comment = a.anyValue("comment")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	d, err := e.(*collectionEntity).coll.FindOneAndReplace(ctx, filter, repl, o)
	return singleDocument(d, err), nil
}

func collFindOneAndUpdate(ctx context.Context, tr *testRun, e any, a *args) (opResult, error) {
	filter, err := a.filter()
	if err != nil {
		return opResult{}, err
	}
	update, err := updateValue(a)
	if err != nil {
		return opResult{}, err
	}
	var o motor.FindOneAndUpdateOptions
	var errs [9]error
	o.ArrayFilters, errs[0] = arrayFilters(a)
	o.BypassDocumentValidation, errs[1] = a.optBool("bypassDocumentValidation")
	o.Collation, errs[2] = a.collation()
	o.Hint = a.anyValue("hint")
	o.MaxTime, errs[3] = a.millis("maxTimeMS")
	o.Projection, errs[4] = a.doc("projection")
	o.ReturnDocument, errs[5] = returnDocument(a)
	o.Sort, errs[6] = a.doc("sort")
	o.Upsert, errs[7] = a.optBool("upsert")
	o.Let, errs[8] = a.doc("let")
	o.Comment = a.anyValue("comment")
	if err := firstErr(append(errs[:], a.noSession(tr), a.noTimeoutMS(), a.check())...); err != nil {
		return opResult{}, err
	}
	d, err := e.(*collectionEntity).coll.FindOneAndUpdate(ctx, filter, update, o)
	return singleDocument(d, err), nil
}
