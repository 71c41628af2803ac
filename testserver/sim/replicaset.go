package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
)

// ReplicaSet is a simulated replica set: Options.Members data-bearing
// members, of which member 0 starts as primary, then Options.Arbiters
// arbiters. The embedded Cluster holds the controls every deployment has.
type ReplicaSet struct {
	*Cluster
}

// NewReplicaSet starts a replica set in front of backend, the address of a
// running server (host:port), after checking within ctx that it answers
// ping. The caller must Close it.
func NewReplicaSet(ctx context.Context, backend string, opts Options) (*ReplicaSet, error) {
	if opts.Name == "" {
		opts.Name = DefaultSetName
	}
	if opts.Members == 0 {
		opts.Members = DefaultMembers
	}
	if opts.Members < 1 || opts.Arbiters < 0 || opts.Members+opts.Arbiters > 50 {
		return nil, fmt.Errorf("sim: a replica set has 1 to 50 members, not %d data members and %d arbiters", opts.Members, opts.Arbiters)
	}
	roles := make([]role, 0, opts.Members+opts.Arbiters)
	roles = append(roles, rolePrimary)
	for range opts.Members - 1 {
		roles = append(roles, roleSecondary)
	}
	for range opts.Arbiters {
		roles = append(roles, roleArbiter)
	}
	c := &Cluster{kind: kindReplicaSet, backend: backend, setName: opts.Name,
		electDelay: opts.ElectionDelay, onCommand: opts.OnCommand, clusterTime: opts.ClusterTime,
		clockStart: uint32(time.Now().Unix())}
	c, err := startCluster(ctx, c, roles, opts.Tags, opts.MaxWireVersion)
	if err != nil {
		return nil, err
	}
	return &ReplicaSet{Cluster: c}, nil
}

// Name returns the replica set's name.
func (rs *ReplicaSet) Name() string { return rs.setName }

// Primary returns the index of the primary, or -1 if there is none.
func (rs *ReplicaSet) Primary() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.primary
}

// ElectionID returns the electionId the primary reports, which grows with
// every election.
func (rs *ReplicaSet) ElectionID() bson.ObjectID {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return electionID(rs.term)
}

// StepDown makes the primary, member i, a secondary. The set then has no
// primary until Elect. Every member's topologyVersion is bumped, since
// every hello changes, and their awaitable hellos answer at once. It is an
// error if i is not the primary.
func (rs *ReplicaSet) StepDown(i int) error {
	if _, err := rs.member(i); err != nil {
		return err
	}
	return rs.stepDown(i, false)
}

// Elect makes data member i the primary, in a new term: the primary's
// electionId grows, setVersion stays, the former primary becomes a
// secondary, every member's topologyVersion is bumped and their awaitable
// hellos answer at once. A killed member can be elected: it is the primary
// the others name, and it answers as one after Restart.
func (rs *ReplicaSet) Elect(i int) error {
	m, err := rs.member(i)
	if err != nil {
		return err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if m.role == roleArbiter {
		return memberError(i, "an arbiter cannot be elected")
	}
	rs.electLocked(i)
	return nil
}

// electLocked makes member i primary in a new term; the caller holds mu.
func (c *Cluster) electLocked(i int) {
	c.term++
	if c.primary >= 0 && c.primary != i {
		c.members[c.primary].role = roleSecondary
	}
	c.primary = i
	c.members[i].role = rolePrimary
	for _, m := range c.members {
		m.bumpLocked()
	}
}

// stepDown makes the primary i a secondary; after the replSetStepDown
// command (auto) it schedules an election when Options.ElectionDelay asks
// for one.
func (c *Cluster) stepDown(i int, auto bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.primary != i {
		return memberError(i, "not primary")
	}
	c.members[i].role = roleSecondary
	c.primary = -1
	for _, m := range c.members {
		m.bumpLocked()
	}
	if auto && c.electDelay > 0 {
		c.bg.Add(1)
		var t *time.Timer
		t = time.AfterFunc(c.electDelay, func() {
			defer c.bg.Done()
			c.mu.Lock()
			defer c.mu.Unlock()
			delete(c.timers, t)
			if c.closed || c.primary >= 0 {
				return
			}
			if next := c.nextCandidate(i); next >= 0 {
				c.electLocked(next)
			}
		})
		c.timers[t] = true
	}
	return nil
}

// nextCandidate returns the first data member after i, in index order and
// wrapping around, that is running; -1 if there is none.
func (c *Cluster) nextCandidate(i int) int {
	n := len(c.members)
	for k := 1; k < n; k++ {
		j := (i + k) % n
		if m := c.members[j]; m.role != roleArbiter && m.alive {
			return j
		}
	}
	return -1
}

// SetTags replaces member i's tags, a reconfiguration: setVersion grows
// and every member's topologyVersion is bumped.
func (rs *ReplicaSet) SetTags(i int, tags map[string]string) error {
	m, err := rs.member(i)
	if err != nil {
		return err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	m.tags = copyTags(tags)
	rs.setVersion++
	for _, o := range rs.members {
		o.bumpLocked()
	}
	return nil
}

// SetLag makes secondary i's lastWrite d older than the primary's, for
// tests of maxStalenessSeconds. It does not bump the topologyVersion, as
// replication progress does not.
func (rs *ReplicaSet) SetLag(i int, d time.Duration) error {
	m, err := rs.member(i)
	if err != nil {
		return err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	m.lag = max(d, 0)
	return nil
}
