package sim

import (
	"context"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// newSharded starts routers for the test, checks for leaks and closes them
// at the end.
func newSharded(t *testing.T, opts ShardedOptions) *Sharded {
	t.Helper()
	addr := backend(t)
	wiretest.LeakCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := NewShardedWith(ctx, addr, opts)
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

// TestShardedHello checks a mongos's hello and that every router forwards
// reads and writes.
func TestShardedHello(t *testing.T) {
	s := newSharded(t, ShardedOptions{Routers: 2})
	db := testDB(t)
	if got := s.URI("retryWrites=false"); got != "mongodb://"+s.Addr(0)+","+s.Addr(1)+"/?retryWrites=false" {
		t.Errorf("URI = %q", got)
	}
	for i := range 2 {
		c := dial(t, s.Addr(i))
		r := c.hello("loadBalanced", true)
		mustOK(t, "hello", r)
		if r.Lookup("msg").StringValue() != "isdbgrid" || !r.Lookup("isWritablePrimary").Boolean() {
			t.Errorf("router %d: %s", i, r)
		}
		for _, key := range []string{"setName", "hosts", "secondary", "primary", "me", "electionId", "lastWrite", "serviceId"} {
			if r.Lookup(key).Type != 0 {
				t.Errorf("router %d: %s in %s", i, key, r)
			}
		}
		tv(t, r)
		mustOK(t, "insert", c.run(doc("insert", "c", "documents", bson.A{doc("r", i)}, "$db", db)))
		r = c.run(doc("find", "c", "$db", db))
		if n := r.Lookup("cursor", "firstBatch").Array().Len(); n != i+1 {
			t.Errorf("router %d found %d documents", i, n)
		}
	}
	if _, err := NewSharded(context.Background(), s.Backend(), 51); err == nil {
		t.Error("NewSharded accepted 51 routers")
	}
	// Fail points and kills work per router as for a replica set.
	if _, err := s.FailCommand(1, FailPoint{Mode: Times(1), FailCommands: []string{"find"}, ErrorCode: 11600}); err != nil {
		t.Fatal(err)
	}
	r := dial(t, s.Addr(1)).run(doc("find", "c", "$db", db))
	mustCode(t, "find on router 1", r, 11600)
	if r.Lookup("topologyVersion").Type != 0 {
		t.Errorf("a mongos error carries topologyVersion: %s", r)
	}
	if err := s.Kill(0); err != nil {
		t.Fatal(err)
	}
	mustOK(t, "ping on router 1", dial(t, s.Addr(1)).run(doc("ping", 1, "$db", "admin")))
}

// TestLoadBalanced checks the serviceId of a router behind a load balancer.
func TestLoadBalanced(t *testing.T) {
	s := newSharded(t, ShardedOptions{LoadBalanced: true})
	if got := s.URI(); got != "mongodb://"+s.Addr(0)+"/?loadBalanced=true" {
		t.Errorf("URI = %q", got)
	}
	r := dial(t, s.Addr(0)).hello()
	mustCode(t, "hello without loadBalanced", r, codeLoadBalancerSupportMismatch)

	c := dial(t, s.Addr(0))
	r = c.hello("loadBalanced", true)
	mustOK(t, "hello", r)
	id, ok := r.Lookup("serviceId").ObjectIDOK()
	if !ok || id != s.ServiceID(0) || r.Lookup("msg").StringValue() != "isdbgrid" {
		t.Fatalf("hello: %s", r)
	}
	// As on mongos, only the first hello of a connection has it.
	if r := c.hello("loadBalanced", true); r.Lookup("serviceId").Type != 0 {
		t.Errorf("second hello: %s", r)
	}
	mustOK(t, "ping", c.run(doc("ping", 1, "$db", "admin")))
	if err := s.Restart(0); err != nil {
		t.Fatal(err)
	}
	r = dial(t, s.Addr(0)).hello("loadBalanced", true)
	if id2, _ := r.Lookup("serviceId").ObjectIDOK(); id2 == id || id2 != s.ServiceID(0) {
		t.Errorf("serviceId after restart: %v, before %v", id2, id)
	}
	if s.ServiceID(3) != (bson.ObjectID{}) {
		t.Error("ServiceID of a router that does not exist")
	}
}

// TestShardedClusterTime checks that routers with ClusterTime share one
// clock.
func TestShardedClusterTime(t *testing.T) {
	s := newSharded(t, ShardedOptions{Routers: 2, ClusterTime: true})
	db := testDB(t)
	var last uint32
	for i := range 4 {
		r := dial(t, s.Addr(i%2)).run(doc("ping", 1, "$db", db))
		ct, ok := r.Lookup("$clusterTime", "clusterTime").TimestampOK()
		if op, _ := r.Lookup("operationTime").TimestampOK(); !ok || op != ct || ct.I <= last {
			t.Fatalf("router %d: %s, want a time after %d", i%2, r, last)
		}
		last = ct.I
	}
}
