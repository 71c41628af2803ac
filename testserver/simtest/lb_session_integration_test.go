package simtest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/testserver/sim"
)

// TestLoadBalancedSessionCursor iterates a cursor opened in an explicit
// session through a simulated load balancer while other operations run in
// the same session: the cursor's getMores go on the connection that opened
// it, with the session's lsid; the session's other commands take other
// connections; every connection goes back to the pool, the cursor's when
// it ends (exhausted, or closed early).
func TestLoadBalancedSessionCursor(t *testing.T) {
	lb := newShardedWith(t, sim.ShardedOptions{Routers: 1, LoadBalanced: true})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type started struct {
		name   string
		conn   int64
		lsid   bson.Raw
		cursor bool // a find of a cursor, not of FindOne
	}
	var mu sync.Mutex
	var cmds []started
	var checkedOut, checkedIn int
	cfg := parse(t, lb.URI(), motor.ParseOptions{})
	cfg.CommandMonitor = &event.CommandMonitor{Started: func(e event.CommandStartedEvent) {
		mu.Lock()
		defer mu.Unlock()
		cursor := e.CommandName == "find" && e.Command.Lookup("singleBatch").Type == 0
		cmds = append(cmds, started{e.CommandName, e.ConnectionID, append(bson.Raw(nil), e.Command.Lookup("lsid").Document()...), cursor})
	}}
	cfg.PoolMonitor = &event.PoolMonitor{
		ConnectionCheckedOut: func(event.ConnectionCheckedOutEvent) { mu.Lock(); checkedOut++; mu.Unlock() },
		ConnectionCheckedIn:  func(event.ConnectionCheckedInEvent) { mu.Lock(); checkedIn++; mu.Unlock() },
	}
	c := connect(t, cfg, newRecorder())
	coll := c.Database(testDB()).Collection("pinned")
	docs := make([]bson.D, 12)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}}
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	sctx := motor.WithSession(ctx, s)
	cur, err := coll.Find(sctx, bson.D{}, motor.FindOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for cur.Next(ctx) {
		n++
		if _, err := coll.FindOne(sctx, bson.D{{Key: "_id", Value: n}}); err != nil && n < len(docs) {
			t.Fatal(err)
		}
	}
	if err := cur.Err(); err != nil || n != len(docs) {
		t.Fatalf("%d documents, %v", n, err)
	}
	// A cursor closed early gives its connection back too.
	early, err := coll.Find(sctx, bson.D{}, motor.FindOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !early.Next(ctx) {
		t.Fatal(early.Err())
	}
	if err := early.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s.EndSession(ctx)

	mu.Lock()
	defer mu.Unlock()
	lsid := cmds[len(cmds)-1].lsid
	var findConn int64 = -1
	getMores, kills := 0, 0
	for _, c := range cmds {
		if c.name == "insert" {
			continue
		}
		if !bytes.Equal(c.lsid, lsid) {
			t.Errorf("%s sent lsid %v, want the session's %v", c.name, c.lsid, lsid)
		}
		switch c.name {
		case "find":
			if c.cursor {
				findConn = c.conn
			}
		case "getMore":
			getMores++
			if c.conn != findConn {
				t.Errorf("getMore on connection %d, not on the cursor's %d", c.conn, findConn)
			}
		case "killCursors":
			kills++
			if c.conn != findConn {
				t.Errorf("killCursors on connection %d, not on the cursor's %d", c.conn, findConn)
			}
		}
	}
	if getMores < 3 || kills != 1 {
		t.Errorf("%d getMores and %d killCursors", getMores, kills)
	}
	if checkedOut != checkedIn {
		t.Errorf("%d check-outs, %d check-ins: a pinned connection was not returned", checkedOut, checkedIn)
	}
}
