package topology

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
)

// The wire versions this driver speaks: MongoDB 4.2 (wire version 8) to 8.2
// (wire version 27). A server whose range does not overlap makes the
// topology incompatible, and selection fails.
const (
	MinWireVersion = 8
	MaxWireVersion = 27
)

// minWireVersionRelease names the MongoDB release of MinWireVersion, for
// the compatibility error.
const minWireVersionRelease = "4.2"

// Settings that the specifications fix.
const (
	// MinHeartbeatInterval is minHeartbeatFrequencyMS: the least time
	// between two checks of a server.
	MinHeartbeatInterval = 500 * time.Millisecond
	// IdleWritePeriod is idleWritePeriodMS: how often an idle primary
	// writes a no-op, which bounds how fresh lastWriteDate can be.
	IdleWritePeriod = 10 * time.Second
	// SmallestMaxStaleness is smallestMaxStalenessSeconds.
	SmallestMaxStaleness = 90 * time.Second
)

// Config is what the topology needs of the client's configuration.
type Config struct {
	// Seeds is the seed list, addresses as [NormalizeAddr] returns them.
	Seeds []string
	// SetName is the required replica set name (replicaSet), "" if none.
	SetName string
	// Direct is directConnection=true: the topology is Single.
	Direct bool
	// LoadBalanced is loadBalanced=true: the one seed is a load balancer.
	LoadBalanced bool
	// SRVMaxHosts caps the hosts taken from SRV records; 0 means all.
	SRVMaxHosts int

	// HeartbeatInterval is heartbeatFrequencyMS (default 10s).
	HeartbeatInterval time.Duration
	// LocalThreshold is localThresholdMS, the latency window (default 15ms).
	LocalThreshold time.Duration
	// ServerSelectionTimeout is serverSelectionTimeoutMS (default 30s).
	ServerSelectionTimeout time.Duration
}

// A Description is the driver's view of the whole deployment, the
// TopologyDescription of the SDAM specification. It is a value that
// [Apply] and its siblings replace rather than change: once built, it and
// its servers must not be modified, so that readers need no lock.
type Description struct {
	// Kind is the topology type.
	Kind TopologyType
	// SetName is the replica set name, required or discovered.
	SetName string
	// MaxSetVersion is the setVersion of the greatest (electionId,
	// setVersion) that a primary has reported.
	MaxSetVersion Nullable[int64]
	// MaxElectionID is the electionId of that greatest pair.
	MaxElectionID Nullable[bson.ObjectID]
	// Servers are the servers of the topology, sorted by address.
	Servers []ServerDescription
	// CompatibilityErr is a [*CompatibilityError] when a server's wire
	// version range does not overlap the driver's, nil otherwise.
	CompatibilityErr error
	// SessionTimeoutMinutes is the smallest logicalSessionTimeoutMinutes of
	// the data-bearing servers, null if any of them has none.
	SessionTimeoutMinutes Nullable[int64]

	// singleSeed is set when the seed list has one address: a Standalone
	// found by an Unknown topology then makes it Single.
	singleSeed bool
}

// NewDescription returns the initial description for cfg: its seeds, all
// Unknown, in a topology that is LoadBalanced with loadBalanced=true,
// Single with directConnection=true, ReplicaSetNoPrimary when a replica set
// name is required, and Unknown otherwise.
func NewDescription(cfg Config) Description {
	d := Description{SetName: cfg.SetName}
	switch {
	case cfg.LoadBalanced:
		d.Kind = LoadBalanced
	case cfg.Direct:
		d.Kind = Single
	case cfg.SetName != "":
		d.Kind = ReplicaSetNoPrimary
	}
	for _, addr := range cfg.Seeds {
		addr = NormalizeAddr(addr)
		if _, found := d.find(addr); !found {
			d.Servers = insertServer(d.Servers, NewUnknownServer(addr, nil))
		}
	}
	d.singleSeed = len(d.Servers) == 1
	return d
}

// Server returns the description of the server at addr.
func (d Description) Server(addr string) (ServerDescription, bool) {
	if i, ok := d.find(addr); ok {
		return d.Servers[i], true
	}
	return ServerDescription{}, false
}

// Addrs returns the addresses of the servers, sorted.
func (d Description) Addrs() []string {
	out := make([]string, len(d.Servers))
	for i := range d.Servers {
		out[i] = d.Servers[i].Addr
	}
	return out
}

func (d *Description) find(addr string) (int, bool) {
	return slices.BinarySearchFunc(d.Servers, addr, func(s ServerDescription, a string) int {
		return strings.Compare(s.Addr, a)
	})
}

func insertServer(servers []ServerDescription, sd ServerDescription) []ServerDescription {
	i, _ := slices.BinarySearchFunc(servers, sd.Addr, func(s ServerDescription, a string) int {
		return strings.Compare(s.Addr, a)
	})
	return slices.Insert(servers, i, sd)
}

// clone returns a copy of d whose server list can be changed.
func (d *Description) clone() Description {
	c := *d
	c.Servers = slices.Clone(d.Servers)
	return c
}

// set replaces or adds a server.
func (d *Description) set(sd ServerDescription) {
	if i, ok := d.find(sd.Addr); ok {
		d.Servers[i] = sd
		return
	}
	d.Servers = insertServer(d.Servers, sd)
}

// remove drops the server at addr, if present.
func (d *Description) remove(addr string) {
	if i, ok := d.find(addr); ok {
		d.Servers = slices.Delete(d.Servers, i, i+1)
	}
}

// Equal reports whether d and other describe the same topology for the
// purpose of publishing a TopologyDescriptionChanged event: same type, set
// name, maxima, compatibility, session timeout, and servers that are equal
// by [ServerDescription.Equal].
func (d *Description) Equal(other *Description) bool {
	if d.Kind != other.Kind || d.SetName != other.SetName ||
		d.MaxSetVersion != other.MaxSetVersion || d.MaxElectionID != other.MaxElectionID ||
		!sameError(d.CompatibilityErr, other.CompatibilityErr) ||
		d.SessionTimeoutMinutes != other.SessionTimeoutMinutes ||
		len(d.Servers) != len(other.Servers) {
		return false
	}
	for i := range d.Servers {
		if !d.Servers[i].Equal(&other.Servers[i]) {
			return false
		}
	}
	return true
}

// A CompatibilityError reports a server whose wire version range does not
// overlap the driver's.
type CompatibilityError struct {
	Addr           string // the server's address
	MinWireVersion int32  // the server's
	MaxWireVersion int32  // the server's
}

func (e *CompatibilityError) Error() string {
	if e.MinWireVersion > MaxWireVersion {
		return fmt.Sprintf("server at %s requires wire version %d, but this version of Motor only supports up to %d",
			e.Addr, e.MinWireVersion, MaxWireVersion)
	}
	return fmt.Sprintf("server at %s reports wire version %d, but this version of Motor requires at least %d (MongoDB %s)",
		e.Addr, e.MaxWireVersion, MinWireVersion, minWireVersionRelease)
}

// finish recomputes what depends on all servers: compatibility and the
// logical session timeout.
func (d *Description) finish() {
	d.CompatibilityErr = nil
	for i := range d.Servers {
		sd := &d.Servers[i]
		if sd.Kind == ServerUnknown || sd.Kind == PossiblePrimary || sd.Kind == LoadBalancer {
			continue
		}
		if sd.MinWireVersion > MaxWireVersion || sd.MaxWireVersion < MinWireVersion {
			d.CompatibilityErr = &CompatibilityError{Addr: sd.Addr, MinWireVersion: sd.MinWireVersion, MaxWireVersion: sd.MaxWireVersion}
			break
		}
	}

	d.SessionTimeoutMinutes = Nullable[int64]{}
	first := true
	for i := range d.Servers {
		sd := &d.Servers[i]
		if !sd.Kind.DataBearing() {
			continue
		}
		if !sd.SessionTimeoutMinutes.Valid {
			d.SessionTimeoutMinutes = Nullable[int64]{}
			return
		}
		if first || sd.SessionTimeoutMinutes.V < d.SessionTimeoutMinutes.V {
			d.SessionTimeoutMinutes = sd.SessionTimeoutMinutes
			first = false
		}
	}
}
