package unified

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
)

// threadEntity runs the operations that runOnThread sends it, one at a
// time, on a goroutine of its own.
type threadEntity struct {
	id   string
	ops  chan bson.Raw
	done chan struct{}

	closeOnce sync.Once
	mu        sync.Mutex
	err       error
}

// startThread starts a thread entity; its goroutine ends when the thread is
// stopped (waitForThread, or the end of the test).
func (tr *testRun) startThread(ctx context.Context, id string) *threadEntity {
	th := &threadEntity{id: id, ops: make(chan bson.Raw, 64), done: make(chan struct{})}
	go func() {
		defer close(th.done)
		for op := range th.ops {
			if th.failed() {
				continue // after a failure, the remaining operations are dropped
			}
			if err := tr.runOperation(ctx, op); err != nil {
				th.mu.Lock()
				th.err = fmt.Errorf("thread %q: %s: %w", id, op.Lookup("name").StringValue(), err)
				th.mu.Unlock()
			}
		}
	}()
	return th
}

func (th *threadEntity) failed() bool {
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.err != nil
}

// stop tells the thread no operation is coming; it finishes the ones it has.
func (th *threadEntity) stop() { th.closeOnce.Do(func() { close(th.ops) }) }

// wait stops the thread and waits up to limit for it to end, returning the
// first error of its operations.
func (th *threadEntity) wait(limit time.Duration) error {
	th.stop()
	select {
	case <-th.done:
	case <-time.After(limit):
		return fmt.Errorf("unified: thread %q did not finish within %v", th.id, limit)
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.err
}

func (th *threadEntity) closeEntity(context.Context) {
	// The test's context bounds the operations still running; the wait
	// bounds the runner's patience with them.
	_ = th.wait(30 * time.Second)
}

func threadArg(tr *testRun, a *args) (*threadEntity, error) {
	name, err := a.str("thread", true)
	if err != nil {
		return nil, err
	}
	return entityAs[*threadEntity](tr.entities, name, "thread")
}

// opRunOnThread schedules an operation on a thread and returns at once.
func opRunOnThread(_ context.Context, tr *testRun, a *args) error {
	th, err := threadArg(tr, a)
	if err != nil {
		return err
	}
	op, _, err := a.document("operation", true)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	if err := operationRule()("$operation", docValue(op)); err != nil {
		return err
	}
	select {
	case th.ops <- op:
		return nil
	default:
		return fmt.Errorf("unified: runOnThread: thread %q has %d operations queued already", th.id, cap(th.ops))
	}
}

// opWaitForThread waits up to 10 seconds for a thread's operations and
// fails with the first error among them.
func opWaitForThread(_ context.Context, tr *testRun, a *args) error {
	th, err := threadArg(tr, a)
	if err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	return th.wait(10 * time.Second)
}
