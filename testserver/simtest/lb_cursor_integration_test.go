package simtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/testserver/sim"
)

// TestLoadBalancedCursorPinned iterates a cursor of several batches through
// a simulated load balancer while other operations run: every getMore must
// go on the connection that opened the cursor, and that connection goes
// back to the pool when the cursor is exhausted.
func TestLoadBalancedCursorPinned(t *testing.T) {
	lb := newShardedWith(t, sim.ShardedOptions{Routers: 1, LoadBalanced: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	conns := map[string]map[int64]bool{} // command name -> connection ids
	var checkedOut, checkedIn int
	cfg := parse(t, lb.URI(), motor.ParseOptions{})
	cfg.CommandMonitor = &event.CommandMonitor{Started: func(e event.CommandStartedEvent) {
		mu.Lock()
		defer mu.Unlock()
		if conns[e.CommandName] == nil {
			conns[e.CommandName] = map[int64]bool{}
		}
		conns[e.CommandName][e.ConnectionID] = true
	}}
	cfg.PoolMonitor = &event.PoolMonitor{
		ConnectionCheckedOut: func(event.ConnectionCheckedOutEvent) { mu.Lock(); checkedOut++; mu.Unlock() },
		ConnectionCheckedIn:  func(event.ConnectionCheckedInEvent) { mu.Lock(); checkedIn++; mu.Unlock() },
	}
	c := connect(t, cfg, newRecorder())
	coll := c.Database(testDB()).Collection("pinned")
	docs := make([]bson.D, 20)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	cur, err := coll.Find(ctx, bson.D{}, motor.FindOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for cur.Next(ctx) {
		n++
		// Other work on the client meanwhile takes other connections.
		if err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	cur.Close(ctx)
	if n != len(docs) {
		t.Fatalf("%d documents, want %d", n, len(docs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns["find"]) != 1 || len(conns["getMore"]) != 1 {
		t.Fatalf("find on %v, getMore on %v: want one connection each", conns["find"], conns["getMore"])
	}
	for id := range conns["find"] {
		if !conns["getMore"][id] {
			t.Errorf("getMore ran on %v, not on the find's connection %d", conns["getMore"], id)
		}
	}
	if checkedOut != checkedIn {
		t.Errorf("%d check-outs, %d check-ins: the pinned connection was not returned", checkedOut, checkedIn)
	}
}
