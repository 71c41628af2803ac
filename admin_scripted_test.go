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
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of the management helpers against a scripted server: what FerretDB
// cannot show (cursors of several batches, a NamespaceNotFound from drop,
// an old wire version) and replies no server should send.

// admFake is a scripted standalone server that answers the handshake and
// monitoring with hello, and every other command with reply (ok: 1 when
// reply returns nil). It records the other commands.
type admFake struct {
	srv *wiretest.Server

	mu   sync.Mutex
	reqs []wiretest.Request
}

func newAdmFake(t *testing.T, maxWire int32, reply func(req wiretest.Request) []wiretest.Reply) (*admFake, *motor.Client) {
	t.Helper()
	return newAdmFakeWith(t, admHello(maxWire), "directConnection=true", nil, reply)
}

// admHello is the hello reply of a standalone server.
func admHello(maxWire int32) bson.D {
	return bson.D{
		{Key: "helloOk", Value: true},
		{Key: "isWritablePrimary", Value: true},
		{Key: "maxBsonObjectSize", Value: int32(16 << 20)},
		{Key: "maxMessageSizeBytes", Value: int32(48_000_000)},
		{Key: "maxWriteBatchSize", Value: int32(100_000)},
		{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		{Key: "connectionId", Value: int32(7)},
		{Key: "minWireVersion", Value: int32(0)},
		{Key: "maxWireVersion", Value: maxWire},
		{Key: "ok", Value: 1.0},
	}
}

// newAdmFakeWith is newAdmFake with the given hello reply, URI options and
// configuration edit.
func newAdmFakeWith(t *testing.T, hello bson.D, uriOpts string, edit func(*motor.Config), reply func(req wiretest.Request) []wiretest.Reply) (*admFake, *motor.Client) {
	t.Helper()
	wiretest.LeakCheck(t)
	f := &admFake{}
	f.srv = wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			return []wiretest.Reply{{Doc: hello}}
		case "endSessions":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		if reply != nil {
			if r := reply(req); r != nil {
				return r
			}
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
	})
	c := connect(t, "mongodb://"+f.srv.Addr()+"/?"+uriOpts+"&serverSelectionTimeoutMS=5000", edit)
	return f, c
}

// requests returns the commands received, other than hello and endSessions.
func (f *admFake) requests() []wiretest.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wiretest.Request(nil), f.reqs...)
}

// commands returns the names of the commands received.
func (f *admFake) commands() []string {
	var names []string
	for _, r := range f.requests() {
		names = append(names, r.Command)
	}
	return names
}

func admCursorReply(id int64, ns, batchKey string, docs ...bson.D) []wiretest.Reply {
	batch := bson.A{}
	for _, d := range docs {
		batch = append(batch, d)
	}
	return []wiretest.Reply{{Doc: bson.D{
		{Key: "cursor", Value: bson.D{{Key: "id", Value: id}, {Key: "ns", Value: ns}, {Key: batchKey, Value: batch}}},
		{Key: "ok", Value: 1.0},
	}}}
}

func admErrorReply(code int32, name, msg string) []wiretest.Reply {
	return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: msg}, {Key: "code", Value: code}, {Key: "codeName", Value: name}}}}
}

func admIndexDoc(name string, key bson.D) bson.D {
	return bson.D{{Key: "v", Value: int32(2)}, {Key: "key", Value: key}, {Key: "name", Value: name}}
}

func TestListIndexesFollowsCursor(t *testing.T) {
	getMores := 0
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "listIndexes":
			return admCursorReply(77, "shop.items", "firstBatch", admIndexDoc("_id_", bson.D{{Key: "_id", Value: 1}}))
		case "getMore":
			getMores++
			if getMores == 1 {
				return admCursorReply(77, "shop.items", "nextBatch", admIndexDoc("a_1", bson.D{{Key: "a", Value: 1}}))
			}
			return admCursorReply(0, "shop.items", "nextBatch", admIndexDoc("b_-1", bson.D{{Key: "b", Value: -1}}), admIndexDoc("c_1", bson.D{{Key: "c", Value: 1}}))
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	specs, err := c.Database("shop").Collection("items").Indexes().List(ctx, motor.ListIndexesOptions{BatchSize: 1, Comment: "trace"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		if s.Namespace != "shop.items" {
			t.Errorf("namespace %q", s.Namespace)
		}
	}
	if strings.Join(names, ",") != "_id_,a_1,b_-1,c_1" {
		t.Errorf("names = %v", names)
	}
	reqs := f.requests()
	if len(reqs) != 3 || reqs[0].Command != "listIndexes" || reqs[1].Command != "getMore" || reqs[2].Command != "getMore" {
		t.Fatalf("commands = %v", f.commands())
	}
	first := reqs[0].Body
	if first.Lookup("cursor", "batchSize").Int32() != 1 || first.Lookup("comment").StringValue() != "trace" || first.Lookup("$db").StringValue() != "shop" {
		t.Errorf("listIndexes = %s", first)
	}
	lsid := first.Lookup("lsid")
	if lsid.Type == 0 {
		t.Errorf("listIndexes without lsid: %s", first)
	}
	for _, r := range reqs[1:] {
		b := r.Body
		// The index management specification: getMore carries the comment.
		if b.Lookup("getMore").Int64() != 77 || b.Lookup("collection").StringValue() != "items" || b.Lookup("batchSize").Int32() != 1 ||
			b.Lookup("comment").StringValue() != "trace" || b.Lookup("$db").StringValue() != "shop" {
			t.Errorf("getMore = %s", b)
		}
		if !b.Lookup("lsid").Equal(lsid) {
			t.Errorf("getMore lsid %s, want the cursor's %s", b.Lookup("lsid"), lsid)
		}
	}

	names, err = c.Database("shop").Collection("items").Indexes().ListNames(ctx)
	if err != nil || strings.Join(names, ",") != "_id_,b_-1,c_1" {
		t.Errorf("ListNames = %v, %v", names, err)
	}
}

func TestListCollectionsFollowsCursor(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "listCollections":
			return admCursorReply(5, "app.$cmd.listCollections", "firstBatch", bson.D{
				{Key: "name", Value: "log"}, {Key: "type", Value: "collection"},
				{Key: "options", Value: bson.D{{Key: "capped", Value: true}, {Key: "size", Value: 4096.0}, {Key: "clusteredIndex", Value: true}}},
				{Key: "info", Value: bson.D{{Key: "readOnly", Value: false}, {Key: "uuid", Value: bson.Binary{Subtype: 4, Data: make([]byte, 16)}}}},
				{Key: "idIndex", Value: admIndexDoc("_id_", bson.D{{Key: "_id", Value: 1}})},
			})
		case "getMore":
			return admCursorReply(0, "app.$cmd.listCollections", "nextBatch", bson.D{
				{Key: "name", Value: "adults"}, {Key: "type", Value: "view"},
				{Key: "options", Value: bson.D{{Key: "viewOn", Value: "people"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$match", Value: bson.D{}}}}}}},
				{Key: "info", Value: bson.D{{Key: "readOnly", Value: true}}},
			})
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	specs, err := c.Database("app").ListCollections(ctx, bson.D{}, motor.ListCollectionsOptions{BatchSize: 1, Comment: "once", AuthorizedCollections: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 {
		t.Fatalf("specs = %+v", specs)
	}
	log, view := specs[0], specs[1]
	if log.Name != "log" || !log.Options.Capped || log.Options.Size != 4096 || log.UUID == nil || log.IDIndex == nil || log.IDIndex.Namespace != "app.log" ||
		log.Options.ClusteredIndex == nil || !log.Options.ClusteredIndex.Unique {
		t.Errorf("log = %+v", log)
	}
	if view.Name != "adults" || view.Type != "view" || view.ViewOn != "people" || len(view.Pipeline) != 1 || !view.ReadOnly || view.UUID != nil {
		t.Errorf("view = %+v", view)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("commands = %v", f.commands())
	}
	if b := reqs[0].Body; b.Lookup("authorizedCollections").Boolean() != true || b.Lookup("comment").StringValue() != "once" || b.Lookup("nameOnly").Type != 0 {
		t.Errorf("listCollections = %s", b)
	}
	// The enumeration specification: getMore does not repeat the comment.
	if b := reqs[1].Body; b.Lookup("collection").StringValue() != "$cmd.listCollections" || b.Lookup("getMore").Int64() != 5 || b.Lookup("comment").Type != 0 {
		t.Errorf("getMore = %s", b)
	}
}

func TestListingKillsCursorOnFailure(t *testing.T) {
	block := make(chan struct{})
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "listIndexes":
			return admCursorReply(9, "db.failing", "firstBatch", admIndexDoc("_id_", bson.D{{Key: "_id", Value: 1}}))
		case "getMore":
			if req.Body.Lookup("collection").StringValue() == "failing" {
				return admErrorReply(96, "OperationFailed", "boom")
			}
			<-block // never answers: the caller's context ends first
			return []wiretest.Reply{{Close: true}}
		case "listCollections":
			return admCursorReply(11, "db.$cmd.listCollections", "firstBatch")
		}
		return nil
	})
	t.Cleanup(func() { close(block) }) // before the server closes
	ctx := ctxTimeout(t, 20*time.Second)
	_, err := c.Database("db").Collection("failing").Indexes().List(ctx)
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 96 {
		t.Fatalf("err = %v", err)
	}
	reqs := f.requests()
	last := reqs[len(reqs)-1]
	if last.Command != "killCursors" || last.Body.Lookup("killCursors").StringValue() != "failing" || last.Body.Lookup("cursors", "0").Int64() != 9 {
		t.Errorf("commands %v, last %s", f.commands(), last.Body)
	}

	// A context that ends during a getMore: List returns at once, and the
	// cursor is still killed, within a bounded time.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Database("db").ListCollectionNames(short, bson.D{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	reqs = f.requests()
	last = reqs[len(reqs)-1]
	if last.Command != "killCursors" || last.Body.Lookup("killCursors").StringValue() != "$cmd.listCollections" || last.Body.Lookup("cursors", "0").Int64() != 11 {
		t.Errorf("commands %v, last %s", f.commands(), last.Body)
	}
}

func TestListingMalformedReplies(t *testing.T) {
	replies := map[string][]wiretest.Reply{
		"noCursor":   {{Doc: bson.D{{Key: "ok", Value: 1.0}}}},
		"noID":       {{Doc: bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: bson.A{}}}}, {Key: "ok", Value: 1.0}}}},
		"noBatch":    {{Doc: bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(0)}}}, {Key: "ok", Value: 1.0}}}},
		"badNS":      admCursorReply(3, "nodot", "firstBatch"),
		"notDocsArr": {{Doc: bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(0)}, {Key: "firstBatch", Value: bson.A{int32(1)}}}}, {Key: "ok", Value: 1.0}}}},
	}
	_, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "listIndexes" {
			return replies[req.Body.Lookup("listIndexes").StringValue()]
		}
		if req.Command == "listDatabases" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	for name := range replies {
		_, err := c.Database("x").Collection(name).Indexes().List(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "motor: listIndexes: ") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := c.ListDatabaseNames(ctx, bson.D{}); err == nil || !strings.Contains(err.Error(), "no databases array") {
		t.Errorf("listDatabases without databases: err = %v", err)
	}
}

func TestDropSuppressesNamespaceNotFound(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "drop" {
			if req.Body.Lookup("drop").StringValue() == "missing" {
				return admErrorReply(26, "NamespaceNotFound", "ns not found")
			}
			return admErrorReply(13, "Unauthorized", "not allowed")
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	if err := c.Database("d").Collection("missing").Drop(ctx); err != nil {
		t.Errorf("Drop of a missing collection: %v", err)
	}
	err := c.Database("d").Collection("guarded").Drop(ctx)
	if !errors.Is(err, motor.ErrUnauthorized) {
		t.Errorf("Drop refused: err = %v", err)
	}
	if got := strings.Join(f.commands(), ","); got != "drop,drop" {
		t.Errorf("commands = %s", got)
	}
}

func TestCommitQuorumNeedsServer44(t *testing.T) {
	for _, tc := range []struct {
		wire int32
		ok   bool
	}{{8, false}, {9, true}, {21, true}} {
		f, c := newAdmFake(t, tc.wire, nil)
		ctx := ctxTimeout(t, 20*time.Second)
		iv := c.Database("d").Collection("c").Indexes()
		_, err := iv.CreateOne(ctx, motor.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}}, motor.CreateIndexesOptions{CommitQuorum: "votingMembers"})
		reqs := f.requests()
		if tc.ok {
			if err != nil || len(reqs) != 1 || reqs[0].Body.Lookup("commitQuorum").StringValue() != "votingMembers" {
				t.Errorf("wire %d: err = %v, commands %v", tc.wire, err, f.commands())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "commitQuorum") || len(reqs) != 0 {
			t.Errorf("wire %d: err = %v, commands %v", tc.wire, err, f.commands())
		}
		// Without commitQuorum the old server is fine.
		if _, err := iv.CreateOne(ctx, motor.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}}); err != nil {
			t.Errorf("wire %d without commitQuorum: %v", tc.wire, err)
		}
	}
}

func TestListNamesNameOnlyRule(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "listDatabases":
			return []wiretest.Reply{{Doc: bson.D{{Key: "databases", Value: bson.A{bson.D{{Key: "name", Value: "a"}}}}, {Key: "ok", Value: 1.0}}}}
		case "listCollections":
			return admCursorReply(0, "a.$cmd.listCollections", "firstBatch", bson.D{{Key: "name", Value: "c"}})
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	filters := []struct {
		filter   bson.D
		nameOnly bool
	}{
		{bson.D{}, true},
		{bson.D{{Key: "name", Value: bson.D{{Key: "$regex", Value: "^a"}}}}, true},
		{bson.D{{Key: "sizeOnDisk", Value: bson.D{{Key: "$gt", Value: 0}}}}, false},
		{bson.D{{Key: "name", Value: "a"}, {Key: "type", Value: "view"}}, false},
	}
	for _, tc := range filters {
		if _, err := c.ListDatabaseNames(ctx, tc.filter); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Database("a").ListCollectionNames(ctx, tc.filter); err != nil {
			t.Fatal(err)
		}
		reqs := f.requests()
		for _, r := range reqs[len(reqs)-2:] {
			if got := r.Body.Lookup("nameOnly").Type != 0; got != tc.nameOnly {
				t.Errorf("%s with filter %v: nameOnly sent = %v", r.Command, tc.filter, got)
			}
		}
	}
	// ListDatabases and ListCollections send nameOnly only when asked.
	if _, err := c.ListDatabases(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Database("a").ListCollections(ctx, bson.D{}, motor.ListCollectionsOptions{NameOnly: true}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if reqs[len(reqs)-2].Body.Lookup("nameOnly").Type != 0 || reqs[len(reqs)-1].Body.Lookup("nameOnly").Boolean() != true {
		t.Errorf("nameOnly: %s; %s", reqs[len(reqs)-2].Body, reqs[len(reqs)-1].Body)
	}
}
