package simtest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/testserver/sim"
)

// TestSRVMongosList changes the mongos list behind a mongodb+srv URI: the
// client adds the new routers, drops the removed one, and sends it nothing
// more; a DNS outage then changes nothing.
func TestSRVMongosList(t *testing.T) {
	sh := newSharded(t, 4)
	t.Cleanup(cluster.SetSRVRescanInterval(100 * time.Millisecond))
	srv := sim.NewSRV("cluster.sim.test", sh.Addr(0), sh.Addr(1))
	rec := newRecorder()
	cfg := parse(t, srv.URI("tls=false", "heartbeatFrequencyMS=500"), motor.ParseOptions{Resolver: srv})
	cfg.Dialer = srv
	c := connect(t, cfg, rec)
	mongos := func(idx ...int) map[string]event.ServerType {
		m := map[string]event.ServerType{}
		for _, i := range idx {
			_, port, _ := net.SplitHostPort(sh.Addr(i))
			m[net.JoinHostPort(srv.Target(sh.Addr(i)), port)] = event.ServerMongos
		}
		return m
	}
	rec.waitTopology(t, 10*time.Second, "two mongos", func(d event.TopologyDescription) bool {
		return d.Type == event.TopologySharded && hasTypes(d, mongos(0, 1))
	})

	at := time.Now()
	srv.Set(sh.Addr(0), sh.Addr(2), sh.Addr(3))
	rec.waitTopology(t, 5*time.Second, "mongos 0, 2 and 3", func(d event.TopologyDescription) bool {
		return d.Type == event.TopologySharded && hasTypes(d, mongos(0, 2, 3))
	})
	t.Logf("new mongos list in use %v after the records changed (rescan interval 100ms)", time.Since(at))

	db := c.Database(testDB())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := make([]int, 4)
	for i := range before {
		before[i] = sh.Received(i, "insert")
	}
	const writes = 60
	for i := range writes {
		if err := insert(ctx, db, "c", i); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	served := make([]int, 4)
	for i := range served {
		served[i] = sh.Received(i, "insert") - before[i]
	}
	if served[1] != 0 || served[0] == 0 || served[2] == 0 || served[3] == 0 || served[0]+served[2]+served[3] != writes {
		t.Errorf("inserts served by mongos 0-3: %v; want none by the removed mongos 1 and some by each other", served)
	}
	t.Logf("inserts served by mongos 0-3: %v", served)

	// A DNS outage: the rescans, now every heartbeat, change nothing.
	lookups := srv.Lookups()
	srv.SetError(&net.DNSError{Err: "server misbehaving", Name: srv.Host(), IsTemporary: true})
	deadline := time.Now().Add(5 * time.Second)
	for srv.Lookups() < lookups+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if srv.Lookups() < lookups+2 {
		t.Fatalf("no rescan during the outage")
	}
	rec.waitTopology(t, time.Second, "the list unchanged", func(d event.TopologyDescription) bool {
		return hasTypes(d, mongos(0, 2, 3))
	})
}

// TestLoadBalancedNotMonitored connects through a simulated load balancer:
// the topology is LoadBalanced at once, operations run, and no monitor
// sends hellos while the client idles.
func TestLoadBalancedNotMonitored(t *testing.T) {
	addr := backend(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lb, err := sim.NewShardedWith(ctx, addr, sim.ShardedOptions{Routers: 1, LoadBalanced: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lb.Close(); err != nil {
			t.Errorf("closing the load balancer: %v", err)
		}
	})
	rec := newRecorder()
	c := connect(t, parse(t, lb.URI("heartbeatFrequencyMS=500"), motor.ParseOptions{}), rec)
	rec.waitTopology(t, time.Second, "a load balancer", func(d event.TopologyDescription) bool {
		return d.Type == event.TopologyLoadBalanced && hasTypes(d, map[string]event.ServerType{lb.Addr(0): event.ServerLoadBalancer})
	})
	db := c.Database(testDB())
	for i := range 5 {
		if err := insert(ctx, db, "c", i); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	hellos := lb.Received(0, "hello") + lb.Received(0, "isMaster")
	time.Sleep(3 * heartbeat)
	if n := lb.Received(0, "hello") + lb.Received(0, "isMaster"); n != hellos {
		t.Errorf("%d hellos while idle in load balanced mode", n-hellos)
	}
	if lb.Received(0, "insert") != 5 {
		t.Errorf("%d inserts received, want 5", lb.Received(0, "insert"))
	}
}
