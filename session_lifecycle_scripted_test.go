package motor_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// The life of explicit sessions against a scripted server (the server of
// session_scripted_test.go): lsids, dirty sessions, the client errors, and
// the end of sessions at Close and when a Session is collected.

func TestExplicitSessionScripted(t *testing.T) {
	f, c := newSSFake(t, 21, 0, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "find":
			return ssReply(true, 0, 0, ssCursor(8, "firstBatch", 0, bson.D{{Key: "a", Value: 1}}))
		case "getMore":
			return ssReply(true, 0, 0, ssCursor(0, "nextBatch", 0, bson.D{{Key: "a", Value: 2}}))
		case "insert":
			if firstDoc(req).Lookup("close").Type != 0 {
				return []wiretest.Reply{{Close: true}}
			}
		}
		return ssReply(true, 0, 0, bson.E{Key: "n", Value: int32(1)})
	})
	ctx := ctxTimeout(t, 20*time.Second)
	coll := c.Database("db").Collection("c")
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	if s.Client() != c {
		t.Error("Client is not the session's client")
	}
	lsid := s.ID()
	if len(lsid) == 0 {
		t.Fatal("no lsid")
	}
	sctx := motor.WithSession(ctx, s)
	// A cursor keeps the session for its getMore, whatever Next's context.
	cur, err := coll.Find(sctx, bson.D{}, motor.FindOptions{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if docs, err := cur.ToSlice(ctx); err != nil || len(docs) != 2 {
		t.Fatalf("%v, %v", docs, err)
	}
	for _, name := range []string{"find", "getMore"} {
		var got bson.Raw
		f.mu.Lock()
		for _, r := range f.reqs {
			if r.Command == name {
				got = r.Body.Lookup("lsid").Document()
			}
		}
		f.mu.Unlock()
		if !bytesEqual(got, lsid) {
			t.Errorf("%s sent lsid %v, want the session's %v", name, got, lsid)
		}
	}
	// A network error makes the session dirty.
	if s.Dirty() {
		t.Error("dirty before any error")
	}
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "close", Value: true}}); !motor.IsNetworkError(err) {
		t.Fatalf("got %v, want a network error", err)
	}
	if !s.Dirty() {
		t.Error("not dirty after a network error")
	}
	s.EndSession(ctx)
	s.EndSession(ctx) // again: nothing
	// The dirty server session is not reused by an implicit session.
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "a", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if got := f.last(t).Lookup("lsid").Document(); bytesEqual(got, lsid) {
		t.Error("the dirty session's lsid was used again")
	}
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "a", Value: 1}}); !errors.Is(err, motor.ErrSessionEnded) {
		t.Errorf("ended session: got %v, want ErrSessionEnded", err)
	}
	if err := s.AdvanceOperationTime(bson.Timestamp{T: 1}); !errors.Is(err, motor.ErrSessionEnded) {
		t.Errorf("AdvanceOperationTime on an ended session: %v", err)
	}
}

// firstDoc returns the first document of a request's first sequence, nil
// if none.
func firstDoc(req wiretest.Request) bson.Raw {
	if len(req.Sequences) == 0 {
		return nil
	}
	for d := range req.Sequences[0].Documents() {
		return d
	}
	return nil
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// The session errors found before anything is sent.
func TestSessionClientErrors(t *testing.T) {
	f, c := newSSFake(t, 21, 0, func(req wiretest.Request) []wiretest.Reply { return ssReply(true, 0, 0) })
	c2 := connect(t, "mongodb://"+f.srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000", nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	if err := c2.Database("db").RunCommand(sctx, bson.D{{Key: "ping", Value: 1}}).Err(); !errors.Is(err, motor.ErrSessionOtherClient) {
		t.Errorf("other client: got %v", err)
	}
	w0 := c.Database("db").Collection("c").WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(0)})
	if _, err := w0.InsertOne(sctx, bson.D{{Key: "a", Value: 1}}); !errors.Is(err, motor.ErrSessionUnacknowledged) {
		t.Errorf("w: 0: got %v", err)
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d commands were sent", n)
	}
	// Without a session, w: 0 is fine.
	if _, err := w0.InsertOne(ctx, bson.D{{Key: "a", Value: 1}}); err != nil {
		t.Errorf("w: 0 without a session: %v", err)
	}
	// Close ends the sessions left open; starting one after fails.
	closed := connect(t, "mongodb://"+f.srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000", nil)
	open, err := closed.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := open.AdvanceOperationTime(bson.Timestamp{T: 1}); !errors.Is(err, motor.ErrSessionEnded) {
		t.Errorf("a session left open is not ended by Close: %v", err)
	}
	if _, err := closed.StartSession(); !errors.Is(err, motor.ErrClientClosed) {
		t.Errorf("StartSession after Close: %v", err)
	}
}

func TestCloseEndsSessions(t *testing.T) {
	f, _ := newSSFake(t, 21, 0, func(req wiretest.Request) []wiretest.Reply { return ssReply(true, 0, 0) })
	c := connect(t, "mongodb://"+f.srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000", nil)
	ctx := ctxTimeout(t, 20*time.Second)
	db := c.Database("db")
	ping := bson.D{{Key: "ping", Value: 1}}
	open, err := c.StartSession() // left open: Close ends it
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RunCommand(motor.WithSession(ctx, open), ping).Err(); err != nil {
		t.Fatal(err)
	}
	explicit := open.ID()
	if err := db.RunCommand(ctx, ping).Err(); err != nil { // an implicit session, back in the pool
		t.Fatal(err)
	}
	implicit := f.last(t).Lookup("lsid").Document()
	if bytesEqual(implicit, explicit) {
		t.Fatal("the implicit session took the explicit one's server session")
	}
	unused, err := c.StartSession() // never used: it has no server session
	if err != nil {
		t.Fatal(err)
	}
	_ = unused
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	body := f.last(t)
	if name := string(body[4+1 : 4+1+len("endSessions")]); name != "endSessions" {
		t.Fatalf("last command %v, want endSessions", body)
	}
	var got []string
	for _, v := range body.Lookup("endSessions").Array().Values() {
		got = append(got, string(v.Document()))
	}
	if len(got) != 2 || !(got[0] == string(implicit) || got[1] == string(implicit)) || !(got[0] == string(explicit) || got[1] == string(explicit)) {
		t.Errorf("endSessions %v, want the implicit session %v and the explicit one %v", body.Lookup("endSessions"), implicit, explicit)
	}
	if v := body.Lookup("$db").StringValue(); v != "admin" {
		t.Errorf("endSessions sent to %q, want admin", v)
	}
}

// A session dropped without EndSession goes back to the pool once the
// garbage collector finds it.
func TestDroppedSessionEnded(t *testing.T) {
	f, c := newSSFake(t, 21, 0, func(req wiretest.Request) []wiretest.Reply { return ssReply(true, 0, 0) })
	ctx := ctxTimeout(t, 20*time.Second)
	db := c.Database("db")
	ping := bson.D{{Key: "ping", Value: 1}}
	lsid := func() bson.Raw {
		s, err := c.StartSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RunCommand(motor.WithSession(ctx, s), ping).Err(); err != nil {
			t.Fatal(err)
		}
		return f.last(t).Lookup("lsid").Document()
	}()
	// Each round takes more sessions from the pool than it can hold, so
	// that the dropped one is among them once it is back.
	for range 100 {
		runtime.GC()
		var held []*motor.Session
		found := false
		for range 8 {
			s, err := c.StartSession()
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, s)
			found = found || bytesEqual(s.ID(), lsid)
		}
		for _, s := range held {
			s.EndSession(ctx)
		}
		if found {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("the dropped session's server session never came back to the pool")
}

// A cursor keeps its session alive: dropping the Session while the cursor
// is open does not end it.
func TestCursorKeepsDroppedSession(t *testing.T) {
	_, c := newSSFake(t, 21, 0, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "find":
			return ssReply(true, 0, 0, ssCursor(8, "firstBatch", 0, bson.D{{Key: "a", Value: 1}}))
		case "getMore":
			return ssReply(true, 0, 0, ssCursor(0, "nextBatch", 0, bson.D{{Key: "a", Value: 2}}))
		}
		return ssReply(true, 0, 0)
	})
	ctx := ctxTimeout(t, 20*time.Second)
	cur := func() *motor.Cursor[bson.D] {
		s, err := c.StartSession()
		if err != nil {
			t.Fatal(err)
		}
		cur, err := c.Database("db").Collection("c").Find(motor.WithSession(ctx, s), bson.D{}, motor.FindOptions{BatchSize: 1, Prefetch: new(false)})
		if err != nil {
			t.Fatal(err)
		}
		return cur
	}()
	for range 5 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if docs, err := cur.ToSlice(ctx); err != nil || len(docs) != 2 {
		t.Fatalf("%v, %v", docs, err)
	}
}
