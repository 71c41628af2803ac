package motor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of Client.BulkWrite against a scripted server of wire version 25
// (the test server, FerretDB, reports 21: TestWriteNeedsNewerServer checks
// the refusal there).

// wrBulkReply is a bulkWrite reply: the counts, and a results cursor whose
// first batch is first (id 0 when nothing more follows).
func wrBulkReply(id int64, first []bson.D, counts ...bson.E) []wiretest.Reply {
	arr := bson.A{}
	for _, d := range first {
		arr = append(arr, d)
	}
	d := bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: id}, {Key: "firstBatch", Value: arr}, {Key: "ns", Value: "admin.$cmd.bulkWrite"}}}}
	d = append(d, counts...)
	d = append(d, bson.E{Key: "ok", Value: 1.0})
	return []wiretest.Reply{{Doc: d}}
}

func bwOK(idx int32, extra ...bson.E) bson.D {
	return append(bson.D{{Key: "ok", Value: 1.0}, {Key: "idx", Value: idx}, {Key: "n", Value: int32(1)}}, extra...)
}

func bwErr(idx, code int32, msg string) bson.D {
	return bson.D{{Key: "ok", Value: 0.0}, {Key: "idx", Value: idx}, {Key: "code", Value: code}, {Key: "errmsg", Value: msg}, {Key: "n", Value: int32(0)}}
}

func bwCount(name string, n int32) bson.E { return bson.E{Key: name, Value: n} }

func TestClientBulkWriteCommand(t *testing.T) {
	f, c := newWrFake(t, wrFakeOpts{maxWire: 25, replicaSet: true}, func(req wiretest.Request) []wiretest.Reply {
		return wrBulkReply(0, nil, bwCount("nErrors", 0), bwCount("nInserted", 2), bwCount("nUpserted", 1), bwCount("nMatched", 3),
			bwCount("nModified", 2), bwCount("nDeleted", 4))
	})
	ctx := ctxTimeout(t, 30*time.Second)
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}
	models := []motor.ClientWriteModel{
		{Database: "db1", Collection: "a", Model: motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "v", Value: 1}}}},
		{Database: "db2", Collection: "b", Model: motor.InsertOneModel[wrUser]{Document: wrUser{Name: "typed"}}},
		{Database: "db1", Collection: "a", Model: motor.UpdateOneModel{Filter: bson.D{{Key: "v", Value: 1}}, Update: set, Upsert: new(true),
			Sort: bson.D{{Key: "v", Value: -1}}, Hint: "v_1", Collation: &motor.Collation{Locale: "en"}, ArrayFilters: []any{bson.D{{Key: "e", Value: 1}}}}},
		{Database: "db1", Collection: "c.d", Model: motor.UpdateManyModel{Filter: bson.D{}, Update: bson.A{set}}},
		{Database: "db2", Collection: "b", Model: motor.ReplaceOneModel[bson.D]{Filter: bson.D{}, Replacement: bson.D{{Key: "r", Value: 1}}}},
		{Database: "db1", Collection: "a", Model: motor.DeleteOneModel{Filter: bson.D{{Key: "v", Value: 2}}}},
		{Database: "db3", Collection: "z", Model: &motor.DeleteManyModel{Filter: bson.D{}, Hint: bson.D{{Key: "_id", Value: 1}}}},
	}
	res, err := c.BulkWrite(ctx, models, motor.ClientBulkWriteOptions{Comment: "cb", Let: bson.D{{Key: "v", Value: 1}}, BypassDocumentValidation: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Acknowledged || res.HasVerboseResults || res.InsertedCount != 2 || res.UpsertedCount != 1 || res.MatchedCount != 3 ||
		res.ModifiedCount != 2 || res.DeletedCount != 4 || res.InsertResults != nil {
		t.Errorf("result %+v", res)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Command != "bulkWrite" {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	b := r.Body
	if b.Lookup("$db").StringValue() != "admin" || b.Lookup("bulkWrite").Int32() != 1 || !b.Lookup("errorsOnly").Boolean() ||
		!b.Lookup("ordered").Boolean() || b.Lookup("comment").StringValue() != "cb" || b.Lookup("let", "v").Type == 0 ||
		!b.Lookup("bypassDocumentValidation").Boolean() || b.Lookup("ops").Type != 0 || b.Lookup("nsInfo").Type != 0 {
		t.Errorf("command %v", b)
	}
	// An UpdateManyModel makes the command not retryable.
	if b.Lookup("txnNumber").Type != 0 || b.Lookup("lsid").Type == 0 {
		t.Errorf("session fields %v", b)
	}
	var nsInfo []string
	for _, d := range seqDocs(r, "nsInfo") {
		nsInfo = append(nsInfo, d.Lookup("ns").StringValue())
	}
	if got := strings.Join(nsInfo, " "); got != "db1.a db2.b db1.c.d db3.z" {
		t.Errorf("nsInfo %s", got)
	}
	ops := seqDocs(r, "ops")
	if len(ops) != len(models) {
		t.Fatalf("%d ops", len(ops))
	}
	wantOps := []struct {
		kind string
		ns   int32
	}{{"insert", 0}, {"insert", 1}, {"update", 0}, {"update", 2}, {"update", 1}, {"delete", 0}, {"delete", 3}}
	for i, w := range wantOps {
		if ops[i].Keys()[0] != w.kind || ops[i].Lookup(w.kind).Int32() != w.ns {
			t.Errorf("op %d: %v", i, ops[i])
		}
	}
	if d := ops[0].Lookup("document").Document(); d.Keys()[0] != "_id" || d.Lookup("v").Type == 0 {
		t.Errorf("insert %v", ops[0])
	}
	if ops[1].Lookup("document", "name").StringValue() != "typed" {
		t.Errorf("typed insert %v", ops[1])
	}
	u := ops[2]
	if u.Lookup("filter", "v").Type == 0 || u.Lookup("updateMods", "$set").Type == 0 || !u.Lookup("upsert").Boolean() ||
		u.Lookup("sort", "v").Int32() != -1 || u.Lookup("hint").StringValue() != "v_1" || u.Lookup("collation", "locale").StringValue() != "en" ||
		u.Lookup("arrayFilters").Type == 0 || u.Lookup("multi").Type != 0 {
		t.Errorf("updateOne %v", u)
	}
	if !ops[3].Lookup("multi").Boolean() || ops[3].Lookup("updateMods").Type != bson.TypeArray {
		t.Errorf("updateMany %v", ops[3])
	}
	if ops[4].Lookup("updateMods", "r").Type == 0 {
		t.Errorf("replaceOne %v", ops[4])
	}
	if ops[5].Lookup("multi").Boolean() || !ops[6].Lookup("multi").Boolean() || ops[6].Lookup("hint", "_id").Type == 0 {
		t.Errorf("deletes %v %v", ops[5], ops[6])
	}
}

func TestClientBulkWriteVerboseResults(t *testing.T) {
	id := bson.NewObjectID()
	f, c := newWrFake(t, wrFakeOpts{maxWire: 25, replicaSet: true}, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "bulkWrite":
			return wrBulkReply(77, []bson.D{bwOK(0), bwOK(1, bson.E{Key: "nModified", Value: int32(0)},
				bson.E{Key: "upserted", Value: bson.D{{Key: "_id", Value: "up"}}})},
				bwCount("nErrors", 0), bwCount("nInserted", 1), bwCount("nUpserted", 1), bwCount("nMatched", 1), bwCount("nModified", 1), bwCount("nDeleted", 1))
		case "getMore":
			return []wiretest.Reply{{Doc: bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(0)}, {Key: "ns", Value: "admin.$cmd.bulkWrite"},
				{Key: "nextBatch", Value: bson.A{bwOK(2, bson.E{Key: "nModified", Value: int32(1)}), bwOK(3)}}}}, {Key: "ok", Value: 1.0}}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 30*time.Second)
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}
	res, err := c.BulkWrite(ctx, []motor.ClientWriteModel{
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: id}}}},
		{Database: "d", Collection: "c", Model: motor.UpdateOneModel{Filter: bson.D{}, Update: set, Upsert: new(true)}},
		{Database: "d", Collection: "c", Model: motor.UpdateOneModel{Filter: bson.D{}, Update: set}},
		{Database: "d", Collection: "c", Model: motor.DeleteOneModel{Filter: bson.D{}}},
	}, motor.ClientBulkWriteOptions{VerboseResults: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.HasVerboseResults || res.InsertResults[0].InsertedID != id || len(res.InsertResults) != 1 {
		t.Errorf("insert results %+v", res.InsertResults)
	}
	up := res.UpdateResults
	if len(up) != 2 || !up[1].DidUpsert || up[1].UpsertedID != "up" || up[2].DidUpsert || up[2].ModifiedCount != 1 || up[2].MatchedCount != 1 {
		t.Errorf("update results %+v", up)
	}
	if res.DeleteResults[3].DeletedCount != 1 || len(res.DeleteResults) != 1 {
		t.Errorf("delete results %+v", res.DeleteResults)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[1].Command != "getMore" {
		t.Fatalf("requests %d", len(reqs))
	}
	bw, gm := reqs[0].Body, reqs[1].Body
	if bw.Lookup("errorsOnly").Boolean() {
		t.Error("errorsOnly with verbose results")
	}
	// Retryable (no multi-document write), and the getMore uses the same
	// session.
	if bw.Lookup("txnNumber").Type == 0 || !gm.Lookup("lsid").Equal(bw.Lookup("lsid")) {
		t.Errorf("sessions: %v then %v", bw, gm)
	}
	if gm.Lookup("getMore").Int64() != 77 || gm.Lookup("collection").StringValue() != "$cmd.bulkWrite" || gm.Lookup("$db").StringValue() != "admin" {
		t.Errorf("getMore %v", gm)
	}
}

func TestClientBulkWriteErrors(t *testing.T) {
	ins := func(id int) motor.ClientWriteModel {
		return motor.ClientWriteModel{Database: "d", Collection: fmt.Sprint("c", id%2), Model: motor.InsertOneModel[bson.D]{Document: bson.D{{Key: "_id", Value: id}}}}
	}
	models := []motor.ClientWriteModel{ins(0), ins(1), ins(2), ins(3), ins(4)}
	tests := []struct {
		name     string
		ordered  bool
		replies  [][]wiretest.Reply // one per bulkWrite command
		batches  int                // commands sent
		errIdx   []int
		partial  bool
		inserted int64
		dup      bool
	}{
		{"ordered stops at the first error", true, [][]wiretest.Reply{
			wrBulkReply(0, []bson.D{bwErr(1, 11000, "dup")}, bwCount("nErrors", 1), bwCount("nInserted", 1)),
		}, 1, []int{1}, true, 1, true},
		{"ordered, the first write fails: no partial result", true, [][]wiretest.Reply{
			wrBulkReply(0, []bson.D{bwErr(0, 11000, "dup")}, bwCount("nErrors", 1), bwCount("nInserted", 0)),
		}, 1, []int{0}, false, 0, true},
		{"unordered goes on", false, [][]wiretest.Reply{
			wrBulkReply(0, []bson.D{bwErr(1, 11000, "dup")}, bwCount("nErrors", 1), bwCount("nInserted", 1)),
			wrBulkReply(0, []bson.D{bwErr(0, 11000, "dup"), bwErr(1, 121, "invalid")}, bwCount("nErrors", 2), bwCount("nInserted", 0)),
			wrBulkReply(0, nil, bwCount("nErrors", 0), bwCount("nInserted", 1)),
		}, 3, []int{1, 2, 3}, true, 2, true},
		{"unordered, every write fails", false, [][]wiretest.Reply{
			wrBulkReply(0, []bson.D{bwErr(0, 1, "a"), bwErr(1, 1, "b")}, bwCount("nErrors", 2)),
			wrBulkReply(0, []bson.D{bwErr(0, 1, "c"), bwErr(1, 1, "d")}, bwCount("nErrors", 2)),
			wrBulkReply(0, []bson.D{bwErr(0, 1, "e")}, bwCount("nErrors", 1)),
		}, 3, []int{0, 1, 2, 3, 4}, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			f, c := newWrFake(t, wrFakeOpts{maxWire: 25, maxBatch: 2}, func(req wiretest.Request) []wiretest.Reply {
				n++
				return tt.replies[n-1]
			})
			res, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), models, motor.ClientBulkWriteOptions{Ordered: &tt.ordered})
			var cbe *motor.ClientBulkWriteException
			if !errors.As(err, &cbe) {
				t.Fatalf("err = %v", err)
			}
			var idx []int
			for i := range 5 {
				if we, ok := cbe.WriteErrors[i]; ok {
					idx = append(idx, i)
					if we.Index != i {
						t.Errorf("write error %d has index %d", i, we.Index)
					}
				}
			}
			if fmt.Sprint(idx) != fmt.Sprint(tt.errIdx) {
				t.Errorf("write errors at %v, want %v", idx, tt.errIdx)
			}
			if (cbe.PartialResult != nil) != tt.partial || (res != nil) != tt.partial {
				t.Errorf("partial result %+v, result %+v", cbe.PartialResult, res)
			}
			if tt.partial && cbe.PartialResult.InsertedCount != tt.inserted {
				t.Errorf("inserted %d", cbe.PartialResult.InsertedCount)
			}
			reqs := f.requests()
			if len(reqs) != tt.batches {
				t.Fatalf("%d commands, want %d", len(reqs), tt.batches)
			}
			// Each batch names only its own namespaces: models 0 and 1 are
			// in c0 and c1, model 4 only in c0.
			if tt.batches == 3 {
				if got := len(seqDocs(reqs[2], "nsInfo")); got != 1 {
					t.Errorf("the last batch has %d namespaces", got)
				}
			}
			if motor.IsDuplicateKeyError(err) != tt.dup {
				t.Errorf("duplicate key: %v", err)
			}
		})
	}
}

func TestClientBulkWriteTopLevelErrors(t *testing.T) {
	models := []motor.ClientWriteModel{
		{Database: "d", Collection: "c", Model: motor.DeleteOneModel{Filter: bson.D{}}},
		{Database: "d", Collection: "c", Model: motor.DeleteOneModel{Filter: bson.D{}}},
		{Database: "d", Collection: "c", Model: motor.DeleteOneModel{Filter: bson.D{}}},
	}
	cmdErr := []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(8)}, {Key: "codeName", Value: "UnknownError"},
		{Key: "errmsg", Value: "boom"}, {Key: "extra", Value: "kept"}}}}
	wce := bson.E{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: int32(64)}, {Key: "errmsg", Value: "slow"}}}

	t.Run("first command fails", func(t *testing.T) {
		f, c := newWrFake(t, wrFakeOpts{maxWire: 25, maxBatch: 1}, func(wiretest.Request) []wiretest.Reply { return cmdErr })
		_, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), models)
		var se *motor.ServerError
		var cbe *motor.ClientBulkWriteException
		if !errors.As(err, &se) || errors.As(err, &cbe) || se.Raw.Lookup("extra").StringValue() != "kept" {
			t.Fatalf("err = %#v", err)
		}
		if len(f.requests()) != 1 {
			t.Errorf("%d commands", len(f.requests()))
		}
	})
	t.Run("later command fails", func(t *testing.T) {
		n := 0
		f, c := newWrFake(t, wrFakeOpts{maxWire: 25, maxBatch: 1}, func(wiretest.Request) []wiretest.Reply {
			n++
			if n == 2 {
				return cmdErr
			}
			return wrBulkReply(0, nil, bwCount("nErrors", 0), bwCount("nDeleted", 1))
		})
		res, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), models, motor.ClientBulkWriteOptions{Ordered: new(false)})
		var cbe *motor.ClientBulkWriteException
		var se *motor.ServerError
		if !errors.As(err, &cbe) || !errors.As(cbe.Err, &se) || se.Code != 8 || cbe.PartialResult == nil || cbe.PartialResult.DeletedCount != 1 || res == nil {
			t.Fatalf("err = %v", err)
		}
		if len(f.requests()) != 2 {
			t.Errorf("%d commands: a top-level error must stop the bulk write", len(f.requests()))
		}
	})
	t.Run("write concern errors do not stop it", func(t *testing.T) {
		_, c := newWrFake(t, wrFakeOpts{maxWire: 25, maxBatch: 1}, func(wiretest.Request) []wiretest.Reply {
			return wrBulkReply(0, nil, bwCount("nErrors", 0), bwCount("nDeleted", 1), wce)
		})
		_, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), models)
		var cbe *motor.ClientBulkWriteException
		if !errors.As(err, &cbe) || len(cbe.WriteConcernErrors) != 3 || cbe.PartialResult.DeletedCount != 3 || cbe.Err != nil {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("getMore fails: the cursor is killed", func(t *testing.T) {
		f, c := newWrFake(t, wrFakeOpts{maxWire: 25}, func(req wiretest.Request) []wiretest.Reply {
			switch req.Command {
			case "bulkWrite":
				return wrBulkReply(99, []bson.D{bwOK(0)}, bwCount("nErrors", 0), bwCount("nDeleted", 3))
			case "getMore":
				return cmdErr
			}
			return nil
		})
		_, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), models, motor.ClientBulkWriteOptions{VerboseResults: true})
		var cbe *motor.ClientBulkWriteException
		if !errors.As(err, &cbe) || cbe.Err == nil || cbe.PartialResult == nil {
			t.Fatalf("err = %v", err)
		}
		var names []string
		for _, r := range f.requests() {
			names = append(names, r.Command)
		}
		reqs := f.requests()
		if strings.Join(names, ",") != "bulkWrite,getMore,killCursors" || reqs[2].Body.Lookup("cursors", "0").Int64() != 99 ||
			reqs[2].Body.Lookup("killCursors").StringValue() != "$cmd.bulkWrite" {
			t.Errorf("commands %v", names)
		}
	})
}

func TestClientBulkWriteRetry(t *testing.T) {
	n := 0
	f, c := newWrFake(t, wrFakeOpts{maxWire: 25, replicaSet: true}, func(wiretest.Request) []wiretest.Reply {
		n++
		if n == 1 {
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(262)}, {Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}}}}
		}
		return wrBulkReply(0, nil, bwCount("nErrors", 0), bwCount("nInserted", 1))
	})
	res, err := c.BulkWrite(ctxTimeout(t, 30*time.Second), []motor.ClientWriteModel{
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{}}}})
	if err != nil || res.InsertedCount != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || !reqs[0].Body.Lookup("txnNumber").Equal(reqs[1].Body.Lookup("txnNumber")) || reqs[0].Body.Lookup("txnNumber").Type == 0 {
		t.Fatalf("requests %d", len(reqs))
	}
	if a, b := seqDocs(reqs[0], "ops"), seqDocs(reqs[1], "ops"); len(a) != 1 || !bson.Raw(a[0]).Lookup("document", "_id").Equal(bson.Raw(b[0]).Lookup("document", "_id")) {
		t.Error("the retry sent another document")
	}
}

func TestClientBulkWriteUnacknowledged(t *testing.T) {
	f, c := newWrFake(t, wrFakeOpts{maxWire: 25, maxBatch: 2}, nil)
	w0 := &motor.WriteConcern{W: motor.WNodes(0)}
	models := []motor.ClientWriteModel{
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{}}},
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{}}},
		{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{Document: bson.D{}}},
	}
	ctx := ctxTimeout(t, 30*time.Second)
	res, err := c.BulkWrite(ctx, models, motor.ClientBulkWriteOptions{WriteConcern: w0, Ordered: new(false)})
	if err != nil || res.Acknowledged {
		t.Fatalf("%+v, %v", res, err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs[:2] {
		if r.Flags&wire.MoreToCome == 0 || r.Body.Lookup("lsid").Type != 0 || r.Body.Lookup("writeConcern", "w").Int32() != 0 {
			t.Errorf("sent %v (flags %v)", r.Body, r.Flags)
		}
	}
}

func TestClientBulkWriteClientErrors(t *testing.T) {
	f, c := newWrFake(t, wrFakeOpts{maxWire: 25}, nil)
	ctx := ctxTimeout(t, 30*time.Second)
	w0 := &motor.WriteConcern{W: motor.WNodes(0)}
	one := []motor.ClientWriteModel{{Database: "d", Collection: "c", Model: motor.DeleteOneModel{Filter: bson.D{}}}}
	tests := []struct {
		name   string
		models []motor.ClientWriteModel
		opts   motor.ClientBulkWriteOptions
		want   string
	}{
		{"no models", nil, motor.ClientBulkWriteOptions{}, "no write models"},
		{"unacknowledged and ordered", one, motor.ClientBulkWriteOptions{WriteConcern: w0}, "Cannot request unacknowledged write concern and ordered writes"},
		{"unacknowledged and verbose", one, motor.ClientBulkWriteOptions{WriteConcern: w0, Ordered: new(false), VerboseResults: true},
			"Cannot request unacknowledged write concern and verbose results"},
		{"no database", []motor.ClientWriteModel{{Collection: "c", Model: motor.DeleteOneModel{Filter: bson.D{}}}}, motor.ClientBulkWriteOptions{}, "invalid database name"},
		{"no collection", []motor.ClientWriteModel{{Database: "d", Model: motor.DeleteOneModel{Filter: bson.D{}}}}, motor.ClientBulkWriteOptions{}, "invalid collection name"},
		{"nil model", []motor.ClientWriteModel{{Database: "d", Collection: "c"}}, motor.ClientBulkWriteOptions{}, "model 0 is nil"},
		{"update without operators", []motor.ClientWriteModel{one[0], {Database: "d", Collection: "c", Model: motor.UpdateOneModel{Filter: bson.D{}, Update: bson.D{{Key: "a", Value: 1}}}}},
			motor.ClientBulkWriteOptions{}, "model 1: update document must start with an update operator"},
		{"replacement with operators", []motor.ClientWriteModel{{Database: "d", Collection: "c", Model: motor.ReplaceOneModel[bson.D]{Filter: bson.D{}, Replacement: bson.D{{Key: "$set", Value: 1}}}}},
			motor.ClientBulkWriteOptions{}, "must not contain update operators"},
		{"nil filter", []motor.ClientWriteModel{{Database: "d", Collection: "c", Model: motor.DeleteManyModel{}}}, motor.ClientBulkWriteOptions{}, "nil filter"},
		{"oversize document", []motor.ClientWriteModel{{Database: "d", Collection: "c", Model: motor.InsertOneModel[bson.D]{
			Document: bson.D{{Key: "pad", Value: strings.Repeat("x", 16<<20)}}}}}, motor.ClientBulkWriteOptions{}, "maxBsonObjectSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.BulkWrite(ctx, tt.models, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d commands sent", n)
	}
}
