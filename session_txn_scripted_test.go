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

// Scripted-server tests of the commands a transaction sends, which
// FerretDB cannot run.

// txFake is one or more scripted servers, replica set primaries or
// mongos, that record every command but the handshakes and monitor
// checks; reply answers them (nil: {ok: 1}, or an empty cursor for find).
type txFake struct {
	mu    sync.Mutex
	reqs  []txReq
	reply func(server int, req wiretest.Request) []wiretest.Reply
	srvs  []*wiretest.Server
}

// txReq is a recorded command and the index of the server that got it.
type txReq struct {
	server int
	body   bson.Raw
	name   string
}

// newTxFake starts n servers: a one-member replica set when n is 1 and
// mongos is false, else n mongos.
func newTxFake(t *testing.T, n int, mongos bool, reply func(server int, req wiretest.Request) []wiretest.Reply) (*txFake, *motor.Client) {
	t.Helper()
	wiretest.LeakCheck(t)
	f := &txFake{reply: reply}
	addrs := make([]string, n)
	for i := range n {
		f.srvs = append(f.srvs, wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
			switch req.Command {
			case "hello", "isMaster", "ismaster":
				if mongos {
					return []wiretest.Reply{{Doc: append(rdHello(21, "", true, "", nil)[:8:8], bson.E{Key: "msg", Value: "isdbgrid"}, bson.E{Key: "ok", Value: 1.0})}}
				}
				return []wiretest.Reply{{Doc: rdHello(21, "rs0", true, addrs[0], addrs)}}
			case "endSessions":
				return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
			}
			f.mu.Lock()
			f.reqs = append(f.reqs, txReq{server: i, body: req.Body, name: req.Command})
			f.mu.Unlock()
			if f.reply != nil {
				if r := f.reply(i, req); r != nil {
					return r
				}
			}
			if req.Command == "find" {
				return rdCursorReply(0, "db.c", "firstBatch")
			}
			return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "ok", Value: 1.0}}}}
		}))
		addrs[i] = f.srvs[i].Addr()
	}
	uri := "mongodb://" + strings.Join(addrs, ",") + "/?serverSelectionTimeoutMS=3000&localThresholdMS=1000"
	if !mongos {
		uri += "&replicaSet=rs0"
	}
	return f, connect(t, uri, nil)
}

// sent returns the commands recorded, from index from on.
func (f *txFake) sent(from int) []txReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]txReq(nil), f.reqs[from:]...)
}

func (f *txFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// txnNumber returns a command's txnNumber, -1 if none.
func txnNumber(b bson.Raw) int64 {
	n, ok := b.Lookup("txnNumber").AsInt64OK()
	if !ok {
		return -1
	}
	return n
}

// checkTxnCmd checks the transaction fields of a command.
func checkTxnCmd(t *testing.T, r txReq, name string, txn int64, first bool) {
	t.Helper()
	b := r.body
	if r.name != name {
		t.Fatalf("sent %s, want %s", r.name, name)
	}
	if b.Lookup("lsid").Type == 0 {
		t.Errorf("%s: no lsid", name)
	}
	if got := txnNumber(b); got != txn {
		t.Errorf("%s: txnNumber %d, want %d", name, got, txn)
	}
	if ac, ok := b.Lookup("autocommit").BooleanOK(); !ok || ac {
		t.Errorf("%s: autocommit %v, want false", name, b.Lookup("autocommit"))
	}
	st, hasStart := b.Lookup("startTransaction").BooleanOK()
	if first != (hasStart && st) {
		t.Errorf("%s: startTransaction %v, want it only on the first command (first=%v)", name, b.Lookup("startTransaction"), first)
	}
	if !first && b.Lookup("readConcern").Type != 0 {
		t.Errorf("%s: readConcern %v on a command after the first", name, b.Lookup("readConcern"))
	}
	if name != "commitTransaction" && name != "abortTransaction" && b.Lookup("writeConcern").Type != 0 {
		t.Errorf("%s: writeConcern %v inside the transaction", name, b.Lookup("writeConcern"))
	}
}

func TestTxnStartCommit(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	coll := c.Database("db").Collection("c").WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(1)})
	if st := s.TransactionState(); st != motor.TransactionNone {
		t.Fatalf("state %v, want none", st)
	}
	err = s.StartTransaction(motor.TransactionOptions{
		ReadConcern:   &motor.ReadConcern{Level: motor.ReadConcernSnapshot},
		WriteConcern:  &motor.WriteConcern{W: motor.WMajority()},
		MaxCommitTime: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.TransactionState(); st != motor.TransactionStarting {
		t.Fatalf("state %v, want starting", st)
	}
	sctx := motor.WithSession(ctx, s)
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "_id", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if st := s.TransactionState(); st != motor.TransactionInProgress {
		t.Fatalf("state %v, want in_progress", st)
	}
	if _, err := coll.FindOne(sctx, bson.D{}); err != nil && !errors.Is(err, motor.ErrNoDocuments) {
		t.Fatal(err)
	}
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	if st := s.TransactionState(); st != motor.TransactionCommitted {
		t.Fatalf("state %v, want committed", st)
	}
	got := f.sent(0)
	if len(got) != 3 {
		t.Fatalf("sent %d commands, want insert, find, commitTransaction", len(got))
	}
	checkTxnCmd(t, got[0], "insert", 1, true)
	if lvl := got[0].body.Lookup("readConcern", "level").StringValue(); lvl != "snapshot" {
		t.Errorf("first command's readConcern %v, want the transaction's snapshot level", got[0].body.Lookup("readConcern"))
	}
	checkTxnCmd(t, got[1], "find", 1, false)
	checkTxnCmd(t, got[2], "commitTransaction", 1, false)
	commit := got[2].body
	if db := commit.Lookup("$db").StringValue(); db != "admin" {
		t.Errorf("commitTransaction sent to %q, want admin", db)
	}
	if w := commit.Lookup("writeConcern", "w").StringValue(); w != "majority" {
		t.Errorf("commitTransaction writeConcern %v, want the transaction's w: majority", commit.Lookup("writeConcern"))
	}
	if commit.Lookup("writeConcern", "wtimeout").Type != 0 {
		t.Errorf("first commit attempt has wtimeout: %v", commit.Lookup("writeConcern"))
	}
	if ms, _ := commit.Lookup("maxTimeMS").AsInt64OK(); ms != 2000 {
		t.Errorf("commitTransaction maxTimeMS %v, want 2000", commit.Lookup("maxTimeMS"))
	}
	// An operation after the commit runs outside the transaction.
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "_id", Value: 2}}); err != nil {
		t.Fatal(err)
	}
	if st := s.TransactionState(); st != motor.TransactionNone {
		t.Fatalf("state %v after an operation outside the transaction, want none", st)
	}
	after := f.sent(3)[0].body
	if after.Lookup("autocommit").Type != 0 || after.Lookup("startTransaction").Type != 0 {
		t.Errorf("insert outside the transaction carries transaction fields: %v", after)
	}
	if after.Lookup("writeConcern", "w").Type == 0 {
		t.Errorf("insert outside the transaction lost the collection's write concern: %v", after)
	}
}

func TestTxnStartAbort(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	coll := c.Database("db").Collection("c")
	sctx := motor.WithSession(ctx, s)
	for txn := int64(1); txn <= 2; txn++ {
		if err := s.StartTransaction(motor.TransactionOptions{WriteConcern: &motor.WriteConcern{W: motor.WNodes(1)}}); err != nil {
			t.Fatal(err)
		}
		n := f.count()
		if _, err := coll.InsertOne(sctx, bson.D{{Key: "_id", Value: txn}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AbortTransaction(ctx); err != nil {
			t.Fatal(err)
		}
		got := f.sent(n)
		if len(got) != 2 {
			t.Fatalf("transaction %d sent %d commands, want insert and abortTransaction", txn, len(got))
		}
		checkTxnCmd(t, got[0], "insert", txn, true)
		if got[0].body.Lookup("readConcern").Type != 0 {
			t.Errorf("readConcern %v sent when the transaction has none", got[0].body.Lookup("readConcern"))
		}
		checkTxnCmd(t, got[1], "abortTransaction", txn, false)
		if w, _ := got[1].body.Lookup("writeConcern", "w").AsInt64OK(); w != 1 {
			t.Errorf("abortTransaction writeConcern %v, want w: 1", got[1].body.Lookup("writeConcern"))
		}
		if st := s.TransactionState(); st != motor.TransactionAborted {
			t.Fatalf("state %v, want aborted", st)
		}
	}
	// A transaction that sent nothing commits and aborts without I/O.
	n := f.count()
	for _, end := range []func() error{func() error { return s.CommitTransaction(ctx) }, func() error { return s.AbortTransaction(ctx) }} {
		if err := s.StartTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := end(); err != nil {
			t.Fatal(err)
		}
	}
	if f.count() != n {
		t.Errorf("empty transactions sent %v", f.sent(n))
	}
}

func TestTxnCausalAfterClusterTime(t *testing.T) {
	f, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "find" {
			return nil
		}
		return ssReply(true, 40, 40, bson.E{Key: "n", Value: int32(1)})
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	coll := c.Database("db").Collection("c")
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "_id", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartTransaction(motor.TransactionOptions{ReadConcern: &motor.ReadConcern{Level: motor.ReadConcernMajority}}); err != nil {
		t.Fatal(err)
	}
	n := f.count()
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "_id", Value: 2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "_id", Value: 3}}); err != nil {
		t.Fatal(err)
	}
	got := f.sent(n)
	rc := got[0].body.Lookup("readConcern")
	if lvl := got[0].body.Lookup("readConcern", "level").StringValue(); lvl != "majority" {
		t.Errorf("first command readConcern %v, want level majority", rc)
	}
	if ts, _ := got[0].body.Lookup("readConcern", "afterClusterTime").TimestampOK(); ts.T != 40 {
		t.Errorf("first command readConcern %v, want afterClusterTime 40 (the session's operation time), even for a write", rc)
	}
	checkTxnCmd(t, got[1], "insert", txnNumber(got[0].body), false)
	if err := s.AbortTransaction(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestTxnRecoveryToken(t *testing.T) {
	token := bson.D{{Key: "recoveryShard", Value: "sh1"}}
	f, c := newTxFake(t, 1, true, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "insert" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "recoveryToken", Value: token}, {Key: "ok", Value: 1.0}}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	for _, commit := range []bool{true, false} {
		if err := s.StartTransaction(); err != nil {
			t.Fatal(err)
		}
		n := f.count()
		if _, err := c.Database("db").Collection("c").InsertOne(sctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
		end := s.AbortTransaction
		if commit {
			end = s.CommitTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatal(err)
		}
		last := f.sent(n)[1]
		if got := last.body.Lookup("recoveryToken", "recoveryShard").StringValue(); got != "sh1" {
			t.Errorf("%s recoveryToken %v, want the insert reply's", last.name, last.body.Lookup("recoveryToken"))
		}
	}
}

func TestTxnIgnoresCollectionWriteConcern(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	w0 := c.Database("db").Collection("c").WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(0)})
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	sctx := motor.WithSession(ctx, s)
	res, err := w0.InsertOne(sctx, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		t.Fatalf("insert with a w: 0 collection in a transaction: %v (its write concern must be ignored)", err)
	}
	if !res.Acknowledged {
		t.Error("the insert in a transaction is reported unacknowledged")
	}
	if _, err := w0.FindOneAndDelete(sctx, bson.D{}); err != nil && !errors.Is(err, motor.ErrNoDocuments) {
		t.Fatal(err)
	}
	if _, err := w0.Aggregate(sctx, bson.A{bson.D{{Key: "$out", Value: "o"}}}, motor.AggregateOptions{WriteConcern: &motor.WriteConcern{W: motor.WNodes(1)}}); !errors.Is(err, motor.ErrTransactionWriteConcern) {
		t.Errorf("aggregate given a write concern in a transaction: %v, want ErrTransactionWriteConcern", err)
	}
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	got := f.sent(0)
	if len(got) != 3 {
		t.Fatalf("sent %d commands, want insert, findAndModify, commitTransaction", len(got))
	}
	checkTxnCmd(t, got[0], "insert", 1, true)
	checkTxnCmd(t, got[1], "findAndModify", 1, false)
	checkTxnCmd(t, got[2], "commitTransaction", 1, false)
}

// A cursor opened in a transaction does not prefetch: its getMore would
// run concurrently with the application's commands, or after the commit,
// outside the transaction.
func TestTxnCursorDoesNotPrefetch(t *testing.T) {
	f, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "find" {
			return rdCursorReply(8, "db.c", "firstBatch", bson.D{{Key: "a", Value: 1}})
		}
		if req.Command == "getMore" {
			return rdCursorReply(0, "db.c", "nextBatch", bson.D{{Key: "a", Value: 2}})
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s := startTxn(t, ctx, c)
	cur, err := c.Database("db").Collection("c").Find(motor.WithSession(ctx, s), bson.D{}, motor.FindOptions{BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !cur.Next(ctx) {
		t.Fatalf("Next: %v", cur.Err())
	}
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.TransactionState(); got != motor.TransactionCommitted {
		t.Errorf("state after commit %v, want committed", got)
	}
	_ = cur.Close(ctx) // waits for a prefetched getMore, if one was sent
	for _, r := range f.sent(0) {
		if r.name == "getMore" {
			t.Errorf("a getMore was sent in the background: %v", r.body)
		}
	}
}

// startTxn starts a session of c with a transaction in progress; the
// session ends when the test does.
func startTxn(t *testing.T, ctx context.Context, c *motor.Client) *motor.Session {
	t.Helper()
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.EndSession(ctx) })
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	return s
}
