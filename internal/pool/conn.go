package pool

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor/bson"
)

// Conn is an established connection, as the pool needs it: it can only be
// closed. The connection layer's type satisfies it, and so do the tests'
// fakes. A Conn may also implement Checker and ServiceIDer.
type Conn interface {
	// Close releases the connection. The pool calls it once, from one of
	// its own goroutines or from Close, never from a check-out: closing is
	// asynchronous and accounted for by the pool.
	Close() error
}

// Checker is implemented by connections that know, cheaply and without
// blocking, that they can no longer be used: closed by the peer, or broken
// by a network error, a timeout or a protocol error. The pool asks at
// check-out, at check-in and in background runs, with its lock held; a
// non-nil error closes the connection with reason "error".
type Checker interface {
	Err() error
}

// ServiceIDer is implemented by connections that learned a service ID from
// their handshake, in load-balanced mode.
type ServiceIDer interface {
	ServiceID() (bson.ObjectID, bool)
}

// A Dialer establishes a connection: dial, TLS, handshake, compression
// negotiation and authentication. id is the connection's driver-generated
// ID, for the connection's own events and logs. ctx is derived from the
// pool's lifetime, never from a waiter's context: it is done when the pool
// is closed, or when a clear interrupts pending connections, and the Dialer
// must then return promptly. Connect timeouts are the Dialer's to apply.
type Dialer[C Conn] func(ctx context.Context, id int64) (C, error)

// PinKind says what a checked-out connection is pinned to, in load-balanced
// mode (the wait-queue timeout message counts them).
type PinKind uint8

// The kinds of pinning.
const (
	// Unpinned is a connection used by one operation.
	Unpinned PinKind = iota
	// PinnedToCursor is a connection held by a cursor for its getMores.
	PinnedToCursor
	// PinnedToTransaction is a connection held by a transaction.
	PinnedToTransaction
)

// connState is where a connection is in its life; guarded by Pool.mu.
type connState uint8

const (
	statePending connState = iota
	stateIdle
	stateInUse
	stateClosed
)

// PooledConn is a connection of a pool: the Conn plus what the pool knows of
// it. A check-out hands it to one goroutine, which must check it in once.
type PooledConn[C Conn] struct {
	pool    *Pool[C]
	id      int64
	created time.Time
	raw     C // set when established

	// Guarded by pool.mu.
	state      connState
	gen        uint64
	svc        bson.ObjectID
	hasSvc     bool
	lastUsed   time.Time // when it last became idle
	index      int       // in pool.all
	background bool      // opened to satisfy MinPoolSize
	hasRaw     bool
	rawClosed  bool
	cancel     context.CancelFunc // of the dial, while pending

	out         atomic.Bool // checked out; makes CheckIn safe against misuse
	interrupted atomic.Bool
	pin         PinKind // owned by the goroutine holding the connection
}

// ID returns the connection's driver-generated ID, unique in its pool.
func (c *PooledConn[C]) ID() int64 { return c.id }

// Conn returns the established connection.
func (c *PooledConn[C]) Conn() C { return c.raw }

// Address returns the server address of the connection's pool.
func (c *PooledConn[C]) Address() string { return c.pool.addr }

// Generation returns the pool generation the connection belongs to (its
// service's generation in load-balanced mode). Server discovery compares
// it with the pool's to ignore errors of stale connections.
func (c *PooledConn[C]) Generation() uint64 { return c.gen }

// ServiceID returns the service ID the connection's handshake reported, in
// load-balanced mode.
func (c *PooledConn[C]) ServiceID() (bson.ObjectID, bool) { return c.svc, c.hasSvc }

// Pin records that the connection is held by a cursor or a transaction,
// until it is checked in (or Pin(Unpinned) is called).
func (c *PooledConn[C]) Pin(kind PinKind) {
	p := c.pool
	p.pinCount(c.pin, -1)
	c.pin = kind
	p.pinCount(kind, +1)
}

// Interrupted returns a *PoolClearedError if a clear with InterruptInUse
// closed this connection while it was checked out, and nil otherwise. The
// operation layer returns it instead of the network error the interruption
// caused, so that the operation is retried.
func (c *PooledConn[C]) Interrupted() error {
	if !c.interrupted.Load() {
		return nil
	}
	return &PoolClearedError{Address: c.pool.addr, Interrupted: true}
}

// pinCount adjusts the pinned-connection counters.
func (p *Pool[C]) pinCount(kind PinKind, delta int64) {
	switch kind {
	case PinnedToCursor:
		p.pinnedCursors.Add(delta)
	case PinnedToTransaction:
		p.pinnedTxns.Add(delta)
	}
}

// errOf returns the connection's own error, if it reports one.
func errOf(raw Conn) error {
	if ch, ok := raw.(Checker); ok {
		return ch.Err()
	}
	return nil
}
