package motor_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Tailable cursors on capped collections, and waits cut short by a ctx or
// by Close.

func TestCursorTailable(t *testing.T) {
	e := newRdEnv(t, nil)
	for i, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			name := e.coll.Name() + string(rune('a'+i))
			coll := e.db.Collection(name)
			e.run(t, bson.D{{Key: "drop", Value: name}}, true)
			e.run(t, bson.D{{Key: "create", Value: name}, {Key: "capped", Value: true}, {Key: "size", Value: 1 << 20}})
			e.run(t, bson.D{{Key: "insert", Value: name}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: "t0"}}, bson.D{{Key: "_id", Value: "t1"}}}}})
			e.reset()
			// FerretDB closes a tailable cursor whose first batch holds
			// all the data, hence the small batches.
			cur, err := coll.Find(e.ctx, bson.D{}, motor.FindOptions{CursorType: motor.TailableAwait, BatchSize: 1, MaxAwaitTime: 300 * time.Millisecond, Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			defer cur.Close(e.ctx)
			wantFields(t, e.only(t, "find"), map[string]string{"tailable": "true", "awaitData": "true", "maxTimeMS": "<absent>"})
			var got []string
			for len(got) < 2 && cur.Next(e.ctx) {
				got = append(got, cur.Current.Lookup("_id").StringValue())
			}
			if !slices.Equal(got, []string{"t0", "t1"}) {
				t.Fatalf("got %v, err %v", got, cur.Err())
			}
			// At the end of the data TryNext waits maxAwaitTimeMS and says
			// there is nothing yet, and the cursor stays open.
			start := time.Now()
			for cur.TryNext(e.ctx) {
				t.Fatalf("TryNext returned %v", cur.Current)
			}
			if cur.Err() != nil || cur.ID() == 0 {
				t.Fatalf("TryNext ended the cursor: %v", cur.Err())
			}
			if d := time.Since(start); d < 200*time.Millisecond {
				t.Errorf("TryNext returned after %v, before maxAwaitTimeMS", d)
			}
			// A document inserted later arrives through the blocked Next.
			id := "late"
			go func() {
				time.Sleep(100 * time.Millisecond)
				e.db.RunCommand(e.ctx, bson.D{{Key: "insert", Value: name}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: id}}}}})
			}()
			if !cur.Next(e.ctx) || cur.Current.Lookup("_id").StringValue() != id {
				t.Fatalf("Next = %v, err %v", cur.Current, cur.Err())
			}
			for _, gm := range e.commands("getMore") {
				wantFields(t, gm, map[string]string{"maxTimeMS": "300", "batchSize": "1"})
			}
			if err := cur.Close(e.ctx); err != nil {
				t.Fatal(err)
			}
			if len(e.commands("killCursors")) != 1 {
				t.Errorf("sent %v, want a killCursors", e.names())
			}
		})
	}
}

func TestCursorWaitCutShortKeepsPrefetch(t *testing.T) {
	e := newRdEnv(t, nil)
	name := e.coll.Name()
	e.run(t, bson.D{{Key: "create", Value: name}, {Key: "capped", Value: true}, {Key: "size", Value: 1 << 20}})
	e.insert(t, bson.D{{Key: "_id", Value: "t0"}})
	cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{CursorType: motor.TailableAwait, BatchSize: 1, MaxAwaitTime: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(e.ctx)
	if !cur.Next(e.ctx) { // t0, and a prefetch that waits for new data
		t.Fatal(cur.Err())
	}
	short, cancel := context.WithTimeout(e.ctx, 100*time.Millisecond)
	defer cancel()
	if cur.Next(short) || !errors.Is(cur.Err(), context.DeadlineExceeded) {
		t.Fatalf("Next with a short ctx: err %v", cur.Err())
	}
	e.insert(t, bson.D{{Key: "_id", Value: "t1"}})
	if !cur.Next(e.ctx) || cur.Current.Lookup("_id").StringValue() != "t1" {
		t.Fatalf("Next after the cut-short wait: %v, %v", cur.Current, cur.Err())
	}
	if cur.Err() != nil {
		t.Errorf("Err still %v", cur.Err())
	}
	if n := len(e.commands("getMore")); n > 2 {
		t.Errorf("%d getMores: the cut-short wait lost one", n)
	}
}

func TestCursorCloseEndsBlockedNext(t *testing.T) {
	e := newRdEnv(t, nil)
	name := e.coll.Name()
	e.run(t, bson.D{{Key: "create", Value: name}, {Key: "capped", Value: true}, {Key: "size", Value: 1 << 20}})
	e.insert(t, bson.D{{Key: "_id", Value: "t0"}})
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			e.reset()
			cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{CursorType: motor.TailableAwait, BatchSize: 1, MaxAwaitTime: 20 * time.Second, Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			if !cur.Next(e.ctx) {
				t.Fatal(cur.Err())
			}
			done := make(chan bool)
			go func() { done <- cur.Next(e.ctx) }()
			time.Sleep(150 * time.Millisecond)
			start := time.Now()
			if err := cur.Close(e.ctx); err != nil {
				t.Logf("Close: %v", err) // the killed getMore may still hold the cursor
			}
			select {
			case ok := <-done:
				if ok || !errors.Is(cur.Err(), motor.ErrCursorClosed) {
					t.Errorf("Next after Close: %v, %v", ok, cur.Err())
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Next still blocked after Close")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Close took %v", d)
			}
		})
	}
}
