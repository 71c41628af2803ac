// Package cluster is the live deployment of one client: the topology of
// package topology, and for each server a connection pool and a monitor.
//
// # Pieces
//
// A Cluster owns a topology.Topology and implements its Hooks: when the
// topology learns of a server, the cluster creates the server's pool
// (paused) and starts its monitor; when a server leaves, it stops both. The
// monitor checks its server with hello on a dedicated connection and
// reports each outcome to the topology, which readies or clears the pool as
// the SDAM specification says.
//
// Operations call Select to choose a server for their criteria, check a
// connection out of that server's pool, and report the errors they meet with
// HandleError, which applies the specification's error handling (marking the
// server Unknown, clearing its pool, requesting a check, cancelling the
// check in progress).
//
// # Monitoring
//
// Monitors follow the Server Monitoring specification. A server whose
// hello replies carry a topologyVersion (MongoDB 4.4 and later) is
// streamed: the monitor sends an awaitable hello allowing exhaust, with
// maxAwaitTimeMS set to the heartbeat interval, and the server pushes a
// reply whenever its state changes; a second goroutine and connection per
// server (the RTT monitor) then measure the round trip time every
// heartbeat. Other servers, and every server when Config.Monitoring is
// MonitorPoll (or MonitorAuto on a FaaS platform), are polled every
// heartbeat interval, or sooner when an operation asks, but never twice
// within 500 ms. A network error on a server the previous check found is
// retried at once on a new connection. In load balanced mode nothing is
// monitored.
//
// A cluster created from a mongodb+srv URI (Config.SRV) also rescans the
// SRV records while the topology is Sharded or Unknown, adding and
// removing mongos hosts (see SRVConfig).
//
// # Goroutines
//
// One monitor goroutine per server (two when it streams), one SRV poller
// for a mongodb+srv cluster, plus each pool's own. Close stops them all and
// waits for them.
package cluster

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/logger"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/mongoerr"
)

// Config is what a Cluster needs from the client's configuration.
type Config struct {
	Topology topology.Config
	// Conn dials application connections, authentication included.
	Conn *conn.Config
	// MonitorConn dials monitoring connections: Conn without authentication.
	MonitorConn *conn.Config
	Pool        pool.Options

	PoolMonitor   *event.PoolMonitor
	ServerMonitor *event.ServerMonitor
	// Log receives the topology and server selection log messages (the
	// pools get theirs through Pool.Log); nil for none.
	Log *logger.Logger

	// Monitoring is serverMonitoringMode: streaming or polling monitors.
	Monitoring MonitoringMode
	// ClusterTime, when not nil, is given the $clusterTime of every hello
	// reply of the monitors, which the client gossips; it must not keep
	// the document, which is valid only during the call.
	ClusterTime func(bson.Raw)
	// SRV, when not nil, is the mongodb+srv URI whose SRV records the
	// cluster rescans while it is Sharded or Unknown.
	SRV *SRVConfig
}

// Cluster is the live deployment of one client.
type Cluster struct {
	cfg  Config
	topo *topology.Topology

	ctx    context.Context // the cluster's lifetime: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // monitors, the SRV poller and pool shutdowns

	monitorConn *conn.Config // MonitorConn, without socket timeout
	// monitorConnIDs numbers the monitoring connections, for the heartbeat
	// log messages.
	monitorConnIDs atomic.Int64
	streaming      bool // monitors may use the streaming protocol

	mu      sync.Mutex
	servers map[string]*Server
	closed  bool
}

// ErrClosed is returned by a closed Cluster.
var ErrClosed = mongoerr.ErrClientClosed

// New creates a cluster and starts monitoring its seeds.
func New(cfg Config) *Cluster {
	c := &Cluster{cfg: cfg, servers: make(map[string]*Server)}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.monitorConn = monitorConnConfig(cfg.MonitorConn)
	c.streaming = streamingEnabled(cfg.Monitoring, cfg.MonitorConn)
	c.topo = topology.New(cfg.Topology, topology.Options{Monitor: cfg.ServerMonitor, Hooks: hooks{c}, Log: cfg.Log})
	c.topo.Open()
	c.startSRVPoller()
	return c
}

// Topology returns the cluster's topology.
func (c *Cluster) Topology() *topology.Topology { return c.topo }

// Select waits for a server that suits the criteria, within the context and
// the server selection timeout, and returns it with its description. The
// caller must call Done on the server when the operation ends.
func (c *Cluster) Select(ctx context.Context, crit topology.Criteria) (*Server, topology.ServerDescription, error) {
	for {
		sd, err := c.topo.SelectServer(ctx, crit)
		if err != nil {
			if c.isClosed() {
				return nil, sd, ErrClosed
			}
			return nil, sd, err
		}
		c.mu.Lock()
		s := c.servers[sd.Addr]
		c.mu.Unlock()
		if s != nil {
			return s, sd, nil
		}
		// The server left between selection and now: select again.
		c.topo.ReleaseServer(sd.Addr)
		if c.isClosed() {
			return nil, sd, ErrClosed
		}
	}
}

// Pinned returns the server at addr, for a command that must run where an
// earlier one did (a cursor's getMore). It does not wait: a server that left
// the topology, or is Unknown now, gives an error. The caller must not call
// Done on it.
func (c *Cluster) Pinned(addr string) (*Server, topology.ServerDescription, error) {
	if c.isClosed() {
		return nil, topology.ServerDescription{}, ErrClosed
	}
	d := c.topo.Description()
	for _, sd := range d.Servers {
		if sd.Addr != addr {
			continue
		}
		c.mu.Lock()
		s := c.servers[addr]
		c.mu.Unlock()
		if s == nil || sd.Kind == topology.ServerUnknown {
			break
		}
		return s, sd, nil
	}
	return nil, topology.ServerDescription{}, &mongoerr.NetworkError{Address: addr, Op: "select", Err: errServerGone}
}

var errServerGone = errors.New("the server is no longer available")

// HandleError applies the SDAM error handling rules to an error that an
// operation met on a connection of the server.
func (c *Cluster) HandleError(s *Server, err error, generation uint64, handshakeDone bool, serviceID topology.Nullable[bson.ObjectID]) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	c.topo.HandleError(topology.NewAppError(s.addr, err, generation, handshakeDone, serviceID))
}

func (c *Cluster) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close stops the monitors, closes the pools and waits for every goroutine
// the cluster started.
func (c *Cluster) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	servers := c.servers
	c.servers = map[string]*Server{}
	c.mu.Unlock()
	c.cancel()
	for _, s := range servers {
		s.stop()
	}
	c.topo.Close()
	c.wg.Wait()
}

// hooks implements topology.Hooks. The topology calls them with its lock
// held: they must not block.
type hooks struct{ c *Cluster }

func (h hooks) ServerAdded(addr string) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.servers[addr] != nil {
		return
	}
	s, err := newServer(c, addr)
	if err != nil {
		// Only invalid pool options fail, and those were checked when the
		// client was configured.
		return
	}
	c.servers[addr] = s
	s.start()
}

func (h hooks) ServerRemoved(addr string) {
	c := h.c
	c.mu.Lock()
	s := c.servers[addr]
	delete(c.servers, addr)
	c.mu.Unlock()
	if s != nil {
		c.wg.Add(1)
		go func() { // closing a pool waits for its goroutines
			defer c.wg.Done()
			s.stop()
		}()
	}
}

func (h hooks) server(addr string) *Server {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	return h.c.servers[addr]
}

func (h hooks) PoolGeneration(addr string, serviceID topology.Nullable[bson.ObjectID]) uint64 {
	s := h.server(addr)
	if s == nil {
		return 0
	}
	if serviceID.Valid {
		return s.pool.ServiceGeneration(serviceID.V)
	}
	return s.pool.Generation()
}

func (h hooks) ClearPool(addr string, serviceID topology.Nullable[bson.ObjectID], interruptInUse bool) {
	s := h.server(addr)
	if s == nil {
		return
	}
	opts := pool.ClearOptions{InterruptInUse: interruptInUse}
	if serviceID.Valid {
		id := serviceID.V
		opts.ServiceID = &id
	}
	s.pool.Clear(opts)
}

func (h hooks) ReadyPool(addr string) {
	if s := h.server(addr); s != nil {
		s.pool.Ready()
	}
}

func (h hooks) RequestCheck(addr string) {
	if s := h.server(addr); s != nil {
		s.mon.requestCheck()
	}
}

func (h hooks) CancelCheck(addr string) {
	if s := h.server(addr); s != nil {
		s.mon.cancelCheck()
	}
}

// minHeartbeat is the shortest time between two checks of a server.
const minHeartbeat = topology.MinHeartbeatInterval

// heartbeat returns the configured interval between checks.
func (c *Cluster) heartbeat() time.Duration {
	if h := c.cfg.Topology.HeartbeatInterval; h > 0 {
		return h
	}
	return 10 * time.Second
}
