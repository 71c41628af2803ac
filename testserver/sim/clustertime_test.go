package sim

import (
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestClusterTime(t *testing.T) {
	rs := newRS(t, Options{Members: 2, ClusterTime: true})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	var last bson.Timestamp
	for i, cmd := range []bson.D{
		doc("ping", 1, "$db", db),
		doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db),
		doc("find", "c", "$db", db),
		doc("insert", 7, "$db", db), // an error reply carries them too
		// and so does an error of the simulator's own
		doc("abortTransaction", 1, "lsid", doc("id", bson.UUID{9}), "txnNumber", int64(1), "autocommit", false, "$db", "admin"),
	} {
		r := c.run(cmd)
		ct, ok := r.Lookup("$clusterTime", "clusterTime").TimestampOK()
		op, ok2 := r.Lookup("operationTime").TimestampOK()
		if !ok || !ok2 || ct != op {
			t.Fatalf("command %d: reply without $clusterTime and operationTime: %s", i, r)
		}
		if i > 0 && !(ct.T > last.T || ct.T == last.T && ct.I > last.I) {
			t.Errorf("command %d: time %v does not follow %v", i, ct, last)
		}
		last = ct
	}
	// Another member shares the clock.
	r := dial(t, rs.Addr(1)).run(doc("ping", 1, "$db", db))
	if ct, _ := r.Lookup("$clusterTime", "clusterTime").TimestampOK(); ct.I <= last.I {
		t.Errorf("the secondary's time %v is not after %v", ct, last)
	}

	// Without the option, replies have neither, as FerretDB's.
	plain := newRS(t, Options{Members: 1})
	r = dial(t, plain.Addr(0)).run(doc("ping", 1, "$db", db))
	if r.Lookup("$clusterTime").Type != 0 || r.Lookup("operationTime").Type != 0 {
		t.Errorf("reply with cluster times: %s", r)
	}
}

// TestClusterTimeWriteReadConcern checks that a write of a causally
// consistent session, with readConcern.afterClusterTime of the set's
// clock, runs (the backend would reject the readConcern), while a read
// keeps it.
func TestClusterTimeWriteReadConcern(t *testing.T) {
	rs := newRS(t, Options{Members: 2, ClusterTime: true})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	r := c.run(doc("ping", 1, "$db", db))
	ts := r.Lookup("operationTime")
	rc := doc("afterClusterTime", ts)
	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 1)}, "readConcern", rc, "$db", db)))
	mustOK(t, "update", c.run(doc("update", "c", "updates", bson.A{doc("q", doc("_id", 1), "u", doc("x", 1))}, "readConcern", rc, "$db", db)))
	r = c.run(doc("find", "c", "readConcern", rc, "$db", db))
	mustOK(t, "find", r)
	if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != 1 {
		t.Errorf("find: %s, want the document", r)
	}
}
