package motor_test

import (
	"errors"
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

// An explicit session used on a deployment without sessions is an error,
// even when the session took its server session before (ID does).
func TestExplicitSessionNoSupportAfterID(t *testing.T) {
	var mu sync.Mutex
	var withLsid []string
	srv := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			var h bson.D
			for _, e := range rdHello(21, "", true, "", nil) {
				if e.Key != "logicalSessionTimeoutMinutes" {
					h = append(h, e)
				}
			}
			return []wiretest.Reply{{Doc: h}}
		}
		if req.Body.Lookup("lsid").Type != 0 {
			mu.Lock()
			withLsid = append(withLsid, req.Command)
			mu.Unlock()
		}
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
	})
	wiretest.LeakCheck(t)
	c := connect(t, "mongodb://"+srv.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=5000", nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	if s.ID() == nil {
		t.Fatal("no lsid")
	}
	err = c.Database("db").RunCommand(motor.WithSession(ctx, s), bson.D{{Key: "ping", Value: 1}}).Err()
	if !errors.Is(err, motor.ErrSessionsNotSupported) {
		t.Errorf("RunCommand in a session on a deployment without sessions: %v, want ErrSessionsNotSupported", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(withLsid) != 0 {
		t.Errorf("commands sent with an lsid: %v", withLsid)
	}
}
