package unified

import (
	"context"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// opResult is what an entity operation returned.
type opResult struct {
	// value is the result as BSON, absent when there is none.
	value bson.RawValue
	// iterable says value is the array of the documents an iterable
	// yielded, each of them matched as a root-level document.
	iterable bool
	// entity is a result that is not BSON (a cursor), for
	// saveResultAsEntity.
	entity any
	// err is the operation's error.
	err error
}

// opFunc runs an entity operation. Its error is the runner's (a bad
// argument, an unusable entity); the operation's own error is in opResult.
type opFunc func(ctx context.Context, tr *testRun, entity any, a *args) (opResult, error)

// An ExpectationError reports an operation whose error or result is not
// the one expected: a failure of the test, as opposed to an error of the
// runner or of the test file.
type ExpectationError struct {
	Msg string
	Err error // the operation's error, if it is part of the failure
}

func (e *ExpectationError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *ExpectationError) Unwrap() error { return e.Err }

// isFailure tells an assertion's failure from an error of the runner.
func isFailure(err error) bool {
	var me *MatchError
	var ee *ExpectationError
	return errors.As(err, &me) || errors.As(err, &ee)
}

// operations returns the operations of an entity type, and the type's name.
func operations(entity any) (map[string]opFunc, string) {
	switch entity.(type) {
	case *clientEntity:
		return clientOps, "client"
	case *databaseEntity:
		return databaseOps, "database"
	case *collectionEntity:
		return collectionOps, "collection"
	}
	if o, ok := entity.(interface{ ops() map[string]opFunc }); ok {
		return o.ops(), kindOf(entity)
	}
	return nil, kindOf(entity)
}

// runOperation executes one operation and checks its expectations.
func (tr *testRun) runOperation(ctx context.Context, op bson.Raw) error {
	_, err := tr.runOperationResult(ctx, op)
	return err
}

// runOperationResult runs an operation as runOperation does, and also
// returns the operation's own error (expected or not), which a
// withTransaction callback passes on.
func (tr *testRun) runOperationResult(ctx context.Context, op bson.Raw) (opErr, err error) {
	name := op.Lookup("name").StringValue()
	object := op.Lookup("object").StringValue()
	argDoc, _ := op.Lookup("arguments").DocumentOK()
	a := newArgs(name, argDoc)
	if object == "testRunner" {
		for _, k := range []string{"expectResult", "expectError", "saveResultAsEntity", "ignoreResultAndError"} {
			if op.Lookup(k).Type != 0 {
				return nil, fmt.Errorf("unified: special operation %s takes no %s", name, k)
			}
		}
		return nil, tr.runSpecial(ctx, name, a)
	}
	entity, err := tr.entities.get(object)
	if err != nil {
		return nil, err
	}
	ops, kind := operations(entity)
	f, ok := ops[name]
	if !ok {
		return nil, fmt.Errorf("unified: unsupported operation %q on %s entity %q", name, kind, object)
	}
	// The session argument, of any operation, runs it in the session.
	ctx, err = tr.withSessionArg(ctx, a)
	if err != nil {
		return nil, err
	}
	res, err := f(ctx, tr, entity, a)
	if err != nil {
		return nil, err
	}
	if !a.checked {
		return nil, fmt.Errorf("unified: internal error: operation %s did not check its arguments", name)
	}
	return res.err, tr.checkResult(op, res)
}

// checkResult applies ignoreResultAndError, expectError, expectResult and
// saveResultAsEntity.
func (tr *testRun) checkResult(op bson.Raw, res opResult) error {
	if b, _ := op.Lookup("ignoreResultAndError").BooleanOK(); b {
		return nil
	}
	if ee, ok := op.Lookup("expectError").DocumentOK(); ok {
		if res.err == nil {
			return &ExpectationError{Msg: fmt.Sprintf("expected an error, got the result %s", show(res.value))}
		}
		return tr.checkError(ee, res)
	}
	if res.err != nil {
		return &ExpectationError{Msg: "unexpected error", Err: res.err}
	}
	if exp := op.Lookup("expectResult"); exp.Type != 0 {
		var err error
		if res.iterable {
			err = tr.m.matchRootArray("$result", exp, res.value)
		} else {
			err = tr.m.match("$result", exp, res.value, true)
		}
		if err != nil {
			return err
		}
	}
	if name, ok := op.Lookup("saveResultAsEntity").StringValueOK(); ok {
		switch {
		case res.entity != nil:
			return tr.entities.add(name, res.entity)
		case res.value.Type != 0:
			return tr.entities.add(name, res.value)
		}
		return fmt.Errorf("unified: saveResultAsEntity %q: the operation returned no result", name)
	}
	return nil
}
