package session

import (
	"errors"
	"testing"
)

func TestTxnStateMachine(t *testing.T) {
	type step struct {
		do    string // start, send, commit, abort, other
		err   error
		state TxnState
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"commit", []step{{"start", nil, TxnStarting}, {"send", nil, TxnInProgress}, {"commit", nil, TxnCommitted}, {"commit", nil, TxnCommitted}, {"other", nil, TxnNone}}},
		{"abort", []step{{"start", nil, TxnStarting}, {"send", nil, TxnInProgress}, {"abort", nil, TxnAborted}, {"abort", ErrAbortTwice, TxnAborted}, {"commit", ErrCommitAfterAbort, TxnAborted}}},
		{"no transaction", []step{{"commit", ErrNoTxn, TxnNone}, {"abort", ErrNoTxn, TxnNone}}},
		{"twice", []step{{"start", nil, TxnStarting}, {"start", ErrTxnInProgress, TxnStarting}, {"send", nil, TxnInProgress}, {"start", ErrTxnInProgress, TxnInProgress}}},
		{"abort after commit", []step{{"start", nil, TxnStarting}, {"commit", nil, TxnCommitted}, {"abort", ErrAbortAfterCommit, TxnCommitted}, {"start", nil, TxnStarting}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{}
			s := &Server{}
			for i, st := range tt.steps {
				var err error
				switch st.do {
				case "start":
					_, err = c.StartTxn(s, TxnOptions{})
				case "send":
					c.TxnSent()
				case "commit":
					_, _, err = c.TxnCommit()
				case "abort":
					_, err = c.TxnAbort()
				case "other":
					c.TxnBegin()
				}
				if !errors.Is(err, st.err) {
					t.Fatalf("step %d (%s): error %v, want %v", i, st.do, err, st.err)
				}
				if got := c.TxnState(); got != st.state {
					t.Fatalf("step %d (%s): state %v, want %v", i, st.do, got, st.state)
				}
			}
		})
	}
}

func TestTxnNumberAndCommitRetry(t *testing.T) {
	c, s := &Client{}, &Server{TxnNumber: 4}
	if _, err := c.StartTxn(s, TxnOptions{}); err != nil {
		t.Fatal(err)
	}
	if in, first, n, _ := c.TxnBegin(); !in || !first || n != 5 {
		t.Fatalf("TxnBegin = %v, %v, %d; want in, first, 5", in, first, n)
	}
	c.TxnSent()
	if send, retry, _ := c.TxnCommit(); !send || retry {
		t.Fatalf("first commit: send %v retry %v", send, retry)
	}
	if send, retry, _ := c.TxnCommit(); !send || !retry {
		t.Fatalf("second commit: send %v retry %v, want a retry", send, retry)
	}
	// An empty transaction commits without a command, however often.
	if _, err := c.StartTxn(s, TxnOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if send, _, _ := c.TxnCommit(); send {
			t.Fatal("empty transaction sends commitTransaction")
		}
	}
	if s.TxnNumber != 6 {
		t.Errorf("txnNumber %d, want 6", s.TxnNumber)
	}
	snap := &Client{Snapshot: true}
	if _, err := snap.StartTxn(s, TxnOptions{}); !errors.Is(err, ErrTxnSnapshot) {
		t.Errorf("snapshot session: %v", err)
	}
}
