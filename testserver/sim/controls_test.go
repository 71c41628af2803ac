package sim

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
)

// TestStepDownAndElect checks that an election changes every member's
// hello, with a growing electionId and an unchanged setVersion.
func TestStepDownAndElect(t *testing.T) {
	rs := newRS(t, Options{})
	clients := []*client{dial(t, rs.Addr(0)), dial(t, rs.Addr(1)), dial(t, rs.Addr(2))}
	counters := make([]int64, 3)
	for i, c := range clients {
		_, counters[i] = tv(t, c.hello())
	}
	firstID, _ := clients[0].hello().Lookup("electionId").ObjectIDOK()
	if firstID != rs.ElectionID() || rs.Primary() != 0 {
		t.Fatalf("electionId %v, ElectionID %v, Primary %d", firstID, rs.ElectionID(), rs.Primary())
	}

	if err := rs.StepDown(1); err == nil {
		t.Error("StepDown of a secondary succeeded")
	}
	if err := rs.StepDown(0); err != nil {
		t.Fatal(err)
	}
	if rs.Primary() != -1 {
		t.Errorf("Primary after StepDown = %d", rs.Primary())
	}
	for i, c := range clients {
		r := c.hello()
		_, n := tv(t, r)
		if n <= counters[i] || r.Lookup("primary").Type != 0 || r.Lookup("isWritablePrimary").Boolean() ||
			!r.Lookup("secondary").Boolean() || r.Lookup("electionId").Type != 0 {
			t.Errorf("member %d after StepDown: %s", i, r)
		}
		counters[i] = n
	}

	if err := rs.Elect(2); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		r := c.hello()
		_, n := tv(t, r)
		if n <= counters[i] || r.Lookup("primary").StringValue() != rs.Addr(2) ||
			r.Lookup("isWritablePrimary").Boolean() != (i == 2) || r.Lookup("setVersion").Int32() != 1 {
			t.Errorf("member %d after Elect(2): %s", i, r)
		}
		counters[i] = n
	}
	id2, _ := clients[2].hello().Lookup("electionId").ObjectIDOK()
	if bytes.Compare(id2[:], firstID[:]) <= 0 {
		t.Errorf("electionId %v not greater than %v", id2, firstID)
	}
	// Electing another member steps the primary down in the same move.
	if err := rs.Elect(0); err != nil {
		t.Fatal(err)
	}
	r := clients[2].hello()
	if r.Lookup("isWritablePrimary").Boolean() || r.Lookup("primary").StringValue() != rs.Addr(0) {
		t.Errorf("former primary after Elect(0): %s", r)
	}
	id3, _ := clients[0].hello().Lookup("electionId").ObjectIDOK()
	if bytes.Compare(id3[:], id2[:]) <= 0 {
		t.Errorf("electionId %v not greater than %v", id3, id2)
	}

	// Writes follow the primary.
	db := testDB(t)
	mustOK(t, "insert on new primary", clients[0].run(doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db)))
	mustCode(t, "insert on old primary", clients[2].run(doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", db)), codeNotWritablePrimary)

	// SetTags is a reconfiguration.
	if err := rs.SetTags(1, map[string]string{"dc": "north"}); err != nil {
		t.Fatal(err)
	}
	r = clients[0].hello()
	if r.Lookup("setVersion").Int32() != 2 {
		t.Errorf("setVersion after SetTags: %s", r)
	}
	if got := clients[1].hello().Lookup("tags", "dc").StringValue(); got != "north" {
		t.Errorf("tags.dc = %q", got)
	}
	if err := rs.SetMaxWireVersion(1, 17); err != nil {
		t.Fatal(err)
	}
	if got := clients[1].hello().Lookup("maxWireVersion").Int32(); got != 17 {
		t.Errorf("maxWireVersion = %d", got)
	}
}

// TestElectArbiterAndBadIndex checks the controls' argument errors.
func TestElectArbiterAndBadIndex(t *testing.T) {
	rs := newRS(t, Options{Members: 2, Arbiters: 1})
	if err := rs.Elect(2); err == nil {
		t.Error("an arbiter was elected")
	}
	for _, err := range []error{rs.Elect(3), rs.Kill(-1), rs.Restart(9), rs.Delay(5, time.Second), rs.SetLag(4, 0)} {
		if err == nil {
			t.Error("a control accepted a member that does not exist")
		}
	}
	if _, err := NewReplicaSet(context.Background(), rs.Backend(), Options{Members: -1}); err == nil {
		t.Error("NewReplicaSet accepted -1 members")
	}
}

// TestSetLag checks that a secondary's lastWrite falls behind by its lag.
func TestSetLag(t *testing.T) {
	rs := newRS(t, Options{})
	if err := rs.SetLag(2, time.Minute); err != nil {
		t.Fatal(err)
	}
	p := dial(t, rs.Addr(0)).hello().Lookup("lastWrite", "lastWriteDate").Time()
	s := dial(t, rs.Addr(2)).hello().Lookup("lastWrite", "lastWriteDate").Time()
	if d := p.Sub(s); d < 59*time.Second || d > 61*time.Second {
		t.Errorf("lag = %v, want about 1m", d)
	}
}

// TestKillRestart checks that a killed member drops its connections and
// refuses new ones, and comes back on the same address as a new process.
func TestKillRestart(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(1))
	pid, _ := tv(t, c.hello())
	other := dial(t, rs.Addr(2))

	if err := rs.Kill(1); err != nil {
		t.Fatal(err)
	}
	if rs.Alive(1) || rs.Connections(1) != 0 {
		t.Errorf("Alive = %v, Connections = %d after Kill", rs.Alive(1), rs.Connections(1))
	}
	if _, err := c.roundTrip(doc("ping", 1, "$db", "admin")); !isNetErr(err) {
		t.Errorf("ping on a killed member's connection: %v", err)
	}
	if _, err := net.DialTimeout("tcp", rs.Addr(1), ioTimeout); !isNetErr(err) {
		t.Errorf("dial of a killed member: %v", err)
	}
	mustOK(t, "ping on another member", other.run(doc("ping", 1, "$db", "admin")))
	if err := rs.Kill(1); err != nil {
		t.Errorf("second Kill: %v", err)
	}

	addr := rs.Addr(1)
	if err := rs.Restart(1); err != nil {
		t.Fatal(err)
	}
	if rs.Addr(1) != addr || !rs.Alive(1) {
		t.Errorf("after Restart: Addr %s (was %s), Alive %v", rs.Addr(1), addr, rs.Alive(1))
	}
	c = dial(t, addr)
	pid2, n := tv(t, c.hello())
	if pid2 == pid || n != 0 {
		t.Errorf("topologyVersion after Restart: %v/%d, old processId %v", pid2, n, pid)
	}
	// Restart of a running member kills it first.
	if err := rs.Restart(1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.roundTrip(doc("ping", 1, "$db", "admin")); !isNetErr(err) {
		t.Errorf("ping on a restarted member's old connection: %v", err)
	}
	mustOK(t, "ping after restart", dial(t, addr).run(doc("ping", 1, "$db", "admin")))

	// A killed primary stays primary for the others until an election.
	if err := rs.Kill(0); err != nil {
		t.Fatal(err)
	}
	if got := other.hello().Lookup("primary").StringValue(); got != rs.Addr(0) {
		t.Errorf("primary after Kill(0) = %q", got)
	}
	if err := rs.Elect(2); err != nil {
		t.Fatal(err)
	}
	if err := rs.Restart(0); err != nil {
		t.Fatal(err)
	}
	if r := dial(t, rs.Addr(0)).hello(); !r.Lookup("secondary").Boolean() {
		t.Errorf("former primary after restart: %s", r)
	}
}

// TestDelay checks that a member's replies wait for its delay.
func TestDelay(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(1))
	if err := rs.Delay(1, 600*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.hello()
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("delayed hello took %v", d)
	}
	start = time.Now()
	mustOK(t, "ping", c.run(doc("ping", 1, "$db", "admin")))
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("delayed ping took %v", d)
	}
	start = time.Now()
	dial(t, rs.Addr(0)).hello()
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("another member's hello took %v", d)
	}
	rs.Delay(1, 0)
	start = time.Now()
	c.hello()
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("hello after removing the delay took %v", d)
	}
	// Kill does not wait for a delayed reply.
	rs.Delay(1, time.Hour)
	if _, err := c.send(0, doc("ping", 1, "$db", "admin")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	start = time.Now()
	if err := rs.Kill(1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Kill waited %v for a delayed reply", d)
	}
}

// TestClose checks that Close may be repeated and that the controls then
// fail with ErrClosed.
func TestClose(t *testing.T) {
	rs := newRS(t, Options{Members: 1})
	c := dial(t, rs.Addr(0))
	c.hello()
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{rs.Kill(0), rs.Restart(0), rs.Elect(0), rs.StepDown(0)} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("control after Close: %v", err)
		}
	}
	if _, err := c.roundTrip(doc("ping", 1, "$db", "admin")); !isNetErr(err) {
		t.Errorf("ping after Close: %v", err)
	}
}

// TestReplSetStepDownCommand checks the command and the election that
// ElectionDelay schedules after it.
func TestReplSetStepDownCommand(t *testing.T) {
	rs := newRS(t, Options{ElectionDelay: 100 * time.Millisecond})
	mustCode(t, "replSetStepDown on a secondary", dial(t, rs.Addr(1)).run(doc("replSetStepDown", 60, "$db", "admin")), codeNotWritablePrimary)
	c := dial(t, rs.Addr(0))
	mustOK(t, "replSetStepDown", c.run(doc("replSetStepDown", 60, "$db", "admin")))
	if rs.Primary() != -1 {
		t.Errorf("Primary right after replSetStepDown = %d", rs.Primary())
	}
	mustCode(t, "insert after stepping down", c.run(doc("insert", "c", "documents", bson.A{doc("x", 1)}, "$db", testDB(t))), codeNotWritablePrimary)
	deadline := time.Now().Add(5 * time.Second)
	for rs.Primary() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if rs.Primary() != 1 {
		t.Fatalf("no election after replSetStepDown: primary %d", rs.Primary())
	}
	// A pending election is cancelled by Close.
	mustOK(t, "replSetStepDown", dial(t, rs.Addr(1)).run(doc("replSetStepDown", 60, "$db", "admin")))
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestWritesDuringStepDown has 32 goroutines writing to the primary while
// it steps down and another member is elected: every write succeeds or
// fails with NotWritablePrimary, and none hangs.
func TestWritesDuringStepDown(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 32 {
		c := dial(t, rs.Addr(0))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r, err := c.roundTrip(doc("insert", "c", "documents", bson.A{doc("g", g, "i", i)}, "$db", db))
				switch {
				case err != nil:
					t.Errorf("goroutine %d: %v", g, err)
					return
				case okReply(r):
					ok.Add(1)
				case r.Lookup("code").Int32() == codeNotWritablePrimary:
					refused.Add(1)
				default:
					t.Errorf("goroutine %d: %s", g, r)
					return
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	if err := rs.StepDown(0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := rs.Elect(1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("writers hung")
	}
	if ok.Load() == 0 || refused.Load() == 0 {
		t.Errorf("%d writes succeeded and %d were refused; want some of each", ok.Load(), refused.Load())
	}
}

// TestControlsConcurrently runs every control from several goroutines while
// clients use the set, for the race detector; the set must stay usable.
func TestControlsConcurrently(t *testing.T) {
	rs := newRS(t, Options{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	run := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
			}
		}()
	}
	run(func(i int) { rs.Elect(i % 3) })
	run(func(i int) { rs.StepDown(i % 3) })
	run(func(i int) { rs.Kill(1 + i%2); rs.Restart(1 + i%2) })
	run(func(i int) { rs.Delay(i%3, time.Duration(i%3)*time.Millisecond) })
	run(func(i int) { rs.SetTags(i%3, map[string]string{"n": "x"}) })
	run(func(i int) {
		rs.FailCommand(i%3, FailPoint{Mode: Times(1), FailCommands: []string{"ping"}, ErrorCode: 2})
	})
	for m := range 3 {
		run(func(int) {
			nc, err := net.DialTimeout("tcp", rs.Addr(m), ioTimeout)
			if err != nil {
				return // killed just now
			}
			defer nc.Close()
			c := &client{t: t, nc: nc}
			for range 5 {
				if _, err := c.roundTrip(doc("hello", 1, "$db", "admin")); err != nil {
					return
				}
				if _, err := c.roundTrip(doc("ping", 1, "$db", "admin")); err != nil {
					return
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	for i := range 3 {
		if err := rs.Restart(i); err != nil {
			t.Fatal(err)
		}
		rs.FailCommand(i, FailPoint{})
		rs.Delay(i, 0)
		mustOK(t, "ping after the churn", dial(t, rs.Addr(i)).run(doc("ping", 1, "$db", "admin")))
	}
}
