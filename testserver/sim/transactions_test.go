package sim

import (
	"slices"
	"testing"

	"github.com/motor-go/motor/bson"
)

// session sends the commands of a driver session's transactions on one
// connection: lsid, txnNumber and autocommit: false, as a driver does.
type session struct {
	t    *testing.T
	c    *client
	db   string
	lsid bson.D
	n    int64 // the current transaction number
}

func newSession(t *testing.T, c *client, db string, id byte) *session {
	return &session{t: t, c: c, db: db, lsid: doc("id", bson.UUID{id, 0xaa})}
}

// start begins the next transaction with cmd and returns its reply.
func (s *session) start(cmd bson.D) bson.Raw {
	s.t.Helper()
	s.n++
	return s.c.run(s.with(cmd, true, s.db))
}

// do runs cmd in the current transaction.
func (s *session) do(cmd bson.D) bson.Raw {
	s.t.Helper()
	return s.c.run(s.with(cmd, false, s.db))
}

// end runs commitTransaction or abortTransaction, with extra fields.
func (s *session) end(name string, extra ...any) bson.Raw {
	s.t.Helper()
	return s.c.run(s.with(append(doc(name, 1), doc(extra...)...), false, "admin"))
}

func (s *session) with(cmd bson.D, start bool, db string) bson.D {
	out := append(bson.D{}, cmd...)
	out = append(out, bson.E{Key: "lsid", Value: s.lsid}, bson.E{Key: "txnNumber", Value: s.n})
	if start {
		out = append(out, bson.E{Key: "startTransaction", Value: true})
	}
	return append(out, bson.E{Key: "autocommit", Value: false}, bson.E{Key: "$db", Value: db})
}

// contents returns the documents of db.coll, read outside any transaction,
// sorted by _id, as extended JSON.
func contents(t *testing.T, c *client, db, coll string) []string {
	t.Helper()
	r := c.run(doc("find", coll, "sort", doc("_id", 1), "$db", db))
	mustOK(t, "find", r)
	var out []string
	for _, v := range r.Lookup("cursor", "firstBatch").Array().Values() {
		out = append(out, v.Document().String())
	}
	return out
}

// contents returns the documents of coll as the session's transaction
// sees them, sorted by _id, as extended JSON.
func (s *session) contents(coll string) []string {
	s.t.Helper()
	r := s.do(doc("find", coll, "sort", doc("_id", 1)))
	mustOK(s.t, "find", r)
	var out []string
	for _, v := range r.Lookup("cursor", "firstBatch").Array().Values() {
		out = append(out, v.Document().String())
	}
	return out
}

// seed fills db.c with {_id: 1..3, x: 1..3}.
func seed(t *testing.T, c *client, db string) {
	t.Helper()
	mustOK(t, "seed", c.run(doc("insert", "c", "documents", bson.A{
		doc("_id", 1, "x", 1), doc("_id", 2, "x", 2), doc("_id", 3, "x", 3)}, "$db", db)))
}

func TestTxnCommitKeepsWrites(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	s := newSession(t, c, db, 1)
	mustOK(t, "insert 1", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)}, "readConcern", doc("level", "snapshot"))))
	mustOK(t, "insert 2", s.do(doc("insert", "c", "documents", bson.A{doc("_id", 2)})))
	r := s.do(doc("find", "c", "filter", doc()))
	if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != 2 {
		t.Errorf("find in the transaction: %s, want its 2 documents", r)
	}
	mustOK(t, "commit", s.end("commitTransaction"))
	mustOK(t, "commit again", s.end("commitTransaction"))
	mustCode(t, "abort after commit", s.end("abortTransaction"), codeTransactionCommitted)
	if got := contents(t, c, db, "c"); len(got) != 2 {
		t.Errorf("after commit: %v, want 2 documents", got)
	}
}

func TestTxnAbortRollsBack(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(0))
	cases := []struct {
		name string
		cmd  bson.D
	}{
		{"insert", doc("insert", "c", "documents", bson.A{doc("_id", 4), doc("y", 1)})},
		{"update one", doc("update", "c", "updates", bson.A{doc("q", doc("x", doc("$gte", 2)), "u", doc("$set", doc("x", 9)))})},
		{"update many", doc("update", "c", "updates", bson.A{doc("q", doc(), "u", doc("$inc", doc("x", 1)), "multi", true)})},
		{"replace", doc("update", "c", "updates", bson.A{doc("q", doc("_id", 2), "u", doc("z", 1))})},
		{"upsert", doc("update", "c", "updates", bson.A{doc("q", doc("_id", 7), "u", doc("$set", doc("x", 7)), "upsert", true)})},
		{"delete one", doc("delete", "c", "deletes", bson.A{doc("q", doc(), "limit", 1)})},
		{"delete many", doc("delete", "c", "deletes", bson.A{doc("q", doc("x", doc("$lt", 3)), "limit", 0)})},
		{"findAndModify update", doc("findAndModify", "c", "query", doc("_id", 3), "update", doc("$set", doc("x", 0)), "new", true)},
		{"findAndModify remove", doc("findAndModify", "c", "query", doc("x", doc("$gt", 0)), "sort", doc("x", -1), "remove", true)},
		{"findAndModify upsert", doc("findAndModify", "c", "query", doc("_id", 8), "update", doc("$set", doc("x", 8)), "upsert", true)},
		{"create", doc("create", "other")},
		{"insert into a new collection", doc("insert", "other", "documents", bson.A{doc("_id", 1)})},
		{"createIndexes", doc("createIndexes", "c", "indexes", bson.A{doc("key", doc("x", 1), "name", "x_1")})},
		{"createIndexes on a new collection", doc("createIndexes", "other", "indexes", bson.A{doc("key", doc("x", 1), "name", "x_1")})},
	}
	// The first 10 cases write to c, the others create.
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := testDB(t)
			seed(t, c, db)
			want := contents(t, c, db, "c")
			s := newSession(t, c, db, byte(i))
			r := s.start(tc.cmd)
			mustOK(t, tc.name, r)
			if r.Lookup("writeErrors").Type != 0 {
				t.Fatalf("%s: %s", tc.name, r)
			}
			if i < 10 && slices.Equal(s.contents("c"), want) {
				t.Fatalf("%s changed nothing: %s", tc.name, r)
			}
			mustOK(t, "abort", s.end("abortTransaction"))
			if got := contents(t, c, db, "c"); !slices.Equal(got, want) {
				t.Errorf("after abort: %v, want %v", got, want)
			}
			colls := c.run(doc("listCollections", 1, "filter", doc("name", "other"), "$db", db))
			if n := colls.Lookup("cursor", "firstBatch").Array().Len(); n != 0 {
				t.Errorf("collection other exists after abort: %s", colls)
			}
			idx := c.run(doc("listIndexes", "c", "$db", db))
			if n := idx.Lookup("cursor", "firstBatch").Array().Len(); n != 1 {
				t.Errorf("indexes after abort: %s, want only _id_", idx)
			}
			mustCode(t, "commit after abort", s.end("commitTransaction"), codeNoSuchTransaction)
		})
	}
}

// TestTxnErrorAborts checks that an error of a command in a transaction
// aborts it: a duplicate key rolls back the statements before it, and the
// transaction is then unknown.
func TestTxnErrorAborts(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	s := newSession(t, c, db, 1)
	mustOK(t, "insert", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)})))
	r := s.do(doc("insert", "c", "documents", bson.A{doc("_id", 2), doc("_id", 1)}))
	if r.Lookup("writeErrors", "0", "code").Int32() != 11000 || len(labels(r)) != 0 {
		t.Fatalf("duplicate: %s, want a duplicate key write error without labels", r)
	}
	r = s.do(doc("insert", "c", "documents", bson.A{doc("_id", 3)}))
	mustCode(t, "insert after the error", r, codeNoSuchTransaction)
	if !slices.Equal(labels(r), []string{"TransientTransactionError"}) {
		t.Errorf("labels %v, want TransientTransactionError", labels(r))
	}
	mustCode(t, "abort", s.end("abortTransaction"), codeNoSuchTransaction)
	if got := contents(t, c, db, "c"); len(got) != 0 {
		t.Errorf("after the error: %v, want none", got)
	}
}

func TestTxnCommandErrors(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	s := newSession(t, c, db, 1)
	insert := doc("insert", "c", "documents", bson.A{doc("_id", 1)})

	s.n = 5
	r := s.do(insert)
	mustCode(t, "continue an unknown transaction", r, codeNoSuchTransaction)
	if !slices.Equal(labels(r), []string{"TransientTransactionError"}) {
		t.Errorf("labels %v, want TransientTransactionError", labels(r))
	}
	mustCode(t, "abort an unknown transaction", s.end("abortTransaction"), codeNoSuchTransaction)
	mustCode(t, "commit an unknown transaction", s.end("commitTransaction"), codeNoSuchTransaction)
	mustCode(t, "count", s.start(doc("count", "c")), codeOperationNotSupportedInTransaction)
	mustCode(t, "drop", s.start(doc("drop", "c")), codeOperationNotSupportedInTransaction)
	mustCode(t, "read concern level", s.start(append(doc("find", "c"), doc("readConcern", doc("level", "available"))...)), codeInvalidOptions)
	mustCode(t, "write concern", s.start(append(insert[:2:2], doc("writeConcern", doc("w", 1))...)), codeInvalidOptions)
	mustCode(t, "autocommit true", c.run(doc("find", "c", "lsid", s.lsid, "txnNumber", int64(50), "autocommit", true, "$db", db)), codeInvalidOptions)

	mustOK(t, "start", s.start(insert))
	mustCode(t, "read concern after the start", s.do(append(doc("find", "c"), doc("readConcern", doc("level", "snapshot"))...)), codeInvalidOptions)
	mustCode(t, "start the same number again", c.run(s.with(doc("find", "c"), true, db)), codeConflictingOperationInProgress)
	s.n--
	mustCode(t, "an older number", s.do(doc("find", "c")), codeTransactionTooOld)
	mustCode(t, "start an older number", c.run(s.with(doc("find", "c"), true, db)), codeTransactionTooOld)
	s.n++
	mustOK(t, "commit", s.end("commitTransaction"))
	mustCode(t, "find after commit", s.do(doc("find", "c")), codeTransactionCommitted)

	st := newStandalone(t)
	sc := dial(t, st.Addr(0))
	mustCode(t, "standalone", newSession(t, sc, db, 2).start(doc("find", "c")), codeIllegalOperation)
}

// TestTxnImplicitAbort checks the aborts a session's next transaction,
// a retryable write with a newer number and endSessions make.
func TestTxnImplicitAbort(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	s := newSession(t, c, db, 1)
	mustOK(t, "txn 1", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)})))
	mustOK(t, "txn 2", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 2)})))
	if got := s.contents("c"); len(got) != 1 {
		t.Errorf("after txn 2 started: %v, want only _id 2", got)
	}
	s.n = 1
	mustCode(t, "commit txn 1", s.end("commitTransaction"), codeTransactionTooOld)
	s.n = 3
	mustOK(t, "retryable write", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 3)}, "lsid", s.lsid, "txnNumber", int64(3), "$db", db)))
	if got := contents(t, c, db, "c"); len(got) != 1 {
		t.Errorf("after the retryable write: %v, want only _id 3", got)
	}
	mustOK(t, "txn 4", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 4)})))
	mustOK(t, "endSessions", c.run(doc("endSessions", bson.A{s.lsid}, "$db", "admin")))
	if got := contents(t, c, db, "c"); len(got) != 1 {
		t.Errorf("after endSessions: %v, want only _id 3", got)
	}
	mustCode(t, "commit after endSessions", s.end("commitTransaction"), codeNoSuchTransaction)
}

// TestTxnWriteConflict checks that a transaction writing a document
// another one in progress wrote fails with WriteConflict and is aborted.
func TestTxnWriteConflict(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	s0, s1 := newSession(t, c, db, 1), newSession(t, c, db, 2)
	mustOK(t, "s0 insert", s0.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)})))
	r := s1.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)}))
	mustCode(t, "s1 insert", r, codeWriteConflict)
	if !slices.Equal(labels(r), []string{"TransientTransactionError"}) {
		t.Errorf("labels %v, want TransientTransactionError", labels(r))
	}
	mustCode(t, "s1 update", s1.start(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("x", 1))})), codeWriteConflict)
	mustOK(t, "s0 commit", s0.end("commitTransaction"))
	mustCode(t, "s1 commit", s1.end("commitTransaction"), codeNoSuchTransaction)
	mustOK(t, "s1 new transaction after s0's commit", s1.start(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("x", 1))})))
	mustOK(t, "s1 commit", s1.end("commitTransaction"))
}

// TestTxnDropAborts checks that dropping a collection (or its database)
// a transaction in progress wrote aborts that transaction, and that the
// rollback does not bring the dropped documents back.
func TestTxnDropAborts(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(0))
	for i, drop := range []string{"drop", "dropDatabase"} {
		db := testDB(t)
		seed(t, c, db)
		s := newSession(t, c, db, byte(i))
		mustOK(t, "update", s.start(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("x", 5))})))
		cmd := doc(drop, "c", "$db", db)
		if drop == "dropDatabase" {
			cmd = doc(drop, 1, "$db", db)
		}
		mustOK(t, drop, c.run(cmd))
		mustCode(t, "commit after "+drop, s.end("commitTransaction"), codeNoSuchTransaction)
		if got := contents(t, c, db, "c"); len(got) != 0 {
			t.Errorf("after %s: %v, want nothing", drop, got)
		}
	}
}

// TestTxnUpdateReply checks the reply of an update of several statements
// in a transaction: counts summed, and the upsert's statement index (which
// FerretDB reports as 0).
func TestTxnUpdateReply(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	seed(t, c, db)
	s := newSession(t, c, db, 1)
	r := s.start(doc("update", "c", "updates", bson.A{
		doc("q", doc("_id", 1), "u", doc("$set", doc("x", 5))),
		doc("q", doc("_id", 9), "u", doc("$set", doc("x", 9)), "upsert", true),
		doc("q", doc(), "u", doc("$inc", doc("x", 1)), "multi", true),
	}))
	mustOK(t, "update", r)
	if n, m := r.Lookup("n").Int32(), r.Lookup("nModified").Int32(); n != 6 || m != 5 {
		t.Errorf("n %d, nModified %d, want 6 and 5: %s", n, m, r)
	}
	if i := r.Lookup("upserted", "0", "index").Int32(); i != 1 || r.Lookup("upserted", "0", "_id").Int32() != 9 {
		t.Errorf("upserted %s, want index 1, _id 9", r.Lookup("upserted"))
	}
	mustOK(t, "abort", s.end("abortTransaction"))
	if got := contents(t, c, db, "c"); len(got) != 3 || got[0] != `{"_id":1,"x":1}` {
		t.Errorf("after abort: %v", got)
	}
}
