package pool

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
)

// fakeConn is a connection that does no I/O.
type fakeConn struct {
	id     int64
	d      *fakeDialer
	closes atomic.Int32
	broken atomic.Bool
	svc    bson.ObjectID
}

var errBroken = errors.New("fake: connection reset by peer")

func (c *fakeConn) Close() error {
	if c.closes.Add(1) == 1 {
		c.d.open.Add(-1)
	} else {
		c.d.doubleCloses.Add(1)
	}
	return nil
}

// Err makes fakeConn a Checker.
func (c *fakeConn) Err() error {
	if c.broken.Load() {
		return errBroken
	}
	return nil
}

// fakeDialer counts what the pool does with its connections.
type fakeDialer struct {
	hook func(ctx context.Context, id int64) error // blocks or fails a dial, if set
	svc  func(id int64) bson.ObjectID              // service of a connection, if set

	dials, open, maxOpen atomic.Int64
	dialing, maxDialing  atomic.Int64
	doubleCloses         atomic.Int32
}

func raiseMax(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func (d *fakeDialer) dial(ctx context.Context, id int64) (*fakeConn, error) {
	raiseMax(&d.maxDialing, d.dialing.Add(1))
	defer d.dialing.Add(-1)
	d.dials.Add(1)
	if d.hook != nil {
		if err := d.hook(ctx, id); err != nil {
			return nil, err
		}
	}
	raiseMax(&d.maxOpen, d.open.Add(1))
	c := &fakeConn{id: id, d: d}
	if d.svc != nil {
		c.svc = d.svc(id)
	}
	return c, nil
}

// ServiceID makes fakeConn a ServiceIDer, reporting a service when its
// dialer assigns them.
func (c *fakeConn) ServiceID() (bson.ObjectID, bool) { return c.svc, c.d.svc != nil }

// checkGoroutines fails t if, within a few seconds, the number of
// goroutines does not come back to at most before. The root module has no
// goleak; this is its small stand-in.
func checkGoroutines(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			var ours []string
			for _, g := range strings.Split(string(buf), "\n\n") {
				if strings.Contains(g, "internal/pool.") {
					ours = append(ours, g)
				}
			}
			t.Fatalf("goroutine leak: %d goroutines, %d before; the pool's:\n%s", n, before, strings.Join(ours, "\n\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
