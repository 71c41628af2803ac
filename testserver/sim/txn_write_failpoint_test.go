package sim

import (
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// TestTxnWriteFailPoint runs the onPrimaryTransactionalWrite fail point: a
// statement it fires on is committed (or not, with
// failBeforeCommitExceptionCode) and the connection closes; the retry with
// the same lsid and txnNumber executes only the statements not executed
// yet, and the reply counts them all.
func TestTxnWriteFailPoint(t *testing.T) {
	s := newStandalone(t)
	db := testDB(t)
	setup := dial(t, s.Addr(0))
	count := func() int {
		return setup.run(doc("find", "c", "$db", db)).Lookup("cursor", "firstBatch").Array().Len()
	}
	lsid := doc("id", bson.UUID{9})
	docs := func(ids ...int) wire.Sequence {
		var b []byte
		for _, id := range ids {
			raw, err := bson.Marshal(doc("_id", id))
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, raw...)
		}
		return wire.Sequence{Identifier: "documents", Docs: b}
	}
	insert := func(c *client, txn int64, ids ...int) (bson.Raw, error) {
		return c.roundTrip(doc("insert", "c", "lsid", lsid, "txnNumber", txn, "$db", db), docs(ids...))
	}
	configure := func(mode any, data bson.D) {
		cmd := doc("configureFailPoint", TxnWriteFailPointName, "mode", mode, "$db", "admin")
		if data != nil {
			cmd = append(cmd, bson.E{Key: "data", Value: data})
		}
		mustOK(t, "configureFailPoint", setup.run(cmd))
	}

	// Skip the first statement, fire on the second: it commits, the
	// connection closes; the retry executes the third only.
	configure(doc("skip", 1), nil)
	if _, err := insert(dial(t, s.Addr(0)), 1, 1, 2, 3); err == nil {
		t.Fatal("the insert got a reply; the fail point should have closed the connection")
	}
	if n := count(); n != 2 {
		t.Errorf("%d documents after the closed attempt, want 2 (statements 0 and 1 committed)", n)
	}
	configure("off", nil)
	r, err := insert(dial(t, s.Addr(0)), 1, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Lookup("n").AsInt64OK(); n != 3 || r.Lookup("writeErrors").Type != 0 {
		t.Errorf("retry reply %s, want n: 3 and no write errors", r)
	}
	if n := count(); n != 3 {
		t.Errorf("%d documents after the retry, want 3", n)
	}

	// failBeforeCommitExceptionCode: the statement is not committed.
	configure(doc("times", 1), doc("failBeforeCommitExceptionCode", 1))
	if _, err := insert(dial(t, s.Addr(0)), 2, 4); err == nil {
		t.Fatal("the insert got a reply; the fail point should have closed the connection")
	}
	if n := count(); n != 3 {
		t.Errorf("%d documents, want 3: the statement was not committed", n)
	}
	if r, err = insert(dial(t, s.Addr(0)), 2, 4); err != nil || !okReply(r) {
		t.Fatalf("retry: %s, %v", r, err)
	}
	if n := count(); n != 4 {
		t.Errorf("%d documents after the retry, want 4", n)
	}

	// Without closeConnection the command fails with the code.
	configure(doc("times", 1), doc("failBeforeCommitExceptionCode", 91, "closeConnection", false))
	r, err = insert(dial(t, s.Addr(0)), 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	mustCode(t, "insert under failBeforeCommitExceptionCode", r, 91)

	// The fail point is refused on bad data, and counts what it fired.
	mustCode(t, "bad data", setup.run(doc("configureFailPoint", TxnWriteFailPointName, "mode", "alwaysOn",
		"data", doc("failBeforeCommitExceptionCode", "x"), "$db", "admin")), 2)
	r = setup.run(doc("configureFailPoint", TxnWriteFailPointName, "mode", "off", "$db", "admin"))
	if got := r.Lookup("count").Int32(); got != 1 {
		t.Errorf("count %d, want 1", got)
	}
}
