package motor_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/testenv"
)

// Integration tests of explicit sessions against the test server, as a
// standalone and as a one-member replica set.

// sessEnv is a client whose commands are recorded, with a database of its
// own.
type sessEnv struct {
	client *motor.Client
	db     *motor.Database
	ctx    context.Context

	mu   sync.Mutex
	cmds []admCmd
}

func newSessEnv(t *testing.T, opts testenv.Options) *sessEnv {
	t.Helper()
	e := &sessEnv{}
	mon := &event.CommandMonitor{Started: func(ev event.CommandStartedEvent) {
		e.mu.Lock()
		e.cmds = append(e.cmds, admCmd{name: ev.CommandName, db: ev.DatabaseName, body: append(bson.Raw(nil), ev.Command...)})
		e.mu.Unlock()
	}}
	e.client = connect(t, testenv.URI(t, opts), func(c *motor.Config) { c.CommandMonitor = mon })
	e.ctx = ctxTimeout(t, 60*time.Second)
	e.db = e.client.Database("motor_sess_" + strings.NewReplacer("/", "_", " ", "_").Replace(strings.TrimPrefix(t.Name(), "Test")))
	if err := e.db.Drop(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = e.db.Drop(ctx)
	})
	return e
}

// since returns the commands recorded from index n on.
func (e *sessEnv) since(n int) []admCmd {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]admCmd(nil), e.cmds[n:]...)
}

func (e *sessEnv) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.cmds)
}

// sessionTargets are the deployments the integration tests run against.
var sessionTargets = []struct {
	name string
	opts testenv.Options
}{
	{"standalone", testenv.Options{}},
	{"replicaset", testenv.Options{ReplicaSet: "rs0"}},
}

func TestSessionLsidOnEveryOperation(t *testing.T) {
	for _, tg := range sessionTargets {
		t.Run(tg.name, func(t *testing.T) {
			e := newSessEnv(t, tg.opts)
			s, err := e.client.StartSession()
			if err != nil {
				t.Fatal(err)
			}
			defer s.EndSession(e.ctx)
			ctx := motor.WithSession(e.ctx, s)
			coll := e.db.Collection("c")
			doc := func(i int) bson.D { return bson.D{{Key: "_id", Value: i}, {Key: "x", Value: 1}} }
			ops := []struct {
				name string
				run  func() error
			}{
				{"create", func() error { return e.db.CreateCollection(ctx, "c") }},
				{"insert", func() error { _, err := coll.InsertOne(ctx, doc(1)); return err }},
				{"insert", func() error { _, err := coll.InsertMany(ctx, []bson.D{doc(2), doc(3), doc(4)}); return err }},
				{"update", func() error {
					_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "y", Value: 1}}}})
					return err
				}},
				{"update", func() error { _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: 2}}, doc(2)); return err }},
				{"delete", func() error { _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: 4}}); return err }},
				{"findAndModify", func() error {
					_, err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "x", Value: 1}}}})
					return err
				}},
				{"insert", func() error {
					_, err := coll.BulkWrite(ctx, []motor.WriteModel{motor.InsertOneModel[bson.D]{Document: doc(5)}})
					return err
				}},
				{"find", func() error { _, err := coll.FindOne(ctx, bson.D{}); return err }},
				{"aggregate", func() error {
					cur, err := coll.Aggregate(ctx, bson.A{})
					if err == nil {
						_, err = cur.ToSlice(e.ctx)
					}
					return err
				}},
				{"aggregate", func() error { _, err := coll.CountDocuments(ctx, bson.D{}); return err }},
				{"count", func() error { _, err := coll.EstimatedDocumentCount(ctx); return err }},
				{"distinct", func() error { _, err := coll.Distinct(ctx, "x", bson.D{}); return err }},
				{"createIndexes", func() error {
					_, err := coll.Indexes().CreateOne(ctx, motor.IndexModel{Keys: bson.D{{Key: "x", Value: 1}}})
					return err
				}},
				{"listIndexes", func() error { _, err := coll.Indexes().List(ctx); return err }},
				{"dropIndexes", func() error { return coll.Indexes().DropOne(ctx, "x_1") }},
				{"listCollections", func() error { _, err := e.db.ListCollectionNames(ctx, bson.D{}); return err }},
				{"listDatabases", func() error { _, err := e.client.ListDatabaseNames(ctx, bson.D{}); return err }},
				{"ping", func() error { return e.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err() }},
				{"drop", func() error { return coll.Drop(ctx) }},
				{"dropDatabase", func() error { return e.db.Drop(ctx) }},
			}
			for _, o := range ops {
				n := e.count()
				if err := o.run(); err != nil {
					t.Fatalf("%s: %v", o.name, err)
				}
				cmds := e.since(n)
				if len(cmds) == 0 {
					t.Fatalf("%s: no command sent", o.name)
				}
				if cmds[0].name != o.name {
					t.Errorf("sent %s, want %s", cmds[0].name, o.name)
				}
				for _, c := range cmds {
					if got := c.body.Lookup("lsid").Document(); !bytesEqual(got, s.ID()) {
						t.Errorf("%s sent lsid %v, want the session's %v", c.name, got, s.ID())
					}
				}
			}
		})
	}
}

func TestSessionCursorKeepsLsid(t *testing.T) {
	for _, tg := range sessionTargets {
		t.Run(tg.name, func(t *testing.T) {
			e := newSessEnv(t, tg.opts)
			coll := e.db.Collection("c")
			docs := make([]bson.D, 10)
			for i := range docs {
				docs[i] = bson.D{{Key: "_id", Value: i}}
			}
			if _, err := coll.InsertMany(e.ctx, docs); err != nil {
				t.Fatal(err)
			}
			s, err := e.client.StartSession()
			if err != nil {
				t.Fatal(err)
			}
			defer s.EndSession(e.ctx)
			n := e.count()
			cur, err := coll.Find(motor.WithSession(e.ctx, s), bson.D{}, motor.FindOptions{BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			// Next is given a context without the session.
			got, err := cur.ToSlice(e.ctx)
			if err != nil || len(got) != 10 {
				t.Fatalf("%d documents, %v", len(got), err)
			}
			getMores := 0
			for _, c := range e.since(n) {
				if c.name != "find" && c.name != "getMore" {
					continue
				}
				getMores++
				if lsid := c.body.Lookup("lsid").Document(); !bytesEqual(lsid, s.ID()) {
					t.Errorf("%s sent lsid %v, want the session's", c.name, lsid)
				}
			}
			if getMores < 5 {
				t.Errorf("%d find and getMore commands, want at least 5", getMores)
			}
			// Closing the cursor does not end the session.
			if _, err := coll.FindOne(motor.WithSession(e.ctx, s), bson.D{}); err != nil {
				t.Errorf("the session is unusable after its cursor: %v", err)
			}

			// A cursor closed early sends killCursors in the session.
			cur, err = coll.Find(motor.WithSession(e.ctx, s), bson.D{}, motor.FindOptions{BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			n = e.count()
			if err := cur.Close(e.ctx); err != nil {
				t.Fatal(err)
			}
			for _, c := range e.since(n) {
				if c.name == "killCursors" && !bytesEqual(c.body.Lookup("lsid").Document(), s.ID()) {
					t.Errorf("killCursors sent lsid %v, want the session's", c.body.Lookup("lsid"))
				}
			}
		})
	}
}

func TestSessionErrors(t *testing.T) {
	e := newSessEnv(t, testenv.Options{})
	other := connect(t, testenv.URI(t, testenv.Options{}), nil)
	coll := e.db.Collection("c")

	s, err := e.client.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	ctx := motor.WithSession(e.ctx, s)
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "a", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	n := e.count()
	// Another client refuses the session.
	if _, err := other.Database(e.db.Name()).Collection("c").FindOne(ctx, bson.D{}); !errors.Is(err, motor.ErrSessionOtherClient) {
		t.Errorf("other client: %v", err)
	}
	// So do unacknowledged writes.
	w0 := coll.WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(0)})
	if _, err := w0.InsertOne(ctx, bson.D{{Key: "a", Value: 2}}); !errors.Is(err, motor.ErrSessionUnacknowledged) {
		t.Errorf("w: 0: %v", err)
	}
	if _, err := w0.DeleteMany(ctx, bson.D{}); !errors.Is(err, motor.ErrSessionUnacknowledged) {
		t.Errorf("w: 0 delete: %v", err)
	}
	if got := e.since(n); len(got) != 0 {
		t.Errorf("commands were sent: %v", got[0].name)
	}
	// An ended session is refused; its server session is reused by the
	// implicit sessions.
	lsid := s.ID()
	s.EndSession(e.ctx)
	if _, err := coll.FindOne(ctx, bson.D{}); !errors.Is(err, motor.ErrSessionEnded) {
		t.Errorf("ended session: %v", err)
	}
	if s.ID() != nil {
		t.Error("an ended session has an lsid")
	}
	n = e.count()
	if _, err := coll.FindOne(e.ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if got := e.since(n)[0].body.Lookup("lsid").Document(); !bytesEqual(got, lsid) {
		t.Errorf("implicit session lsid %v, want the ended session's %v back from the pool", got, lsid)
	}
}

// A prefetching cursor's getMores share the session with the operations
// the application runs in it meanwhile (run with -race).
func TestSessionSharedWithPrefetchingCursor(t *testing.T) {
	e := newSessEnv(t, testenv.Options{})
	coll := e.db.Collection("c")
	docs := make([]bson.D, 20)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}}
	}
	if _, err := coll.InsertMany(e.ctx, docs); err != nil {
		t.Fatal(err)
	}
	s, err := e.client.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(e.ctx)
	ctx := motor.WithSession(e.ctx, s)
	cur, err := coll.Find(ctx, bson.D{}, motor.FindOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(e.ctx)
	n := 0
	for cur.Next(e.ctx) {
		n++
		if _, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: n}}); err != nil && !errors.Is(err, motor.ErrNoDocuments) {
			t.Fatal(err)
		}
		_ = s.Dirty()
	}
	if err := cur.Err(); err != nil || n != 20 {
		t.Fatalf("%d documents, %v", n, err)
	}
}
