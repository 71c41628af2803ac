package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/topology"
)

// monitor checks one server, as the Server Monitoring specification
// describes for polling monitors: a hello on a dedicated connection every
// heartbeat interval, or sooner when asked (but never twice within 500 ms),
// reporting each outcome to the topology.
type monitor struct {
	s       *Server
	checkCh chan struct{} // a check was requested
	stopCh  chan struct{}
	done    chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc // cancels the check in progress
	conn   *conn.Conn
	rtt    topology.RTTStats
	known  bool // the last check succeeded
}

func newMonitor(s *Server) *monitor {
	return &monitor{
		s:       s,
		checkCh: make(chan struct{}, 1),
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// requestCheck asks for a check soon. It does not block.
func (m *monitor) requestCheck() {
	select {
	case m.checkCh <- struct{}{}:
	default:
	}
}

// cancelCheck interrupts the check in progress, whose connection is closed.
// It does not block.
func (m *monitor) cancelCheck() {
	m.mu.Lock()
	if m.cancel != nil {
		m.cancel()
	}
	m.mu.Unlock()
}

// stop ends the monitor and waits for it. It must be called once.
func (m *monitor) stop() {
	close(m.stopCh)
	m.cancelCheck()
	<-m.done
}

func (m *monitor) run(ctx context.Context) {
	defer close(m.done)
	defer m.closeConn()
	heartbeat := m.s.c.heartbeat()
	for {
		start := time.Now()
		m.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-m.stopCh:
			return
		case <-time.After(time.Until(start.Add(heartbeat))):
		case <-m.checkCh:
			// A requested check still waits for the minimum interval.
			select {
			case <-ctx.Done():
				return
			case <-m.stopCh:
				return
			case <-time.After(time.Until(start.Add(minHeartbeat))):
			}
		}
	}
}

// check runs one check and reports it. A failure on a connection that had
// been working is retried at once on a new connection, as the specification
// asks, so that one dropped connection does not mark the server Unknown.
func (m *monitor) check(ctx context.Context) {
	wasKnown := m.known
	if m.checkOnce(ctx) || ctx.Err() != nil || m.stopping() {
		return
	}
	if wasKnown {
		m.checkOnce(ctx)
	}
}

// checkOnce runs one hello and reports it; it returns whether it succeeded.
func (m *monitor) checkOnce(ctx context.Context) bool {
	topo := m.s.c.topo
	addr := m.s.addr
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m.mu.Lock()
	m.cancel = cancel
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.cancel = nil
		m.mu.Unlock()
	}()

	topo.HeartbeatStarted(addr, false)
	start := time.Now()
	reply, err := m.hello(ctx)
	elapsed := time.Since(start)
	if err != nil {
		m.closeConn()
		m.rtt.Reset()
		m.known = false
		if m.stopping() {
			return false
		}
		topo.HeartbeatFailed(addr, elapsed, err, false)
		topo.ServerChecked(topology.NewUnknownServer(addr, err), false)
		return false
	}
	m.rtt.Add(elapsed)
	avg, _ := m.rtt.Average()
	topo.HeartbeatSucceeded(addr, elapsed, reply, false)
	sd := topology.NewServerDescription(addr, reply, avg, time.Now())
	topo.ServerChecked(sd, false)
	m.known = sd.Err == nil
	return m.known
}

func (m *monitor) stopping() bool {
	select {
	case <-m.stopCh:
		return true
	default:
		return false
	}
}

// hello runs a check: the handshake of a new connection, or a hello on the
// connection of earlier checks. The reply is a copy the caller owns.
func (m *monitor) hello(ctx context.Context) (bson.Raw, error) {
	if m.conn == nil {
		cfg := m.s.c.cfg.MonitorConn
		dctx := ctx
		if cfg != nil && cfg.ConnectTimeout > 0 {
			var cancel context.CancelFunc
			dctx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
			defer cancel()
		}
		c, err := dialConn(dctx, m.s.addr, cfg)
		if err != nil {
			return nil, err
		}
		m.conn = c
		return helloReply(c), nil
	}
	return monitorHello(ctx, m.conn)
}

func (m *monitor) closeConn() {
	if m.conn != nil {
		_ = m.conn.Close()
		m.conn = nil
	}
}
