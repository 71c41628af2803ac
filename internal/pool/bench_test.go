package pool

import (
	"context"
	"testing"

	"github.com/motor-go/motor/event"
)

// noopMonitor has every callback set, to measure the cost of reporting.
var noopMonitor = &event.PoolMonitor{
	PoolCreated:               func(event.PoolCreatedEvent) {},
	PoolReady:                 func(event.PoolReadyEvent) {},
	PoolCleared:               func(event.PoolClearedEvent) {},
	PoolClosed:                func(event.PoolClosedEvent) {},
	ConnectionCreated:         func(event.ConnectionCreatedEvent) {},
	ConnectionReady:           func(event.ConnectionReadyEvent) {},
	ConnectionClosed:          func(event.ConnectionClosedEvent) {},
	ConnectionCheckOutStarted: func(event.ConnectionCheckOutStartedEvent) {},
	ConnectionCheckOutFailed:  func(event.ConnectionCheckOutFailedEvent) {},
	ConnectionCheckedOut:      func(event.ConnectionCheckedOutEvent) {},
	ConnectionCheckedIn:       func(event.ConnectionCheckedInEvent) {},
}

func benchPool(tb testing.TB, mon *event.PoolMonitor) *Pool[*fakeConn] {
	p, err := New("127.0.0.1:27017", DefaultOptions(), (&fakeDialer{}).dial, mon)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	p.Ready()
	c, err := p.CheckOut(context.Background()) // warm: one idle connection
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.CheckIn(c); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestCheckOutCheckInAllocs holds the uncontended path to zero
// allocations, with and without a monitor.
func TestCheckOutCheckInAllocs(t *testing.T) {
	for name, mon := range map[string]*event.PoolMonitor{"unmonitored": nil, "monitored": noopMonitor} {
		p := benchPool(t, mon)
		ctx := context.Background()
		allocs := testing.AllocsPerRun(1000, func() {
			c, err := p.CheckOut(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.CheckIn(c); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per check-out and check-in, want 0", name, allocs)
		}
	}
}

func BenchmarkCheckOutCheckIn(b *testing.B) {
	for _, bc := range []struct {
		name string
		mon  *event.PoolMonitor
	}{{"unmonitored", nil}, {"monitored", noopMonitor}} {
		b.Run(bc.name, func(b *testing.B) {
			p := benchPool(b, bc.mon)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c, err := p.CheckOut(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := p.CheckIn(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheckOutCheckInParallel(b *testing.B) {
	p := benchPool(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := p.CheckOut(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			if err := p.CheckIn(c); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
