package motor_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Scripted-server tests of the retries, error labels and mongos pinning
// of transactions.

// txnError is an ok: 0 reply with code and labels.
func txnError(code int32, labels ...string) []wiretest.Reply {
	arr := bson.A{}
	for _, l := range labels {
		arr = append(arr, l)
	}
	return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: code}, {Key: "errmsg", Value: "scripted"}, {Key: "errorLabels", Value: arr}}}}
}

func TestTxnCommitRetryMajority(t *testing.T) {
	var commits atomic.Int32
	f, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "commitTransaction" && commits.Add(1) == 1 {
			return []wiretest.Reply{{Close: true}} // a network error: retried once
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	if err := s.StartTransaction(motor.TransactionOptions{WriteConcern: &motor.WriteConcern{W: motor.WNodes(1), WTimeout: 3 * time.Second}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Database("db").Collection("c").InsertOne(motor.WithSession(ctx, s), bson.D{}); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatalf("commit after one network error: %v (want the retry to succeed)", err)
	}
	got := f.sent(1)
	if len(got) != 2 {
		t.Fatalf("sent %d commits, want 2", len(got))
	}
	first, retry := got[0].body, got[1].body
	if w, _ := first.Lookup("writeConcern", "w").AsInt64OK(); w != 1 {
		t.Errorf("first commit writeConcern %v, want w: 1", first.Lookup("writeConcern"))
	}
	if w := retry.Lookup("writeConcern", "w").StringValue(); w != "majority" {
		t.Errorf("retried commit writeConcern %v, want w: majority", retry.Lookup("writeConcern"))
	}
	if ms, _ := retry.Lookup("writeConcern", "wtimeout").AsInt64OK(); ms != 3000 {
		t.Errorf("retried commit writeConcern %v, want the transaction's wtimeout kept", retry.Lookup("writeConcern"))
	}
	checkTxnCmd(t, got[1], "commitTransaction", txnNumber(first), false)
	// Calling commit again is a retry too: w: majority.
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	again := f.sent(3)[0].body
	if w := again.Lookup("writeConcern", "w").StringValue(); w != "majority" {
		t.Errorf("second CommitTransaction writeConcern %v, want w: majority", again.Lookup("writeConcern"))
	}
}

func TestTxnCommitDefaultWTimeout(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s := startTxn(t, ctx, c)
	if _, err := c.Database("db").Collection("c").InsertOne(motor.WithSession(ctx, s), bson.D{}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.CommitTransaction(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := f.sent(1)
	if got[0].body.Lookup("writeConcern").Type != 0 {
		t.Errorf("first commit sends writeConcern %v, want none (server default)", got[0].body.Lookup("writeConcern"))
	}
	wc := got[1].body.Lookup("writeConcern")
	w := got[1].body.Lookup("writeConcern", "w").StringValue()
	ms, _ := got[1].body.Lookup("writeConcern", "wtimeout").AsInt64OK()
	if w != "majority" || ms != 10000 {
		t.Errorf("second commit writeConcern %v, want {w: majority, wtimeout: 10000}", wc)
	}
}

func TestTxnErrorLabels(t *testing.T) {
	var commitFails atomic.Bool
	_, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		switch {
		case req.Command == "insert" && bson.Raw(req.Body).Lookup("startTransaction").Type == 0:
			return []wiretest.Reply{{Close: true}}
		case req.Command == "commitTransaction" && commitFails.Load():
			return []wiretest.Reply{{Close: true}}
		case req.Command == "update":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "n", Value: int32(1)},
				{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: int32(64)}, {Key: "errmsg", Value: "wtimeout"}}}}}}
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
	coll := c.Database("db").Collection("c")

	// A network error inside the transaction is transient, and not a
	// retryable write.
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(sctx, bson.D{}); err != nil { // the first command succeeds
		t.Fatal(err)
	}
	_, err = coll.InsertOne(sctx, bson.D{})
	if err == nil || !motor.HasErrorLabel(err, motor.LabelTransientTransactionError) {
		t.Fatalf("network error in a transaction: %v, want the TransientTransactionError label", err)
	}
	if motor.HasErrorLabel(err, "RetryableWriteError") {
		t.Errorf("network error in a transaction labelled RetryableWriteError: %v", err)
	}
	if err := s.AbortTransaction(ctx); err != nil {
		t.Fatal(err)
	}

	// A commit network error (twice: the retry fails too) is an unknown
	// commit result, never transient.
	commitFails.Store(true)
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	err = s.CommitTransaction(ctx)
	switch {
	case err == nil:
		t.Fatal("commit succeeded, want the scripted network errors")
	case !motor.HasErrorLabel(err, motor.LabelUnknownTransactionCommitResult):
		t.Errorf("commit network error %v, want UnknownTransactionCommitResult", err)
	case motor.HasErrorLabel(err, motor.LabelTransientTransactionError):
		t.Errorf("commit network error %v labelled TransientTransactionError", err)
	case !motor.HasErrorLabel(err, "RetryableWriteError"):
		t.Errorf("commit network error %v, want RetryableWriteError too", err)
	}
	if st := s.TransactionState(); st != motor.TransactionCommitted {
		t.Errorf("state after a failed commit %v, want committed", st)
	}
}

func TestTxnCommitWriteConcernError(t *testing.T) {
	_, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "commitTransaction" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0},
				{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: int32(64)}, {Key: "codeName", Value: "WriteConcernFailed"}, {Key: "errmsg", Value: "waiting for replication timed out"}}}}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s := startTxn(t, ctx, c)
	if _, err := c.Database("db").Collection("c").InsertOne(motor.WithSession(ctx, s), bson.D{}); err != nil {
		t.Fatal(err)
	}
	err := s.CommitTransaction(ctx)
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 64 {
		t.Fatalf("commit with a writeConcernError: %v, want a ServerError with code 64", err)
	}
	if !motor.HasErrorLabel(err, motor.LabelUnknownTransactionCommitResult) {
		t.Errorf("write concern failure %v, want UnknownTransactionCommitResult", err)
	}
}

func TestTxnMongosPinning(t *testing.T) {
	f, c := newTxFake(t, 2, true, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	// Wait until both mongos serve pings, so that selection has a choice.
	both := false
	for range 200 {
		if err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, r := range f.sent(0) {
			seen[r.server] = true
		}
		if both = len(seen) == 2; both {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !both {
		t.Fatal("the pings never reached both mongos")
	}
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	coll := c.Database("db").Collection("c")
	for round := range 3 {
		if err := s.StartTransaction(); err != nil {
			t.Fatal(err)
		}
		n := f.count()
		for range 6 {
			if _, err := coll.InsertOne(sctx, bson.D{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CommitTransaction(ctx); err != nil {
			t.Fatal(err)
		}
		got := f.sent(n)
		for _, r := range got[1:] {
			if r.server != got[0].server {
				t.Fatalf("round %d: %s went to mongos %d, the transaction's first command to %d", round, r.name, r.server, got[0].server)
			}
		}
	}
	// Outside a transaction, operations are spread over both mongos again.
	seen := map[int]bool{}
	n := f.count()
	for range 40 {
		if _, err := coll.InsertOne(sctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range f.sent(n) {
		seen[r.server] = true
	}
	if len(seen) != 2 {
		t.Errorf("40 inserts outside a transaction all went to one mongos: the session stayed pinned")
	}
}

func TestTxnLoadBalancedPinsConnection(t *testing.T) {
	f, c := newLBFake(t, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "insert" {
			return []wiretest.Reply{{Doc: bson.D{{Key: "n", Value: int32(1)}, {Key: "ok", Value: 1.0}}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	sctx := motor.WithSession(ctx, s)
	coll := c.Database("db").Collection("c")
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := coll.InsertOne(sctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	f.pmu.Lock()
	out, in := f.checkedOut, f.checkedIn
	f.pmu.Unlock()
	if out != 1 || in != 0 {
		t.Errorf("the transaction checked out %d connection(s) and in %d, want one kept pinned until the session moves on", out, in)
	}
	if s.PinnedServer() == "" {
		t.Error("the committed transaction is not pinned any more; a retried commit must use its connection")
	}
	// An operation outside the transaction unpins: the connection goes back.
	if _, err := coll.InsertOne(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if s.PinnedServer() != "" {
		t.Error("the session stays pinned after an operation outside the transaction")
	}
	s.EndSession(ctx)
	f.check(t, "insert,insert,insert,commitTransaction,insert")
}
