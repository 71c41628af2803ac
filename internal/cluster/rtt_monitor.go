package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/topology"
)

// rttStats is a server's round trip statistics, shared by its monitor
// (which adds the handshake and polling samples, reads them into each
// description, and resets them when a check fails) and its rttMonitor
// (which adds the samples of the streaming protocol).
type rttStats struct {
	mu sync.Mutex
	s  topology.RTTStats
}

func (r *rttStats) add(d time.Duration) {
	r.mu.Lock()
	r.s.Add(d)
	r.mu.Unlock()
}

func (r *rttStats) reset() {
	r.mu.Lock()
	r.s.Reset()
	r.mu.Unlock()
}

// get returns the average (0 before any sample) and the minimum of the
// recent samples.
func (r *rttStats) get() (avg, minRTT time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	avg, _ = r.s.Average()
	return avg, r.s.Min()
}

// rttMonitor measures a server's round trip time while its monitor
// streams, as the specification's "RTT thread" does: a hello every
// heartbeat interval on a connection of its own, whose durations feed the
// monitor's rttStats. It publishes no event, and its failures touch
// nothing but its connection: the streaming monitor finds out about a
// server that went away.
type rttMonitor struct {
	m    *monitor
	done chan struct{}
	conn *conn.Conn // used by the goroutine only
}

// startRTTMonitor starts the goroutine, which ends with the monitor's
// context; the monitor waits for done before it ends.
func startRTTMonitor(m *monitor) *rttMonitor {
	r := &rttMonitor{m: m, done: make(chan struct{})}
	go r.run()
	return r
}

func (r *rttMonitor) run() {
	defer close(r.done)
	defer r.closeConn()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-r.m.ctx.Done():
			return
		case <-t.C:
		}
		if d, ok := r.measure(); ok {
			r.m.rtt.add(d)
		}
		t.Reset(r.m.s.c.heartbeat())
	}
}

// measure returns the duration of one hello, or of the handshake when the
// connection is new. On failure the connection is closed, for the next
// measurement to open another.
func (r *rttMonitor) measure() (time.Duration, bool) {
	ctx := r.m.ctx
	if t := r.m.s.c.connectTimeout(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	start := time.Now()
	if r.conn == nil {
		c, err := dialConn(ctx, r.m.s.addr, r.m.s.c.monitorConn)
		if err != nil {
			return 0, false
		}
		r.conn = c
		return handshakeRTT(c, start), true
	}
	reply, err := r.conn.RoundTrip(ctx, &conn.Command{DB: "admin", Body: pollHello(r.conn, r.m.s.c.monitorConn)})
	if err != nil {
		r.closeConn()
		return 0, false
	}
	d := time.Since(start)
	reply.Release()
	return d, true
}

func (r *rttMonitor) closeConn() {
	if r.conn != nil {
		_ = r.conn.Close()
		r.conn = nil
	}
}
