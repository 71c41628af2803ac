package motor_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/testenv"
)

// Helpers of the write tests (prefix wr).

// wrEnv is a client on the test server whose commands are recorded, and a
// database for the test's collections.
type wrEnv struct {
	client *motor.Client
	db     *motor.Database
	ctx    context.Context

	mu      sync.Mutex
	started []event.CommandStartedEvent
}

func newWrEnv(t *testing.T) *wrEnv {
	t.Helper()
	e := &wrEnv{ctx: ctxTimeout(t, 60*time.Second)}
	mon := &event.CommandMonitor{Started: func(ev event.CommandStartedEvent) {
		ev.Command = append(bson.Raw(nil), ev.Command...)
		e.mu.Lock()
		e.started = append(e.started, ev)
		e.mu.Unlock()
	}}
	e.client = connect(t, testenv.URI(t, testenv.Options{}), func(cfg *motor.Config) { cfg.CommandMonitor = mon })
	e.db = e.client.Database("motor_writes")
	return e
}

var wrNameChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

// wrColl returns a typed collection named after the test, empty, dropped
// again when the test ends.
func wrColl[T any](t *testing.T, e *wrEnv) *motor.Collection[T] {
	t.Helper()
	name := wrNameChars.ReplaceAllString(t.Name(), "_")
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	drop := func() { _ = e.db.RunCommand(context.Background(), bson.D{{Key: "drop", Value: name}}).Err() }
	drop()
	t.Cleanup(drop)
	e.reset()
	return motor.CollectionOf[T](e.db, name)
}

// reset forgets the commands recorded so far.
func (e *wrEnv) reset() {
	e.mu.Lock()
	e.started = nil
	e.mu.Unlock()
}

// sent returns the commands named name recorded since the last reset.
func (e *wrEnv) sent(name string) []bson.Raw {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []bson.Raw
	for _, ev := range e.started {
		if ev.CommandName == name {
			out = append(out, ev.Command)
		}
	}
	return out
}

// sentAny returns how many commands other than the monitoring ones were
// sent since the last reset.
func (e *wrEnv) sentAny() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.started {
		switch ev.CommandName {
		case "hello", "isMaster", "endSessions":
		default:
			n++
		}
	}
	return n
}

// find reads back the documents of coll that match filter, sorted by
// _id, with the find command (the test does not depend on Collection.Find).
func (e *wrEnv) find(t *testing.T, coll string, filter bson.D) []bson.D {
	t.Helper()
	raw, err := e.db.RunCommand(e.ctx, bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: filter},
		{Key: "sort", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "batchSize", Value: 10_000}}).Raw()
	if err != nil {
		t.Fatalf("reading back %s: %v", coll, err)
	}
	var out []bson.D
	batch := raw.Lookup("cursor", "firstBatch")
	id := raw.Lookup("cursor", "id").Int64()
	for {
		for _, v := range batch.Array().Values() {
			var d bson.D
			if err := v.Unmarshal(&d); err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
		if id == 0 {
			return out
		}
		raw, err = e.db.RunCommand(e.ctx, bson.D{{Key: "getMore", Value: id}, {Key: "collection", Value: coll}}).Raw()
		if err != nil {
			t.Fatalf("reading back %s: %v", coll, err)
		}
		batch = raw.Lookup("cursor", "nextBatch")
		id = raw.Lookup("cursor", "id").Int64()
	}
}

// count returns the number of documents of coll matching filter.
func (e *wrEnv) count(t *testing.T, coll string, filter bson.D) int64 {
	t.Helper()
	raw, err := e.db.RunCommand(e.ctx, bson.D{{Key: "count", Value: coll}, {Key: "query", Value: filter}}).Raw()
	if err != nil {
		t.Fatalf("counting %s: %v", coll, err)
	}
	n, _ := raw.Lookup("n").AsInt64OK()
	return n
}

// storedCount returns the number of documents the server keeps for coll,
// from collStats, without scanning it.
func (e *wrEnv) storedCount(t *testing.T, coll string) int64 {
	t.Helper()
	raw, err := e.db.RunCommand(e.ctx, bson.D{{Key: "collStats", Value: coll}}).Raw()
	if err != nil {
		t.Fatalf("collStats %s: %v", coll, err)
	}
	n, _ := raw.Lookup("count").AsInt64OK()
	return n
}

// eventually polls the count of coll until it is want (unacknowledged
// writes arrive when the server gets to them).
func (e *wrEnv) eventually(t *testing.T, coll string, filter bson.D, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := e.count(t, coll, filter)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d documents matching %v, want %d", coll, n, filter, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uniqueIndex creates a unique index on field.
func (e *wrEnv) uniqueIndex(t *testing.T, coll, field string) {
	t.Helper()
	err := e.db.RunCommand(e.ctx, bson.D{{Key: "createIndexes", Value: coll}, {Key: "indexes", Value: bson.A{
		bson.D{{Key: "key", Value: bson.D{{Key: field, Value: 1}}}, {Key: "name", Value: field + "_1"}, {Key: "unique", Value: true}},
	}}}).Err()
	if err != nil {
		t.Fatal(err)
	}
	e.reset()
}

// wrGet returns the value of key in d, or nil.
func wrGet(d bson.D, key string) any {
	for _, el := range d {
		if el.Key == key {
			return el.Value
		}
	}
	return nil
}

// wrInt returns a BSON number as an int64.
func wrInt(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return -1 << 62
}
