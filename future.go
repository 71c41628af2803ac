package motor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// Future is the result, to come, of a function running on its own
// goroutine: start many operations at once with Async, then wait for each,
// for all of them (WaitAll) or for the first to finish (First).
//
//	f := motor.Async(ctx, client, func(ctx context.Context) (User, error) {
//		return users.FindOne(ctx, bson.D{{Key: "_id", Value: id}})
//	})
//	...
//	u, err := f.Wait(ctx)
//
// The function runs once; its result and error are set once, and every
// Wait returns them. A Future is safe for concurrent use.
type Future[T any] struct {
	done chan struct{}
	val  T
	err  error

	mu      sync.Mutex
	over    bool
	waiters []futureWaiter // First calls waiting for this future
}

// futureWaiter is a First call waiting: it wants index i sent on ch.
type futureWaiter struct {
	ch chan<- int
	i  int
}

// PanicError is the error of a Future whose function panicked: the panic
// is recovered, so that it does not end the program from a goroutine the
// caller cannot guard, and reported here.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack when it panicked
}

// Error describes the panic.
func (e *PanicError) Error() string {
	return fmt.Sprintf("motor: future function panicked: %v", e.Value)
}

// Async runs fn on a goroutine of its own and returns its Future at once.
// fn's ctx is ctx, also cancelled (with ErrClientClosed as its cause) when
// c closes: Client.Close cancels every running future and waits for its
// function to return, so fn must honour its ctx. After Close, Async runs
// nothing and returns a Future failed with ErrClientClosed.
func Async[T any](ctx context.Context, c *Client, fn func(context.Context) (T, error)) *Future[T] {
	f := &Future[T]{done: make(chan struct{})}
	fctx, done, ok := c.open.startFuture(ctx)
	if !ok {
		f.finish(*new(T), ErrClientClosed)
		return f
	}
	go func() {
		defer done()
		var v T
		var err error
		defer func() {
			if p := recover(); p != nil {
				v, err = *new(T), &PanicError{Value: p, Stack: debug.Stack()}
			}
			f.finish(v, err)
		}()
		v, err = fn(fctx)
	}()
	return f
}

// finish sets the result, closes done and tells the waiting First calls.
func (f *Future[T]) finish(v T, err error) {
	f.val, f.err = v, err
	f.mu.Lock()
	f.over = true
	ws := f.waiters
	f.waiters = nil
	f.mu.Unlock()
	close(f.done)
	for _, w := range ws {
		w.ch <- w.i // buffered for every future of the call: never blocks
	}
}

// Done returns a channel closed when the result is set.
func (f *Future[T]) Done() <-chan struct{} { return f.done }

// Wait waits for the result and returns it. ctx bounds the wait only: when
// it ends first, Wait returns ctx's error and the function keeps running.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	default:
	}
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// WaitAll waits for every future and returns their values, in order. The
// error joins the errors of the futures that failed, each naming the
// future's index, so that errors.Is and errors.As see every one; the value
// of a failed future is its function's (usually the zero T). When ctx ends
// first, WaitAll returns nil and ctx's error.
func WaitAll[T any](ctx context.Context, futures ...*Future[T]) ([]T, error) {
	out := make([]T, len(futures))
	var errs []error
	for i, f := range futures {
		v, err := f.Wait(ctx)
		if err != nil && ctx.Err() != nil {
			select {
			case <-f.done:
			default:
				return nil, ctx.Err()
			}
		}
		out[i] = v
		if err != nil {
			errs = append(errs, fmt.Errorf("future %d: %w", i, err))
		}
	}
	return out, errors.Join(errs...)
}

// First waits for the first of futures to finish and returns its index,
// value and error; when several are done already, the one listed first
// wins. When ctx ends first (or no future is given) the index is -1 and the
// error is ctx's (or says there was none).
func First[T any](ctx context.Context, futures ...*Future[T]) (int, T, error) {
	var zero T
	if len(futures) == 0 {
		return -1, zero, errors.New("motor: First of no futures")
	}
	for i, f := range futures {
		select {
		case <-f.done:
			return i, f.val, f.err
		default:
		}
	}
	ch := make(chan int, len(futures))
	for i, f := range futures {
		f.addWaiter(ch, i)
	}
	defer func() {
		for _, f := range futures {
			f.removeWaiter(ch)
		}
	}()
	select {
	case i := <-ch:
		return i, futures[i].val, futures[i].err
	case <-ctx.Done():
		return -1, zero, ctx.Err()
	}
}

func (f *Future[T]) addWaiter(ch chan<- int, i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.over {
		ch <- i
		return
	}
	f.waiters = append(f.waiters, futureWaiter{ch: ch, i: i})
}

func (f *Future[T]) removeWaiter(ch chan<- int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for j, w := range f.waiters {
		if w.ch == ch {
			f.waiters = append(f.waiters[:j], f.waiters[j+1:]...)
			return
		}
	}
}
