package motor_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of cursors and reads against scripted servers: what FerretDB cannot
// show (old wire versions, replica set members, getMore failures on cue,
// slow getMores).

// rdHello returns a hello reply; set, when not empty, makes it a replica
// set member (primary or secondary) of hosts.
func rdHello(maxWire int32, set string, primary bool, me string, hosts []string) bson.D {
	d := bson.D{
		{Key: "helloOk", Value: true},
		{Key: "isWritablePrimary", Value: primary},
		{Key: "maxBsonObjectSize", Value: int32(16 << 20)},
		{Key: "maxMessageSizeBytes", Value: int32(48_000_000)},
		{Key: "maxWriteBatchSize", Value: int32(100_000)},
		{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		{Key: "minWireVersion", Value: int32(0)},
		{Key: "maxWireVersion", Value: maxWire},
	}
	if set != "" {
		hs := bson.A{}
		for _, h := range hosts {
			hs = append(hs, h)
		}
		d = append(d, bson.E{Key: "secondary", Value: !primary}, bson.E{Key: "setName", Value: set},
			bson.E{Key: "hosts", Value: hs}, bson.E{Key: "primary", Value: hosts[0]}, bson.E{Key: "me", Value: me},
			bson.E{Key: "setVersion", Value: int32(1)})
		if primary {
			d = append(d, bson.E{Key: "electionId", Value: bson.ObjectID{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}})
		}
	}
	return append(d, bson.E{Key: "ok", Value: 1.0})
}

func rdCursorReply(id int64, ns, batch string, docs ...bson.D) []wiretest.Reply {
	arr := bson.A{}
	for _, d := range docs {
		arr = append(arr, d)
	}
	return []wiretest.Reply{{Doc: bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: id}, {Key: "ns", Value: ns}, {Key: batch, Value: arr}}}, {Key: "ok", Value: 1.0}}}}
}

// rdFake is a scripted standalone server: hello and endSessions are
// answered, every other command goes to reply and is recorded.
type rdFake struct {
	srv  *wiretest.Server
	mu   sync.Mutex
	reqs []wiretest.Request
}

func newRdFake(t *testing.T, maxWire int32, reply func(req wiretest.Request) []wiretest.Reply) (*rdFake, *motor.Client) {
	t.Helper()
	wiretest.LeakCheck(t)
	f := &rdFake{}
	f.srv = wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			return []wiretest.Reply{{Doc: rdHello(maxWire, "", true, "", nil)}}
		case "endSessions":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		return reply(req)
	})
	c := connect(t, "mongodb://"+f.srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000", nil)
	return f, c
}

func (f *rdFake) requests(name string) []wiretest.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []wiretest.Request
	for _, r := range f.reqs {
		if r.Command == name {
			out = append(out, r)
		}
	}
	return out
}

func TestGetMoreCommentNeedsWireVersion9(t *testing.T) {
	for _, tc := range []struct {
		wire int32
		want string
	}{{8, "<absent>"}, {9, `"c"`}, {21, `"c"`}} {
		t.Run(fmt.Sprint(tc.wire), func(t *testing.T) {
			f, c := newRdFake(t, tc.wire, func(req wiretest.Request) []wiretest.Reply {
				if req.Command == "find" {
					return rdCursorReply(5, "db.c", "firstBatch", bson.D{{Key: "a", Value: 1}})
				}
				return rdCursorReply(0, "db.c", "nextBatch", bson.D{{Key: "a", Value: 2}})
			})
			ctx := ctxTimeout(t, 20*time.Second)
			cur, err := c.Database("db").Collection("c").Find(ctx, bson.D{}, motor.FindOptions{Comment: "c", BatchSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			if docs, err := cur.ToSlice(ctx); err != nil || len(docs) != 2 {
				t.Fatalf("%v, %v", docs, err)
			}
			wantFields(t, f.requests("find")[0].Body, map[string]string{"comment": `"c"`})
			wantFields(t, f.requests("getMore")[0].Body, map[string]string{"comment": tc.want, "batchSize": "1"})
		})
	}
}

func TestCursorGetMoreErrorDeliveredOnce(t *testing.T) {
	for _, mode := range rdPrefetchModes {
		for _, kind := range []string{"server error", "network error"} {
			t.Run(mode.name+"/"+kind, func(t *testing.T) {
				f, c := newRdFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
					switch req.Command {
					case "find":
						return rdCursorReply(9, "db.c", "firstBatch", bson.D{{Key: "i", Value: 0}}, bson.D{{Key: "i", Value: 1}})
					case "getMore":
						if kind == "network error" {
							return []wiretest.Reply{{Close: true}}
						}
						return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: "no"}, {Key: "code", Value: int32(2)}, {Key: "codeName", Value: "BadValue"}}}}
					}
					return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
				})
				ctx := ctxTimeout(t, 20*time.Second)
				cur, err := c.Database("db").Collection("c").Find(ctx, bson.D{}, motor.FindOptions{Prefetch: mode.on})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for cur.Next(ctx) {
					n++
				}
				first := cur.Err()
				var se *motor.ServerError
				switch {
				case n != 2:
					t.Errorf("%d documents before the error", n)
				case kind == "server error" && (!errors.As(first, &se) || se.Code != 2):
					t.Errorf("Err = %v", first)
				case kind == "network error" && !motor.IsNetworkError(first):
					t.Errorf("Err = %v", first)
				}
				for range 3 {
					if cur.Next(ctx) || cur.Err() != first {
						t.Fatalf("Next after the error: %v", cur.Err())
					}
				}
				if got := len(f.requests("getMore")); got != 1 {
					t.Errorf("%d getMores sent", got)
				}
				// The server may still hold the cursor: Close kills it. After
				// a network error the server is Unknown until its monitor
				// checks it again, and Close reports that it could not.
				err = cur.Close(ctx)
				kills := f.requests("killCursors")
				if kind == "network error" {
					if err == nil && len(kills) != 1 {
						t.Errorf("Close succeeded with %d killCursors", len(kills))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(kills) != 1 || kills[0].Body.Lookup("cursors").Array().Index(0).Int64() != 9 {
					t.Errorf("killCursors %v", kills)
				}
			})
		}
	}
}

// TestCursorPrefetchOverlaps shows the point of prefetching: with getMores
// that take as long as the caller's work on a batch, the two overlap.
func TestCursorPrefetchOverlaps(t *testing.T) {
	const batches, delay = 8, 60 * time.Millisecond
	var inFlight, most atomic.Int32
	var served atomic.Int64
	_, c := newRdFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "find":
			return rdCursorReply(3, "db.c", "firstBatch", bson.D{{Key: "b", Value: 0}})
		case "getMore":
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(delay)
			b := served.Add(1)
			id := int64(3)
			if b == batches-1 {
				id = 0
			}
			return rdCursorReply(id, "db.c", "nextBatch", bson.D{{Key: "b", Value: b}})
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
	})
	ctx := ctxTimeout(t, 30*time.Second)
	coll := c.Database("db").Collection("c")
	run := func(prefetch *bool) time.Duration {
		served.Store(0)
		start := time.Now()
		cur, err := coll.Find(ctx, bson.D{}, motor.FindOptions{Prefetch: prefetch})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for cur.Next(ctx) {
			n++
			time.Sleep(delay) // the caller's work on the batch
		}
		if cur.Err() != nil || n != batches {
			t.Fatalf("%d batches, %v", n, cur.Err())
		}
		return time.Since(start)
	}
	with, without := run(nil), run(new(false))
	t.Logf("%d batches, getMore and work %v each: %v with prefetch, %v without", batches, delay, with, without)
	if with > without*4/5 {
		t.Errorf("prefetching did not overlap: %v with, %v without", with, without)
	}
	if most.Load() != 1 {
		t.Errorf("%d getMores in flight at once", most.Load())
	}
}

// TestAggregateWriteStageReadPreference checks the CRUD specification's
// rule on a two-member replica set: a pipeline with $out or $merge honours
// a secondary read preference only when no member is older than 5.0.
func TestAggregateWriteStageReadPreference(t *testing.T) {
	for _, tc := range []struct {
		name          string
		secondaryWire int32
		pipeline      bson.A
		wantSecondary bool
	}{
		{"5.0 members", 13, bson.A{bson.D{{Key: "$out", Value: "o"}}}, true},
		{"a 4.4 member with $out", 12, bson.A{bson.D{{Key: "$out", Value: "o"}}}, false},
		{"a 4.4 member with $merge", 12, bson.A{bson.D{{Key: "$match", Value: bson.D{}}}, bson.D{{Key: "$merge", Value: bson.D{{Key: "into", Value: "o"}}}}}, false},
		{"a 4.4 member without a write stage", 12, bson.A{bson.D{{Key: "$match", Value: bson.D{}}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			var hosts []string
			var ready sync.WaitGroup
			ready.Add(1)
			var got [2]atomic.Value // the aggregate each member received
			member := func(i int, wire int32) *wiretest.Server {
				return wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
					ready.Wait()
					switch req.Command {
					case "hello", "isMaster", "ismaster":
						return []wiretest.Reply{{Doc: rdHello(wire, "rs", i == 0, hosts[i], hosts)}}
					case "aggregate":
						got[i].Store(req.Body)
						return rdCursorReply(0, "db.c", "firstBatch")
					case "find":
						return rdCursorReply(0, "db.c", "firstBatch")
					}
					return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
				})
			}
			a, b := member(0, 21), member(1, tc.secondaryWire)
			hosts = []string{a.Addr(), b.Addr()}
			ready.Done()
			c := connect(t, "mongodb://"+a.Addr()+","+b.Addr()+"/?replicaSet=rs&serverSelectionTimeoutMS=5000", nil)
			ctx := ctxTimeout(t, 20*time.Second)
			// Wait until both members are known, so the rule sees them.
			if err := c.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			coll, err := c.Database("db").Collection("c").WithReadPreference(motor.ReadPreference{Mode: motor.ReadSecondary})
			if err != nil {
				t.Fatal(err)
			}
			// A read on the secondary waits until it is known too.
			if _, err := coll.FindOne(ctx, bson.D{}); !errors.Is(err, motor.ErrNoDocuments) {
				t.Fatal(err)
			}
			cur, err := coll.Aggregate(ctx, tc.pipeline)
			if err != nil {
				t.Fatal(err)
			}
			cur.Close(ctx)
			onSecondary := got[1].Load() != nil
			if onSecondary == (got[0].Load() != nil) {
				t.Fatalf("the aggregate reached primary %v, secondary %v", got[0].Load() != nil, onSecondary)
			}
			if onSecondary != tc.wantSecondary {
				t.Errorf("ran on the secondary: %v, want %v", onSecondary, tc.wantSecondary)
			}
			if onSecondary {
				wantFields(t, got[1].Load().(bson.Raw), map[string]string{"$readPreference.mode": `"secondary"`})
			} else if rp := got[0].Load().(bson.Raw).Lookup("$readPreference", "mode"); rp.Type != 0 && rp.StringValue() != "primary" {
				t.Errorf("sent to the primary with $readPreference %v", rp)
			}
		})
	}
}
