package cluster

import (
	"context"
	"sync"
	"time"

	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/mongoerr"
)

// monitor checks one server on a dedicated connection, as the Server
// Monitoring specification describes for multi-threaded drivers, and
// reports each outcome to the topology.
//
// With the polling protocol it runs a hello every heartbeat interval, or
// sooner when asked (never sooner than 500 ms after the previous check
// ended). With the streaming protocol — when streaming is enabled and the
// server's replies carry a topologyVersion — it sends an awaitable hello
// allowing exhaust and reads the replies the server pushes as its state
// changes, with no pause in between; a separate rttMonitor then measures
// the round trip time on a connection of its own.
//
// A network error on a server that the previous check found is retried
// at once on a new connection; any other failure waits for the next
// heartbeat (or a requested check). cancelCheck, which the SDAM error
// rules call after a network error on an application connection,
// interrupts the check in progress and closes the connection without
// reporting anything: the topology already marked the server Unknown.
type monitor struct {
	s       *Server
	stream  bool // the streaming protocol is enabled for this client
	checkCh chan struct{}
	done    chan struct{}

	ctx  context.Context // cancelled by stop
	stop context.CancelFunc

	// connID is the driver's ID for the monitoring connection, in the
	// heartbeat log messages; written by run only.
	connID int64

	rtt    rttStats
	rttMon *rttMonitor // started with the first streaming check; nil before

	mu        sync.Mutex
	conn      *conn.Conn         // the monitoring connection; written by run only
	cancel    context.CancelFunc // cancels the check in progress
	cancelled bool               // cancelCheck interrupted the check in progress
}

func newMonitor(s *Server, stream bool) *monitor {
	m := &monitor{
		s:       s,
		stream:  stream,
		checkCh: make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	m.ctx, m.stop = context.WithCancel(s.c.ctx)
	return m
}

// requestCheck asks for a check soon. It does not block. A request that
// arrives during a check wakes the pause after it (which still lasts the
// minimum interval).
func (m *monitor) requestCheck() {
	if m == nil {
		return
	}
	select {
	case m.checkCh <- struct{}{}:
	default:
	}
}

// cancelCheck interrupts the check in progress, if any, and closes the
// monitoring connection, so that the next check starts on a new one. It
// does not block.
func (m *monitor) cancelCheck() {
	if m == nil {
		return
	}
	m.mu.Lock()
	c, cancel := m.conn, m.cancel
	if cancel != nil {
		m.cancelled = true
	}
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if c != nil {
		_ = c.Close()
	}
}

// shutdown ends the monitor, its check in progress and its RTT monitor,
// and waits for them. A monitor that was never started is only marked
// stopped.
func (m *monitor) shutdown(started bool) {
	if m == nil {
		return
	}
	m.stop()
	if started {
		<-m.done
	}
}

func (m *monitor) stopping() bool { return m.ctx.Err() != nil }

// run is the monitor's goroutine: the loop of the specification's
// "Monitor thread".
func (m *monitor) run() {
	defer close(m.done)
	defer m.closeConn()
	defer func() {
		if m.rttMon != nil {
			<-m.rttMon.done
		}
	}()
	prev := topology.NewUnknownServer(m.s.addr, nil)
	for !m.stopping() {
		sd, ok := m.check(&prev)
		if m.stopping() {
			return
		}
		if !ok {
			// Cancelled by the SDAM error rules: the server is Unknown
			// already. Pause before a new connection.
			m.wait()
			prev = topology.NewUnknownServer(m.s.addr, nil)
			continue
		}
		m.s.c.topo.ServerChecked(sd, sd.Err != nil && mongoerr.IsTimeout(sd.Err))

		supportsStreaming := sd.Kind != topology.ServerUnknown && sd.TopologyVersion.Valid
		connStreaming := m.conn != nil && m.conn.Streaming()
		lostKnown := sd.Err != nil && mongoerr.IsNetworkError(sd.Err) && prev.Kind != topology.ServerUnknown
		prev = sd
		if m.stream && supportsStreaming && m.rttMon == nil {
			m.rttMon = startRTTMonitor(m)
		}
		if (m.stream && (supportsStreaming || connStreaming)) || lostKnown {
			continue
		}
		m.wait()
	}
}

// wait pauses between checks: the heartbeat interval, or less when a
// check is requested, but at least the minimum interval since the previous
// check ended (now).
func (m *monitor) wait() {
	end := time.Now()
	t := time.NewTimer(m.s.c.heartbeat())
	defer t.Stop()
	select {
	case <-m.ctx.Done():
		return
	case <-t.C:
		return
	case <-m.checkCh:
	}
	rest := minHeartbeat - time.Since(end)
	if rest <= 0 {
		return
	}
	t.Reset(rest)
	select {
	case <-m.ctx.Done():
	case <-t.C:
	}
}

// setConn installs the monitoring connection, under the lock that
// cancelCheck reads it with.
func (m *monitor) setConn(c *conn.Conn) {
	m.mu.Lock()
	m.conn = c
	m.mu.Unlock()
}

func (m *monitor) closeConn() {
	if m.conn != nil {
		_ = m.conn.Close()
		m.setConn(nil)
	}
}
