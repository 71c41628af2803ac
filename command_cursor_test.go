package motor_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// Database.RunCursorCommand against the test server: the command is sent
// as given, its cursor's getMores carry the options, the session and the
// server of the command.

func TestRunCursorCommandFind(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 7)
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			e.reset()
			cmd := bson.D{{Key: "find", Value: e.coll.Name()}, {Key: "sort", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "batchSize", Value: int32(2)}}
			cur, err := e.db.RunCursorCommand(e.ctx, cmd, motor.RunCursorCommandOptions{
				BatchSize: 3, Comment: "more", Prefetch: mode.on,
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for d, err := range cur.All(e.ctx) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, d.Lookup("_id").StringValue())
			}
			if want := rdRange(0, 7); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			find := e.only(t, "find")
			// The command goes as given: no readConcern, maxTimeMS or
			// comment of the driver's; lsid is added.
			wantFields(t, find, map[string]string{"batchSize": "2", "comment": "<absent>", "maxTimeMS": "<absent>", "readConcern": "<absent>"})
			gms := e.commands("getMore")
			if len(gms) != 2 { // 2 + 3 + 2 documents
				t.Fatalf("%d getMores, want 2: %v", len(gms), e.names())
			}
			for _, gm := range gms {
				wantFields(t, gm, map[string]string{"batchSize": "3", "comment": `"more"`, "maxTimeMS": "<absent>", "collection": `"` + e.coll.Name() + `"`})
				if lsid(gm) != lsid(find) || lsid(find) == "null" {
					t.Errorf("getMore lsid %s, find lsid %s", lsid(gm), lsid(find))
				}
			}
		})
	}
}

// MaxAwaitTime is sent with the getMores of any cursor, as the
// specification asks; the server refuses it for a cursor that is not
// tailable awaitData, and the cursor reports that.
func TestRunCursorCommandGetMoreMaxTime(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 3)
	cur, err := e.db.RunCursorCommand(e.ctx, bson.D{{Key: "find", Value: e.coll.Name()}, {Key: "batchSize", Value: int32(1)}},
		motor.RunCursorCommandOptions{MaxAwaitTime: 300 * time.Millisecond, Prefetch: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(e.ctx)
	n := 0
	for cur.Next(e.ctx) {
		n++
	}
	wantFields(t, e.only(t, "getMore"), map[string]string{"maxTimeMS": "300"})
	var se *motor.ServerError
	if n != 1 || !errors.As(cur.Err(), &se) || se.Code != 2 {
		t.Fatalf("read %d documents, then %v; want 1 and the server's BadValue", n, cur.Err())
	}
}

func TestRunCursorCommandAggregate(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 5)
	cmd := bson.D{
		{Key: "aggregate", Value: e.coll.Name()},
		{Key: "pipeline", Value: bson.A{bson.D{{Key: "$sort", Value: bson.D{{Key: "_id", Value: -1}}}}}},
		{Key: "cursor", Value: bson.D{{Key: "batchSize", Value: int32(1)}}},
	}
	cur, err := e.db.RunCursorCommand(e.ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := cur.ToSlice(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Lookup("_id").StringValue())
	}
	if want := []string{"d0004", "d0003", "d0002", "d0001", "d0000"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, gm := range e.commands("getMore") {
		// No option: getMore leaves batchSize to the server.
		wantFields(t, gm, map[string]string{"batchSize": "<absent>", "comment": "<absent>", "maxTimeMS": "<absent>"})
	}
}

func TestRunCursorCommandClose(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 5)
	cur, err := e.db.RunCursorCommand(e.ctx, bson.D{{Key: "find", Value: e.coll.Name()}, {Key: "batchSize", Value: int32(2)}}, motor.RunCursorCommandOptions{Prefetch: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	if !cur.Next(e.ctx) || cur.ID() == 0 {
		t.Fatalf("Next: %v, id %d", cur.Err(), cur.ID())
	}
	if err := cur.Close(e.ctx); err != nil {
		t.Fatal(err)
	}
	kill := e.only(t, "killCursors")
	wantFields(t, kill, map[string]string{"killCursors": `"` + e.coll.Name() + `"`})
	if lsid(kill) != lsid(e.only(t, "find")) {
		t.Errorf("killCursors lsid %s, find lsid %s", lsid(kill), lsid(e.only(t, "find")))
	}
	if n := len(e.commands("getMore")); n != 0 {
		t.Errorf("%d getMores sent without prefetching", n)
	}
}

func TestRunCursorCommandTailable(t *testing.T) {
	e := newRdEnv(t, nil)
	name := e.coll.Name()
	e.run(t, bson.D{{Key: "create", Value: name}, {Key: "capped", Value: true}, {Key: "size", Value: 1 << 20}})
	e.run(t, bson.D{{Key: "insert", Value: name}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: "t0"}}, bson.D{{Key: "_id", Value: "t1"}}}}})
	e.reset()
	// FerretDB closes a tailable cursor whose first batch holds all the
	// data, hence the small first batch.
	cmd := bson.D{{Key: "find", Value: name}, {Key: "tailable", Value: true}, {Key: "awaitData", Value: true}, {Key: "batchSize", Value: int32(1)}}
	cur, err := e.db.RunCursorCommand(e.ctx, cmd, motor.RunCursorCommandOptions{CursorType: motor.TailableAwait, MaxAwaitTime: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(e.ctx)
	var got []string
	for len(got) < 2 && cur.Next(e.ctx) {
		got = append(got, cur.Current.Lookup("_id").StringValue())
	}
	if !slices.Equal(got, []string{"t0", "t1"}) {
		t.Fatalf("got %v, err %v", got, cur.Err())
	}
	start := time.Now()
	for cur.TryNext(e.ctx) {
		t.Fatalf("TryNext returned %v", cur.Current)
	}
	if cur.Err() != nil || cur.ID() == 0 {
		t.Fatalf("TryNext ended the cursor: %v", cur.Err())
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("TryNext returned after %v, before the getMore's maxTimeMS", d)
	}
	for _, gm := range e.commands("getMore") {
		wantFields(t, gm, map[string]string{"maxTimeMS": "300"})
	}
}

func TestRunCursorCommandErrors(t *testing.T) {
	e := newRdEnv(t, nil)
	// A reply without a cursor.
	cur, err := e.db.RunCursorCommand(e.ctx, bson.D{{Key: "ping", Value: int32(1)}})
	if err == nil || cur != nil || !strings.Contains(err.Error(), "reply without a cursor document") {
		t.Fatalf("ping: cursor %v, err %v", cur, err)
	}
	var se *motor.ServerError
	if errors.As(err, &se) {
		t.Errorf("a reply without a cursor is a client error, got %v", err)
	}
	// A server error is the command's.
	_, err = e.db.RunCursorCommand(e.ctx, bson.D{{Key: "noSuchCommand", Value: int32(1)}})
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a server error", err)
	}
	// Bad input is refused before anything is sent.
	e.reset()
	for _, c := range []struct {
		name string
		cmd  any
		opts motor.RunCursorCommandOptions
		msg  string
	}{
		{"empty command", bson.D{}, motor.RunCursorCommandOptions{}, "empty command document"},
		{"not a document", 42, motor.RunCursorCommandOptions{}, "RunCursorCommand"},
		{"cursor type", bson.D{{Key: "find", Value: "x"}}, motor.RunCursorCommandOptions{CursorType: 9}, "unknown CursorType"},
		{"batch size", bson.D{{Key: "find", Value: "x"}}, motor.RunCursorCommandOptions{BatchSize: -1}, "negative BatchSize"},
		{"max await", bson.D{{Key: "find", Value: "x"}}, motor.RunCursorCommandOptions{MaxAwaitTime: -time.Second}, "negative MaxAwaitTime"},
		{"read preference", bson.D{{Key: "find", Value: "x"}}, motor.RunCursorCommandOptions{ReadPreference: &motor.ReadPreference{Mode: "sometimes"}}, "sometimes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cur, err := e.db.RunCursorCommand(e.ctx, c.cmd, c.opts)
			if err == nil || cur != nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("cursor %v, err %v; want an error containing %q", cur, err, c.msg)
			}
			if names := e.names(); len(names) != 0 {
				t.Errorf("sent %v", names)
			}
		})
	}
}
