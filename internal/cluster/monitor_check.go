package cluster

import (
	"context"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/internal/wire"
)

// check runs one check of the server, the specification's checkServer,
// publishing its heartbeat events, and returns the description it found.
// It returns false, after publishing a failed heartbeat, when cancelCheck
// interrupted it: that outcome is not reported to the topology.
//
// Which hello it sends depends on the monitoring connection and on prev,
// the description of the previous check:
//
//   - no connection (or a closed one): the handshake of a new connection
//     is the check, and its duration an RTT sample;
//   - a connection in the middle of an exhaust stream: the next reply the
//     server pushes is read (awaited);
//   - streaming enabled and prev has a topologyVersion: an awaitable hello
//     {hello: 1, topologyVersion, maxAwaitTimeMS} allowing exhaust
//     (awaited);
//   - otherwise a plain hello, whose duration is an RTT sample.
//
// Awaited checks are bounded by connectTimeoutMS + heartbeatFrequencyMS,
// the others by connectTimeoutMS (no bound when it is 0).
func (m *monitor) check(prev *topology.ServerDescription) (topology.ServerDescription, bool) {
	topo, addr := m.s.c.topo, m.s.addr
	ctx, cancel := context.WithCancel(m.ctx)
	defer cancel()
	m.mu.Lock()
	m.cancel, m.cancelled = cancel, false
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.cancel = nil
		m.mu.Unlock()
	}()

	c := m.conn
	awaited := false
	timeout := m.s.c.connectTimeout()
	switch {
	case c == nil || c.Closed():
	case c.Streaming():
		awaited = true
	case m.stream && prev.TopologyVersion.Valid:
		awaited = true
	}
	if awaited && timeout > 0 {
		timeout += m.s.c.heartbeat()
	}
	if timeout > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, timeout)
		defer cancelT()
	}

	hc := m.heartbeatConn(c)
	topo.HeartbeatStarted(addr, hc, awaited)
	start := time.Now()
	var (
		r   conn.Reply
		raw bson.Raw
		err error
	)
	switch {
	case c == nil || c.Closed():
		m.closeConn()
		c, err = dialConn(ctx, addr, m.s.c.monitorConn)
		if err == nil {
			m.setConn(c)
			hc.ServerID = c.Description().ConnectionID
			raw = helloReply(c)
			m.rtt.add(handshakeRTT(c, start))
		}
	case c.Streaming():
		r, err = c.ReadMore(ctx)
		raw = r.Body
	case awaited:
		r, err = c.RoundTrip(ctx, &conn.Command{
			DB:    "admin",
			Body:  awaitableHello(useHello(c, m.s.c.monitorConn), prev.TopologyVersion.V, m.s.c.heartbeat()),
			Flags: wire.ExhaustAllowed,
		})
		raw = r.Body
	default:
		r, err = c.RoundTrip(ctx, &conn.Command{DB: "admin", Body: pollHello(c, m.s.c.monitorConn)})
		raw = r.Body
		if err == nil {
			m.rtt.add(time.Since(start))
		}
	}
	elapsed := time.Since(start)
	defer r.Release()

	if err != nil {
		m.closeConn()
		m.rtt.reset()
		m.mu.Lock()
		cancelled := m.cancelled
		m.mu.Unlock()
		if m.stopping() {
			// Closing the client ends the heartbeat before the topology
			// closes; a removed server's monitor, stopped after its
			// ServerClosed event, reports nothing more.
			if m.s.c.isClosed() {
				topo.HeartbeatFailed(addr, hc, elapsed, err, awaited)
			}
			return topology.ServerDescription{}, false
		}
		topo.HeartbeatFailed(addr, hc, elapsed, err, awaited)
		return topology.NewUnknownServer(addr, err), !cancelled
	}
	topo.HeartbeatSucceeded(addr, hc, elapsed, raw, awaited)
	if f := m.s.c.cfg.ClusterTime; f != nil {
		if ct, ok := raw.Lookup("$clusterTime").DocumentOK(); ok {
			f(ct)
		}
	}
	avg, minRTT := m.rtt.get()
	sd := topology.NewServerDescription(addr, raw, avg, time.Now())
	if sd.Err == nil {
		sd.MinRTT = minRTT
	}
	return sd, true
}

// handshakeRTT returns the duration of the hello of a connection's
// handshake, the RTT sample it gives; the whole dial, which started at
// start, if the connection did not time it.
func handshakeRTT(c *conn.Conn, start time.Time) time.Duration {
	if d := c.Description().RTT; d > 0 {
		return d
	}
	return time.Since(start)
}

// connectTimeout is connectTimeoutMS, which bounds monitoring checks.
func (c *Cluster) connectTimeout() time.Duration {
	if c.monitorConn == nil {
		return 0
	}
	return c.monitorConn.ConnectTimeout
}

// heartbeatConn identifies the monitoring connection of the check about to
// start, for the heartbeat log messages: c, or the connection about to be
// opened when c is nil or closed, which gets the next monitoring
// connection ID.
func (m *monitor) heartbeatConn(c *conn.Conn) topology.HeartbeatConn {
	if c == nil || c.Closed() || m.connID == 0 {
		m.connID = m.s.c.monitorConnIDs.Add(1)
	}
	hc := topology.HeartbeatConn{DriverID: m.connID}
	if c != nil && !c.Closed() {
		hc.ServerID = c.Description().ConnectionID
	}
	return hc
}
