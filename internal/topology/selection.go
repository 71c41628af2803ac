package topology

import (
	"slices"
	"time"
)

// Criteria say what an operation needs of a server.
type Criteria struct {
	// Write selects for a write: a primary, a mongos, a standalone. The
	// read preference is then ignored.
	Write bool
	// ReadPref is the read preference of a read.
	ReadPref ReadPref
	// Deprioritized lists addresses to avoid unless no other server is
	// suitable, such as the mongos that failed the previous attempt of a
	// retried operation.
	Deprioritized []string

	// Operation and OperationID name the operation selecting, for the
	// server selection log messages only: the command's name and the
	// driver's ID for the operation (0 for none).
	Operation   string
	OperationID int64
}

// String describes the criteria for errors: "write", or "read with read
// preference ...".
func (c *Criteria) String() string {
	if c.Write {
		return "write"
	}
	return "read with read preference " + c.ReadPref.String()
}

// Select returns the servers of d suitable for c that are within the
// latency window: [Suitable] then [InWindow]. Servers are checked every
// heartbeat (for the max staleness rules). The error is the topology's
// compatibility error or an invalid read preference; finding no server is
// not an error.
func Select(d *Description, c *Criteria, localThreshold, heartbeat time.Duration) ([]*ServerDescription, error) {
	s, err := Suitable(d, c, heartbeat)
	if err != nil {
		return nil, err
	}
	return InWindow(s, localThreshold), nil
}

// Suitable returns the servers of d suitable for c, by the rules of the
// Server Selection specification for d's topology type, the read
// preference's mode, max staleness and tag sets. Deprioritized servers are
// left out unless no other server is suitable. The returned pointers refer
// into d.Servers.
func Suitable(d *Description, c *Criteria, heartbeat time.Duration) ([]*ServerDescription, error) {
	if d.CompatibilityErr != nil {
		return nil, d.CompatibilityErr
	}
	if !c.Write {
		if err := c.ReadPref.Validate(d.Kind, heartbeat); err != nil {
			return nil, err
		}
	}
	if len(c.Deprioritized) > 0 {
		if s := suitable(d, c, heartbeat, true); len(s) > 0 {
			return s, nil
		}
	}
	return suitable(d, c, heartbeat, false), nil
}

func suitable(d *Description, c *Criteria, heartbeat time.Duration, skipDeprioritized bool) []*ServerDescription {
	of := func(keep func(*ServerDescription) bool) []*ServerDescription {
		var out []*ServerDescription
		for i := range d.Servers {
			sd := &d.Servers[i]
			if keep(sd) && !(skipDeprioritized && slices.Contains(c.Deprioritized, sd.Addr)) {
				out = append(out, sd)
			}
		}
		return out
	}
	isKind := func(k ServerType) func(*ServerDescription) bool {
		return func(sd *ServerDescription) bool { return sd.Kind == k }
	}
	switch d.Kind {
	case Single:
		return of((*ServerDescription).Available)
	case LoadBalanced:
		return of(isKind(LoadBalancer))
	case Sharded:
		return of(isKind(Mongos))
	case ReplicaSetNoPrimary, ReplicaSetWithPrimary:
	default:
		return nil
	}
	if c.Write {
		return of(isKind(RSPrimary))
	}
	rp := &c.ReadPref
	eligible := func(candidates []*ServerDescription) []*ServerDescription {
		return filterTags(filterStale(d, candidates, rp, heartbeat), rp.TagSets)
	}
	secondaries := func() []*ServerDescription { return eligible(of(isKind(RSSecondary))) }
	switch rp.Mode {
	case Primary:
		return of(isKind(RSPrimary))
	case PrimaryPreferred:
		if p := of(isKind(RSPrimary)); len(p) > 0 {
			return p
		}
		return secondaries()
	case Secondary:
		return secondaries()
	case SecondaryPreferred:
		if s := secondaries(); len(s) > 0 {
			return s
		}
		return of(isKind(RSPrimary))
	case Nearest:
		return eligible(of(func(sd *ServerDescription) bool { return sd.Kind == RSPrimary || sd.Kind == RSSecondary }))
	}
	return nil
}

// InWindow returns the servers whose average round trip time is within
// localThreshold of the fastest one's.
func InWindow(servers []*ServerDescription, localThreshold time.Duration) []*ServerDescription {
	if len(servers) == 0 {
		return nil
	}
	fastest := servers[0].RTT
	for _, sd := range servers[1:] {
		fastest = min(fastest, sd.RTT)
	}
	out := make([]*ServerDescription, 0, len(servers))
	for _, sd := range servers {
		if sd.RTT <= fastest+localThreshold {
			out = append(out, sd)
		}
	}
	return out
}

// Rand is the source of randomness of [Choose]; *math/rand/v2.Rand is one.
type Rand interface {
	// IntN returns a number in [0, n).
	IntN(n int) int
}

// Choose picks one server of the latency window: the less busy, by
// operationCount, of two picked at random (either, when they tie). It
// returns nil for no server.
func Choose(window []*ServerDescription, operationCount func(addr string) int64, r Rand) *ServerDescription {
	switch len(window) {
	case 0:
		return nil
	case 1:
		return window[0]
	}
	i := r.IntN(len(window))
	j := r.IntN(len(window) - 1)
	if j >= i {
		j++
	}
	a, b := window[i], window[j]
	if operationCount(b.Addr) < operationCount(a.Addr) {
		return b
	}
	return a
}
