package sim

import (
	"testing"

	"github.com/motor-go/motor/bson"
)

// TestRetriedWriteExecutedOnce sends a retryable insert twice with the same
// lsid and txnNumber, as a driver's retry does: the second gets the first's
// reply and writes nothing. A new txnNumber writes again, and a write
// without a txnNumber is never answered from the table.
func TestRetriedWriteExecutedOnce(t *testing.T) {
	s := newStandalone(t)
	db := testDB(t)
	c := dial(t, s.Addr(0))
	lsid := doc("id", bson.UUID{1, 2, 3})
	insert := func(id int, txn any) bson.Raw {
		cmd := doc("insert", "c", "documents", bson.A{doc("_id", id)}, "lsid", lsid, "$db", db)
		if txn != nil {
			cmd = append(cmd, bson.E{Key: "txnNumber", Value: txn})
		}
		return c.run(cmd)
	}
	count := func() int {
		return c.run(doc("find", "c", "$db", db)).Lookup("cursor", "firstBatch").Array().Len()
	}
	mustOK(t, "first try", insert(1, int64(1)))
	r := insert(1, int64(1))
	mustOK(t, "retry with the same txnNumber (a duplicate _id if run again)", r)
	if n, _ := r.Lookup("n").AsInt64OK(); n != 1 {
		t.Errorf("retry reply %s, want the first reply (n: 1)", r)
	}
	if n := count(); n != 1 {
		t.Errorf("%d documents after the retry, want 1", n)
	}
	dup := func(what string, r bson.Raw) {
		t.Helper()
		if r.Lookup("writeErrors", "0", "code").Int32() != 11000 {
			t.Errorf("%s: %s, want a duplicate key write error", what, r)
		}
	}
	dup("same document with a new txnNumber", insert(1, int64(2)))
	dup("its retry: a failed statement runs again", insert(1, int64(2)))
	mustOK(t, "new document with a new txnNumber", insert(2, int64(3)))
	dup("no txnNumber: not a retryable write", insert(2, nil))
	if n := count(); n != 2 {
		t.Errorf("%d documents, want 2", n)
	}
}
