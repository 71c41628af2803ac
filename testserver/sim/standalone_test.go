package sim

import (
	"context"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// newStandalone starts a standalone for the test, checks for leaks and
// closes it at the end.
func newStandalone(t *testing.T) *Standalone {
	t.Helper()
	addr := backend(t)
	wiretest.LeakCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := NewStandalone(ctx, addr, StandaloneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestStandaloneHello checks a standalone's hello, that it forwards
// commands, and that it has the fail point.
func TestStandaloneHello(t *testing.T) {
	s := newStandalone(t)
	if got := s.URI("retryWrites=false"); got != "mongodb://"+s.Addr(0)+"/?retryWrites=false" {
		t.Errorf("URI = %q", got)
	}
	c := dial(t, s.Addr(0))
	r := c.hello()
	mustOK(t, "hello", r)
	if !r.Lookup("isWritablePrimary").Boolean() {
		t.Errorf("a standalone is not writable: %s", r)
	}
	for _, key := range []string{"msg", "setName", "hosts", "secondary", "primary", "me", "electionId", "lastWrite"} {
		if r.Lookup(key).Type != 0 {
			t.Errorf("%s in a standalone's hello: %s", key, r)
		}
	}
	tv(t, r)
	db := testDB(t)
	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db)))
	if _, err := s.FailCommand(0, FailPoint{Mode: Times(1), FailCommands: []string{"find"}, ErrorCode: 91}); err != nil {
		t.Fatal(err)
	}
	mustCode(t, "find under the fail point", c.run(doc("find", "c", "$db", db)), 91)
	if n := c.run(doc("find", "c", "$db", db)).Lookup("cursor", "firstBatch").Array().Len(); n != 1 {
		t.Errorf("find after the fail point found %d documents", n)
	}
}

// TestWhereSleep checks the emulation of {$where: "sleep(N) || true"}: a
// find or single update waits N ms and then matches every document; any
// other $where reaches the backend, which refuses it; a client closing the
// connection ends the wait.
func TestWhereSleep(t *testing.T) {
	s := newStandalone(t)
	db := testDB(t)
	c := dial(t, s.Addr(0))
	mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("_id", 1), doc("_id", 2)}, "$db", db)))
	sleeping := doc("$where", "sleep(200) || true")

	start := time.Now()
	r := c.run(doc("find", "c", "filter", sleeping, "$db", db))
	mustOK(t, "find", r)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("find returned after %v, before the sleep's 200ms", d)
	}
	if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != 2 {
		t.Errorf("find matched %d documents, want every one (2)", n)
	}

	upd, err := bson.Marshal(doc("q", sleeping, "u", doc("$set", doc("y", 1))))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	r = c.run(doc("update", "c", "$db", db), wire.Sequence{Identifier: "updates", Docs: upd})
	mustOK(t, "update", r)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("update returned after %v, before the sleep's 200ms", d)
	}
	if n, _ := r.Lookup("n").AsInt64OK(); n != 1 {
		t.Errorf("update matched %d documents, want 1 (multi: false)", n)
	}

	// Another JavaScript expression is the backend's to refuse.
	r = c.run(doc("find", "c", "filter", doc("$where", "this.x == 1"), "$db", db))
	if okReply(r) {
		t.Errorf("find with another $where succeeded: %s", r)
	}

	// Closing the connection ends the wait: the member's goroutines end
	// at once (LeakCheck sees them), not after an hour.
	c2 := dial(t, s.Addr(0))
	if _, err := c2.send(0, doc("find", "c", "filter", doc("$where", "sleep(3600000) || true"), "$db", db)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	c2.nc.Close()
	mustOK(t, "ping after the closed sleep", c.run(doc("ping", 1, "$db", "admin")))
}
