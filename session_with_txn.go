package motor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/motor-go/motor/mongoerr"
)

// withTxnTimeout bounds the retries of WithTransaction, as the convenient
// transactions API specification asks when no timeout is set (120 s; a
// variable for the tests).
var withTxnTimeout = 120 * time.Second

// The backoff between the attempts of WithTransaction: jitter times
// min(backoffInitial * 1.5^attempt, backoffMax).
const (
	txnBackoffInitial = 5 * time.Millisecond
	txnBackoffMax     = 500 * time.Millisecond
)

// ErrTransactionTimeout is wrapped by the error WithTransaction returns
// when its 120 s retry limit (or ctx's deadline) leaves no time for
// another attempt; the error also wraps the last attempt's error and has
// its labels.
var ErrTransactionTimeout = errors.New("motor: WithTransaction: no time left to retry the transaction")

// WithTransaction runs fn in a transaction of the session and commits it,
// the convenient transactions API. The ctx given fn carries the session
// (see WithSession); fn must run its operations with it.
//
// When fn or the commit fails with an error labelled
// LabelTransientTransactionError, the whole transaction is retried, after
// a short random backoff: fn may thus run several times and must be safe
// to repeat (its side effects outside the database happen once per
// attempt). A commit that fails with LabelUnknownTransactionCommitResult
// (other than MaxTimeMSExpired) is retried alone. Retries stop after 120
// seconds, or when ctx is done. Any other error of fn aborts the
// transaction and is returned as is.
//
// fn must not swallow the errors of its operations: an operation's error
// may abort the transaction on the server, and the commit would then fail
// with NoSuchTransaction (labelled transient), retrying forever until the
// time limit. If fn commits or aborts the transaction itself,
// WithTransaction returns without committing.
func (s *Session) WithTransaction(ctx context.Context, fn func(ctx context.Context) error, opts ...TransactionOptions) error {
	start := time.Now()
	deadline := start.Add(withTxnTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	tctx := WithSession(ctx, s)
	var last error
	for attempt := 0; ; {
		if attempt > 0 {
			backoff := time.Duration(rand.Float64() * float64(min(float64(txnBackoffInitial)*pow15(attempt), float64(txnBackoffMax))))
			if !time.Now().Add(backoff).Before(deadline) {
				return timeoutError(last)
			}
			if err := sleepCtx(ctx, backoff); err != nil {
				return fmt.Errorf("motor: WithTransaction: %w (last error: %w)", err, last)
			}
		}
		if err := s.StartTransaction(opts...); err != nil {
			return err
		}
		attempt++
		if err := fn(tctx); err != nil {
			last = err
			if st := s.TransactionState(); st == TransactionStarting || st == TransactionInProgress {
				s.abortAfterCallback(tctx)
			}
			if HasErrorLabel(err, LabelTransientTransactionError) && ctx.Err() == nil {
				if time.Now().Before(deadline) {
					continue
				}
				return timeoutError(err)
			}
			return err
		}
		switch s.TransactionState() {
		case TransactionNone, TransactionCommitted, TransactionAborted:
			return nil // fn ended the transaction itself
		}
		retry, err := s.commitLoop(ctx, deadline)
		if err == nil {
			return nil
		}
		last = err
		if !retry {
			return err
		}
	}
}

// txnAbortTimeout bounds the abortTransaction that WithTransaction sends
// when ctx is already done.
const txnAbortTimeout = 5 * time.Second

// abortAfterCallback aborts the transaction after fn failed. When ctx is
// done (fn failed because of it), the abort is still sent, within
// txnAbortTimeout: otherwise the server would hold the transaction, and
// its locks, until its lifetime limit.
func (s *Session) abortAfterCallback(ctx context.Context) {
	if ctx.Err() != nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txnAbortTimeout)
		defer cancel()
		ctx = actx
	}
	_ = s.AbortTransaction(ctx)
}

// commitLoop commits, retrying the commit while it fails with
// UnknownTransactionCommitResult (not MaxTimeMSExpired) and time is left.
// retry says the error allows retrying the whole transaction.
func (s *Session) commitLoop(ctx context.Context, deadline time.Time) (retry bool, err error) {
	for {
		err = s.CommitTransaction(ctx)
		switch {
		case err == nil:
			return false, nil
		case ctx.Err() != nil:
			return false, err
		case HasErrorLabel(err, LabelUnknownTransactionCommitResult) && !isMaxTimeMSExpired(err):
			if !time.Now().Before(deadline) {
				return false, timeoutError(err)
			}
			continue
		case HasErrorLabel(err, LabelTransientTransactionError):
			return true, err
		}
		return false, err
	}
}

// isMaxTimeMSExpired reports a MaxTimeMSExpired error (code 50), at the
// top level of the reply or in its writeConcernError.
func isMaxTimeMSExpired(err error) bool {
	var se *mongoerr.ServerError
	if errors.As(err, &se) && se.Code == 50 {
		return true
	}
	var wce *WriteConcernError
	return errors.As(err, &wce) && wce.Code == 50
}

// txnTimeoutError is the error of WithTransaction out of time: it wraps
// ErrTransactionTimeout and the last error, whose labels it has.
type txnTimeoutError struct{ last error }

func (e *txnTimeoutError) Error() string {
	return ErrTransactionTimeout.Error() + ": " + e.last.Error()
}

func (e *txnTimeoutError) Unwrap() []error { return []error{ErrTransactionTimeout, e.last} }

// HasLabel reports whether the last error has the label.
func (e *txnTimeoutError) HasLabel(label string) bool { return HasErrorLabel(e.last, label) }

// Timeout reports true: the error is a timeout.
func (e *txnTimeoutError) Timeout() bool { return true }

func timeoutError(last error) error {
	if last == nil {
		return ErrTransactionTimeout
	}
	return &txnTimeoutError{last: last}
}

// pow15 returns 1.5 to the power n.
func pow15(n int) float64 {
	f := 1.0
	for range min(n, 32) {
		f *= 1.5
	}
	return f
}

// sleepCtx sleeps for d, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
