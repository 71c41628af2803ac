package unified

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The transaction operations of session entities (startTransaction,
// commitTransaction, abortTransaction, withTransaction) and the test
// runner operations about transactions (assertSessionTransactionState,
// assertSessionPinned, assertSessionUnpinned, targetedFailPoint).

// txnOptions reads the transaction options among an operation's
// arguments (startTransaction and withTransaction take them at the top
// level) or in a defaultTransactionOptions document.
func txnOptions(a *args) (motor.TransactionOptions, error) {
	var o motor.TransactionOptions
	var err error
	if o.ReadConcern, err = a.readConcern(); err != nil {
		return o, err
	}
	if o.WriteConcern, err = a.writeConcern(); err != nil {
		return o, err
	}
	if d, ok, err := a.document("readPreference", false); err != nil {
		return o, err
	} else if ok {
		rp, err := readPreferenceOf(d)
		if err != nil {
			return o, err
		}
		o.ReadPreference = &rp
	}
	if n, ok, err := a.integer("maxCommitTimeMS", false); err != nil {
		return o, err
	} else if ok {
		o.MaxCommitTime = time.Duration(n) * time.Millisecond
	}
	return o, nil
}

// defaultTxnOptions reads a session entity's defaultTransactionOptions.
func defaultTxnOptions(d bson.Raw) (*motor.TransactionOptions, error) {
	a := newArgs("defaultTransactionOptions", d)
	o, err := txnOptions(a)
	if err != nil {
		return nil, err
	}
	if err := a.check(); err != nil {
		return nil, err
	}
	return &o, nil
}

func opStartTransaction(_ context.Context, _ *testRun, entity any, a *args) (opResult, error) {
	o, err := txnOptions(a)
	if err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: entity.(*sessionEntity).sess.StartTransaction(o)}, nil
}

func opCommitTransaction(ctx context.Context, _ *testRun, entity any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: entity.(*sessionEntity).sess.CommitTransaction(ctx)}, nil
}

func opAbortTransaction(ctx context.Context, _ *testRun, entity any, a *args) (opResult, error) {
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	return opResult{err: entity.(*sessionEntity).sess.AbortTransaction(ctx)}, nil
}

// opWithTransaction runs the callback's operations in
// Session.WithTransaction. An operation's error goes back to
// WithTransaction whatever the operation expected, as the unified format
// asks; a failed assertion of an operation fails the test.
func opWithTransaction(ctx context.Context, tr *testRun, entity any, a *args) (opResult, error) {
	cb, err := a.required("callback")
	if err != nil {
		return opResult{}, err
	}
	ops, ok := cb.ArrayOK()
	if !ok {
		return opResult{}, a.wrongType("callback", "an array of operations", cb)
	}
	o, err := txnOptions(a)
	if err != nil {
		return opResult{}, err
	}
	if err := a.check(); err != nil {
		return opResult{}, err
	}
	var failed error
	fn := func(ctx context.Context) error {
		for i, v := range ops.Values() {
			op, ok := v.DocumentOK()
			if !ok {
				return fmt.Errorf("unified: withTransaction: callback[%d] is not an operation: %s", i, show(v))
			}
			opErr, err := tr.runOperationResult(ctx, op)
			if err != nil {
				if failed == nil {
					failed = fmt.Errorf("withTransaction callback[%d] (%s): %w", i, op.Lookup("name").StringValue(), err)
				}
				// Without the labels of the failure: WithTransaction
				// must not retry a failed assertion.
				return errCallbackFailed
			}
			if opErr != nil {
				return opErr
			}
		}
		return nil
	}
	err = entity.(*sessionEntity).sess.WithTransaction(ctx, fn, o)
	if failed != nil {
		return opResult{}, failed
	}
	return opResult{err: err}, nil
}

// errCallbackFailed is what a withTransaction callback returns when one
// of its operations failed an assertion.
var errCallbackFailed = errors.New("unified: withTransaction: a callback operation failed its assertions")

// sessionArgRequired returns the session entity of the session argument,
// which must be given.
func (tr *testRun) sessionArgRequired(a *args) (*sessionEntity, error) {
	s, err := tr.sessionArg(a)
	if err == nil && s == nil {
		err = a.missing("session")
	}
	return s, err
}

func opAssertTxnState(_ context.Context, tr *testRun, a *args) error {
	s, err := tr.sessionArgRequired(a)
	if err != nil {
		return err
	}
	want, err := a.str("state", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	if got := s.sess.TransactionState().String(); got != want {
		return &ExpectationError{Msg: fmt.Sprintf("%s: session %q is in state %s, want %s", a.op, s.id, got, want)}
	}
	return nil
}

// opAssertPinned implements assertSessionPinned and assertSessionUnpinned.
func opAssertPinned(want bool) func(context.Context, *testRun, *args) error {
	return func(_ context.Context, tr *testRun, a *args) error {
		s, err := tr.sessionArgRequired(a)
		if err != nil {
			return err
		}
		if err := a.check(); err != nil {
			return err
		}
		if got := s.sess.PinnedServer(); (got != "") != want {
			return &ExpectationError{Msg: fmt.Sprintf("%s: session %q pinned to %q", a.op, s.id, got)}
		}
		return nil
	}
}

// opTargetedFailPoint configures a fail point on the mongos the session is
// pinned to, with the target's direct client to that mongos.
func opTargetedFailPoint(ctx context.Context, tr *testRun, a *args) error {
	s, err := tr.sessionArgRequired(a)
	if err != nil {
		return err
	}
	fp, _, err := a.document("failPoint", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	addr := s.sess.PinnedServer()
	if addr == "" {
		return fmt.Errorf("unified: targetedFailPoint: session %q is not pinned to a mongos", s.id)
	}
	c := tr.target.router(addr)
	if c == nil {
		return fmt.Errorf("unified: targetedFailPoint: no direct client to %s, the session's mongos", addr)
	}
	name, ok := fp.Lookup("configureFailPoint").StringValueOK()
	if !ok {
		return fmt.Errorf("unified: targetedFailPoint: the command has no configureFailPoint name: %s", fp)
	}
	if err := c.Database("admin").RunCommand(ctx, fp).Err(); err != nil {
		return fmt.Errorf("unified: targetedFailPoint %s: %w", name, err)
	}
	tr.mu.Lock()
	tr.failPoints = append(tr.failPoints, name)
	tr.mu.Unlock()
	return nil
}

// router returns the target's direct client to the mongos at addr, nil if
// none.
func (t *Target) router(addr string) *motor.Client {
	for i, h := range t.routerHosts {
		if strings.EqualFold(h, addr) {
			return t.routers[i]
		}
	}
	return nil
}
