package motor_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Scripted-server tests of WithTransaction, EndSession's abort and the
// client errors of the transaction API.

func TestWithTransactionRetriesTransient(t *testing.T) {
	var inserts atomic.Int32
	f, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "insert" && inserts.Add(1) <= 2 {
			return txnError(251, "TransientTransactionError") // NoSuchTransaction
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	calls := 0
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		calls++
		if motor.SessionFromContext(ctx) != s {
			t.Error("the callback's context does not carry the session")
		}
		_, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Errorf("callback ran %d times, want 3 (two transient errors)", calls)
	}
	var names []string
	var txns []int64
	for _, r := range f.sent(0) {
		names = append(names, r.name)
		txns = append(txns, txnNumber(r.body))
	}
	want := []string{"insert", "abortTransaction", "insert", "abortTransaction", "insert", "commitTransaction"}
	if len(names) != len(want) {
		t.Fatalf("sent %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("sent %v, want %v", names, want)
		}
	}
	if txns[0] != 1 || txns[2] != 2 || txns[4] != 3 || txns[5] != 3 {
		t.Errorf("txnNumbers %v, want a new transaction per attempt", txns)
	}
	if st := s.TransactionState(); st != motor.TransactionCommitted {
		t.Errorf("state %v, want committed", st)
	}
}

func TestWithTransactionRetriesUnknownCommit(t *testing.T) {
	var commits atomic.Int32
	f, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "commitTransaction" && commits.Add(1) <= 3 {
			// Not retryable by the commit itself, but labelled unknown.
			return txnError(8, "UnknownTransactionCommitResult")
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	calls := 0
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		calls++
		_, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("callback ran %d times, want 1: only the commit is retried", calls)
	}
	got := f.sent(1)
	if len(got) != 4 {
		t.Fatalf("sent %d commits, want 4", len(got))
	}
	for i, r := range got {
		checkTxnCmd(t, r, "commitTransaction", 1, false)
		if w := r.body.Lookup("writeConcern", "w").StringValue(); i > 0 && w != "majority" {
			t.Errorf("commit %d writeConcern %v, want w: majority on a retry", i, r.body.Lookup("writeConcern"))
		}
	}
}

func TestWithTransactionMaxTimeMSNotRetried(t *testing.T) {
	_, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "commitTransaction" {
			return txnError(50) // MaxTimeMSExpired: the driver labels it unknown
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		_, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{})
		return err
	})
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 50 || !motor.HasErrorLabel(err, motor.LabelUnknownTransactionCommitResult) {
		t.Fatalf("WithTransaction: %v, want MaxTimeMSExpired labelled UnknownTransactionCommitResult, not retried", err)
	}
}

func TestWithTransactionTimeout(t *testing.T) {
	_, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "insert" {
			return txnError(251, "TransientTransactionError")
		}
		return nil
	})
	// Connect first: the deadline must leave room for several attempts on
	// a loaded machine, not be spent on the handshake.
	if err := c.Ping(ctxTimeout(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	// ctx's deadline stands in for the 120 s limit, which it shortens.
	ctx := ctxTimeout(t, time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(context.Background())
	calls := 0
	start := time.Now()
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		calls++
		_, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{})
		return err
	})
	if !errors.Is(err, motor.ErrTransactionTimeout) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WithTransaction: %v, want a timeout", err)
	}
	if !motor.HasErrorLabel(err, motor.LabelTransientTransactionError) && errors.Is(err, motor.ErrTransactionTimeout) {
		t.Errorf("timeout error %v lost the last error's label", err)
	}
	if calls < 2 {
		t.Errorf("callback ran %d times, want retries until the deadline", calls)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("WithTransaction took %v, want it bounded by ctx's deadline", d)
	}
}

func TestWithTransactionTimeLimit(t *testing.T) {
	var commits atomic.Int32
	_, c := newTxFake(t, 1, false, func(_ int, req wiretest.Request) []wiretest.Reply {
		if req.Command == "commitTransaction" {
			commits.Add(1)
			return txnError(8, "UnknownTransactionCommitResult")
		}
		return nil
	})
	defer motor.SetWithTransactionTimeout(time.Second)()
	ctx := ctxTimeout(t, 20*time.Second) // longer than the limit
	// Connect first: the limit must leave room for several commits on a
	// loaded machine, not be spent on the handshake.
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	start := time.Now()
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		_, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{})
		return err
	})
	if !errors.Is(err, motor.ErrTransactionTimeout) || !motor.HasErrorLabel(err, motor.LabelUnknownTransactionCommitResult) {
		t.Fatalf("WithTransaction: %v, want ErrTransactionTimeout with the last commit error's label", err)
	}
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 8 {
		t.Errorf("the timeout error does not expose the last error: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("WithTransaction took %v with a 1s limit", d)
	}
	if commits.Load() < 2 {
		t.Errorf("%d commit attempts, want retries until the limit", commits.Load())
	}
}

func TestWithTransactionContextCanceled(t *testing.T) {
	_, c := newTxFake(t, 1, false, nil)
	ctx, cancel := context.WithCancel(ctxTimeout(t, 20*time.Second))
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(context.Background())
	calls := 0
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		calls++
		cancel()
		_, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{})
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WithTransaction: %v, want context.Canceled", err)
	}
	if calls != 1 {
		t.Errorf("callback ran %d times after cancellation, want 1", calls)
	}
	if st := s.TransactionState(); st != motor.TransactionAborted {
		t.Errorf("state %v, want aborted", st)
	}
}

func TestWithTransactionCallbackError(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	boom := errors.New("boom")
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		if _, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTransaction: %v, want the callback's error as is", err)
	}
	got := f.sent(0)
	if len(got) != 2 || got[1].name != "abortTransaction" {
		t.Errorf("sent %v, want insert then abortTransaction", got)
	}
	// A callback that commits itself: WithTransaction does not commit again.
	n := f.count()
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		if _, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{}); err != nil {
			return err
		}
		return motor.SessionFromContext(ctx).CommitTransaction(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.sent(n); len(got) != 2 {
		t.Errorf("sent %d commands, want insert and one commitTransaction", len(got))
	}
}

func TestTxnEndSessionAborts(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Database("db").Collection("c").InsertOne(motor.WithSession(ctx, s), bson.D{}); err != nil {
		t.Fatal(err)
	}
	s.EndSession(ctx)
	got := f.sent(0)
	if len(got) != 2 {
		t.Fatalf("sent %d commands, want insert and abortTransaction", len(got))
	}
	checkTxnCmd(t, got[1], "abortTransaction", 1, false)
}

func TestTxnClientErrors(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx := ctxTimeout(t, 20*time.Second)
	newSess := func(opts ...motor.SessionOptions) *motor.Session {
		s, err := c.StartSession(opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.EndSession(context.Background()) })
		return s
	}
	s := newSess()
	if err := s.CommitTransaction(ctx); !errors.Is(err, motor.ErrNoTransaction) {
		t.Errorf("commit without a transaction: %v", err)
	}
	if err := s.AbortTransaction(ctx); !errors.Is(err, motor.ErrNoTransaction) {
		t.Errorf("abort without a transaction: %v", err)
	}
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := s.StartTransaction(); !errors.Is(err, motor.ErrTransactionInProgress) {
		t.Errorf("second StartTransaction: %v", err)
	}
	if err := s.AbortTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.AbortTransaction(ctx); !errors.Is(err, motor.ErrAbortTwice) {
		t.Errorf("second abort: %v", err)
	}
	if err := s.CommitTransaction(ctx); !errors.Is(err, motor.ErrCommitAfterAbort) {
		t.Errorf("commit after abort: %v", err)
	}
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := s.CommitTransaction(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.AbortTransaction(ctx); !errors.Is(err, motor.ErrAbortAfterCommit) {
		t.Errorf("abort after commit: %v", err)
	}
	if st := s.TransactionState(); st != motor.TransactionCommitted {
		t.Errorf("client errors changed the state to %v", st)
	}

	snap := newSess(motor.SessionOptions{Snapshot: true, CausalConsistency: new(false)})
	if err := snap.StartTransaction(); !errors.Is(err, motor.ErrTransactionSnapshot) {
		t.Errorf("transaction in a snapshot session: %v", err)
	}
	if err := s.StartTransaction(motor.TransactionOptions{WriteConcern: &motor.WriteConcern{W: motor.WNodes(0)}}); !errors.Is(err, motor.ErrTransactionUnacknowledged) {
		t.Errorf("unacknowledged transaction: %v", err)
	}
	// Defaults: the session's read preference applies to reads, which
	// must then fail; a write passes.
	sec := newSess(motor.SessionOptions{DefaultTransactionOptions: &motor.TransactionOptions{ReadPreference: &motor.ReadPreference{Mode: motor.ReadSecondary}}})
	if err := sec.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	sctx := motor.WithSession(ctx, sec)
	n := f.count()
	if _, err := c.Database("db").Collection("c").FindOne(sctx, bson.D{}); !errors.Is(err, motor.ErrTransactionReadPreference) {
		t.Errorf("read with a secondary read preference in a transaction: %v", err)
	}
	if st := sec.TransactionState(); st != motor.TransactionStarting {
		t.Errorf("a client error moved the state to %v", st)
	}
	if _, err := c.Database("db").Collection("c").InsertOne(sctx, bson.D{}); err != nil {
		t.Errorf("write in a transaction with a secondary read preference: %v", err)
	}
	if err := s.StartTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := c.Database("db").RunCommand(motor.WithSession(ctx, s), bson.D{{Key: "find", Value: "c"}, {Key: "readConcern", Value: bson.D{{Key: "level", Value: "local"}}}}).Err(); !errors.Is(err, motor.ErrTransactionReadConcern) {
		t.Errorf("RunCommand with a readConcern in a transaction: %v", err)
	}
	if got := f.sent(n); len(got) != 1 {
		t.Errorf("client errors sent commands: %v", got)
	}
}

// The transaction of a callback that failed because ctx ended is still
// aborted on the server.
func TestWithTransactionAbortsAfterCancel(t *testing.T) {
	f, c := newTxFake(t, 1, false, nil)
	ctx, cancel := context.WithCancel(ctxTimeout(t, 20*time.Second))
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(context.Background())
	err = s.WithTransaction(ctx, func(ctx context.Context) error {
		if _, err := c.Database("db").Collection("c").InsertOne(ctx, bson.D{}); err != nil {
			return err
		}
		cancel()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WithTransaction: %v, want context.Canceled", err)
	}
	aborts := 0
	for _, r := range f.sent(0) {
		if r.name == "abortTransaction" {
			aborts++
		}
	}
	if aborts != 1 {
		t.Errorf("%d abortTransaction sent after the cancellation, want 1", aborts)
	}
	if st := s.TransactionState(); st != motor.TransactionAborted {
		t.Errorf("state %v, want aborted", st)
	}
}
