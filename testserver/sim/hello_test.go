package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// TestHelloRoles checks the hello of each role in a set of three data
// members and an arbiter, with tags.
func TestHelloRoles(t *testing.T) {
	rs := newRS(t, Options{Name: "simrs", Arbiters: 1, Tags: []map[string]string{
		nil, {"dc": "east", "rack": "1"}, {"dc": "west"},
	}})
	addrs := rs.Addrs()
	if len(addrs) != 4 || rs.Len() != 4 {
		t.Fatalf("Addrs = %v", addrs)
	}
	pids := map[bson.ObjectID]bool{}
	for i, addr := range addrs {
		r := dial(t, addr).hello()
		mustOK(t, "hello", r)
		primary, secondary, arbiter := i == 0, i == 1 || i == 2, i == 3
		if got := r.Lookup("isWritablePrimary").Boolean(); got != primary {
			t.Errorf("member %d: isWritablePrimary = %v", i, got)
		}
		if got := r.Lookup("secondary").Boolean(); got != secondary {
			t.Errorf("member %d: secondary = %v", i, got)
		}
		if got := r.Lookup("arbiterOnly").Boolean(); got != arbiter {
			t.Errorf("member %d: arbiterOnly = %v", i, got)
		}
		if r.Lookup("setName").StringValue() != "simrs" || r.Lookup("setVersion").Int32() != 1 {
			t.Errorf("member %d: setName/setVersion in %s", i, r)
		}
		if got := stringsOf(r.Lookup("hosts")); !slices.Equal(got, addrs[:3]) {
			t.Errorf("member %d: hosts = %v, want %v", i, got, addrs[:3])
		}
		if got := stringsOf(r.Lookup("arbiters")); !slices.Equal(got, addrs[3:]) {
			t.Errorf("member %d: arbiters = %v", i, got)
		}
		if r.Lookup("primary").StringValue() != addrs[0] || r.Lookup("me").StringValue() != addr {
			t.Errorf("member %d: primary/me in %s", i, r)
		}
		if _, ok := r.Lookup("electionId").ObjectIDOK(); ok != primary {
			t.Errorf("member %d: electionId present = %v", i, ok)
		}
		if _, ok := r.Lookup("lastWrite", "lastWriteDate").DateTimeOK(); ok == arbiter {
			t.Errorf("member %d: lastWrite.lastWriteDate present = %v", i, ok)
		}
		if !arbiter {
			if ts := r.Lookup("lastWrite", "opTime", "ts").Timestamp(); ts.IsZero() {
				t.Errorf("member %d: no lastWrite.opTime.ts in %s", i, r)
			}
		}
		switch i {
		case 1:
			if r.Lookup("tags", "dc").StringValue() != "east" || r.Lookup("tags", "rack").StringValue() != "1" {
				t.Errorf("member 1: tags in %s", r)
			}
		case 0:
			if r.Lookup("tags").Type != 0 {
				t.Errorf("member 0: tags in %s", r)
			}
		}
		pid, counter := tv(t, r)
		if pids[pid] || counter != 0 {
			t.Errorf("member %d: topologyVersion %v/%d not fresh", i, pid, counter)
		}
		pids[pid] = true
		for key, want := range map[string]int64{
			"maxWireVersion": DefaultMaxWireVersion, "minWireVersion": 0,
			"maxBsonObjectSize": 16 << 20, "maxMessageSizeBytes": 48_000_000, "maxWriteBatchSize": 100_000,
			"logicalSessionTimeoutMinutes": 30,
		} {
			if got, ok := r.Lookup(key).AsInt64OK(); !ok || got != want {
				t.Errorf("member %d: %s = %v", i, key, r.Lookup(key))
			}
		}
		if _, ok := r.Lookup("localTime").DateTimeOK(); !ok {
			t.Errorf("member %d: no localTime", i)
		}
		if id, ok := r.Lookup("connectionId").Int32OK(); !ok || id < 1 {
			t.Errorf("member %d: connectionId = %v", i, r.Lookup("connectionId"))
		}
		if r.Lookup("msg").Type != 0 || r.Lookup("serviceId").Type != 0 {
			t.Errorf("member %d: mongos fields in %s", i, r)
		}
	}
}

// TestHelloLegacyAndNegotiation checks the legacy names, helloOk,
// compression negotiation, connection ids and the URI helpers.
func TestHelloLegacyAndNegotiation(t *testing.T) {
	rs := newRS(t, Options{Members: 2})
	c := dial(t, rs.Addr(1))
	for _, name := range []string{"isMaster", "ismaster"} {
		r := c.run(doc(name, 1, "helloOk", true, "$db", "admin"))
		mustOK(t, name, r)
		if v, ok := r.Lookup("ismaster").BooleanOK(); !ok || v {
			t.Errorf("%s: ismaster = %v in %s", name, r.Lookup("ismaster"), r)
		}
		if r.Lookup("isWritablePrimary").Type != 0 || !r.Lookup("helloOk").Boolean() {
			t.Errorf("%s: %s", name, r)
		}
	}
	r := c.hello("compression", bson.A{"zstd", "lz4", "snappy", "zstd"})
	if got := stringsOf(r.Lookup("compression")); !slices.Equal(got, []string{"zstd", "snappy"}) {
		t.Errorf("compression = %v", got)
	}
	if r.Lookup("helloOk").Type != 0 {
		t.Errorf("helloOk without being asked: %s", r)
	}
	first := r.Lookup("connectionId").Int32()
	if again := c.hello().Lookup("connectionId").Int32(); again != first {
		t.Errorf("connectionId changed on one connection: %d, %d", first, again)
	}
	if other := dial(t, rs.Addr(1)).hello().Lookup("connectionId").Int32(); other == first {
		t.Errorf("two connections share connectionId %d", other)
	}

	want := "mongodb://" + rs.Addr(0) + "," + rs.Addr(1) + "/?replicaSet=rs0&w=majority"
	if got := rs.URI("w=majority"); got != want {
		t.Errorf("URI = %q, want %q", got, want)
	}
	if got := rs.SeedURI(1); got != "mongodb://"+rs.Addr(1)+"/?replicaSet=rs0" {
		t.Errorf("SeedURI = %q", got)
	}
	if got := URI([]string{"a:1", "b:2"}); got != "mongodb://a:1,b:2/" {
		t.Errorf("URI = %q", got)
	}
	if rs.Addr(7) != "" || rs.Backend() == "" || rs.Name() != "rs0" {
		t.Errorf("Addr(7) = %q, Backend = %q, Name = %q", rs.Addr(7), rs.Backend(), rs.Name())
	}
}

// TestAwaitableHello checks that an awaitable hello waits for a change of
// state or for maxAwaitTimeMS, and answers at once for an old
// topologyVersion.
func TestAwaitableHello(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(1))
	pid, counter := tv(t, c.hello())

	start := time.Now()
	r := c.hello("topologyVersion", doc("processId", pid, "counter", counter), "maxAwaitTimeMS", 200)
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("unchanged awaitable hello answered after %v, want about 200ms", d)
	}
	if p2, c2 := tv(t, r); p2 != pid || c2 != counter {
		t.Errorf("topologyVersion changed on its own: %v/%d", p2, c2)
	}

	start = time.Now()
	r = c.hello("topologyVersion", doc("processId", bson.NewObjectID(), "counter", counter), "maxAwaitTimeMS", 5000)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("hello with another processId waited %v", d)
	}
	mustOK(t, "hello", r)

	// A change wakes a waiting hello at once.
	go func() {
		time.Sleep(100 * time.Millisecond)
		rs.Elect(1)
	}()
	start = time.Now()
	r = c.hello("topologyVersion", doc("processId", pid, "counter", counter), "maxAwaitTimeMS", 10000)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("awaitable hello answered %v after the election", d)
	}
	if _, c2 := tv(t, r); c2 <= counter || !r.Lookup("isWritablePrimary").Boolean() {
		t.Errorf("after Elect(1): %s", r)
	}

	for _, bad := range []bson.D{
		doc("topologyVersion", doc("processId", pid, "counter", counter)),
		doc("maxAwaitTimeMS", 100),
		doc("topologyVersion", doc("processId", pid, "counter", counter), "maxAwaitTimeMS", -1),
	} {
		r := c.run(append(doc("hello", 1, "$db", "admin"), bad...))
		if okReply(r) {
			t.Errorf("hello with %v succeeded: %s", bad, r)
		}
	}
}

// TestExhaustHello checks the streaming protocol: replies flagged
// moreToCome, each answering the previous one, one per change or timeout.
func TestExhaustHello(t *testing.T) {
	rs := newRS(t, Options{})
	c := dial(t, rs.Addr(2))
	pid, counter := tv(t, c.hello())
	id, err := c.send(wire.ExhaustAllowed, doc("hello", 1, "$db", "admin",
		"topologyVersion", doc("processId", pid, "counter", counter), "maxAwaitTimeMS", 150))
	if err != nil {
		t.Fatal(err)
	}
	prev := id
	last := counter
	for i := range 4 {
		if i == 2 {
			if err := rs.StepDown(0); err != nil {
				t.Fatal(err)
			}
		}
		r, err := c.read(ioTimeout)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if r.flags&wire.MoreToCome == 0 {
			t.Fatalf("reply %d without moreToCome", i)
		}
		if err := r.header.CheckResponseTo(prev); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		prev = r.header.RequestID
		_, n := tv(t, r.body)
		if i >= 2 && n > last {
			if r.body.Lookup("primary").Type != 0 {
				t.Errorf("after StepDown the stream still names a primary: %s", r.body)
			}
		}
		last = n
	}
	if last <= counter {
		t.Errorf("the stream never showed the step down (counter %d)", last)
	}
	// Closing the stream's connection ends its goroutine (LeakCheck).
	c.nc.Close()
}
