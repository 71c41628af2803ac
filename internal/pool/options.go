package pool

import (
	"fmt"
	"time"

	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/logger"
)

// The defaults of the specification, and of the background interval.
const (
	// DefaultMaxPoolSize is the specification's default for MaxPoolSize.
	DefaultMaxPoolSize = 100
	// DefaultMaxConnecting is the specification's default for
	// MaxConnecting, used when Options.MaxConnecting is 0.
	DefaultMaxConnecting = 2
	// DefaultMaintainInterval is the time between two runs of the
	// background goroutine when Options.MaintainInterval is 0.
	DefaultMaintainInterval = 10 * time.Second
)

// Options configure a Pool. Sizes and durations are taken literally, as the
// specification defines them (MaxPoolSize 0 means no cap); DefaultOptions
// returns the specification's defaults.
type Options struct {
	// MaxPoolSize caps the connections of the pool, established or being
	// established, checked out or idle. 0 means no cap.
	MaxPoolSize int
	// MinPoolSize is the number of connections the background goroutine
	// keeps open while the pool is ready. It must not exceed a non-zero
	// MaxPoolSize.
	MinPoolSize int
	// MaxConnecting caps the connections being established at once; 0
	// means DefaultMaxConnecting.
	MaxConnecting int
	// MaxIdleTime closes connections that stayed idle in the pool for
	// longer; 0 means never.
	MaxIdleTime time.Duration
	// WaitQueueTimeout bounds how long a check-out waits for a connection;
	// 0 means it waits as long as its context allows. The specification
	// deprecates the option in favour of timeoutMS, which reaches the pool
	// as the context's deadline.
	WaitQueueTimeout time.Duration

	// MaintainInterval is the time between the end of one background run
	// (closing perished idle connections, filling up to MinPoolSize) and the
	// start of the next; 0 means DefaultMaintainInterval and a negative
	// value means no run ever starts (tests use it). Runs also start at
	// once when the pool becomes ready, is cleared, or drops below
	// MinPoolSize.
	MaintainInterval time.Duration

	// LoadBalanced puts the pool in load-balanced mode: generations are
	// kept per service ID (reported by connections that implement
	// ServiceIDer), Clear never pauses the pool, and a wait-queue timeout
	// reports the connections in use by purpose.
	LoadBalanced bool

	// OnDialError, if set, receives the establishment errors that no
	// check-out returns: those of connections opened in the background to
	// satisfy MinPoolSize, and those of connections whose waiter gave up.
	// The server discovery layer handles them as the SDAM specification's
	// pre-handshake errors, typically by clearing the pool. It is called
	// from the pool's goroutine that ran the dial, with no lock held.
	OnDialError func(*DialError)

	// Log, when its connection component is enabled, receives the log
	// messages of the CMAP specification, emitted with the events.
	Log *logger.Logger
}

// DefaultOptions returns the specification's defaults: MaxPoolSize 100,
// MaxConnecting 2, everything else 0.
func DefaultOptions() Options {
	return Options{MaxPoolSize: DefaultMaxPoolSize, MaxConnecting: DefaultMaxConnecting}
}

// normalize checks o and fills the zero values that stand for defaults.
func (o Options) normalize() (Options, error) {
	switch {
	case o.MaxPoolSize < 0:
		return o, fmt.Errorf("pool: MaxPoolSize must be >= 0, got %d", o.MaxPoolSize)
	case o.MinPoolSize < 0:
		return o, fmt.Errorf("pool: MinPoolSize must be >= 0, got %d", o.MinPoolSize)
	case o.MaxPoolSize > 0 && o.MinPoolSize > o.MaxPoolSize:
		return o, fmt.Errorf("pool: MinPoolSize %d exceeds MaxPoolSize %d", o.MinPoolSize, o.MaxPoolSize)
	case o.MaxConnecting < 0:
		return o, fmt.Errorf("pool: MaxConnecting must be > 0, got %d", o.MaxConnecting)
	case o.MaxIdleTime < 0:
		return o, fmt.Errorf("pool: MaxIdleTime must be >= 0, got %v", o.MaxIdleTime)
	case o.WaitQueueTimeout < 0:
		return o, fmt.Errorf("pool: WaitQueueTimeout must be >= 0, got %v", o.WaitQueueTimeout)
	}
	if o.MaxConnecting == 0 {
		o.MaxConnecting = DefaultMaxConnecting
	}
	if o.MaintainInterval == 0 {
		o.MaintainInterval = DefaultMaintainInterval
	}
	return o, nil
}

// eventOptions is what PoolCreatedEvent reports.
func (o Options) eventOptions() event.PoolOptions {
	return event.PoolOptions{
		MaxPoolSize:      o.MaxPoolSize,
		MinPoolSize:      o.MinPoolSize,
		MaxConnecting:    o.MaxConnecting,
		MaxIdleTime:      o.MaxIdleTime,
		WaitQueueTimeout: o.WaitQueueTimeout,
	}
}
