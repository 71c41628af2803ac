package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
)

// TestTxnCommitFailPoints checks the failCommand fail point on
// commitTransaction: an error leaves the transaction open, so that a retry
// commits it; a closed connection too; a writeConcernError comes with a
// committed transaction and the labels mongod adds; blockConnection delays
// the commit.
func TestTxnCommitFailPoints(t *testing.T) {
	rs := newRS(t, Options{})
	commit := []string{"commitTransaction"}
	wce := func(code int32) bson.Raw {
		b, _ := bson.Marshal(doc("code", code, "errmsg", "injected"))
		return b
	}
	cases := []struct {
		name       string
		fp         FailPoint
		code       int32    // the commit's error code, 0 for ok
		closed     bool     // the connection closes
		wceCode    int32    // the reply's writeConcernError code
		wantLabels []string // of the first commit's reply
	}{
		{name: "error code", fp: FailPoint{ErrorCode: 112}, code: 112, wantLabels: []string{"TransientTransactionError"}},
		{name: "retryable code", fp: FailPoint{ErrorCode: 91}, code: 91, wantLabels: []string{"RetryableWriteError"}},
		{name: "NoSuchTransaction", fp: FailPoint{ErrorCode: 251}, code: 251, wantLabels: []string{"TransientTransactionError"}},
		{name: "fail point labels", fp: FailPoint{ErrorCode: 11600, ErrorLabels: []string{}}, code: 11600},
		{name: "close connection", fp: FailPoint{CloseConnection: true}, closed: true},
		{name: "write concern error", fp: FailPoint{WriteConcernError: wce(91)}, wceCode: 91, wantLabels: []string{"RetryableWriteError"}},
		{name: "write concern timeout", fp: FailPoint{WriteConcernError: wce(64)}, wceCode: 64},
		{name: "block", fp: FailPoint{BlockConnection: true, BlockTime: 50 * time.Millisecond}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := testDB(t)
			c := dial(t, rs.Addr(0))
			s := newSession(t, c, db, byte(i))
			mustOK(t, "insert", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)})))
			tc.fp.Mode, tc.fp.FailCommands = Times(1), commit
			if _, err := rs.FailCommand(0, tc.fp); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r, err := c.roundTrip(s.with(doc("commitTransaction", 1), false, "admin"))
			switch {
			case tc.closed:
				if !isNetErr(err) {
					t.Fatalf("commit: %v, %s; want the connection closed", err, r)
				}
				s.c = dial(t, rs.Addr(0))
			case err != nil:
				t.Fatal(err)
			case tc.code != 0:
				mustCode(t, "commit", r, tc.code)
			default:
				mustOK(t, "commit", r)
				if got := r.Lookup("writeConcernError", "code").Int32(); got != tc.wceCode {
					t.Errorf("writeConcernError code %d, want %d: %s", got, tc.wceCode, r)
				}
			}
			if r != nil && !sameStrings(labels(r), tc.wantLabels) {
				t.Errorf("labels %v, want %v", labels(r), tc.wantLabels)
			}
			if tc.fp.BlockConnection && time.Since(start) < tc.fp.BlockTime {
				t.Errorf("commit took %v, want at least %v", time.Since(start), tc.fp.BlockTime)
			}
			mustOK(t, "retried commit", s.end("commitTransaction", "writeConcern", doc("w", "majority")))
			if got := contents(t, s.c, db, "c"); len(got) != 1 {
				t.Errorf("after commit: %v, want the document", got)
			}
		})
	}
}

// TestTxnAbortFailPoint checks that an abort failed by the fail point
// leaves the transaction to the retried abort.
func TestTxnAbortFailPoint(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	s := newSession(t, c, db, 1)
	mustOK(t, "insert", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)})))
	if _, err := rs.FailCommand(0, FailPoint{Mode: Times(1), FailCommands: []string{"abortTransaction"}, ErrorCode: 10107}); err != nil {
		t.Fatal(err)
	}
	r := s.end("abortTransaction")
	mustCode(t, "abort", r, 10107)
	if !slices.Equal(labels(r), []string{"RetryableWriteError"}) {
		t.Errorf("labels %v, want RetryableWriteError", labels(r))
	}
	mustOK(t, "retried abort", s.end("abortTransaction"))
	if got := contents(t, c, db, "c"); len(got) != 0 {
		t.Errorf("after abort: %v, want none", got)
	}
}

// TestTxnCommitWriteConcern checks the writeConcernError of a commit whose
// write concern the set cannot satisfy; the commit is done.
func TestTxnCommitWriteConcern(t *testing.T) {
	rs := newRS(t, Options{})
	db := testDB(t)
	c := dial(t, rs.Addr(0))
	for i, tc := range []struct {
		w    any
		code int32
	}{{int32(10), 100}, {"dc", 79}, {"majority", 0}, {int32(3), 0}} {
		s := newSession(t, c, db, byte(i))
		mustOK(t, "insert", s.start(doc("insert", "c", "documents", bson.A{doc("_id", i)})))
		r := s.end("commitTransaction", "writeConcern", doc("w", tc.w))
		mustOK(t, "commit", r)
		if got := r.Lookup("writeConcernError", "code").Int32(); got != tc.code {
			t.Errorf("w %v: writeConcernError code %d, want %d: %s", tc.w, got, tc.code, r)
		}
		if len(labels(r)) != 0 {
			t.Errorf("w %v: labels %v, want none", tc.w, labels(r))
		}
	}
	if got := contents(t, c, db, "c"); len(got) != 4 {
		t.Errorf("%v, want the 4 documents committed", got)
	}
}

// TestTxnMongos checks a transaction through mongos: replies carry a
// recoveryToken; a commit retried through the other router succeeds once
// committed, and one of a transaction in progress there fails
// NoSuchTransaction and aborts it.
func TestTxnMongos(t *testing.T) {
	sh := newSharded(t, ShardedOptions{Routers: 2})
	db := testDB(t)
	c0, c1 := dial(t, sh.Addr(0)), dial(t, sh.Addr(1))
	s := newSession(t, c0, db, 1)
	r := s.start(doc("insert", "c", "documents", bson.A{doc("_id", 1)}))
	mustOK(t, "insert", r)
	if got := r.Lookup("recoveryToken", "recoveryShardId").StringValue(); got != "sim" {
		t.Errorf("insert reply %s, want a recoveryToken", r)
	}
	r = s.end("commitTransaction")
	if r.Lookup("recoveryToken").Type == 0 {
		t.Errorf("commit reply %s, want a recoveryToken", r)
	}
	s.c = c1
	mustOK(t, "commit retried on the other router", s.end("commitTransaction", "recoveryToken", doc("recoveryShardId", "sim")))

	s.c = c0
	mustOK(t, "insert 2", s.start(doc("insert", "c", "documents", bson.A{doc("_id", 2)})))
	s.c = c1
	mustCode(t, "insert on the other router", s.do(doc("insert", "c", "documents", bson.A{doc("_id", 3)})), codeNoSuchTransaction)
	r = s.end("commitTransaction", "recoveryToken", doc("recoveryShardId", "sim"))
	mustCode(t, "commit on the other router", r, codeNoSuchTransaction)
	if !slices.Equal(labels(r), []string{"TransientTransactionError"}) {
		t.Errorf("labels %v, want TransientTransactionError", labels(r))
	}
	if got := contents(t, c0, db, "c"); len(got) != 1 {
		t.Errorf("%v, want only the first transaction's document", got)
	}
	s.c = c0
	mustCode(t, "commit on the first router", s.end("commitTransaction"), codeNoSuchTransaction)
}

func TestServerLabels(t *testing.T) {
	txn := sessionInfo{txnNumber: true, autocommit: true}
	retryable := sessionInfo{txnNumber: true}
	cases := []struct {
		name         string
		s            sessionInfo
		code, wcCode int32
		want         []string
	}{
		{"insert", txn, 112, 0, []string{"TransientTransactionError"}},
		{"insert", txn, 10107, 0, []string{"TransientTransactionError"}},
		{"insert", txn, 251, 0, []string{"TransientTransactionError"}},
		{"insert", txn, 11000, 0, nil},
		{"insert", txn, 0, 91, nil},
		{"commitTransaction", txn, 251, 0, []string{"TransientTransactionError"}},
		{"commitTransaction", txn, 251, 64, nil},
		{"commitTransaction", txn, 24, 0, []string{"TransientTransactionError"}},
		{"commitTransaction", txn, 91, 0, []string{"RetryableWriteError"}},
		{"commitTransaction", txn, 0, 91, []string{"RetryableWriteError"}},
		{"commitTransaction", txn, 0, 64, nil},
		{"abortTransaction", txn, 11602, 0, []string{"RetryableWriteError"}},
		{"insert", retryable, 91, 0, []string{"RetryableWriteError"}},
		{"insert", retryable, 0, 91, []string{"RetryableWriteError"}},
		{"insert", retryable, 112, 0, nil},
		{"insert", sessionInfo{}, 91, 0, nil},
	}
	for _, tc := range cases {
		if got := serverLabels(tc.name, tc.s, tc.code, tc.wcCode); !slices.Equal(got, tc.want) {
			t.Errorf("serverLabels(%s, %+v, %d, %d) = %v, want %v", tc.name, tc.s, tc.code, tc.wcCode, got, tc.want)
		}
	}
}
