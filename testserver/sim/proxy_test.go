package sim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// TestForwardAndRoles checks that commands reach the backend and that each
// role refuses what mongod refuses in it.
func TestForwardAndRoles(t *testing.T) {
	rs := newRS(t, Options{Arbiters: 1})
	db := testDB(t)
	primary, secondary, arbiter := dial(t, rs.Addr(0)), dial(t, rs.Addr(1)), dial(t, rs.Addr(3))

	// A write on the primary, with its documents as a document sequence,
	// is visible from a secondary read that allows secondaries.
	seq := wire.Sequence{Identifier: "documents"}
	for i := range 3 {
		b, _ := bson.Marshal(doc("_id", i, "x", "seq"))
		seq.Docs = append(seq.Docs, b...)
	}
	r := primary.run(doc("insert", "c", "$db", db), seq)
	mustOK(t, "insert on primary", r)
	if n := r.Lookup("n").Int32(); n != 3 {
		t.Fatalf("insert n = %d: %s", n, r)
	}
	r = secondary.run(doc("find", "c", "$db", db, "$readPreference", doc("mode", "secondaryPreferred")))
	mustOK(t, "find on secondary", r)
	if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != 3 {
		t.Errorf("secondary read found %d documents: %s", n, r)
	}

	// Reads without a read preference allowing secondaries are refused.
	for _, rp := range []bson.D{nil, doc("$readPreference", doc("mode", "primary"))} {
		r = secondary.run(append(doc("find", "c", "$db", db), rp...))
		mustCode(t, "find on secondary", r, codeNotPrimaryNoSecondaryOk)
		if r.Lookup("errmsg").StringValue() != "not primary and secondaryOk=false" {
			t.Errorf("errmsg in %s", r)
		}
		if _, ok := r.Lookup("topologyVersion").DocumentOK(); !ok {
			t.Errorf("no topologyVersion in %s", r)
		}
	}

	// Writes on a secondary fail with NotWritablePrimary, labelled
	// retryable when they are retryable writes.
	r = secondary.run(doc("insert", "c", "documents", bson.A{doc("_id", 10)}, "$db", db))
	mustCode(t, "insert on secondary", r, codeNotWritablePrimary)
	if r.Lookup("errmsg").StringValue() != "not primary" || len(labels(r)) != 0 {
		t.Errorf("insert on secondary: %s", r)
	}
	r = secondary.run(doc("insert", "c", "documents", bson.A{doc("_id", 10)}, "$db", db,
		"lsid", doc("id", bson.NewObjectID()), "txnNumber", int64(1)))
	mustCode(t, "retryable insert on secondary", r, codeNotWritablePrimary)
	if got := labels(r); !slices.Equal(got, []string{"RetryableWriteError"}) {
		t.Errorf("labels = %v", got)
	}
	// Inside a transaction, even a read is refused with NotWritablePrimary.
	r = secondary.run(doc("find", "c", "$db", db, "$readPreference", doc("mode", "secondary"),
		"lsid", doc("id", bson.NewObjectID()), "txnNumber", int64(1), "autocommit", false, "startTransaction", true))
	mustCode(t, "find in a transaction on secondary", r, codeNotWritablePrimary)
	if got := labels(r); !slices.Equal(got, []string{"TransientTransactionError"}) {
		t.Errorf("labels = %v", got)
	}

	// An arbiter holds no data.
	r = arbiter.run(doc("find", "c", "$db", db, "$readPreference", doc("mode", "secondary")))
	mustCode(t, "find on arbiter", r, codeNotPrimaryOrSecondary)
	r = arbiter.run(doc("delete", "c", "deletes", bson.A{doc("q", doc(), "limit", 0)}, "$db", db))
	mustCode(t, "delete on arbiter", r, codeNotWritablePrimary)

	// Commands that are neither reads nor writes run anywhere; endSessions
	// is answered by the member.
	for _, c := range []*client{secondary, arbiter} {
		mustOK(t, "ping", c.run(doc("ping", 1, "$db", "admin")))
		mustOK(t, "endSessions", c.run(doc("endSessions", bson.A{doc("id", bson.NewObjectID())}, "$db", "admin")))
	}
	// The backend's errors come back as they are.
	r = primary.run(doc("noSuchCommand", 1, "$db", db))
	mustCode(t, "unknown command", r, 59)
}

// TestUnacknowledgedWrites checks moreToCome requests: no reply, the write
// done before the next request, and the connection closed for one that a
// secondary refuses.
func TestUnacknowledgedWrites(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	if _, err := c.send(wire.MoreToCome, doc("insert", "c", "documents", bson.A{doc("_id", 1)},
		"writeConcern", doc("w", 0), "$db", db)); err != nil {
		t.Fatal(err)
	}
	r := c.run(doc("count", "c", "$db", db))
	mustOK(t, "count", r)
	if n, _ := r.Lookup("n").AsInt64OK(); n != 1 {
		t.Errorf("count after an unacknowledged insert = %d", n)
	}

	s := dial(t, rs.Addr(1))
	if _, err := s.send(wire.MoreToCome, doc("insert", "c", "documents", bson.A{doc("_id", 2)},
		"writeConcern", doc("w", 0), "$db", db)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.read(ioTimeout); !isNetErr(err) {
		t.Errorf("after an unacknowledged write on a secondary: %v, want the connection closed", err)
	}
}

// TestCompression checks that compressed requests are forwarded and that
// their replies come back compressed with the same compressor.
func TestCompression(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	for _, name := range []string{"snappy", "zlib", "zstd"} {
		c := dial(t, rs.Addr(0))
		r := c.hello("compression", bson.A{name})
		if got := stringsOf(r.Lookup("compression")); !slices.Equal(got, []string{name}) {
			t.Fatalf("%s: compression = %v", name, got)
		}
		comp, err := wire.NewCompressor(name, wire.DefaultZlibLevel)
		if err != nil {
			t.Fatal(err)
		}
		c.comp = &comp
		id, err := c.send(0, doc("insert", name, "documents", bson.A{doc("_id", 1)}, "$db", db))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := c.read(ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.header.CheckResponseTo(id); err != nil {
			t.Fatal(err)
		}
		mustOK(t, name+" insert", rep.body)
		if !rep.compressed || rep.compressor != comp.ID() {
			t.Errorf("%s: reply compressed=%v with %v", name, rep.compressed, rep.compressor)
		}
	}
}

// TestSpeculativeAuthFields checks that a hello asking for
// saslSupportedMechs gets the backend's answer.
func TestSpeculativeAuthFields(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{Auth: true})
	wiretest.LeakCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rs, err := NewReplicaSet(ctx, srv.Addr, Options{Members: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	r := dial(t, rs.Addr(0)).hello("saslSupportedMechs", "admin."+testenv.SHA256User)
	mustOK(t, "hello", r)
	if got := stringsOf(r.Lookup("saslSupportedMechs")); !slices.Equal(got, []string{testenv.ScramSHA256}) {
		t.Errorf("saslSupportedMechs = %v in %s", got, r)
	}
	if !r.Lookup("isWritablePrimary").Boolean() || r.Lookup("setName").StringValue() != "rs0" {
		t.Errorf("the member's own fields are missing: %s", r)
	}
}

// TestReceivedAndOnCommand checks the counts and the callback that show
// where commands went.
func TestReceivedAndOnCommand(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	rs := newRS(t, Options{OnCommand: func(member int, name string, body bson.Raw) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%d:%s:%s", member, name, body.Lookup("$readPreference", "mode").StringValue()))
	}})
	db := testDB(t)
	c := dial(t, rs.Addr(2))
	c.hello()
	c.run(doc("find", "c", "$db", db, "$readPreference", doc("mode", "nearest")))
	c.run(doc("find", "c", "$db", db, "$readPreference", doc("mode", "nearest")))
	if n := rs.Received(2, "find"); n != 2 {
		t.Errorf("Received(2, find) = %d", n)
	}
	if rs.Received(1, "find") != 0 || rs.Received(2, "hello") != 1 || rs.Received(7, "find") != 0 {
		t.Errorf("Received: %d, %d", rs.Received(1, "find"), rs.Received(2, "hello"))
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"2:hello:", "2:find:nearest", "2:find:nearest"}; !slices.Equal(seen, want) {
		t.Errorf("OnCommand saw %v, want %v", seen, want)
	}
}
