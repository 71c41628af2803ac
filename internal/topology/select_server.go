package topology

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/motor-go/motor/mongoerr"
)

// Errors that [SelectionError] wraps when selection gives up.
var (
	// ErrSelectionTimeout: no suitable server appeared within
	// serverSelectionTimeoutMS.
	ErrSelectionTimeout = errors.New("server selection timed out")
	// ErrClosed: the topology was closed, with its client. It is the
	// driver's ErrClientClosed.
	ErrClosed = mongoerr.ErrClientClosed
)

// A SelectionError reports that no server could be selected: why (Err),
// for what (Criteria), and the servers seen at the end, with their types
// and errors. It matches the driver's ErrServerSelection with errors.Is,
// as well as its cause.
type SelectionError struct {
	// Criteria are what the operation needed.
	Criteria Criteria
	// Kind is the topology type at the end.
	Kind TopologyType
	// Servers are the servers at the end.
	Servers []ServerDescription
	// Wait is the selection timeout that expired, for ErrSelectionTimeout.
	Wait time.Duration
	// Err is the cause: ErrSelectionTimeout, the context's error,
	// ErrClosed, a *CompatibilityError or an invalid read preference.
	Err error
}

func (e *SelectionError) Error() string {
	var b strings.Builder
	b.WriteString("motor: server selection failed for ")
	b.WriteString(e.Criteria.String())
	b.WriteString(": ")
	if errors.Is(e.Err, ErrSelectionTimeout) {
		b.WriteString("no suitable server within ")
		b.WriteString(e.Wait.String())
	} else {
		b.WriteString(e.Err.Error())
	}
	b.WriteString("; topology ")
	b.WriteString(e.Kind.String())
	if len(e.Servers) == 0 {
		b.WriteString(" has no server")
		return b.String()
	}
	b.WriteString(", servers: ")
	for i := range e.Servers {
		sd := &e.Servers[i]
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sd.Addr)
		b.WriteString(" (")
		b.WriteString(sd.Kind.String())
		if sd.Err != nil {
			b.WriteString(": ")
			b.WriteString(sd.Err.Error())
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *SelectionError) Unwrap() error { return e.Err }

// Is reports whether target is mongoerr.ErrServerSelection.
func (e *SelectionError) Is(target error) bool { return target == mongoerr.ErrServerSelection }

// Timeout reports whether selection ran out of time: the selection timeout
// or the context's deadline.
func (e *SelectionError) Timeout() bool {
	return errors.Is(e.Err, ErrSelectionTimeout) || errors.Is(e.Err, context.DeadlineExceeded)
}

// A Clock tells the time and makes timers; tests replace the system clock.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// A Timer is a timer of a Clock, like *time.Timer.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemClock is the Clock of package time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (SystemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (s sysTimer) C() <-chan time.Time { return s.t.C }
func (s sysTimer) Stop() bool          { return s.t.Stop() }

// SelectServer returns a server for an operation that needs c, following
// the multi-threaded algorithm of the Server Selection specification: it
// selects the suitable servers within the latency window and chooses the
// less busy of two of them, counting the operation against the chosen one
// (end it with [Topology.ReleaseServer]). While no server is suitable it
// asks every monitor for an immediate check and waits for the description
// to change, until ctx is done or serverSelectionTimeoutMS passes. The
// error is a *SelectionError.
func (t *Topology) SelectServer(ctx context.Context, c Criteria) (ServerDescription, error) {
	var timer Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	sl := t.newSelectionLog(&c)
	if sl.debug {
		d := t.Description()
		sl.started(&d)
	}
	for {
		t.mu.Lock()
		if t.closed {
			return ServerDescription{}, t.failLocked(&c, ErrClosed, sl)
		}
		window, err := Select(t.desc, &c, t.cfg.LocalThreshold, t.cfg.HeartbeatInterval)
		if err != nil {
			return ServerDescription{}, t.failLocked(&c, err, sl)
		}
		if sd := Choose(window, func(addr string) int64 { return t.ops[addr] }, t.rand); sd != nil {
			t.ops[sd.Addr]++
			chosen := *sd
			desc := t.desc
			t.mu.Unlock()
			sl.succeeded(desc, chosen.Addr)
			return chosen, nil
		}
		for i := range t.desc.Servers {
			t.hooks.RequestCheck(t.desc.Servers[i].Addr)
		}
		changed := t.changed
		desc := t.desc
		t.mu.Unlock()

		if timer == nil {
			timer = t.clock.NewTimer(t.cfg.ServerSelectionTimeout)
			if sl.info {
				// Logged once per selection, with the time left then.
				remaining := t.cfg.ServerSelectionTimeout
				if dl, ok := ctx.Deadline(); ok && dl.Sub(t.clock.Now()) < remaining {
					remaining = dl.Sub(t.clock.Now())
				}
				sl.waiting(desc, remaining)
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.mu.Lock()
			return ServerDescription{}, t.failLocked(&c, ctx.Err(), sl)
		case <-timer.C():
			t.mu.Lock()
			return ServerDescription{}, t.failLocked(&c, ErrSelectionTimeout, sl)
		}
	}
}

// failLocked builds the selection error and releases the lock.
// The failure logged is the cause alone: the message already describes
// the topology.
func (t *Topology) failLocked(c *Criteria, err error, sl selectionLog) error {
	e := &SelectionError{
		Criteria: *c, Kind: t.desc.Kind, Servers: t.desc.Servers,
		Wait: t.cfg.ServerSelectionTimeout, Err: err,
	}
	desc := t.desc
	t.mu.Unlock()
	sl.failed(desc, err)
	return e
}
