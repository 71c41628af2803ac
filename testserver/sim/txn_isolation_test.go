package sim

import (
	"slices"
	"testing"

	"github.com/motor-go/motor/bson"
)

// TestTxnIsolation checks what readers see of a transaction's writes
// before and after it commits: nothing outside it until the commit, and
// nothing in a transaction that started before the commit.
func TestTxnIsolation(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	seed(t, c, db)
	before := contents(t, c, db, "c")
	s0, s1 := newSession(t, c, db, 1), newSession(t, c, db, 2)
	mustOK(t, "insert", s0.start(doc("insert", "c", "documents", bson.A{doc("_id", 4)})))
	mustOK(t, "update", s0.do(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("$set", doc("x", 10)))})))
	mustOK(t, "create", s0.do(doc("create", "d")))
	mustOK(t, "createIndexes", s0.do(doc("createIndexes", "c", "indexes", bson.A{doc("key", doc("x", 1), "name", "x_1")})))
	mine := s0.contents("c")
	if len(mine) != 4 || mine[0] != `{"_id":1,"x":10}` {
		t.Errorf("in the transaction: %v, want its writes", mine)
	}
	if got := contents(t, c, db, "c"); !slices.Equal(got, before) {
		t.Errorf("outside, in progress: %v, want %v", got, before)
	}
	if got := s1.start(doc("find", "c", "sort", doc("_id", 1))); got.Lookup("cursor", "firstBatch").Array().Len() != 3 {
		t.Errorf("another transaction: %s, want 3 documents", got)
	}
	colls := c.run(doc("listCollections", 1, "filter", doc("name", "d"), "$db", db))
	if n := colls.Lookup("cursor", "firstBatch").Array().Len(); n != 0 {
		t.Errorf("listCollections shows the collection created: %s", colls)
	}
	idx := c.run(doc("listIndexes", "c", "$db", db))
	if n := idx.Lookup("cursor", "firstBatch").Array().Len(); n != 1 {
		t.Errorf("listIndexes shows the index created: %s", idx)
	}
	// A find whose documents come in batches: the hidden ones are dropped
	// from every batch.
	r := c.run(doc("find", "c", "sort", doc("_id", 1), "batchSize", 2, "$db", db))
	n := r.Lookup("cursor", "firstBatch").Array().Len()
	id := r.Lookup("cursor", "id").Int64()
	for id != 0 {
		r = c.run(doc("getMore", id, "collection", "c", "batchSize", 2, "$db", db))
		n += r.Lookup("cursor", "nextBatch").Array().Len()
		id = r.Lookup("cursor", "id").Int64()
	}
	if n != 3 {
		t.Errorf("find in batches: %d documents, want 3", n)
	}

	mustOK(t, "commit", s0.end("commitTransaction"))
	if got := contents(t, c, db, "c"); !slices.Equal(got, mine) {
		t.Errorf("outside, committed: %v, want %v", got, mine)
	}
	if got := s1.contents("c"); !slices.Equal(got, before) {
		t.Errorf("the transaction started before the commit: %v, want %v", got, before)
	}
	mustCode(t, "write of a document committed since the start", s1.do(doc("delete", "c", "deletes", bson.A{doc("q", doc("_id", 4), "limit", 1)})), codeWriteConflict)
	if got := contents(t, c, db, "c"); !slices.Equal(got, mine) {
		t.Errorf("after the conflict: %v, want %v", got, mine)
	}
}
