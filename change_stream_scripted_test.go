package motor_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of change streams against scripted servers: FerretDB has no
// change streams, and resuming needs failures on cue.

// csTok is a resume token.
func csTok(n int32) bson.D { return bson.D{{Key: "_data", Value: n}} }

// csEv is a change event whose resume token is csTok(n).
func csEv(n int32) bson.D {
	return bson.D{{Key: "_id", Value: csTok(n)}, {Key: "operationType", Value: "insert"},
		{Key: "ns", Value: bson.D{{Key: "db", Value: "db"}, {Key: "coll", Value: "c"}}},
		{Key: "documentKey", Value: bson.D{{Key: "_id", Value: n}}},
		{Key: "fullDocument", Value: bson.D{{Key: "_id", Value: n}, {Key: "x", Value: n * 10}}}}
}

// csBatch is a cursor reply of a change stream; tok (if not nil) is its
// postBatchResumeToken, and opTime, if set, its operationTime.
func csBatch(id int64, batch string, tok bson.D, opTime *bson.Timestamp, docs ...bson.D) []wiretest.Reply {
	arr := bson.A{}
	for _, d := range docs {
		arr = append(arr, d)
	}
	cur := bson.D{{Key: "id", Value: id}, {Key: "ns", Value: "db.c"}, {Key: batch, Value: arr}}
	if tok != nil {
		cur = append(cur, bson.E{Key: "postBatchResumeToken", Value: tok})
	}
	d := bson.D{{Key: "cursor", Value: cur}, {Key: "ok", Value: 1.0}}
	if opTime != nil {
		d = append(d, bson.E{Key: "operationTime", Value: *opTime})
	}
	return []wiretest.Reply{{Doc: d}}
}

func csErr(code int32, labels ...string) []wiretest.Reply {
	d := bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: code}, {Key: "errmsg", Value: "scripted"}}
	if len(labels) > 0 {
		a := bson.A{}
		for _, l := range labels {
			a = append(a, l)
		}
		d = append(d, bson.E{Key: "errorLabels", Value: a})
	}
	return []wiretest.Reply{{Doc: d}}
}

var csOK = []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}

// csScript answers the i-th aggregate with aggs[i] and the i-th getMore
// with gets[i]; killCursors succeeds; anything beyond the script gets an
// empty batch of a live cursor, after a short wait.
func csScript(aggs, gets [][]wiretest.Reply) func(wiretest.Request) []wiretest.Reply {
	var mu sync.Mutex
	var na, ng int
	return func(req wiretest.Request) []wiretest.Reply {
		mu.Lock()
		defer mu.Unlock()
		switch req.Command {
		case "aggregate":
			na++
			if na <= len(aggs) {
				return aggs[na-1]
			}
			return csBatch(9, "firstBatch", nil, nil)
		case "getMore":
			ng++
			if ng <= len(gets) {
				return gets[ng-1]
			}
			r := csBatch(req.Body.Lookup("getMore").Int64(), "nextBatch", nil, nil)
			r[0].Delay = 20 * time.Millisecond
			return r
		case "killCursors":
			return csOK
		}
		return csErr(59)
	}
}

func csWatch(t *testing.T, c *motor.Client, opts ...motor.ChangeStreamOptions) *motor.ChangeStream {
	t.Helper()
	cs, err := c.Database("db").Collection("c").Watch(ctxTimeout(t, 20*time.Second), bson.A{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close(context.Background()) })
	return cs
}

func TestChangeStreamCommands(t *testing.T) {
	f, c := newRdFake(t, 21, csScript(nil, [][]wiretest.Reply{csBatch(0, "nextBatch", nil, nil)}))
	ctx := ctxTimeout(t, 20*time.Second)
	show := true
	ts := bson.Timestamp{T: 5, I: 1}
	cs, err := c.Database("db").Collection("c").Watch(ctx, bson.A{bson.D{{Key: "$match", Value: bson.D{{Key: "x", Value: 1}}}}},
		motor.ChangeStreamOptions{FullDocument: "updateLookup", FullDocumentBeforeChange: "whenAvailable", BatchSize: 3,
			MaxAwaitTime: 250 * time.Millisecond, Comment: "c", ShowExpandedEvents: &show, StartAtOperationTime: &ts,
			Collation: &motor.Collation{Locale: "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Next(ctx) || cs.Err() != nil || cs.ID() != 0 {
		t.Fatalf("Next on an ended stream: err %v id %d", cs.Err(), cs.ID())
	}
	agg := f.requests("aggregate")[0].Body
	wantFields(t, agg, map[string]string{
		"aggregate": `"c"`, "cursor.batchSize": "3", "comment": `"c"`, "maxTimeMS": "<absent>", "collation.locale": `"fr"`,
		"pipeline.0.$changeStream.fullDocument":             `"updateLookup"`,
		"pipeline.0.$changeStream.fullDocumentBeforeChange": `"whenAvailable"`,
		"pipeline.0.$changeStream.showExpandedEvents":       "true",
		"pipeline.0.$changeStream.startAtOperationTime":     `{"$timestamp":{"t":5,"i":1}}`,
		"pipeline.0.$changeStream.allChangesForCluster":     "<absent>",
		"pipeline.1.$match.x":                               "1",
	})
	wantFields(t, f.requests("getMore")[0].Body, map[string]string{"batchSize": "3", "maxTimeMS": "250", "comment": `"c"`, "collection": `"c"`})
	if err := cs.Close(ctx); err != nil {
		t.Fatal(err)
	}

	dbcs, err := c.Database("db").Watch(ctx, bson.A{})
	if err != nil {
		t.Fatal(err)
	}
	defer dbcs.Close(ctx)
	wantFields(t, f.requests("aggregate")[1].Body, map[string]string{"aggregate": "1", "$db": `"db"`, "cursor.batchSize": "<absent>",
		"pipeline.0.$changeStream.allChangesForCluster": "<absent>", "pipeline.0.$changeStream.fullDocument": "<absent>"})
	clcs, err := c.Watch(ctx, bson.A{})
	if err != nil {
		t.Fatal(err)
	}
	defer clcs.Close(ctx)
	wantFields(t, f.requests("aggregate")[2].Body, map[string]string{"aggregate": "1", "$db": `"admin"`,
		"pipeline.0.$changeStream.allChangesForCluster": "true"})
}

func TestChangeStreamResumeTokens(t *testing.T) {
	_, c := newRdFake(t, 21, csScript(
		[][]wiretest.Reply{csBatch(7, "firstBatch", csTok(2), nil, csEv(1), csEv(2))},
		[][]wiretest.Reply{csBatch(7, "nextBatch", csTok(3), nil), csBatch(7, "nextBatch", csTok(5), nil, csEv(4), csEv(5))}))
	cs := csWatch(t, c)
	ctx := ctxTimeout(t, 20*time.Second)
	steps := []struct {
		try    bool
		ok     bool
		ev     string
		resume string
	}{
		{false, true, `{"_data":1}`, `{"_data":1}`},
		{false, true, `{"_data":2}`, `{"_data":2}`}, // the last of the batch: the postBatchResumeToken
		{true, false, "", `{"_data":3}`},            // an empty batch
		{true, true, `{"_data":4}`, `{"_data":4}`},
		{true, true, `{"_data":5}`, `{"_data":5}`},
	}
	for i, s := range steps {
		var ok bool
		if s.try {
			ok = cs.TryNext(ctx)
		} else {
			ok = cs.Next(ctx)
		}
		if ok != s.ok || cs.Err() != nil {
			t.Fatalf("step %d: %v, %v", i, ok, cs.Err())
		}
		if ok && cs.Current.Lookup("_id").String() != s.ev {
			t.Errorf("step %d: event %v", i, cs.Current)
		}
		if got := bson.Raw(cs.ResumeToken()).String(); got != s.resume {
			t.Errorf("step %d: resume token %s, want %s", i, got, s.resume)
		}
	}
	if cs.ID() != 7 {
		t.Errorf("ID = %d", cs.ID())
	}
}

func TestChangeStreamContextWhileWaiting(t *testing.T) {
	f, c := newRdFake(t, 21, csScript(
		[][]wiretest.Reply{csBatch(7, "firstBatch", csTok(1), nil), csBatch(8, "firstBatch", nil, nil, csEv(2))},
		[][]wiretest.Reply{{{Doc: csBatch(7, "nextBatch", nil, nil)[0].Doc, Delay: 2 * time.Second}}}))
	cs := csWatch(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if cs.Next(ctx) || !errors.Is(cs.Err(), context.DeadlineExceeded) {
		t.Fatalf("Next = true or Err = %v", cs.Err())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Next returned after %v", d)
	}
	// The stream is still usable: the next call resumes after the token.
	if !cs.Next(ctxTimeout(t, 20*time.Second)) {
		t.Fatal(cs.Err())
	}
	aggs := f.requests("aggregate")
	if len(aggs) != 2 {
		t.Fatalf("%d aggregates", len(aggs))
	}
	wantFields(t, aggs[1].Body, map[string]string{"pipeline.0.$changeStream.resumeAfter._data": "1"})
}

func TestChangeStreamCloseAndClientClose(t *testing.T) {
	var gets atomic.Int32
	script := csScript([][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil, csEv(1))}, nil)
	f, c := newRdFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "getMore" {
			gets.Add(1)
			return []wiretest.Reply{{Doc: csBatch(7, "nextBatch", nil, nil)[0].Doc, Delay: 3 * time.Second}}
		}
		return script(req)
	})
	ctx := ctxTimeout(t, 20*time.Second)
	cs := csWatch(t, c)
	if !cs.Next(ctx) { // starts a prefetch, which waits on the server
		t.Fatal(cs.Err())
	}
	done := make(chan bool)
	go func() { done <- cs.Next(ctx) }()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if <-done || !errors.Is(cs.Err(), motor.ErrClientClosed) {
		t.Fatalf("Next after Client.Close: Err = %v", cs.Err())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Client.Close took %v", d)
	}
	if len(f.requests("aggregate")) != 1 {
		t.Errorf("the stream resumed after Client.Close")
	}
	if err := cs.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestChangeStreamClose(t *testing.T) {
	f, c := newRdFake(t, 21, csScript([][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil)}, nil))
	cs := csWatch(t, c)
	ctx := ctxTimeout(t, 20*time.Second)
	done := make(chan bool)
	go func() { done <- cs.Next(ctx) }() // waits on empty batches
	time.Sleep(100 * time.Millisecond)
	if err := cs.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if <-done || !errors.Is(cs.Err(), motor.ErrCursorClosed) {
		t.Fatalf("Next after Close: Err = %v", cs.Err())
	}
	kills := f.requests("killCursors")
	if len(kills) != 1 || kills[0].Body.Lookup("cursors", "0").String() != "7" {
		t.Errorf("killCursors: %v", kills)
	}
	if cs.ID() != 0 || cs.Close(ctx) != nil {
		t.Error("a second Close failed, or ID is not 0")
	}
}

type csDoc struct {
	ID int32 `bson:"_id"`
	X  int32 `bson:"x"`
}

func TestChangeEventDecode(t *testing.T) {
	upd := bson.D{{Key: "_id", Value: csTok(2)}, {Key: "operationType", Value: "update"},
		{Key: "ns", Value: bson.D{{Key: "db", Value: "db"}, {Key: "coll", Value: "c"}}},
		{Key: "documentKey", Value: bson.D{{Key: "_id", Value: 2}}},
		{Key: "clusterTime", Value: bson.Timestamp{T: 9, I: 2}},
		{Key: "updateDescription", Value: bson.D{{Key: "updatedFields", Value: bson.D{{Key: "x", Value: 3}}},
			{Key: "removedFields", Value: bson.A{"y"}}, {Key: "truncatedArrays", Value: bson.A{bson.D{{Key: "field", Value: "a"}, {Key: "newSize", Value: int32(1)}}}}}}}
	_, c := newRdFake(t, 21, csScript([][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil, csEv(1), upd)}, nil))
	cs := csWatch(t, c)
	ctx := ctxTimeout(t, 20*time.Second)
	var evs []motor.ChangeEvent[csDoc]
	for range 2 {
		if !cs.Next(ctx) {
			t.Fatal(cs.Err())
		}
		var ev motor.ChangeEvent[csDoc]
		if err := cs.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	ins, up := evs[0], evs[1]
	if ins.OperationType != "insert" || ins.FullDocument == nil || *ins.FullDocument != (csDoc{1, 10}) || ins.NS != (motor.ChangeNamespace{DB: "db", Coll: "c"}) ||
		ins.ID.Lookup("_data").String() != "1" || ins.UpdateDescription != nil {
		t.Errorf("insert event: %+v", ins)
	}
	if up.OperationType != "update" || up.FullDocument != nil || up.ClusterTime != (bson.Timestamp{T: 9, I: 2}) || up.UpdateDescription == nil ||
		up.UpdateDescription.UpdatedFields.Lookup("x").String() != "3" || len(up.UpdateDescription.RemovedFields) != 1 ||
		len(up.UpdateDescription.TruncatedArrays) != 1 || up.UpdateDescription.TruncatedArrays[0] != (motor.TruncatedArray{Field: "a", NewSize: 1}) ||
		up.DocumentKey.Lookup("_id").String() != "2" {
		t.Errorf("update event: %+v", up)
	}
}

func TestChangeStreamAbandoned(t *testing.T) {
	f, c := newRdFake(t, 21, csScript([][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil)}, nil))
	func() {
		if _, err := c.Database("db").Collection("c").Watch(ctxTimeout(t, 20*time.Second), bson.A{}); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(f.requests("killCursors")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a change stream garbage collected unclosed was not closed")
		}
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}
