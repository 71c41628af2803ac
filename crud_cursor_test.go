package motor_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

var rdPrefetchModes = []struct {
	name string
	on   *bool
}{{"prefetch", nil}, {"no prefetch", new(false)}}

// lsid returns the session id of a command, as JSON.
func lsid(cmd bson.Raw) string { return rdJSON(cmd.Lookup("lsid")) }

func TestCursorMultiBatch(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 250)
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			e.reset()
			cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 7, Sort: bson.D{{Key: "_id", Value: 1}}, Comment: "multi", Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			defer cur.Close(e.ctx)
			id := cur.ID()
			if id == 0 || cur.RemainingBatchLength() != 7 {
				t.Fatalf("after find: id %d, %d documents in the batch", id, cur.RemainingBatchLength())
			}
			var got []string
			for cur.Next(e.ctx) {
				var d bson.D
				if err := cur.Decode(&d); err != nil {
					t.Fatal(err)
				}
				got = append(got, rdIDs([]bson.D{d})[0])
				if len(got) == 1 && cur.RemainingBatchLength() != 6 {
					t.Errorf("RemainingBatchLength after one Next = %d", cur.RemainingBatchLength())
				}
			}
			if err := cur.Err(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, rdRange(0, 250)) {
				t.Fatalf("got %d documents: %v", len(got), got)
			}
			if cur.ID() != 0 {
				t.Errorf("ID after the end = %d", cur.ID())
			}
			find := e.only(t, "find")
			gms := e.commands("getMore")
			if n := len(gms); n < 35 || n > 36 { // 243 documents in batches of 7, and maybe an empty last one
				t.Errorf("%d getMores", n)
			}
			for _, gm := range gms {
				wantFields(t, gm, map[string]string{"getMore": rdJSON(bson.RawValue{Type: bson.TypeInt64, Value: le64(id)}), "collection": `"` + e.coll.Name() + `"`, "batchSize": "7", "comment": `"multi"`, "$db": `"motor_reads"`, "maxTimeMS": "<absent>"})
				if lsid(gm) != lsid(find) || lsid(find) == "<absent>" {
					t.Errorf("getMore lsid %s, find lsid %s", lsid(gm), lsid(find))
				}
			}
			if k := e.commands("killCursors"); len(k) != 0 {
				t.Errorf("killCursors sent for an exhausted cursor: %v", k)
			}
			// The session went back to the pool: the next command reuses it.
			e.reset()
			if _, err := e.coll.EstimatedDocumentCount(e.ctx); err != nil {
				t.Fatal(err)
			}
			if got := lsid(e.only(t, "count")); got != lsid(find) {
				t.Errorf("next command's lsid %s, the cursor's %s", got, lsid(find))
			}
		})
	}
}

func le64(n int64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	return b
}

func TestCursorLimitAcrossBatches(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 20)
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			e.reset()
			cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{Limit: 10, BatchSize: 4, Sort: bson.D{{Key: "_id", Value: 1}}, Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			docs, err := cur.ToSlice(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := rdIDs(docs); !slices.Equal(got, rdRange(0, 10)) {
				t.Fatalf("got %v", got)
			}
			var sizes []string
			for _, gm := range e.commands("getMore") {
				sizes = append(sizes, rdJSON(gm.Lookup("batchSize")))
			}
			// The last getMore asks for what is left of the limit.
			if !slices.Equal(sizes, []string{"4", "2"}) {
				t.Errorf("getMore batch sizes %v, want [4 2]", sizes)
			}
			// A 5.0+ server (and FerretDB) leaves the cursor open when the
			// limit ends a batch; the driver then kills it.
			replies := e.replies["getMore"]
			lastID := replies[len(replies)-1].Lookup("cursor", "id").Int64()
			if kills := e.commands("killCursors"); (lastID != 0) != (len(kills) == 1) || len(kills) > 1 {
				t.Errorf("last getMore left cursor %d, %d killCursors sent", lastID, len(kills))
			}
		})
	}
}

func TestCursorCloseEarlyKillsCursor(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 50)
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			e.reset()
			cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 5, Sort: bson.D{{Key: "_id", Value: 1}}, Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			id := cur.ID()
			if !cur.Next(e.ctx) {
				t.Fatal(cur.Err())
			}
			if err := cur.Close(e.ctx); err != nil {
				t.Fatal(err)
			}
			if err := cur.Close(e.ctx); err != nil { // again: nothing more
				t.Fatal(err)
			}
			if cur.ID() != 0 {
				t.Errorf("ID after Close = %d", cur.ID())
			}
			kill := e.only(t, "killCursors")
			find := e.only(t, "find")
			wantFields(t, kill, map[string]string{"killCursors": `"` + e.coll.Name() + `"`, "cursors": "[" + rdJSON(bson.RawValue{Type: bson.TypeInt64, Value: le64(id)}) + "]"})
			if lsid(kill) != lsid(find) {
				t.Errorf("killCursors lsid %s, find's %s", lsid(kill), lsid(find))
			}
			// With prefetch, the getMore sent when the first document was
			// handed out completed before the kill.
			if n := len(e.commands("getMore")); (mode.on == nil) != (n == 1) {
				t.Errorf("%d getMores", n)
			}
			// Documents already received are still handed out, then Next
			// says the cursor was closed.
			n := 0
			for cur.Next(e.ctx) {
				n++
			}
			if !errors.Is(cur.Err(), motor.ErrCursorClosed) {
				t.Errorf("Err after Close = %v", cur.Err())
			}
			want := 4 // the rest of the first batch
			if mode.on == nil {
				want += 5 // and the prefetched batch
			}
			if n != want {
				t.Errorf("%d documents after Close, want %d", n, want)
			}
			// The server no longer has the cursor.
			raw := e.run(t, bson.D{{Key: "killCursors", Value: e.coll.Name()}, {Key: "cursors", Value: bson.A{id}}})
			if rdJSON(raw.Lookup("cursorsNotFound")) != rdJSON(kill.Lookup("cursors")) {
				t.Errorf("cursor still open: %v", raw)
			}
		})
	}
}

func TestCursorAllBreakKillsCursor(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 30)
	cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 5, Sort: bson.D{{Key: "_id", Value: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for d, err := range cur.All(e.ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rdIDs([]bson.D{d})[0])
		if len(got) == 3 {
			break
		}
	}
	if !slices.Equal(got, rdRange(0, 3)) {
		t.Errorf("got %v", got)
	}
	if len(e.commands("killCursors")) != 1 || cur.ID() != 0 {
		t.Errorf("after break: sent %v, ID %d", e.names(), cur.ID())
	}
}

func TestCursorErrorMidIteration(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 20)
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 5, Sort: bson.D{{Key: "_id", Value: 1}}, Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			// Kill the cursor behind the driver's back: its next getMore fails.
			e.run(t, bson.D{{Key: "killCursors", Value: e.coll.Name()}, {Key: "cursors", Value: bson.A{cur.ID()}}})
			e.reset()
			var got []string
			var last error
			for d, err := range cur.All(e.ctx) {
				if err != nil {
					if last != nil {
						t.Errorf("a second error: %v", err)
					}
					last = err
					continue
				}
				if last != nil {
					t.Error("a document after the error")
				}
				got = append(got, rdIDs([]bson.D{d})[0])
			}
			if !slices.Equal(got, rdRange(0, 5)) {
				t.Errorf("got %v before the error", got)
			}
			var se *motor.ServerError
			if !errors.As(last, &se) || se.Code != 43 || se.Command != "getMore" {
				t.Fatalf("error %v, want CursorNotFound from getMore", last)
			}
			// The error is kept, and reported once per failed Next.
			if cur.Next(e.ctx) || !errors.Is(cur.Err(), se) {
				t.Errorf("Next after the error: Err %v", cur.Err())
			}
			if len(e.commands("getMore")) != 1 {
				t.Errorf("sent %v, want one getMore", e.names())
			}
			// The server said the cursor is gone: nothing to kill.
			if cur.ID() != 0 || len(e.commands("killCursors")) != 0 {
				t.Errorf("ID %d, sent %v", cur.ID(), e.names())
			}
		})
	}
}

func TestCursorDecodeErrorEndsAll(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 12)
	type wrong struct {
		S int `bson:"s"`
	}
	coll := motor.CollectionOf[wrong](e.db, e.coll.Name())
	cur, err := coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last error
	for _, err := range cur.All(e.ctx) {
		n++
		last = err
	}
	if n != 1 || last == nil {
		t.Errorf("%d elements, last error %v; want the decoding error alone", n, last)
	}
	if len(e.commands("killCursors")) != 1 {
		t.Errorf("sent %v, want a killCursors", e.names())
	}
}

func TestCursorConcurrentCursorsHaveOwnSessions(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 40)
	a, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.coll.Find(e.ctx, bson.D{{Key: "g", Value: 0}}, motor.FindOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	na, nb := 0, 0
	for {
		okA, okB := a.Next(e.ctx), b.Next(e.ctx)
		if okA {
			na++
		}
		if okB {
			nb++
		}
		if !okA && !okB {
			break
		}
	}
	if a.Err() != nil || b.Err() != nil || na != 40 || nb != 14 {
		t.Fatalf("read %d and %d documents; errors %v, %v", na, nb, a.Err(), b.Err())
	}
	finds := e.commands("find")
	if lsid(finds[0]) == lsid(finds[1]) {
		t.Fatal("two open cursors share a session")
	}
	for _, gm := range e.commands("getMore") {
		want := finds[0]
		if gm.Lookup("batchSize").Int32() == 2 {
			want = finds[1]
		}
		if lsid(gm) != lsid(want) {
			t.Errorf("getMore %v with another cursor's session", gm)
		}
	}
}

func TestCursorEmptyResult(t *testing.T) {
	e := newRdEnv(t, nil)
	cur, err := e.coll.Find(e.ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if cur.ID() != 0 || cur.RemainingBatchLength() != 0 || cur.Next(e.ctx) || cur.Err() != nil {
		t.Errorf("cursor over nothing: id %d, err %v", cur.ID(), cur.Err())
	}
	docs, err := cur.ToSlice(e.ctx)
	if err != nil || docs == nil || len(docs) != 0 {
		t.Errorf("ToSlice = %v, %v", docs, err)
	}
	if err := cur.Close(context.Background()); err != nil || len(e.commands("killCursors")) != 0 {
		t.Errorf("Close: %v, sent %v", err, e.names())
	}
}

func TestCursorAbandonedIsClosed(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 10)
	var id int64
	func() {
		cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{BatchSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		id = cur.ID()
		if !cur.Next(e.ctx) {
			t.Fatal(cur.Err())
		}
	}()
	// The Cursor is garbage now: its cleanup kills the server's cursor.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		for _, k := range e.commands("killCursors") {
			if k.Lookup("cursors").Array().Index(0).Int64() == id {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("cursor %d not killed after its Cursor was collected; sent %v", id, e.names())
}
