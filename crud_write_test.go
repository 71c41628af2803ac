package motor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Integration tests of the write operations against the test server: every
// operation is checked by reading back what the server stored.

type wrUser struct {
	ID    bson.ObjectID `bson:"_id,omitempty"`
	Name  string        `bson:"name"`
	Age   int32         `bson:"age"`
	Score int32         `bson:"score,omitempty"`
}

func TestInsertOneReadBack(t *testing.T) {
	e := newWrEnv(t)
	users := wrColl[wrUser](t, e)
	res, err := users.InsertOne(e.ctx, wrUser{Name: "Ada", Age: 36}, motor.InsertOneOptions{Comment: "first"})
	if err != nil {
		t.Fatal(err)
	}
	id, ok := res.InsertedID.(bson.ObjectID)
	if !ok || id.IsZero() || !res.Acknowledged {
		t.Fatalf("result %+v", res)
	}
	got := e.find(t, users.Name(), bson.D{})
	if len(got) != 1 || got[0][0].Key != "_id" || got[0][0].Value != id || wrGet(got[0], "name") != "Ada" || wrInt(wrGet(got[0], "age")) != 36 {
		t.Fatalf("stored %v", got)
	}
	ins := e.sent("insert")
	if len(ins) != 1 || ins[0].Lookup("comment").StringValue() != "first" || ins[0].Lookup("ordered").Type == 0 {
		t.Errorf("insert sent: %v", ins)
	}

	// An _id of the caller's is kept, whatever its type and place.
	raw := motor.CollectionOf[bson.D](e.db, users.Name())
	res, err = raw.InsertOne(e.ctx, bson.D{{Key: "name", Value: "Alan"}, {Key: "_id", Value: "alan"}})
	if err != nil || res.InsertedID != "alan" {
		t.Fatalf("%+v, %v", res, err)
	}
	if got := e.find(t, users.Name(), bson.D{{Key: "_id", Value: "alan"}}); len(got) != 1 || wrGet(got[0], "name") != "Alan" {
		t.Fatalf("stored %v", got)
	}

	// The same _id again is a duplicate key, reported as a WriteException.
	_, err = raw.InsertOne(e.ctx, bson.D{{Key: "_id", Value: "alan"}})
	var we *motor.WriteException
	if !errors.As(err, &we) || len(we.WriteErrors) != 1 || we.WriteErrors[0].Code != 11000 || we.Command != "insert" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, motor.ErrDuplicateKey) || !motor.IsDuplicateKeyError(err) {
		t.Errorf("duplicate key not detected: %v", err)
	}
}

func TestInsertManyReadBack(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	docs := []bson.D{
		{{Key: "n", Value: int32(0)}},
		{{Key: "_id", Value: "b"}, {Key: "n", Value: int32(1)}},
		{{Key: "n", Value: int32(2)}, {Key: "_id", Value: "c"}},
		{{Key: "n", Value: int32(3)}},
	}
	res, err := coll.InsertMany(e.ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.InsertedIDs) != 4 || res.InsertedIDs[1] != "b" || res.InsertedIDs[2] != "c" || !res.Acknowledged {
		t.Fatalf("ids %v", res.InsertedIDs)
	}
	for _, i := range []int{0, 3} {
		if _, ok := res.InsertedIDs[i].(bson.ObjectID); !ok {
			t.Errorf("id %d is %T", i, res.InsertedIDs[i])
		}
	}
	for i, id := range res.InsertedIDs {
		got := e.find(t, coll.Name(), bson.D{{Key: "_id", Value: id}})
		if len(got) != 1 || wrInt(wrGet(got[0], "n")) != int64(i) {
			t.Errorf("document %d (%v) stored as %v", i, id, got)
		}
	}
	// The caller's documents are left as they were.
	if len(docs[0]) != 1 || docs[0][0].Key != "n" {
		t.Errorf("InsertMany changed the caller's document: %v", docs[0])
	}
	if ins := e.sent("insert"); len(ins) != 1 || ins[0].Lookup("documents").Array().Len() != 4 {
		t.Errorf("insert commands: %d", len(ins))
	}
}

func TestInsertManyDuplicates(t *testing.T) {
	docs := func() []bson.D {
		return []bson.D{
			{{Key: "_id", Value: "a"}, {Key: "k", Value: int32(1)}},
			{{Key: "_id", Value: "b"}, {Key: "k", Value: int32(2)}},
			{{Key: "_id", Value: "c"}, {Key: "k", Value: int32(1)}}, // duplicate k
			{{Key: "_id", Value: "a"}, {Key: "k", Value: int32(4)}}, // duplicate _id
			{{Key: "_id", Value: "e"}, {Key: "k", Value: int32(5)}},
		}
	}
	tests := []struct {
		name      string
		opts      motor.InsertManyOptions
		errIndex  []int
		insertedN int
		stored    []string
	}{
		{"ordered", motor.InsertManyOptions{}, []int{2}, 2, []string{"a", "b"}},
		{"unordered", motor.InsertManyOptions{Ordered: new(false)}, []int{2, 3}, 3, []string{"a", "b", "e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newWrEnv(t)
			coll := wrColl[bson.D](t, e)
			e.uniqueIndex(t, coll.Name(), "k")
			res, err := coll.InsertMany(e.ctx, docs(), tt.opts)
			var bwe *motor.BulkWriteException
			if !errors.As(err, &bwe) {
				t.Fatalf("err = %v", err)
			}
			var idx []int
			for _, we := range bwe.WriteErrors {
				idx = append(idx, we.Index)
				if we.Code != 11000 {
					t.Errorf("write error %+v", we)
				}
			}
			if fmt.Sprint(idx) != fmt.Sprint(tt.errIndex) {
				t.Errorf("write errors at %v, want %v", idx, tt.errIndex)
			}
			if !motor.IsDuplicateKeyError(err) {
				t.Error("not a duplicate key error")
			}
			if res == nil || len(res.InsertedIDs) != tt.insertedN {
				t.Fatalf("result %+v", res)
			}
			if p := bwe.PartialResult; p == nil || p.InsertedCount != int64(tt.insertedN) || len(p.InsertedIDs) != tt.insertedN {
				t.Errorf("partial result %+v", bwe.PartialResult)
			}
			var stored []string
			for _, d := range e.find(t, coll.Name(), bson.D{}) {
				stored = append(stored, wrGet(d, "_id").(string))
			}
			if fmt.Sprint(stored) != fmt.Sprint(tt.stored) {
				t.Errorf("stored %v, want %v", stored, tt.stored)
			}
		})
	}
}

func TestUpdateOneAndMany(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[wrUser](t, e)
	seed := []wrUser{{Name: "a", Age: 1}, {Name: "b", Age: 2}, {Name: "c", Age: 2}}
	if _, err := coll.InsertMany(e.ctx, seed); err != nil {
		t.Fatal(err)
	}
	e.reset()
	res, err := coll.UpdateOne(e.ctx, bson.D{{Key: "age", Value: 2}}, bson.D{{Key: "$set", Value: bson.D{{Key: "score", Value: 10}}}},
		motor.UpdateOptions{Comment: "u1", Hint: "_id_"})
	if err != nil {
		t.Fatal(err)
	}
	if res.MatchedCount != 1 || res.ModifiedCount != 1 || res.UpsertedCount != 0 || res.UpsertedID != nil || !res.Acknowledged {
		t.Errorf("UpdateOne %+v", res)
	}
	if n := e.count(t, coll.Name(), bson.D{{Key: "score", Value: 10}}); n != 1 {
		t.Errorf("%d documents updated", n)
	}
	up := e.sent("update")
	if len(up) != 1 || up[0].Lookup("updates", "0", "multi").Type != 0 || up[0].Lookup("updates", "0", "hint").StringValue() != "_id_" {
		t.Errorf("update sent %v", up)
	}

	res, err = coll.UpdateMany(e.ctx, bson.D{{Key: "age", Value: 2}}, bson.D{{Key: "$set", Value: bson.D{{Key: "score", Value: 10}}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MatchedCount != 2 || res.ModifiedCount != 1 {
		t.Errorf("UpdateMany %+v", res)
	}
	if n := e.count(t, coll.Name(), bson.D{{Key: "score", Value: 10}}); n != 2 {
		t.Errorf("%d documents have the score", n)
	}
	if up := e.sent("update"); !up[1].Lookup("updates", "0", "multi").Boolean() {
		t.Errorf("UpdateMany sent %v", up[1])
	}

	// Upsert: nothing matches, a document is inserted with the filter's
	// equality fields.
	res, err = coll.UpdateOne(e.ctx, bson.D{{Key: "name", Value: "z"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "age", Value: 99}}}},
		motor.UpdateOptions{Upsert: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if res.UpsertedCount != 1 || res.MatchedCount != 0 || res.UpsertedID == nil {
		t.Fatalf("upsert %+v", res)
	}
	got := e.find(t, coll.Name(), bson.D{{Key: "_id", Value: res.UpsertedID}})
	if len(got) != 1 || wrGet(got[0], "name") != "z" || wrInt(wrGet(got[0], "age")) != 99 {
		t.Errorf("upserted %v", got)
	}

	// Nothing matches, no upsert: nothing changes.
	res, err = coll.UpdateMany(e.ctx, bson.D{{Key: "age", Value: 1000}}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}})
	if err != nil || res.MatchedCount != 0 || res.ModifiedCount != 0 {
		t.Errorf("no match: %+v, %v", res, err)
	}
	if n := e.count(t, coll.Name(), bson.D{}); n != 4 {
		t.Errorf("%d documents", n)
	}
}

// TestUpdateServerOptions sends the options the test server may not
// implement (FerretDB refuses arrayFilters, collation, let and pipelines):
// each is sent as asked, and either works (read back) or comes back as the
// server's error.
func TestUpdateServerOptions(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	if _, err := coll.InsertOne(e.ctx, bson.D{{Key: "_id", Value: "x"}, {Key: "a", Value: bson.A{int32(1), int32(5)}}, {Key: "name", Value: "Émile"}}); err != nil {
		t.Fatal(err)
	}
	f := bson.D{{Key: "_id", Value: "x"}}
	tests := []struct {
		name   string
		update any
		opts   motor.UpdateOptions
		field  string // the option in the statement or the command
		check  bson.D // a filter that matches the document after the update
	}{
		{"arrayFilters", bson.D{{Key: "$set", Value: bson.D{{Key: "a.$[big]", Value: 0}}}},
			motor.UpdateOptions{ArrayFilters: []any{bson.D{{Key: "big", Value: bson.D{{Key: "$gt", Value: 2}}}}}},
			"updates.0.arrayFilters", bson.D{{Key: "a", Value: bson.A{int32(1), int32(0)}}}},
		{"collation", bson.D{{Key: "$set", Value: bson.D{{Key: "c", Value: 1}}}},
			motor.UpdateOptions{Collation: &motor.Collation{Locale: "fr", Strength: 1}},
			"updates.0.collation", bson.D{{Key: "c", Value: 1}}},
		{"let", bson.A{bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: "$$v"}}}}},
			motor.UpdateOptions{Let: bson.D{{Key: "v", Value: "hello"}}},
			"let", bson.D{{Key: "v", Value: "hello"}}},
		{"pipeline", bson.A{bson.D{{Key: "$set", Value: bson.D{{Key: "p", Value: bson.D{{Key: "$size", Value: "$a"}}}}}}},
			motor.UpdateOptions{}, "updates.0.u.0.$set", bson.D{{Key: "p", Value: 2}}},
		{"bypassDocumentValidation", bson.D{{Key: "$set", Value: bson.D{{Key: "b", Value: 1}}}},
			motor.UpdateOptions{BypassDocumentValidation: new(true)}, "bypassDocumentValidation", bson.D{{Key: "b", Value: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.reset()
			res, err := coll.UpdateOne(e.ctx, f, tt.update, tt.opts)
			sent := e.sent("update")
			if len(sent) != 1 || sent[0].Lookup(strings.Split(tt.field, ".")...).Type == 0 {
				t.Fatalf("%s not sent: %v", tt.field, sent)
			}
			var se *motor.ServerError
			switch {
			case errors.As(err, &se):
				t.Logf("the server refuses %s: %v", tt.name, se)
			case err != nil:
				t.Fatal(err)
			default:
				if res.MatchedCount != 1 {
					t.Errorf("result %+v", res)
				}
				if n := e.count(t, coll.Name(), append(bson.D{{Key: "_id", Value: "x"}}, tt.check...)); n != 1 {
					t.Errorf("the update did not take: %v", e.find(t, coll.Name(), bson.D{}))
				}
			}
		})
	}
}

func TestReplaceOneReadBack(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[wrUser](t, e)
	ins, err := coll.InsertOne(e.ctx, wrUser{Name: "old", Age: 1, Score: 5})
	if err != nil {
		t.Fatal(err)
	}
	id := ins.InsertedID.(bson.ObjectID)
	res, err := coll.ReplaceOne(e.ctx, bson.D{{Key: "_id", Value: id}}, wrUser{Name: "new", Age: 2})
	if err != nil || res.MatchedCount != 1 || res.ModifiedCount != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	got := e.find(t, coll.Name(), bson.D{})
	if len(got) != 1 || wrGet(got[0], "_id") != id || wrGet(got[0], "name") != "new" || wrGet(got[0], "score") != nil {
		t.Fatalf("stored %v", got)
	}
	// Upsert with a replacement.
	res, err = coll.ReplaceOne(e.ctx, bson.D{{Key: "name", Value: "nobody"}}, wrUser{Name: "fresh", Age: 3}, motor.ReplaceOptions{Upsert: new(true)})
	if err != nil || res.UpsertedCount != 1 || res.UpsertedID == nil {
		t.Fatalf("%+v, %v", res, err)
	}
	if got := e.find(t, coll.Name(), bson.D{{Key: "_id", Value: res.UpsertedID}}); len(got) != 1 || wrGet(got[0], "name") != "fresh" {
		t.Fatalf("upserted %v", got)
	}
	rep := e.sent("update")
	if len(rep) != 2 || rep[1].Lookup("updates", "0", "u", "name").StringValue() != "fresh" || !rep[1].Lookup("updates", "0", "upsert").Boolean() {
		t.Errorf("sent %v", rep)
	}
}

func TestDeleteOneAndMany(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	var docs []bson.D
	for i := range 6 {
		docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprint("d", i)}, {Key: "even", Value: i%2 == 0}})
	}
	if _, err := coll.InsertMany(e.ctx, docs); err != nil {
		t.Fatal(err)
	}
	res, err := coll.DeleteOne(e.ctx, bson.D{{Key: "even", Value: true}}, motor.DeleteOptions{Hint: "_id_", Comment: "one"})
	if err != nil || res.DeletedCount != 1 || !res.Acknowledged {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := e.count(t, coll.Name(), bson.D{{Key: "even", Value: true}}); n != 2 {
		t.Errorf("%d even documents left", n)
	}
	res, err = coll.DeleteMany(e.ctx, bson.D{{Key: "even", Value: false}})
	if err != nil || res.DeletedCount != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := e.count(t, coll.Name(), bson.D{}); n != 2 {
		t.Errorf("%d documents left", n)
	}
	del := e.sent("delete")
	if len(del) != 2 || del[0].Lookup("deletes", "0", "limit").Int32() != 1 || del[1].Lookup("deletes", "0", "limit").Int32() != 0 ||
		del[0].Lookup("comment").StringValue() != "one" {
		t.Errorf("sent %v", del)
	}
	res, err = coll.DeleteMany(e.ctx, bson.D{})
	if err != nil || res.DeletedCount != 2 || e.count(t, coll.Name(), bson.D{}) != 0 {
		t.Fatalf("delete all: %+v, %v", res, err)
	}
	res, err = coll.DeleteOne(e.ctx, bson.D{{Key: "_id", Value: "none"}})
	if err != nil || res.DeletedCount != 0 {
		t.Fatalf("delete nothing: %+v, %v", res, err)
	}
}

func TestFindOneAndModify(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[wrUser](t, e)
	if _, err := coll.InsertMany(e.ctx, []wrUser{{Name: "a", Age: 3}, {Name: "b", Age: 1}, {Name: "c", Age: 2}}); err != nil {
		t.Fatal(err)
	}
	inc := bson.D{{Key: "$inc", Value: bson.D{{Key: "score", Value: 1}}}}
	// Before (the default), with a sort choosing the youngest.
	u, err := coll.FindOneAndUpdate(e.ctx, bson.D{}, inc, motor.FindOneAndUpdateOptions{Sort: bson.D{{Key: "age", Value: 1}}})
	if err != nil || u.Name != "b" || u.Score != 0 {
		t.Fatalf("%+v, %v", u, err)
	}
	// After.
	u, err = coll.FindOneAndUpdate(e.ctx, bson.D{{Key: "name", Value: "b"}}, inc, motor.FindOneAndUpdateOptions{ReturnDocument: motor.ReturnAfter})
	if err != nil || u.Score != 2 {
		t.Fatalf("%+v, %v", u, err)
	}
	if got := e.find(t, coll.Name(), bson.D{{Key: "name", Value: "b"}}); wrInt(wrGet(got[0], "score")) != 2 {
		t.Errorf("stored %v", got)
	}
	fam := e.sent("findAndModify")
	if len(fam) != 2 || fam[0].Lookup("new").Boolean() || !fam[1].Lookup("new").Boolean() || fam[0].Lookup("sort", "age").Type == 0 {
		t.Errorf("sent %v", fam)
	}
	// Nothing matches.
	if _, err := coll.FindOneAndUpdate(e.ctx, bson.D{{Key: "name", Value: "zz"}}, inc); !errors.Is(err, motor.ErrNoDocuments) {
		t.Errorf("no match: %v", err)
	}
	// Upsert, returning the new document.
	u, err = coll.FindOneAndUpdate(e.ctx, bson.D{{Key: "name", Value: "up"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "age", Value: 7}}}},
		motor.FindOneAndUpdateOptions{Upsert: new(true), ReturnDocument: motor.ReturnAfter})
	if err != nil || u.Name != "up" || u.Age != 7 || u.ID.IsZero() {
		t.Fatalf("upsert %+v, %v", u, err)
	}
	if e.count(t, coll.Name(), bson.D{{Key: "name", Value: "up"}}) != 1 {
		t.Error("upsert not stored")
	}

	// Replace.
	r, err := coll.FindOneAndReplace(e.ctx, bson.D{{Key: "name", Value: "c"}}, wrUser{Name: "c2", Age: 20})
	if err != nil || r.Name != "c" {
		t.Fatalf("%+v, %v", r, err)
	}
	r, err = coll.FindOneAndReplace(e.ctx, bson.D{{Key: "name", Value: "c2"}}, wrUser{Name: "c3", Age: 30}, motor.FindOneAndReplaceOptions{ReturnDocument: motor.ReturnAfter})
	if err != nil || r.Name != "c3" || r.Age != 30 {
		t.Fatalf("%+v, %v", r, err)
	}
	if got := e.find(t, coll.Name(), bson.D{{Key: "name", Value: "c3"}}); len(got) != 1 || wrInt(wrGet(got[0], "age")) != 30 {
		t.Errorf("stored %v", got)
	}

	// Delete.
	d, err := coll.FindOneAndDelete(e.ctx, bson.D{{Key: "name", Value: "a"}}, motor.FindOneAndDeleteOptions{Hint: "_id_"})
	if err != nil || d.Name != "a" || d.Age != 3 {
		t.Fatalf("%+v, %v", d, err)
	}
	if e.count(t, coll.Name(), bson.D{{Key: "name", Value: "a"}}) != 0 {
		t.Error("not deleted")
	}
	if _, err := coll.FindOneAndDelete(e.ctx, bson.D{{Key: "name", Value: "a"}}); !errors.Is(err, motor.ErrNoDocuments) {
		t.Errorf("deleting again: %v", err)
	}
	last := e.sent("findAndModify")
	if del := last[len(last)-1]; !del.Lookup("remove").Boolean() || del.Lookup("update").Type != 0 {
		t.Errorf("delete sent %v", del)
	}
}

// TestFindOneAndModifyServerOptions checks that projection and the other
// options the test server may refuse are sent, and work or come back as
// the server's error.
func TestFindOneAndModifyServerOptions(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[bson.D](t, e)
	if _, err := coll.InsertOne(e.ctx, bson.D{{Key: "_id", Value: "k"}, {Key: "a", Value: 1}, {Key: "b", Value: 2}}); err != nil {
		t.Fatal(err)
	}
	e.reset()
	doc, err := coll.FindOneAndUpdate(e.ctx, bson.D{{Key: "_id", Value: "k"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "c", Value: 3}}}},
		motor.FindOneAndUpdateOptions{Projection: bson.D{{Key: "a", Value: 1}}, ReturnDocument: motor.ReturnAfter, Comment: "fam",
			Let: bson.D{{Key: "x", Value: 1}}, MaxTime: 5e9, Collation: &motor.Collation{Locale: "en"}})
	sent := e.sent("findAndModify")
	if len(sent) != 1 {
		t.Fatal(sent)
	}
	for _, f := range []string{"fields", "comment", "let", "maxTimeMS", "collation"} {
		if sent[0].Lookup(f).Type == 0 {
			t.Errorf("%s not sent: %v", f, sent[0])
		}
	}
	var se *motor.ServerError
	switch {
	case errors.As(err, &se):
		t.Logf("the server refuses: %v", se)
	case err != nil:
		t.Fatal(err)
	default:
		if wrGet(doc, "a") == nil || wrGet(doc, "b") != nil {
			t.Errorf("projection not applied: %v", doc)
		}
	}
}

func TestBulkWriteReadBack(t *testing.T) {
	e := newWrEnv(t)
	coll := wrColl[wrUser](t, e)
	ada := bson.NewObjectID()
	models := []motor.WriteModel{
		motor.InsertOneModel[wrUser]{Document: wrUser{ID: ada, Name: "ada", Age: 36}},
		motor.InsertOneModel[wrUser]{Document: wrUser{Name: "bob", Age: 20}},
		motor.InsertOneModel[wrUser]{Document: wrUser{Name: "cy", Age: 20}},
		motor.UpdateOneModel{Filter: bson.D{{Key: "name", Value: "ada"}}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "score", Value: 1}}}}},
		motor.UpdateManyModel{Filter: bson.D{{Key: "age", Value: 20}}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "score", Value: 2}}}}},
		motor.ReplaceOneModel[wrUser]{Filter: bson.D{{Key: "name", Value: "cy"}}, Replacement: wrUser{Name: "cy2", Age: 21}},
		motor.UpdateOneModel{Filter: bson.D{{Key: "name", Value: "dee"}}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "age", Value: 40}}}}, Upsert: new(true)},
		motor.DeleteOneModel{Filter: bson.D{{Key: "name", Value: "bob"}}},
		&motor.InsertOneModel[wrUser]{Document: wrUser{Name: "eve", Age: 50}},
		motor.DeleteManyModel{Filter: bson.D{{Key: "age", Value: bson.D{{Key: "$gt", Value: 45}}}}},
	}
	res, err := coll.BulkWrite(e.ctx, models, motor.BulkWriteOptions{Comment: "bulk"})
	if err != nil {
		t.Fatal(err)
	}
	if res.InsertedCount != 4 || res.MatchedCount != 4 || res.ModifiedCount != 4 || res.UpsertedCount != 1 || res.DeletedCount != 2 || !res.Acknowledged {
		t.Errorf("result %+v", res)
	}
	if len(res.InsertedIDs) != 4 || res.InsertedIDs[0] != ada || res.InsertedIDs[8] == nil {
		t.Errorf("inserted ids %v", res.InsertedIDs)
	}
	// The upsert is model 6. FerretDB numbers the upserted entries of its
	// reply by upsert rather than by statement, so only MongoDB puts it at
	// 6; TestFakeBulkWriteIndexes checks the mapping exactly.
	if len(res.UpsertedIDs) != 1 {
		t.Errorf("upserted ids %v", res.UpsertedIDs)
	}
	for _, id := range res.UpsertedIDs {
		if got := e.find(t, coll.Name(), bson.D{{Key: "_id", Value: id}}); len(got) != 1 || wrGet(got[0], "name") != "dee" {
			t.Errorf("upserted id %v holds %v", id, got)
		}
	}
	var names []string
	for _, d := range e.find(t, coll.Name(), bson.D{}) {
		names = append(names, fmt.Sprint(wrGet(d, "name"), ":", wrInt(wrGet(d, "score"))))
	}
	// ada (score 1), cy2 (replaced: no score), dee (upserted, no score).
	want := map[string]bool{"ada:1": true, fmt.Sprint("cy2:", wrInt(nil)): true, fmt.Sprint("dee:", wrInt(nil)): true}
	if len(names) != 3 {
		t.Fatalf("stored %v", names)
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("stored %v", names)
		}
	}
	// Consecutive models of a kind share a command: insert, update,
	// delete, insert, delete.
	var cmds []string
	e.mu.Lock()
	for _, ev := range e.started {
		cmds = append(cmds, ev.CommandName)
	}
	e.mu.Unlock()
	if got := strings.Join(cmds, ","); !strings.HasPrefix(got, "insert,update,delete,insert,delete") {
		t.Errorf("commands %s", got)
	}
}

func TestBulkWriteErrors(t *testing.T) {
	models := func() []motor.WriteModel {
		return []motor.WriteModel{
			motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "a"}}},
			motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "a"}}}, // duplicate
			motor.UpdateOneModel{Filter: bson.D{{Key: "_id", Value: "a"}}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "u", Value: 1}}}}},
			motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "b"}}},
			motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: "b"}}}, // duplicate
			motor.DeleteOneModel{Filter: bson.D{{Key: "_id", Value: "zzz"}}},
		}
	}
	t.Run("ordered", func(t *testing.T) {
		e := newWrEnv(t)
		coll := wrColl[bson.D](t, e)
		res, err := coll.BulkWrite(e.ctx, models())
		var bwe *motor.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) != 1 || bwe.WriteErrors[0].Index != 1 || !motor.IsDuplicateKeyError(err) {
			t.Fatalf("err = %v", err)
		}
		if res.InsertedCount != 1 || bwe.PartialResult.InsertedCount != 1 || res.MatchedCount != 0 {
			t.Errorf("result %+v", res)
		}
		if n := e.count(t, coll.Name(), bson.D{}); n != 1 || len(e.sent("update")) != 0 {
			t.Errorf("%d stored, %d updates sent", n, len(e.sent("update")))
		}
	})
	t.Run("unordered", func(t *testing.T) {
		e := newWrEnv(t)
		coll := wrColl[bson.D](t, e)
		res, err := coll.BulkWrite(e.ctx, models(), motor.BulkWriteOptions{Ordered: new(false)})
		var bwe *motor.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) != 2 || bwe.WriteErrors[0].Index != 1 || bwe.WriteErrors[1].Index != 4 {
			t.Fatalf("err = %v", err)
		}
		if res.InsertedCount != 2 || res.MatchedCount != 1 || res.ModifiedCount != 1 || res.DeletedCount != 0 {
			t.Errorf("result %+v", res)
		}
		if len(res.InsertedIDs) != 2 || res.InsertedIDs[0] != "a" || res.InsertedIDs[3] != "b" {
			t.Errorf("inserted ids %v", res.InsertedIDs)
		}
		got := e.find(t, coll.Name(), bson.D{})
		if len(got) != 2 || wrInt(wrGet(got[0], "u")) != 1 {
			t.Errorf("stored %v", got)
		}
	})
}
