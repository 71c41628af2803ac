package event

import (
	"time"

	"github.com/motor-go/motor/bson"
)

// PoolMonitor receives the connection pool events of the Connection
// Monitoring and Pooling specification. Every field is optional; see the
// package documentation for when and how the callbacks are called.
type PoolMonitor struct {
	// PoolCreated is called once when a pool for a server is created.
	PoolCreated func(PoolCreatedEvent)
	// PoolReady is called when a paused pool becomes ready to create and
	// hand out connections.
	PoolReady func(PoolReadyEvent)
	// PoolCleared is called when a pool is cleared: its connections become
	// stale and, outside load-balanced mode, it is paused.
	PoolCleared func(PoolClearedEvent)
	// PoolClosed is called when a pool is closed, after its idle
	// connections are closed.
	PoolClosed func(PoolClosedEvent)

	// ConnectionCreated is called when the pool starts establishing a
	// connection (before any network I/O).
	ConnectionCreated func(ConnectionCreatedEvent)
	// ConnectionReady is called when a connection has finished its
	// handshake and authentication and can be used.
	ConnectionReady func(ConnectionReadyEvent)
	// ConnectionClosed is called when the pool closes a connection.
	ConnectionClosed func(ConnectionClosedEvent)

	// ConnectionCheckOutStarted is called when an operation starts to
	// check out a connection.
	ConnectionCheckOutStarted func(ConnectionCheckOutStartedEvent)
	// ConnectionCheckOutFailed is called when a check-out fails.
	ConnectionCheckOutFailed func(ConnectionCheckOutFailedEvent)
	// ConnectionCheckedOut is called when a check-out succeeds.
	ConnectionCheckedOut func(ConnectionCheckedOutEvent)
	// ConnectionCheckedIn is called when a connection is returned to the
	// pool, before the pool decides whether to keep or close it.
	ConnectionCheckedIn func(ConnectionCheckedInEvent)
}

// PoolOptions are the options a pool was created with, as reported by
// PoolCreatedEvent. Every field holds the value in effect, whether set by
// the application or left at its default.
type PoolOptions struct {
	// MaxPoolSize caps the connections of the pool; 0 means no cap.
	MaxPoolSize int
	// MinPoolSize is the number of connections the pool keeps open.
	MinPoolSize int
	// MaxConnecting caps the connections being established at once.
	MaxConnecting int
	// MaxIdleTime closes connections idle for longer; 0 means never.
	MaxIdleTime time.Duration
	// WaitQueueTimeout bounds a check-out's wait; 0 means no bound other
	// than the operation's context.
	WaitQueueTimeout time.Duration
}

// PoolCreatedEvent reports that a pool was created.
type PoolCreatedEvent struct {
	// Address is the server address ("host:port") of the pool.
	Address string
	// Options are the pool's options.
	Options PoolOptions
}

// PoolReadyEvent reports that a pool was marked ready.
type PoolReadyEvent struct {
	// Address is the server address of the pool.
	Address string
}

// PoolClearedEvent reports that a pool was cleared.
type PoolClearedEvent struct {
	// Address is the server address of the pool.
	Address string
	// ServiceID is the service whose connections were cleared, in
	// load-balanced mode; nil otherwise.
	ServiceID *bson.ObjectID
	// InterruptInUseConnections says the clear also interrupted the
	// connections that were checked out.
	InterruptInUseConnections bool
}

// PoolClosedEvent reports that a pool was closed.
type PoolClosedEvent struct {
	// Address is the server address of the pool.
	Address string
}

// ConnectionCreatedEvent reports that the pool created a connection and
// starts to establish it. The connection is not yet usable.
type ConnectionCreatedEvent struct {
	// Address is the server address of the pool.
	Address string
	// ConnectionID is the driver-generated ID of the connection: 1 for the
	// pool's first connection, increasing by 1 for each new one.
	ConnectionID int64
}

// ConnectionReadyEvent reports that a connection was established.
type ConnectionReadyEvent struct {
	// Address is the server address of the pool.
	Address string
	// ConnectionID is the driver-generated ID of the connection.
	ConnectionID int64
	// Duration is the time from ConnectionCreatedEvent to this event: the
	// connection's dial, handshake and authentication.
	Duration time.Duration
}

// ConnectionClosedReason says why the pool closed a connection.
type ConnectionClosedReason string

// The reasons for closing a connection, spelled as in the specification.
const (
	// ReasonStale: the pool was cleared, making the connection invalid.
	ReasonStale ConnectionClosedReason = "stale"
	// ReasonIdle: the connection was available but unused for longer than
	// the pool's MaxIdleTime.
	ReasonIdle ConnectionClosedReason = "idle"
	// ReasonError: the connection failed to be established, or an error
	// made it unusable.
	ReasonError ConnectionClosedReason = "error"
	// ReasonPoolClosed: the pool was closed.
	ReasonPoolClosed ConnectionClosedReason = "poolClosed"
)

// ConnectionClosedEvent reports that the pool closed a connection.
type ConnectionClosedEvent struct {
	// Address is the server address of the pool.
	Address string
	// ConnectionID is the driver-generated ID of the connection.
	ConnectionID int64
	// Reason says why the connection was closed.
	Reason ConnectionClosedReason
	// Error is the error that closed the connection when Reason is
	// ReasonError, if one is known; nil otherwise.
	Error error
}

// ConnectionCheckOutStartedEvent reports that an operation started to check
// out a connection.
type ConnectionCheckOutStartedEvent struct {
	// Address is the server address of the pool.
	Address string
}

// CheckOutFailedReason says why a check-out failed.
type CheckOutFailedReason string

// The reasons for a failed check-out, spelled as in the specification.
const (
	// CheckOutPoolClosed: the pool was closed.
	CheckOutPoolClosed CheckOutFailedReason = "poolClosed"
	// CheckOutTimeout: the wait queue timeout elapsed, or the operation's
	// context was done, before a connection became available.
	CheckOutTimeout CheckOutFailedReason = "timeout"
	// CheckOutConnectionError: establishing a new connection failed, or the
	// pool was paused or cleared.
	CheckOutConnectionError CheckOutFailedReason = "connectionError"
)

// ConnectionCheckOutFailedEvent reports that a check-out failed.
type ConnectionCheckOutFailedEvent struct {
	// Address is the server address of the pool.
	Address string
	// Reason says why the check-out failed.
	Reason CheckOutFailedReason
	// Error is the error the check-out returned.
	Error error
	// Duration is the time from ConnectionCheckOutStartedEvent to this
	// event.
	Duration time.Duration
}

// ConnectionCheckedOutEvent reports that a check-out succeeded.
type ConnectionCheckedOutEvent struct {
	// Address is the server address of the pool.
	Address string
	// ConnectionID is the driver-generated ID of the connection.
	ConnectionID int64
	// Duration is the time from ConnectionCheckOutStartedEvent to this
	// event, including any wait and any connection establishment.
	Duration time.Duration
}

// ConnectionCheckedInEvent reports that a connection was checked in.
type ConnectionCheckedInEvent struct {
	// Address is the server address of the pool.
	Address string
	// ConnectionID is the driver-generated ID of the connection.
	ConnectionID int64
}
