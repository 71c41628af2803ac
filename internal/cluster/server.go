package cluster

import (
	"context"
	"errors"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/internal/topology"
)

// Server is one server of the cluster: its connection pool and its monitor.
type Server struct {
	c    *Cluster
	addr string
	pool *pool.Pool[*conn.Conn]
	mon  *monitor // nil in load balanced mode

	started bool // the monitor's goroutine was started
}

// Conn is a connection checked out of a server's pool.
type Conn = pool.PooledConn[*conn.Conn]

func newServer(c *Cluster, addr string) (*Server, error) {
	s := &Server{c: c, addr: addr}
	opts := c.cfg.Pool
	opts.OnDialError = func(e *pool.DialError) {
		c.topo.HandleError(topology.NewAppError(addr, e.Err, e.Generation, false, topology.Nullable[bson.ObjectID]{}))
	}
	p, err := pool.New(addr, opts, s.dial, c.cfg.PoolMonitor)
	if err != nil {
		return nil, err
	}
	s.pool = p
	if !c.cfg.Topology.LoadBalanced {
		// A load balancer is not monitored: the topology made it a
		// LoadBalancer with a ready pool when it opened.
		s.mon = newMonitor(s, c.streaming)
	}
	return s, nil
}

// Addr returns the server's address.
func (s *Server) Addr() string { return s.addr }

// dial establishes an application connection: handshake and authentication.
func (s *Server) dial(ctx context.Context, _ int64) (*conn.Conn, error) {
	return dialConn(ctx, s.addr, s.c.cfg.Conn)
}

// CheckOut checks a connection out of the server's pool. A failure to
// establish a new connection is reported to the topology, as the SDAM error
// handling rules say for errors before the handshake completes.
func (s *Server) CheckOut(ctx context.Context) (*Conn, error) {
	pc, err := s.pool.CheckOut(ctx)
	if err != nil {
		var de *pool.DialError
		if errors.As(err, &de) {
			s.c.topo.HandleError(topology.NewAppError(s.addr, de.Err, de.Generation, false, topology.Nullable[bson.ObjectID]{}))
		}
		return nil, err
	}
	return pc, nil
}

// CheckIn returns a connection to the pool.
func (s *Server) CheckIn(pc *Conn) { _ = s.pool.CheckIn(pc) }

// HandleError reports an error met on the connection pc to the topology.
func (s *Server) HandleError(pc *Conn, err error) {
	var sid topology.Nullable[bson.ObjectID]
	if id, ok := pc.ServiceID(); ok {
		sid = topology.Some(id)
	}
	s.c.HandleError(s, err, pc.Generation(), true, sid)
}

// Done ends an operation that Select chose this server for.
func (s *Server) Done() { s.c.topo.ReleaseServer(s.addr) }

// start starts the monitor. The cluster's lock is held.
func (s *Server) start() {
	if s.mon == nil {
		return
	}
	s.started = true
	s.c.wg.Add(1)
	go func() {
		defer s.c.wg.Done()
		s.mon.run()
	}()
}

// stop stops the monitor and closes the pool, waiting for both. It is
// called once, after start, with the server out of the cluster's map.
func (s *Server) stop() {
	s.mon.shutdown(s.started)
	s.pool.Close()
}
