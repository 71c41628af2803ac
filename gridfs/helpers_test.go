package gridfs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/gridfs"
	"github.com/motor-go/motor/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is a test's database on the shared server, dropped before and after
// the test, with the commands its client sent.
type env struct {
	ctx    context.Context
	client *motor.Client
	db     *motor.Database

	mu   sync.Mutex
	cmds []sentCmd
}

type sentCmd struct {
	name string
	body bson.Raw
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{}
	mon := &event.CommandMonitor{Started: func(ev event.CommandStartedEvent) {
		e.mu.Lock()
		e.cmds = append(e.cmds, sentCmd{name: ev.CommandName, body: append(bson.Raw(nil), ev.Command...)})
		e.mu.Unlock()
	}}
	cfg, err := motor.ParseURI(testenv.URI(t, testenv.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.CommandMonitor = mon
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	e.ctx = ctx
	e.client, err = motor.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	name := "motor_gridfs_" + strings.NewReplacer("/", "_", " ", "_", ".", "_").Replace(strings.TrimPrefix(t.Name(), "Test"))
	if len(name) > 60 {
		name = name[:60]
	}
	e.db = e.client.Database(name)
	if err := e.db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.db.Drop(ctx); err != nil {
			t.Errorf("dropping %s: %v", e.db.Name(), err)
		}
		if err := e.client.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	e.reset()
	return e
}

// reset forgets the commands sent so far.
func (e *env) reset() {
	e.mu.Lock()
	e.cmds = nil
	e.mu.Unlock()
}

// sent returns the commands named name sent since the last reset.
func (e *env) sent(name string) []bson.Raw {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []bson.Raw
	for _, c := range e.cmds {
		if c.name == name {
			out = append(out, c.body)
		}
	}
	return out
}

// count returns the number of documents in the collection coll.
func (e *env) count(t *testing.T, coll string, filter any) int64 {
	t.Helper()
	n, err := e.db.Collection(coll).CountDocuments(e.ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// payload returns n bytes of a pattern that differs from chunk to chunk.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// upload stores data as filename and returns its id.
func upload(t *testing.T, e *env, b *gridfs.Bucket, filename string, data []byte, opts ...gridfs.UploadOptions) bson.ObjectID {
	t.Helper()
	id, err := b.UploadFromStream(e.ctx, filename, strings.NewReader(string(data)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// motorSortN sorts chunks by n.
func motorSortN() motor.FindOptions {
	return motor.FindOptions{Sort: bson.D{{Key: "n", Value: 1}}}
}

func mustDelete(t *testing.T, e *env, coll string, filter bson.D) {
	t.Helper()
	if res, err := e.db.Collection(coll).DeleteMany(e.ctx, filter); err != nil || res.DeletedCount == 0 {
		t.Fatalf("delete %v: %+v, %v", filter, res, err)
	}
}

func mustInsert(t *testing.T, e *env, coll string, doc bson.D) {
	t.Helper()
	if _, err := e.db.Collection(coll).InsertOne(e.ctx, doc); err != nil {
		t.Fatal(err)
	}
}

func mustSetData(t *testing.T, e *env, coll string, id bson.ObjectID, n int32, data []byte) {
	t.Helper()
	mustSet(t, e, coll, id, n, "data", data)
}

// mustSet sets key of the chunk n of the file id to v.
func mustSet(t *testing.T, e *env, coll string, id bson.ObjectID, n int32, key string, v any) {
	t.Helper()
	res, err := e.db.Collection(coll).UpdateOne(e.ctx, bson.D{{Key: "files_id", Value: id}, {Key: "n", Value: n}},
		bson.D{{Key: "$set", Value: bson.D{{Key: key, Value: v}}}})
	if err != nil || res.MatchedCount != 1 {
		t.Fatalf("update chunk %d: %+v, %v", n, res, err)
	}
}
