package topology

import (
	"bytes"
	"strconv"

	"github.com/motor-go/motor/bson"
)

// A ServerType is what a check found a server to be, the ServerType of the
// SDAM specification.
type ServerType uint8

// Server types. The zero value is Unknown.
const (
	// ServerUnknown: not checked yet, or the last check failed.
	ServerUnknown ServerType = iota
	// Standalone: a mongod outside any replica set.
	Standalone
	// Mongos: a router of a sharded cluster.
	Mongos
	// PossiblePrimary: not checked yet, but a secondary names it primary.
	PossiblePrimary
	// RSPrimary: the writable primary of a replica set.
	RSPrimary
	// RSSecondary: a secondary of a replica set.
	RSSecondary
	// RSArbiter: an arbiter of a replica set.
	RSArbiter
	// RSOther: a hidden, starting-up or recovering member.
	RSOther
	// RSGhost: a member that is not (yet, or any more) in a replica set config.
	RSGhost
	// LoadBalancer: a load balancer in front of mongos (loadBalanced=true).
	LoadBalancer
)

var serverTypeNames = [...]string{
	ServerUnknown:   "Unknown",
	Standalone:      "Standalone",
	Mongos:          "Mongos",
	PossiblePrimary: "PossiblePrimary",
	RSPrimary:       "RSPrimary",
	RSSecondary:     "RSSecondary",
	RSArbiter:       "RSArbiter",
	RSOther:         "RSOther",
	RSGhost:         "RSGhost",
	LoadBalancer:    "LoadBalancer",
}

// String returns the specification's name of t, such as "RSSecondary".
func (t ServerType) String() string {
	if int(t) < len(serverTypeNames) {
		return serverTypeNames[t]
	}
	return "ServerType(" + strconv.Itoa(int(t)) + ")"
}

// ParseServerType returns the ServerType named s (as String spells it).
func ParseServerType(s string) (ServerType, bool) {
	for i, name := range serverTypeNames {
		if name == s {
			return ServerType(i), true
		}
	}
	return ServerUnknown, false
}

// DataBearing reports whether a server of type t serves application data:
// Standalone, Mongos, RSPrimary, RSSecondary and LoadBalancer.
func (t ServerType) DataBearing() bool {
	switch t {
	case Standalone, Mongos, RSPrimary, RSSecondary, LoadBalancer:
		return true
	}
	return false
}

// A TopologyType is the kind of deployment, the TopologyType of the SDAM
// specification.
type TopologyType uint8

// Topology types. The zero value is Unknown.
const (
	// TopologyUnknown: nothing known yet, or mixed answers.
	TopologyUnknown TopologyType = iota
	// Single: a direct connection to one server of any type.
	Single
	// ReplicaSetNoPrimary: a replica set whose primary is not known.
	ReplicaSetNoPrimary
	// ReplicaSetWithPrimary: a replica set with a known primary.
	ReplicaSetWithPrimary
	// Sharded: one or more mongos.
	Sharded
	// LoadBalanced: one load balancer (loadBalanced=true).
	LoadBalanced
)

var topologyTypeNames = [...]string{
	TopologyUnknown:       "Unknown",
	Single:                "Single",
	ReplicaSetNoPrimary:   "ReplicaSetNoPrimary",
	ReplicaSetWithPrimary: "ReplicaSetWithPrimary",
	Sharded:               "Sharded",
	LoadBalanced:          "LoadBalanced",
}

// String returns the specification's name of t, such as "Sharded".
func (t TopologyType) String() string {
	if int(t) < len(topologyTypeNames) {
		return topologyTypeNames[t]
	}
	return "TopologyType(" + strconv.Itoa(int(t)) + ")"
}

// ParseTopologyType returns the TopologyType named s (as String spells it).
func ParseTopologyType(s string) (TopologyType, bool) {
	for i, name := range topologyTypeNames {
		if name == s {
			return TopologyType(i), true
		}
	}
	return TopologyUnknown, false
}

// Nullable is a value that may be absent: null in the specifications.
type Nullable[T comparable] struct {
	V     T    // the value, meaningful when Valid
	Valid bool // whether there is a value
}

// Some returns a present value v.
func Some[T comparable](v T) Nullable[T] { return Nullable[T]{V: v, Valid: true} }

// A TopologyVersion orders the replies of one server process: hello replies
// and state change errors carry it from MongoDB 4.4 on.
type TopologyVersion struct {
	ProcessID bson.ObjectID // the server process
	Counter   int64         // incremented on each change of the process's state
}

// CompareTopologyVersion compares the topologyVersion a server description
// holds (current) with one a reply or error carries (incoming). It returns
// -1 when incoming must be taken as newer (either is absent, or the process
// differs), and otherwise the order of the counters: 0 when equal, 1 when
// current is newer. A result > 0 makes a reply stale; >= 0 makes an error
// stale.
func CompareTopologyVersion(current, incoming Nullable[TopologyVersion]) int {
	if !current.Valid || !incoming.Valid || current.V.ProcessID != incoming.V.ProcessID {
		return -1
	}
	switch {
	case current.V.Counter == incoming.V.Counter:
		return 0
	case current.V.Counter < incoming.V.Counter:
		return -1
	}
	return 1
}

// compareObjectID orders ObjectIDs by their bytes, with null below any value.
func compareObjectID(a, b Nullable[bson.ObjectID]) int {
	switch {
	case !a.Valid && !b.Valid:
		return 0
	case !a.Valid:
		return -1
	case !b.Valid:
		return 1
	}
	return bytes.Compare(a.V[:], b.V[:])
}

// compareInt orders integers with null below any value.
func compareInt(a, b Nullable[int64]) int {
	switch {
	case !a.Valid && !b.Valid:
		return 0
	case !a.Valid:
		return -1
	case !b.Valid:
		return 1
	case a.V < b.V:
		return -1
	case a.V > b.V:
		return 1
	}
	return 0
}
