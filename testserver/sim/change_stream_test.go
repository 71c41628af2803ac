package sim

import (
	"slices"
	"testing"

	"github.com/motor-go/motor/bson"
)

// openStream opens a change stream with aggregate cmd and returns its
// cursor id and the reply.
func openStream(t *testing.T, c *client, cmd bson.D) (int64, bson.Raw) {
	t.Helper()
	r := c.run(cmd)
	mustOK(t, "aggregate $changeStream", r)
	id, _ := r.Lookup("cursor", "id").AsInt64OK()
	if id == 0 {
		t.Fatalf("aggregate $changeStream: %s, want an open cursor", r)
	}
	if r.Lookup("cursor", "postBatchResumeToken", "_data").Type != bson.TypeString ||
		r.Lookup("cursor", "firstBatch").Type != bson.TypeArray {
		t.Errorf("aggregate $changeStream: %s, want a firstBatch array and a postBatchResumeToken", r)
	}
	return id, r
}

// nextEvents runs getMore on a change stream cursor and returns its batch.
func nextEvents(t *testing.T, c *client, db, coll string, id int64, extra ...any) ([]bson.Raw, bson.Raw) {
	t.Helper()
	cmd := append(doc("getMore", id, "collection", coll, "maxTimeMS", int32(500), "$db", db), doc(extra...)...)
	r := c.run(cmd)
	mustOK(t, "getMore", r)
	if r.Lookup("cursor", "postBatchResumeToken", "_data").Type != bson.TypeString ||
		r.Lookup("cursor", "nextBatch").Type != bson.TypeArray {
		t.Errorf("getMore: %s, want a nextBatch array and a postBatchResumeToken", r)
	}
	var out []bson.Raw
	for _, v := range r.Lookup("cursor", "nextBatch").Array().Values() {
		out = append(out, v.Document())
	}
	return out, r
}

func opTypes(evs []bson.Raw) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Lookup("operationType").StringValue())
	}
	return out
}

// TestChangeStreamCollectionEvents watches a collection through inserts,
// an update, a replace, a delete and a drop: each event has its fields, an
// update its description and looked-up document, and the drop invalidates
// the stream, which closes.
func TestChangeStreamCollectionEvents(t *testing.T) {
	rs := newRS(t, Options{ClusterTime: true})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	mustOK(t, "create", c.run(doc("create", "c", "$db", db)))
	mustOK(t, "collMod", c.run(doc("collMod", "c", "changeStreamPreAndPostImages", doc("enabled", true), "$db", db)))
	id, _ := openStream(t, c, doc("aggregate", "c", "pipeline", bson.A{
		doc("$changeStream", doc("fullDocument", "updateLookup", "fullDocumentBeforeChange", "whenAvailable"))},
		"cursor", doc(), "$db", db))

	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 1, "x", 1), doc("_id", 2, "x", 2)}, "$db", db)))
	mustOK(t, "insert elsewhere", c.run(doc("insert", "other", "documents", bson.A{doc("_id", 1)}, "$db", db)))
	mustOK(t, "update", c.run(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("$set", doc("y", 1), "$unset", doc("x", "")))}, "$db", db)))
	mustOK(t, "replace", c.run(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 2), "u", doc("z", 3))}, "$db", db)))
	mustOK(t, "delete", c.run(doc("delete", "c", "deletes", bson.A{doc("q", doc("_id", 1), "limit", 1)}, "$db", db)))
	mustOK(t, "drop", c.run(doc("drop", "c", "$db", db)))

	evs, r := nextEvents(t, c, db, "c", id)
	want := []string{"insert", "insert", "update", "replace", "delete", "drop", "invalidate"}
	if got := opTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if n, _ := r.Lookup("cursor", "id").AsInt64OK(); n != 0 {
		t.Errorf("cursor id %d after invalidate, want 0", n)
	}
	ins := evs[0]
	if ins.Lookup("ns", "coll").StringValue() != "c" || ins.Lookup("ns", "db").StringValue() != db ||
		ins.Lookup("documentKey", "_id").Int32() != 1 || ins.Lookup("fullDocument", "x").Int32() != 1 ||
		ins.Lookup("clusterTime").Type != bson.TypeTimestamp || ins.Lookup("wallTime").Type != bson.TypeDateTime {
		t.Errorf("insert event %s", ins)
	}
	upd := evs[2]
	if upd.Lookup("updateDescription", "updatedFields", "y").Int32() != 1 ||
		!slices.Equal(stringsOf(upd.Lookup("updateDescription", "removedFields")), []string{"x"}) {
		t.Errorf("update event %s, want updatedFields {y: 1}, removedFields [x]", upd)
	}
	if upd.Lookup("fullDocument").Type != bson.TypeNull || upd.Lookup("fullDocumentBeforeChange", "x").Int32() != 1 {
		t.Errorf("update event %s, want a null looked-up document (deleted since) and the pre-image", upd)
	}
	if evs[3].Lookup("fullDocument", "z").Int32() != 3 {
		t.Errorf("replace event %s", evs[3])
	}
	if evs[4].Lookup("documentKey", "_id").Int32() != 1 {
		t.Errorf("delete event %s", evs[4])
	}
	if slices.ContainsFunc(evs, func(e bson.Raw) bool { return e.Lookup("_id", "_data").Type != bson.TypeString }) {
		t.Errorf("events without a resume token: %v", evs)
	}
}

// TestChangeStreamResume resumes after an event with resumeAfter and at an
// operation time, refuses resumeAfter an invalidate, accepts startAfter it,
// and fails a token it did not make.
func TestChangeStreamResume(t *testing.T) {
	rs := newRS(t, Options{ClusterTime: true})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	cmd := func(opts bson.D, stages ...any) bson.D {
		p := append(bson.A{doc("$changeStream", opts)}, stages...)
		return doc("aggregate", "c", "pipeline", p, "cursor", doc(), "$db", db)
	}
	id, _ := openStream(t, c, cmd(doc()))
	r := c.run(doc("insert", "c", "documents", bson.A{doc("_id", 1), doc("_id", 2)}, "$db", db))
	mustOK(t, "insert", r)
	opTime := r.Lookup("operationTime")
	evs, _ := nextEvents(t, c, db, "c", id, "batchSize", int32(1))
	if len(evs) != 1 {
		t.Fatalf("%d events with batchSize 1, want 1", len(evs))
	}
	tok := evs[0].Lookup("_id")

	_, r = openStream(t, c, cmd(doc("resumeAfter", tok)))
	if got := r.Lookup("cursor", "firstBatch", "0", "documentKey", "_id").Int32(); got != 2 {
		t.Errorf("resumeAfter the first insert: %s, want the second", r)
	}
	_, r = openStream(t, c, cmd(doc("startAtOperationTime", opTime)))
	if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != 0 {
		// The insert's operationTime is after its events' cluster times.
		t.Logf("startAtOperationTime: %d events", n)
	}
	mustOK(t, "drop", c.run(doc("drop", "c", "$db", db)))
	r = c.run(cmd(doc("resumeAfter", tok)))
	var inv bson.RawValue
	for _, v := range r.Lookup("cursor", "firstBatch").Array().Values() {
		if v.Document().Lookup("operationType").StringValue() == "invalidate" {
			inv = v.Document().Lookup("_id")
		}
	}
	if inv.Type == 0 {
		t.Fatalf("resumed stream after a drop: %s, want an invalidate", r)
	}
	mustCode(t, "resumeAfter an invalidate", c.run(cmd(doc("resumeAfter", inv))), codeInvalidResumeToken)
	mustOK(t, "startAfter an invalidate", c.run(cmd(doc("startAfter", inv))))
	mustCode(t, "a malformed token", c.run(cmd(doc("resumeAfter", doc("_data", "82")))), codeFailedToParse)
	other := resumeToken{ct: bson.Timestamp{T: 1, I: 1}, seq: 0}
	mustCode(t, "a token of another deployment", c.run(cmd(doc("resumeAfter", other.doc()))), codeChangeStreamFatal)
	mustCode(t, "unknown option", c.run(cmd(doc("bogus", 1))), codeUnknownField)
	mustCode(t, "unknown stage", c.run(cmd(doc(), doc("$unsupported", "foo"))), codeUnknownStage)
	id, _ = openStream(t, c, cmd(doc(), doc("$project", doc("_id", 0))))
	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 3)}, "$db", db)))
	r = c.run(doc("getMore", id, "collection", "c", "maxTimeMS", int32(500), "$db", db))
	mustCode(t, "pipeline projecting _id out", r, codeChangeStreamFatal)
	if l := labels(r); !slices.Equal(l, []string{"NonResumableChangeStreamError"}) {
		t.Errorf("labels %v, want NonResumableChangeStreamError", l)
	}
	s := newStandalone(t)
	mustCode(t, "standalone", dial(t, s.Addr(0)).run(cmd(doc())), codeChangeStreamReplSetOnly)
}

// TestChangeStreamPipelineAndScopes filters events with $match, watches a
// database and the cluster, and shows expanded events only when asked.
func TestChangeStreamPipelineAndScopes(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	agg := func(target any, adb string, opts bson.D, stages ...any) bson.D {
		p := append(bson.A{doc("$changeStream", opts)}, stages...)
		return doc("aggregate", target, "pipeline", p, "cursor", doc(), "$db", adb)
	}
	match, _ := openStream(t, c, agg("c", db, doc(), doc("$match", doc("fullDocument.z", 3))))
	dbID, _ := openStream(t, c, agg(1, db, doc("showExpandedEvents", true)))
	all, _ := openStream(t, c, agg(1, "admin", doc("allChangesForCluster", true)))
	mustOK(t, "createIndexes", c.run(doc("createIndexes", "c", "indexes", bson.A{doc("key", doc("z", 1), "name", "z_1")}, "$db", db)))
	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 1, "z", 1), doc("_id", 2, "z", 3)}, "$db", db)))
	mustOK(t, "collMod", c.run(doc("collMod", "c", "$db", db)))
	mustOK(t, "create d", c.run(doc("create", "d", "$db", db)))
	mustOK(t, "rename onto d", c.run(doc("renameCollection", db+".c", "to", db+".d", "dropTarget", true, "$db", "admin")))

	evs, r := nextEvents(t, c, db, "c", match)
	if len(evs) != 1 || evs[0].Lookup("fullDocument", "_id").Int32() != 2 {
		t.Errorf("$match fullDocument.z 3: %v, want the second insert (the invalidate filtered out)", evs)
	}
	if n, _ := r.Lookup("cursor", "id").AsInt64OK(); n != 0 {
		t.Errorf("cursor %d after the rename, want 0", n)
	}
	evs, _ = nextEvents(t, c, db, "$cmd.aggregate", dbID)
	if got := opTypes(evs); !slices.Equal(got, []string{"create", "createIndexes", "insert", "insert", "modify", "create", "rename"}) {
		t.Errorf("database stream with expanded events: %v", got)
	} else if evs[2].Lookup("collectionUUID").Type != bson.TypeBinary {
		t.Errorf("expanded insert event %s, want a collectionUUID", evs[2])
	} else if evs[6].Lookup("to", "coll").StringValue() != "d" || evs[6].Lookup("operationDescription", "dropTarget").Type == 0 {
		t.Errorf("expanded rename event %s", evs[6])
	}
	evs, _ = nextEvents(t, c, "admin", "$cmd.aggregate", all)
	if got := opTypes(evs); !slices.Equal(got, []string{"insert", "insert", "rename"}) {
		t.Errorf("cluster stream: %v", got)
	}
	r = c.run(doc("killCursors", "$cmd.aggregate", "cursors", bson.A{all}, "$db", "admin"))
	mustOK(t, "killCursors", r)
	if got := r.Lookup("cursorsKilled", "0"); got.Int64() != all {
		t.Errorf("killCursors: %s", r)
	}
	mustCode(t, "getMore after killCursors", c.run(doc("getMore", all, "collection", "$cmd.aggregate", "$db", "admin")), 43)
}

// TestChangeStreamFailPoints fails a change stream's getMore with
// failCommand (no label) and failGetMoreAfterCursorCheckout (labelled
// ResumableChangeStreamError for a resumable code).
func TestChangeStreamFailPoints(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	open := func() int64 {
		id, _ := openStream(t, c, doc("aggregate", "c", "pipeline", bson.A{doc("$changeStream", doc())}, "cursor", doc(), "$db", db))
		return id
	}
	getMore := func(id int64) bson.Raw {
		return c.run(doc("getMore", id, "collection", "c", "maxTimeMS", int32(10), "$db", db))
	}
	mustOK(t, "failCommand", c.run(doc("configureFailPoint", "failCommand", "mode", doc("times", 1),
		"data", doc("failCommands", bson.A{"getMore"}, "errorCode", 6), "$db", "admin")))
	r := getMore(open())
	mustCode(t, "getMore under failCommand", r, 6)
	if l := labels(r); len(l) != 0 {
		t.Errorf("failCommand error labels %v, want none", l)
	}
	mustOK(t, "failGetMoreAfterCursorCheckout", c.run(doc("configureFailPoint", GetMoreFailPointName, "mode", doc("times", 2),
		"data", doc("errorCode", 6), "$db", "admin")))
	r = getMore(open())
	mustCode(t, "getMore under failGetMoreAfterCursorCheckout", r, 6)
	if l := labels(r); !slices.Equal(l, []string{"ResumableChangeStreamError"}) {
		t.Errorf("labels %v, want ResumableChangeStreamError", l)
	}
	mustOK(t, "reconfigure", c.run(doc("configureFailPoint", GetMoreFailPointName, "mode", doc("times", 1),
		"data", doc("errorCode", 280), "$db", "admin")))
	r = getMore(open())
	mustCode(t, "non-resumable code", r, 280)
	if l := labels(r); len(l) != 0 {
		t.Errorf("labels %v for code 280, want none", l)
	}
	mustOK(t, "getMore after the fail point", getMore(open()))
}

// TestChangeStreamTransaction sees a transaction's writes only when it
// commits, with the session's lsid and the transaction number, and never
// those of an aborted one.
func TestChangeStreamTransaction(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	mustOK(t, "create", c.run(doc("create", "c", "$db", db)))
	id, _ := openStream(t, c, doc("aggregate", "c", "pipeline", bson.A{doc("$changeStream", doc())}, "cursor", doc(), "$db", db))
	lsid := doc("id", bson.UUID{7, 7})
	txnCmd := func(n int64, first bool, cmd ...any) bson.D {
		d := append(doc(cmd...), doc("lsid", lsid, "txnNumber", n, "autocommit", false, "$db", db)...)
		if first {
			d = append(d, bson.E{Key: "startTransaction", Value: true})
		}
		return d
	}
	mustOK(t, "insert in txn 1", c.run(txnCmd(1, true, "insert", "c", "documents", bson.A{doc("_id", 1)})))
	if evs, _ := nextEvents(t, c, db, "c", id, "maxTimeMS", int32(50)); len(evs) != 0 {
		t.Fatalf("events before the commit: %v", evs)
	}
	mustOK(t, "abort txn 1", c.run(append(doc("abortTransaction", 1), doc("lsid", lsid, "txnNumber", int64(1), "autocommit", false, "$db", "admin")...)))
	mustOK(t, "insert in txn 2", c.run(txnCmd(2, true, "insert", "c", "documents", bson.A{doc("_id", 2)})))
	mustOK(t, "update in txn 2", c.run(txnCmd(2, false, "update", "c", "updates", bson.A{doc("q", doc("_id", 2), "u", doc("$set", doc("a", 1)))})))
	mustOK(t, "commit txn 2", c.run(append(doc("commitTransaction", 1), doc("lsid", lsid, "txnNumber", int64(2), "autocommit", false, "$db", "admin")...)))
	evs, _ := nextEvents(t, c, db, "c", id)
	if got := opTypes(evs); !slices.Equal(got, []string{"insert", "update"}) {
		t.Fatalf("events after the commit: %v, want insert, update", got)
	}
	for _, e := range evs {
		if n, _ := e.Lookup("txnNumber").AsInt64OK(); n != 2 || e.Lookup("lsid", "id").Type != bson.TypeBinary {
			t.Errorf("transaction event %s, want lsid and txnNumber 2", e)
		}
	}
}

// TestUpdateDescription diffs documents as mongod's oplog deltas do: whole
// top-level fields for operators on top-level fields, dotted paths,
// truncated arrays and disambiguated paths for in-place updates.
func TestUpdateDescription(t *testing.T) {
	raw := func(d bson.D) bson.Raw {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name      string
		pre, post bson.D
		deep      bool
		want      string
		disamb    string
	}{
		{"set and unset", doc("_id", 1, "x", 1, "y", 2), doc("_id", 1, "y", 3, "z", 4), false,
			`{"updatedFields":{"y":3,"z":4},"removedFields":["x"],"truncatedArrays":[]}`, `{}`},
		{"embedded, whole", doc("_id", 1, "a", doc("b", 1)), doc("_id", 1, "a", doc("b", 2)), false,
			`{"updatedFields":{"a":{"b":2}},"removedFields":[],"truncatedArrays":[]}`, `{}`},
		{"numeric field name", doc("_id", 1, "a", doc("1", 1)), doc("_id", 1, "a", doc("1", 2)), true,
			`{"updatedFields":{"a.1":2},"removedFields":[],"truncatedArrays":[]}`, `{"a.1":["a","1"]}`},
		{"array element", doc("_id", 1, "a", bson.A{doc("1", 1)}), doc("_id", 1, "a", bson.A{doc("1", 2)}), true,
			`{"updatedFields":{"a.0.1":2},"removedFields":[],"truncatedArrays":[]}`, `{"a.0.1":["a",0,"1"]}`},
		{"truncated", doc("_id", 1, "array", bson.A{"foo", doc("a", "bar"), 1, 2, 3}), doc("_id", 1, "array", bson.A{"foo", doc("a", "bar")}), true,
			`{"updatedFields":{},"removedFields":[],"truncatedArrays":[{"field":"array","newSize":2}]}`, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			upd, disamb := updateDescription(raw(tc.pre), raw(tc.post), tc.deep)
			if got := raw(upd).String(); got != tc.want {
				t.Errorf("updateDescription = %s, want %s", got, tc.want)
			}
			if got := raw(disamb).String(); got != tc.disamb {
				t.Errorf("disambiguatedPaths = %s, want %s", got, tc.disamb)
			}
		})
	}
}

// TestChangeStreamImages shows post- and pre-images only for a collection
// with changeStreamPreAndPostImages: whenAvailable gives null without
// them, required fails.
func TestChangeStreamImages(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 1)}, "$db", db)))
	for _, on := range []bool{false, true} {
		mustOK(t, "collMod", c.run(doc("collMod", "c", "changeStreamPreAndPostImages", doc("enabled", on), "$db", db)))
		mustOK(t, "collMod without options", c.run(doc("collMod", "c", "$db", db)))
		open := func(opts ...any) int64 {
			id, _ := openStream(t, c, doc("aggregate", "c", "pipeline", bson.A{doc("$changeStream", doc(opts...))}, "cursor", doc(), "$db", db))
			return id
		}
		avail := open("fullDocument", "whenAvailable", "fullDocumentBeforeChange", "whenAvailable")
		reqPost, reqPre := open("fullDocument", "required"), open("fullDocumentBeforeChange", "required")
		mustOK(t, "update", c.run(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("$inc", doc("x", 1)))}, "$db", db)))
		evs, _ := nextEvents(t, c, db, "c", avail)
		if len(evs) != 1 {
			t.Fatalf("images %v: events %v", on, evs)
		}
		post, pre := evs[0].Lookup("fullDocument"), evs[0].Lookup("fullDocumentBeforeChange")
		if on != (post.Type == bson.TypeDocument) || on != (pre.Type == bson.TypeDocument) ||
			post.Type == 0 || pre.Type == 0 {
			t.Errorf("images %v: event %s", on, evs[0])
		}
		for _, id := range []int64{reqPost, reqPre} {
			r := c.run(doc("getMore", id, "collection", "c", "maxTimeMS", int32(500), "$db", db))
			if on {
				mustOK(t, "required image", r)
			} else {
				mustCode(t, "required image missing", r, codeNoMatchingDocument)
			}
		}
	}
}

// TestChangeStreamMongos opens a change stream on a mongos and sees a
// shardCollection event, which the router answers itself.
func TestChangeStreamMongos(t *testing.T) {
	sh := newSharded(t, ShardedOptions{})
	db := testDB(t)
	c := dial(t, sh.Addr(0))
	id, _ := openStream(t, c, doc("aggregate", "c", "pipeline", bson.A{doc("$changeStream", doc("showExpandedEvents", true))}, "cursor", doc(), "$db", db))
	r := c.run(doc("shardCollection", db+".c", "key", doc("_id", 1), "$db", "admin"))
	mustOK(t, "shardCollection", r)
	evs, _ := nextEvents(t, c, db, "c", id)
	if got := opTypes(evs); !slices.Equal(got, []string{"shardCollection"}) {
		t.Errorf("events %v, want shardCollection", got)
	}
}
