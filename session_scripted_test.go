package motor_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Tests of what FerretDB does not send: $clusterTime, operationTime and
// atClusterTime. A scripted server plays a deployment that has them.

// ssClusterTime returns a $clusterTime document at time t.
func ssClusterTime(t uint32) bson.D {
	return bson.D{
		{Key: "clusterTime", Value: bson.Timestamp{T: t, I: 1}},
		{Key: "signature", Value: bson.D{{Key: "hash", Value: bson.Binary{Data: make([]byte, 20)}}, {Key: "keyId", Value: int64(7)}}},
	}
}

// ssFake is a scripted server whose hello carries $clusterTime at time
// helloTime; every other command goes to reply and is recorded.
type ssFake struct {
	srv  *wiretest.Server
	mu   sync.Mutex
	reqs []wiretest.Request
}

func newSSFake(t *testing.T, maxWire int32, helloTime uint32, reply func(req wiretest.Request) []wiretest.Reply) (*ssFake, *motor.Client) {
	t.Helper()
	wiretest.LeakCheck(t)
	f := &ssFake{}
	f.srv = wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			h := rdHello(maxWire, "", true, "", nil)
			if helloTime != 0 {
				h = append(h[:len(h)-1], bson.E{Key: "$clusterTime", Value: ssClusterTime(helloTime)}, h[len(h)-1])
			}
			return []wiretest.Reply{{Doc: h}}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		f.mu.Unlock()
		if req.Command == "endSessions" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		return reply(req)
	})
	c := connect(t, "mongodb://"+f.srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000&retryReads=false", nil)
	return f, c
}

// last returns the last request recorded.
func (f *ssFake) last(t *testing.T) bson.Raw {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("no command was sent")
	}
	return f.reqs[len(f.reqs)-1].Body
}

func (f *ssFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// ssReply is a reply of the fake: ok 1 (or an error with code), with
// $clusterTime at ct and operationTime at op when not 0, and extra
// fields.
func ssReply(ok bool, ct, op uint32, extra ...bson.E) []wiretest.Reply {
	d := bson.D(extra)
	if !ok {
		d = append(d, bson.E{Key: "code", Value: int32(2)}, bson.E{Key: "errmsg", Value: "bad value"})
	}
	if ct != 0 {
		d = append(d, bson.E{Key: "$clusterTime", Value: ssClusterTime(ct)})
	}
	if op != 0 {
		d = append(d, bson.E{Key: "operationTime", Value: bson.Timestamp{T: op, I: 1}})
	}
	okv := 0.0
	if ok {
		okv = 1
	}
	return []wiretest.Reply{{Doc: append(d, bson.E{Key: "ok", Value: okv})}}
}

func ssCursor(id int64, batch string, atClusterTime uint32, docs ...bson.D) bson.E {
	arr := bson.A{}
	for _, d := range docs {
		arr = append(arr, d)
	}
	cur := bson.D{{Key: "id", Value: id}, {Key: "ns", Value: "db.c"}, {Key: batch, Value: arr}}
	if atClusterTime != 0 {
		cur = append(cur, bson.E{Key: "atClusterTime", Value: bson.Timestamp{T: atClusterTime, I: 1}})
	}
	return bson.E{Key: "cursor", Value: cur}
}

// sentTime returns the clusterTime of a command's $clusterTime, 0 if none.
func sentTime(cmd bson.Raw) uint32 {
	t, _ := cmd.Lookup("$clusterTime", "clusterTime").TimestampOK()
	return t.T
}

func TestClusterTimeGossip(t *testing.T) {
	var mu sync.Mutex
	next := []struct {
		ok     bool
		ct, op uint32
	}{{true, 20, 20}, {false, 30, 30}, {true, 25, 25}, {true, 0, 0}, {true, 0, 0}, {true, 0, 0}}
	f, c := newSSFake(t, 21, 10, func(req wiretest.Request) []wiretest.Reply {
		mu.Lock()
		defer mu.Unlock()
		r := next[0]
		next = next[1:]
		return ssReply(r.ok, r.ct, r.op)
	})
	ctx := ctxTimeout(t, 20*time.Second)
	db := c.Database("db")
	ping := bson.D{{Key: "ping", Value: 1}}

	// The monitor's hello gave 10; the reply gives 20.
	if err := db.RunCommand(ctx, ping).Err(); err != nil {
		t.Fatal(err)
	}
	if got := sentTime(f.last(t)); got != 10 {
		t.Errorf("first command sent $clusterTime %d, want 10 (the monitor's hello)", got)
	}
	// An error reply's $clusterTime counts too.
	if err := db.RunCommand(ctx, ping).Err(); err == nil {
		t.Fatal("want the scripted error")
	}
	if got := sentTime(f.last(t)); got != 20 {
		t.Errorf("second command sent %d, want 20", got)
	}
	// A lower cluster time does not move the clock back.
	if err := db.RunCommand(ctx, ping).Err(); err != nil {
		t.Fatal(err)
	}
	if got := sentTime(f.last(t)); got != 30 {
		t.Errorf("third command sent %d, want 30 (from the error reply)", got)
	}
	if err := db.RunCommand(ctx, ping).Err(); err != nil {
		t.Fatal(err)
	}
	if got := sentTime(f.last(t)); got != 30 {
		t.Errorf("fourth command sent %d, want 30 (25 is older)", got)
	}

	// A session that has seen a greater time sends it; the client keeps
	// its own for commands outside the session.
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	if s.ClusterTime() != nil {
		t.Errorf("a new session has cluster time %v", s.ClusterTime())
	}
	ct, _ := bson.Marshal(ssClusterTime(100))
	if err := s.AdvanceClusterTime(ct); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceClusterTime(bson.Raw{5, 0, 0, 0, 0}); err == nil {
		t.Error("AdvanceClusterTime took a document without clusterTime")
	}
	if err := db.RunCommand(motor.WithSession(ctx, s), ping).Err(); err != nil {
		t.Fatal(err)
	}
	if got := sentTime(f.last(t)); got != 100 {
		t.Errorf("command in the session sent %d, want the session's 100", got)
	}
	if err := db.RunCommand(ctx, ping).Err(); err != nil {
		t.Fatal(err)
	}
	if got := sentTime(f.last(t)); got != 30 {
		t.Errorf("command outside the session sent %d, want the client's 30", got)
	}
}

func TestNoClusterTimeWithoutOne(t *testing.T) {
	f, c := newSSFake(t, 21, 0, func(req wiretest.Request) []wiretest.Reply { return ssReply(true, 0, 0) })
	_ = f
	ctx := ctxTimeout(t, 20*time.Second)
	if err := c.Database("db").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		t.Fatal(err)
	}
	if v := f.last(t).Lookup("$clusterTime"); v.Type != 0 {
		t.Errorf("sent $clusterTime %v to a deployment without cluster times", v)
	}
}

func TestCausalConsistency(t *testing.T) {
	var mu sync.Mutex
	opTime := uint32(50)
	f, c := newSSFake(t, 21, 10, func(req wiretest.Request) []wiretest.Reply {
		mu.Lock()
		defer mu.Unlock()
		opTime++
		switch req.Command {
		case "find":
			return ssReply(true, opTime, opTime, ssCursor(0, "firstBatch", 0, bson.D{{Key: "a", Value: 1}}))
		case "aggregate":
			return ssReply(true, opTime, opTime, ssCursor(0, "firstBatch", 0, bson.D{{Key: "n", Value: int32(1)}}))
		case "insert":
			if firstDoc(req).Lookup("fail").Type != 0 {
				return ssReply(false, opTime, opTime)
			}
			return ssReply(true, opTime, opTime, bson.E{Key: "n", Value: int32(1)})
		}
		return ssReply(true, opTime, opTime)
	})
	ctx := ctxTimeout(t, 20*time.Second)
	coll := c.Database("db").Collection("c")

	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	if _, ok := s.OperationTime(); ok {
		t.Error("a new session has an operation time")
	}
	sctx := motor.WithSession(ctx, s)
	if motor.SessionFromContext(sctx) != s || motor.SessionFromContext(ctx) != nil {
		t.Fatal("SessionFromContext does not return the session of WithSession")
	}
	// The first read has no operation time to wait for.
	if _, err := coll.FindOne(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if v := f.last(t).Lookup("readConcern"); v.Type != 0 {
		t.Errorf("first read sent readConcern %v", v)
	}
	op, ok := s.OperationTime()
	if !ok || op.T != 51 {
		t.Fatalf("operation time after the first read: %v %v, want 51", op, ok)
	}
	// The next read waits for it, without a level.
	if _, err := coll.Find(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.afterClusterTime": `{"$timestamp":{"t":51,"i":1}}`, "readConcern.level": "<absent>"})
	// A write too, and its failure still advances the operation time.
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "fail", Value: true}}); err == nil {
		t.Fatal("want the scripted error")
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.afterClusterTime": `{"$timestamp":{"t":52,"i":1}}`})
	if op, _ := s.OperationTime(); op.T != 53 {
		t.Errorf("operation time after a failed write: %v, want 53", op)
	}
	// The collection's level is merged with afterClusterTime.
	maj := coll.WithReadConcern(&motor.ReadConcern{Level: motor.ReadConcernMajority})
	if n, err := maj.CountDocuments(sctx, bson.D{}); err != nil || n != 1 {
		t.Fatalf("CountDocuments: %d, %v", n, err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"majority"`, "readConcern.afterClusterTime": `{"$timestamp":{"t":53,"i":1}}`})
	// RunCommand and listings get no read concern.
	if err := c.Database("db").RunCommand(sctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		t.Fatal(err)
	}
	if v := f.last(t).Lookup("readConcern"); v.Type != 0 {
		t.Errorf("RunCommand sent readConcern %v", v)
	}
	// AdvanceOperationTime moves it forward only.
	if err := s.AdvanceOperationTime(bson.Timestamp{T: 1000, I: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceOperationTime(bson.Timestamp{T: 900, I: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.FindOne(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.afterClusterTime": `{"$timestamp":{"t":1000,"i":1}}`})

	// A session that is not causally consistent sends no afterClusterTime.
	no := false
	s2, err := c.StartSession(motor.SessionOptions{CausalConsistency: &no})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.EndSession(ctx)
	for range 2 {
		if _, err := coll.FindOne(motor.WithSession(ctx, s2), bson.D{}); err != nil {
			t.Fatal(err)
		}
		if v := f.last(t).Lookup("readConcern"); v.Type != 0 {
			t.Errorf("read in a session without causal consistency sent readConcern %v", v)
		}
	}
	if _, ok := s2.OperationTime(); !ok {
		t.Error("the operation time is kept in a session without causal consistency too")
	}
	// Nor does an implicit session.
	if _, err := coll.FindOne(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if v := f.last(t).Lookup("readConcern"); v.Type != 0 {
		t.Errorf("read in an implicit session sent readConcern %v", v)
	}
}

func TestSnapshotSession(t *testing.T) {
	f, c := newSSFake(t, 21, 10, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "find", "aggregate":
			return ssReply(true, 60, 60, ssCursor(0, "firstBatch", 40, bson.D{{Key: "a", Value: 1}}))
		case "distinct":
			return ssReply(true, 60, 60, bson.E{Key: "values", Value: bson.A{1}}, bson.E{Key: "atClusterTime", Value: bson.Timestamp{T: 45, I: 1}})
		}
		return ssReply(false, 60, 60)
	})
	ctx := ctxTimeout(t, 20*time.Second)
	coll := c.Database("db").Collection("c")

	yes := true
	if _, err := c.StartSession(motor.SessionOptions{Snapshot: true, CausalConsistency: &yes}); err == nil {
		t.Error("a session both snapshot and causally consistent was started")
	}
	if _, err := c.StartSession(motor.SessionOptions{SnapshotTime: &bson.Timestamp{T: 1}}); err == nil {
		t.Error("SnapshotTime without Snapshot was accepted")
	}
	s, err := c.StartSession(motor.SessionOptions{Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	if _, err := coll.Find(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"snapshot"`, "readConcern.atClusterTime": "<absent>", "readConcern.afterClusterTime": "<absent>"})
	if st, ok := s.SnapshotTime(); !ok || st.T != 40 {
		t.Fatalf("snapshot time %v %v, want 40 from the first find's cursor", st, ok)
	}
	if _, err := coll.Distinct(sctx, "a", bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"snapshot"`, "readConcern.atClusterTime": `{"$timestamp":{"t":40,"i":1}}`})
	if st, _ := s.SnapshotTime(); st.T != 40 {
		t.Errorf("the snapshot time changed to %v", st)
	}
	if _, err := coll.Aggregate(sctx, bson.A{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.atClusterTime": `{"$timestamp":{"t":40,"i":1}}`})
	// Writes are sent with the snapshot level, which the server rejects.
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "a", Value: 1}}); err == nil {
		t.Error("the scripted server's error was lost")
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"snapshot"`})

	// A snapshot time given at the start is sent from the first read.
	s2, err := c.StartSession(motor.SessionOptions{Snapshot: true, SnapshotTime: &bson.Timestamp{T: 33, I: 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.EndSession(ctx)
	if _, err := coll.Distinct(motor.WithSession(ctx, s2), "a", bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.atClusterTime": `{"$timestamp":{"t":33,"i":3}}`})
	if st, _ := s2.SnapshotTime(); st.T != 33 {
		t.Errorf("snapshot time %v, want the one given", st)
	}
}

func TestSnapshotNeedsWireVersion13(t *testing.T) {
	f, c := newSSFake(t, 12, 10, func(req wiretest.Request) []wiretest.Reply {
		return ssReply(true, 0, 0, ssCursor(0, "firstBatch", 0))
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession(motor.SessionOptions{Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	_, err = c.Database("db").Collection("c").Find(motor.WithSession(ctx, s), bson.D{})
	if !errors.Is(err, motor.ErrSnapshotNotSupported) {
		t.Fatalf("got %v, want ErrSnapshotNotSupported", err)
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d commands were sent", n)
	}
}

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
