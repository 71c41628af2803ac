package pool

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStress runs 64 goroutines × 200 check-outs over a pool of at most 8
// connections, with slow dials and some impatient callers, and checks that
// no more than MaxPoolSize connections are ever open, no more than
// MaxConnecting dials run at once, no connection is used by two goroutines,
// and nothing is left behind.
func TestStress(t *testing.T) {
	const (
		goroutines = 64
		rounds     = 200
		maxPool    = 8
	)
	d := &fakeDialer{hook: func(ctx context.Context, id int64) error {
		select {
		case <-time.After(time.Duration(rand.IntN(200)) * time.Microsecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	before := runtime.NumGoroutine()
	p, err := New("127.0.0.1:27017", Options{MaxPoolSize: maxPool, MaxConnecting: 2}, d.dial, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Ready()

	var users sync.Map // *fakeConn → struct{}: connections in use
	var ok, timedOut atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if (g+i)%7 == 0 { // an impatient caller
					ctx, cancel = context.WithTimeout(ctx, time.Duration(rand.IntN(100))*time.Microsecond)
				}
				c, err := p.CheckOut(ctx)
				cancel()
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("CheckOut: %v", err)
						return
					}
					timedOut.Add(1)
					continue
				}
				if _, dup := users.LoadOrStore(c.Conn(), struct{}{}); dup {
					t.Errorf("connection %d handed to two goroutines", c.ID())
				}
				if i%3 == 0 {
					runtime.Gosched()
				}
				users.Delete(c.Conn())
				if err := p.CheckIn(c); err != nil {
					t.Errorf("CheckIn: %v", err)
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if s := p.Stats(); s.Total > maxPool || s.InUse != 0 || s.Waiting != 0 || s.Pending != 0 {
		t.Errorf("stats after the run: %+v", s)
	}
	p.Close()
	checkGoroutines(t, before)

	if m := d.maxOpen.Load(); m > maxPool {
		t.Errorf("%d connections open at once, MaxPoolSize is %d", m, maxPool)
	}
	if m := d.maxDialing.Load(); m > 2 {
		t.Errorf("%d dials at once, MaxConnecting is 2", m)
	}
	if n := d.open.Load(); n != 0 {
		t.Errorf("%d connections open after Close", n)
	}
	if n := d.doubleCloses.Load(); n != 0 {
		t.Errorf("%d connections closed twice", n)
	}
	if got := ok.Load() + timedOut.Load(); got != goroutines*rounds {
		t.Errorf("%d check-outs accounted for, want %d", got, goroutines*rounds)
	}
	t.Logf("%d check-outs, %d timed out, %d dials", ok.Load(), timedOut.Load(), d.dials.Load())
}

// TestStressChaos adds clears (some interrupting), broken connections and
// an idle timeout to the load, and checks the pool's own accounting: the
// connections it counts never exceed MaxPoolSize, those being established
// never exceed MaxConnecting, every failure is one the pool documents, and
// Close leaves nothing open.
func TestStressChaos(t *testing.T) {
	const (
		goroutines = 32
		rounds     = 150
		maxPool    = 6
	)
	d := &fakeDialer{hook: func(ctx context.Context, id int64) error {
		if id%11 == 0 {
			return errors.New("fake: connection refused")
		}
		select {
		case <-time.After(time.Duration(rand.IntN(300)) * time.Microsecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	before := runtime.NumGoroutine()
	opts := Options{MaxPoolSize: maxPool, MinPoolSize: 2, MaxIdleTime: time.Millisecond, MaintainInterval: time.Millisecond}
	opts.OnDialError = func(e *DialError) {} // background failures: the next run retries
	p, err := New("127.0.0.1:27017", opts, d.dial, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Ready()

	stop := make(chan struct{})
	var admin sync.WaitGroup
	admin.Go(func() { // server discovery stand-in: clear and ready again
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			p.Clear(ClearOptions{InterruptInUse: i%3 == 0})
			p.Ready()
		}
	})
	admin.Go(func() { // the invariants, sampled
		for {
			select {
			case <-stop:
				return
			default:
			}
			if s := p.Stats(); s.Total > maxPool || s.Pending > DefaultMaxConnecting {
				t.Errorf("stats out of bounds: %+v", s)
				return
			}
			runtime.Gosched()
		}
	})

	var wg sync.WaitGroup
	var ok atomic.Int64
	for range goroutines {
		wg.Go(func() {
			for i := range rounds {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				c, err := p.CheckOut(ctx)
				cancel()
				var de *DialError
				switch {
				case err == nil:
				case errors.Is(err, ErrPoolCleared), errors.As(err, &de):
					continue
				default:
					t.Errorf("CheckOut: %v", err)
					return
				}
				if i%5 == 0 {
					c.Conn().broken.Store(true)
				}
				if err := p.CheckIn(c); err != nil {
					t.Errorf("CheckIn: %v", err)
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	admin.Wait()
	p.Close()
	checkGoroutines(t, before)
	if n := d.open.Load(); n != 0 {
		t.Errorf("%d connections open after Close", n)
	}
	if n := d.doubleCloses.Load(); n != 0 {
		t.Errorf("%d connections closed twice", n)
	}
	if ok.Load() == 0 {
		t.Error("no check-out succeeded")
	}
	t.Logf("%d check-outs succeeded, %d dials", ok.Load(), d.dials.Load())
}
