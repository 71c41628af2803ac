package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// kind is the deployment a cluster simulates.
type kind uint8

const (
	kindReplicaSet kind = iota
	kindSharded
	kindStandalone
)

// Cluster is a simulated deployment: members listening on loopback in front
// of one backend. Its methods are the controls every kind of deployment
// shares; ReplicaSet adds those of elections. All are safe for concurrent
// use, and all but the accessors return ErrClosed after Close.
type Cluster struct {
	kind         kind
	backend      string
	setName      string
	loadBalanced bool
	electDelay   time.Duration
	onCommand    func(member int, name string, body bson.Raw)
	members      []*member
	clusterTime  bool          // replies carry $clusterTime and operationTime
	clock        atomic.Uint32 // the logical clock's increment
	clockStart   uint32        // its seconds, when the cluster started

	// mu guards the state below and every member's state (see member).
	mu         sync.Mutex
	closed     bool
	term       int64 // the election term; electionId is derived from it
	primary    int   // index of the primary, -1 if none
	setVersion int64
	timers     map[*time.Timer]bool // pending elections after replSetStepDown
	bg         sync.WaitGroup       // election timers' functions

	// retried keeps the outcome of retryable writes, so that a retry does
	// not write again.
	retried retriedWrites
	// txns is the table of the sessions' transactions.
	txns transactions
	// changes is the change event log and its change stream cursors.
	changes changeLog
}

// startCluster completes c, whose kind, backend and settings are set, with
// members of the given roles, and starts them after checking that the
// backend answers ping within ctx.
func startCluster(ctx context.Context, c *Cluster, roles []role, tags []map[string]string, maxWire int32) (*Cluster, error) {
	if err := pingBackend(ctx, c.backend); err != nil {
		return nil, err
	}
	if maxWire == 0 {
		maxWire = DefaultMaxWireVersion
	}
	c.primary, c.setVersion, c.timers = -1, 1, map[*time.Timer]bool{}
	for i, r := range roles {
		m := &member{c: c, idx: i, role: r, maxWire: maxWire, changed: make(chan struct{}),
			conns: map[*conn]bool{}, received: map[string]int{}}
		if i < len(tags) {
			m.tags = copyTags(tags[i])
		}
		c.members = append(c.members, m)
		if r == rolePrimary {
			c.primary, c.term = i, 1
		}
	}
	for _, m := range c.members {
		if err := m.start("127.0.0.1:0"); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Len returns the number of members.
func (c *Cluster) Len() int { return len(c.members) }

// Addr returns member i's address, "127.0.0.1:port", or "" if there is no
// such member. The address stays the same across Kill and Restart.
func (c *Cluster) Addr(i int) string {
	if i < 0 || i >= len(c.members) {
		return ""
	}
	return c.members[i].addr
}

// Addrs returns every member's address, in index order.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.members))
	for i, m := range c.members {
		addrs[i] = m.addr
	}
	return addrs
}

// URI returns a connection string with every member as a seed and, for a
// replica set, replicaSet=<name>; for a load-balanced cluster,
// loadBalanced=true. params follow, as for the package's URI.
func (c *Cluster) URI(params ...string) string {
	return URI(c.Addrs(), c.params(params)...)
}

// SeedURI returns a connection string with member i as the only seed, and
// the same options as URI: a client discovers the other members from it.
func (c *Cluster) SeedURI(i int, params ...string) string {
	return URI([]string{c.Addr(i)}, c.params(params)...)
}

func (c *Cluster) params(extra []string) []string {
	var p []string
	switch {
	case c.kind == kindReplicaSet:
		p = append(p, "replicaSet="+queryEscape(c.setName))
	case c.loadBalanced:
		p = append(p, "loadBalanced=true")
	}
	return append(p, extra...)
}

// Backend returns the address of the server the members forward to.
func (c *Cluster) Backend() string { return c.backend }

// Close stops every member: it closes their listeners and connections, and
// the backend connections, and waits for all the goroutines of the cluster.
// Close may be called more than once.
func (c *Cluster) Close() error {
	c.mu.Lock()
	c.closed = true
	for t := range c.timers {
		if t.Stop() {
			c.bg.Done()
		}
		delete(c.timers, t)
	}
	c.mu.Unlock()
	c.bg.Wait()
	var errs []error
	for _, m := range c.members {
		errs = append(errs, m.kill())
	}
	return errors.Join(errs...)
}

// member returns member i, or an error if there is none or the cluster is
// closed.
func (c *Cluster) member(i int) (*member, error) {
	if i < 0 || i >= len(c.members) {
		return nil, memberError(i, "no such member (the cluster has %d)", len(c.members))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	return c.members[i], nil
}

// pingBackend checks that the backend answers ping, so that a cluster in
// front of a server that is not there fails at once rather than at the
// first forwarded command.
func pingBackend(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("sim: backend: %w", err)
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	body, err := bson.Marshal(bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}})
	if err != nil {
		return err
	}
	id := wire.NextRequestID()
	if _, err := nc.Write(wire.AppendMsg(nil, id, 0, body)); err != nil {
		return fmt.Errorf("sim: backend: %w", err)
	}
	m, err := wire.ReadMessage(nc, 0)
	if err != nil {
		return fmt.Errorf("sim: backend: %w", err)
	}
	defer m.Release()
	p, err := wire.ParseMsg(m.Bytes)
	if err != nil {
		return fmt.Errorf("sim: backend: %w", err)
	}
	if err := p.Header.CheckResponseTo(id); err != nil {
		return fmt.Errorf("sim: backend: %w", err)
	}
	if !okReply(p.Body) {
		return fmt.Errorf("sim: backend: ping failed: %s", p.Body)
	}
	return nil
}

// okReply reports whether a reply's ok is 1.
func okReply(body bson.Raw) bool {
	f, ok := body.Lookup("ok").AsFloat64OK()
	return ok && f == 1
}

func copyTags(t map[string]string) map[string]string {
	if len(t) == 0 {
		return nil
	}
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

// tick advances the logical clock of a cluster with Options.ClusterTime and
// returns the fields of a reply at the new time: $clusterTime and
// operationTime.
func (c *Cluster) tick() bson.D {
	t := bson.Timestamp{T: c.clockStart, I: c.clock.Add(1)}
	return bson.D{
		{Key: "$clusterTime", Value: bson.D{
			{Key: "clusterTime", Value: t},
			{Key: "signature", Value: bson.D{{Key: "hash", Value: bson.Binary{Data: make([]byte, 20)}}, {Key: "keyId", Value: int64(0)}}},
		}},
		{Key: "operationTime", Value: t},
	}
}

// dropAfterClusterTime removes from a write the readConcern that carries
// an afterClusterTime of the cluster's logical clock (a causally
// consistent session's write), which the backend neither knows nor
// accepts on writes. Every write the members forward is done before its
// reply, so the backend is always past that time.
func (cn *conn) dropAfterClusterTime(req *request) error {
	if req.msg.Body.Lookup("readConcern", "afterClusterTime").Type == 0 {
		return nil
	}
	body, err := appendFields(req.msg.Body, bson.D{{Key: "readConcern", Value: nil}})
	if err != nil {
		return err
	}
	req.msg.Body = body
	return nil
}
