package pool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinels matched by the pool's error types, for errors.Is.
var (
	// ErrPoolClosed is matched by *PoolClosedError.
	ErrPoolClosed = errors.New("pool: closed")
	// ErrPoolCleared is matched by *PoolClearedError.
	ErrPoolCleared = errors.New("pool: cleared")
	// ErrWaitQueueTimeout is matched by *WaitQueueTimeoutError.
	ErrWaitQueueTimeout = errors.New("pool: wait queue timeout")
	// ErrNotCheckedOut is returned by CheckIn for a connection that is not
	// checked out of that pool (checked in twice, or from another pool).
	ErrNotCheckedOut = errors.New("pool: connection is not checked out of this pool")
)

// PoolClosedError is returned by a check-out from a closed pool.
type PoolClosedError struct {
	// Address is the server address of the pool.
	Address string
}

func (e *PoolClosedError) Error() string {
	return "pool: attempted to check out a connection from closed connection pool for " + e.Address
}

// Is reports whether target is ErrPoolClosed.
func (e *PoolClosedError) Is(target error) bool { return target == ErrPoolClosed }

// PoolClearedError is returned by a check-out from a paused pool, by the
// check-outs a Clear evicted from the wait queue, and (through
// PooledConn.Interrupted) for an operation whose connection a clear
// interrupted. It is retryable, and server discovery must not mark the
// server unknown or clear the pool again because of it: the pool was
// already reset by the failure in Cause.
type PoolClearedError struct {
	// Address is the server address of the pool.
	Address string
	// Interrupted says a clear with InterruptInUse closed the connection of
	// an operation in progress.
	Interrupted bool
	// Cause is the error that made the pool be cleared, if known.
	Cause error
}

func (e *PoolClearedError) Error() string {
	switch {
	case e.Interrupted:
		return "pool: connection to " + e.Address + " interrupted due to server monitor timeout"
	case e.Cause != nil:
		return "pool: connection pool for " + e.Address +
			" was cleared because another operation failed with: " + e.Cause.Error()
	default:
		return "pool: connection pool for " + e.Address + " was cleared"
	}
}

// Unwrap returns the cause of the clear.
func (e *PoolClearedError) Unwrap() error { return e.Cause }

// Is reports whether target is ErrPoolCleared.
func (e *PoolClearedError) Is(target error) bool { return target == ErrPoolCleared }

// Retryable reports true: an operation that failed with this error may be
// retried on another connection, as the specification requires.
func (e *PoolClearedError) Retryable() bool { return true }

// WaitQueueTimeoutError is returned by a check-out that gave up waiting: the
// pool's WaitQueueTimeout elapsed, or its context was done. In the latter
// case it wraps ctx.Err(), so errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) hold.
type WaitQueueTimeoutError struct {
	// Address is the server address of the pool.
	Address string
	// Waited is how long the check-out waited.
	Waited time.Duration
	// Cause is the context's error, or nil when WaitQueueTimeout elapsed.
	Cause error

	// LoadBalanced says the pool is in load-balanced mode, where the
	// fields below are filled and the message details them.
	LoadBalanced bool
	// MaxPoolSize is the pool's MaxPoolSize.
	MaxPoolSize int
	// InUseByCursors counts the connections pinned to cursors.
	InUseByCursors int
	// InUseByTransactions counts the connections pinned to transactions.
	InUseByTransactions int
	// InUseByOthers counts the other connections checked out.
	InUseByOthers int
}

func (e *WaitQueueTimeoutError) Error() string {
	var msg string
	if e.Cause != nil && !e.Timeout() {
		msg = fmt.Sprintf("pool: check-out of a connection from connection pool for %s stopped after %v", e.Address, e.Waited)
	} else {
		msg = fmt.Sprintf("pool: timed out while checking out a connection from connection pool for %s after %v", e.Address, e.Waited)
	}
	if e.LoadBalanced {
		msg += fmt.Sprintf(" (timeout waiting for connection from the connection pool. maxPoolSize: %d, "+
			"connections in use by cursors: %d, connections in use by transactions: %d, "+
			"connections in use by other operations: %d)",
			e.MaxPoolSize, e.InUseByCursors, e.InUseByTransactions, e.InUseByOthers)
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the context's error, if that ended the wait.
func (e *WaitQueueTimeoutError) Unwrap() error { return e.Cause }

// Is reports whether target is ErrWaitQueueTimeout.
func (e *WaitQueueTimeoutError) Is(target error) bool { return target == ErrWaitQueueTimeout }

// Timeout reports whether the wait ended by a timeout (WaitQueueTimeout or
// a context deadline) rather than by cancellation.
func (e *WaitQueueTimeoutError) Timeout() bool {
	return e.Cause == nil || errors.Is(e.Cause, context.DeadlineExceeded)
}

// DialError is an error of the Dialer, establishing a connection. It is
// returned by the check-out the connection was for, or given to
// Options.OnDialError.
type DialError struct {
	// Address is the server address of the pool.
	Address string
	// ConnectionID is the driver-generated ID of the connection.
	ConnectionID int64
	// Generation is the pool's generation when the connection was created;
	// server discovery ignores errors of an older generation than the
	// pool's.
	Generation uint64
	// Err is the Dialer's error. Backpressure error labels, when they
	// apply, are the Dialer's to add.
	Err error
}

func (e *DialError) Error() string {
	return fmt.Sprintf("pool: establishing connection %d to %s: %v", e.ConnectionID, e.Address, e.Err)
}

// Unwrap returns the Dialer's error.
func (e *DialError) Unwrap() error { return e.Err }
