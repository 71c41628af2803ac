package unified

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
)

// opLoop runs its operations in a loop until the runner is asked to stop
// loops (Runner.StopLoops), the test's context ends, or Runner.
// LoopIterations iterations are done. The loop operation and the
// storeEventsAsEntities client option are deprecated (schema 1.24) and no
// longer used by the specification's tests; the runner keeps them for files
// of older schema versions.
func opLoop(ctx context.Context, tr *testRun, a *args) error {
	v, err := a.required("operations")
	if err != nil {
		return err
	}
	if err := arrayOf(0, operationRule())("$operations", v); err != nil {
		return err
	}
	ops := docs(v)
	names := map[string]string{}
	for _, k := range []string{"storeErrorsAsEntity", "storeFailuresAsEntity", "storeSuccessesAsEntity", "storeIterationsAsEntity"} {
		if names[k], err = a.str(k, false); err != nil {
			return err
		}
	}
	if err := a.check(); err != nil {
		return err
	}
	errs, err := loopList(tr, names["storeErrorsAsEntity"])
	if err != nil {
		return err
	}
	failures, err := loopList(tr, names["storeFailuresAsEntity"])
	if err != nil {
		return err
	}
	// Without one of the two lists, errors and failures share the other.
	if errs == nil {
		errs = failures
	}
	if failures == nil {
		failures = errs
	}
	successes, iterations := &counter{}, &counter{}
	for k, c := range map[string]*counter{"storeSuccessesAsEntity": successes, "storeIterationsAsEntity": iterations} {
		if names[k] != "" {
			if err := tr.entities.add(names[k], c); err != nil {
				return err
			}
		}
	}
	for i := 0; tr.r.LoopIterations <= 0 || i < tr.r.LoopIterations; i++ {
		select {
		case <-tr.r.stopLoops:
			return nil
		case <-ctx.Done():
			return nil
		default:
		}
		iterations.add(1)
		for _, op := range ops {
			err := tr.runOperation(ctx, op)
			if err == nil {
				successes.add(1)
				continue
			}
			list := errs
			if isFailure(err) {
				list = failures
			}
			if list == nil {
				return fmt.Errorf("loop: %w", err)
			}
			d, _ := bson.Marshal(bson.D{
				{Key: "error", Value: err.Error()},
				{Key: "time", Value: float64(time.Now().UnixMicro()) / 1e6},
			})
			list.append(d)
			break // the rest of this iteration is skipped
		}
	}
	return nil
}

// loopList returns the BSON array entity name, creating it if needed; nil
// when name is empty.
func loopList(tr *testRun, name string) (*docList, error) {
	if name == "" {
		return nil, nil
	}
	v, err := tr.entities.get(name)
	if err != nil {
		l := &docList{}
		return l, tr.entities.add(name, l)
	}
	l, ok := v.(*docList)
	if !ok {
		return nil, fmt.Errorf("unified: loop: entity %q is a %s, not a BSON array", name, kindOf(v))
	}
	return l, nil
}
