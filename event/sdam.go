package event

import (
	"time"

	"github.com/motor-go/motor/bson"
)

// ServerMonitor receives the events of the Server Discovery and Monitoring
// (SDAM) specification: how the client's view of the deployment changes,
// and each heartbeat of its server monitors. Every field is optional; see
// the package documentation for when and how the callbacks are called.
//
// The events of one topology are reported in the order the changes were
// made. A topology reports TopologyOpening first and TopologyClosed last;
// a server reports ServerOpening before any other event about it and
// ServerClosed last. Every ServerHeartbeatStarted is followed by one
// ServerHeartbeatSucceeded or ServerHeartbeatFailed for the same server.
type ServerMonitor struct {
	// TopologyOpening is called once when the client's topology is
	// created, before any other event of it.
	TopologyOpening func(TopologyOpeningEvent)
	// TopologyDescriptionChanged is called when the topology description
	// changes: its type, its servers (by ServerDescription equality), its
	// replica set name or its compatibility. Round trip times alone do not
	// count.
	TopologyDescriptionChanged func(TopologyDescriptionChangedEvent)
	// TopologyClosed is called once when the client is closed, after
	// every other event of its topology.
	TopologyClosed func(TopologyClosedEvent)

	// ServerOpening is called when a server joins the topology (a seed, or
	// a member another server reported), before it is monitored.
	ServerOpening func(ServerOpeningEvent)
	// ServerDescriptionChanged is called when a server's description
	// changes, ignoring round trip times and update times.
	ServerDescriptionChanged func(ServerDescriptionChangedEvent)
	// ServerClosed is called when a server leaves the topology, or when
	// the client is closed.
	ServerClosed func(ServerClosedEvent)

	// ServerHeartbeatStarted is called when a server monitor starts a
	// check: just before it opens a new monitoring connection, or before it
	// sends hello (or waits for the next streamed reply).
	ServerHeartbeatStarted func(ServerHeartbeatStartedEvent)
	// ServerHeartbeatSucceeded is called when a check gets a reply with
	// ok: 1.
	ServerHeartbeatSucceeded func(ServerHeartbeatSucceededEvent)
	// ServerHeartbeatFailed is called when a check fails: a network error,
	// or a reply with ok: 0.
	ServerHeartbeatFailed func(ServerHeartbeatFailedEvent)
}

// TopologyType is the kind of deployment, named as in the SDAM
// specification.
type TopologyType string

// The topology types.
const (
	TopologyUnknown               TopologyType = "Unknown"
	TopologySingle                TopologyType = "Single"
	TopologyReplicaSetNoPrimary   TopologyType = "ReplicaSetNoPrimary"
	TopologyReplicaSetWithPrimary TopologyType = "ReplicaSetWithPrimary"
	TopologySharded               TopologyType = "Sharded"
	TopologyLoadBalanced          TopologyType = "LoadBalanced"
)

// ServerType is what a server was found to be, named as in the SDAM
// specification.
type ServerType string

// The server types.
const (
	ServerUnknown         ServerType = "Unknown"
	ServerStandalone      ServerType = "Standalone"
	ServerMongos          ServerType = "Mongos"
	ServerPossiblePrimary ServerType = "PossiblePrimary"
	ServerRSPrimary       ServerType = "RSPrimary"
	ServerRSSecondary     ServerType = "RSSecondary"
	ServerRSArbiter       ServerType = "RSArbiter"
	ServerRSOther         ServerType = "RSOther"
	ServerRSGhost         ServerType = "RSGhost"
	ServerLoadBalancer    ServerType = "LoadBalancer"
)

// ServerDescription is a snapshot of what the client knew of one server
// when an event was reported. Optional values are nil when unknown. The
// snapshot belongs to the callback: the client keeps no reference to it.
type ServerDescription struct {
	// Address is the address the client connects to ("host:port").
	Address string
	// Type is what the server's last check found it to be.
	Type ServerType
	// Error is why the server is Unknown, nil otherwise.
	Error error
	// RoundTripTime is the average round trip time of the server's checks,
	// 0 while it is Unknown.
	RoundTripTime time.Duration
	// MinRoundTripTime is the minimum round trip time of recent checks.
	MinRoundTripTime time.Duration
	// LastUpdateTime is when the last check completed.
	LastUpdateTime time.Time
	// LastWriteDate is the time of the replica set member's latest write.
	LastWriteDate time.Time
	// MinWireVersion and MaxWireVersion are the server's wire versions.
	MinWireVersion, MaxWireVersion int32
	// Me is the member's own name in its replica set config.
	Me string
	// Hosts, Passives and Arbiters are the members the server reported.
	Hosts, Passives, Arbiters []string
	// Tags are the member's tags.
	Tags map[string]string
	// SetName is the replica set name, "" when none.
	SetName string
	// SetVersion is the replica set config version.
	SetVersion *int64
	// ElectionID is the election id a primary reported.
	ElectionID *bson.ObjectID
	// Primary is who the member believes is primary.
	Primary string
	// LogicalSessionTimeoutMinutes is the server's session timeout.
	LogicalSessionTimeoutMinutes *int64
	// TopologyVersion is the server's topologyVersion.
	TopologyVersion *TopologyVersion
	// ServiceID is the service behind a load balancer.
	ServiceID *bson.ObjectID
}

// TopologyVersion orders the replies of one server process.
type TopologyVersion struct {
	// ProcessID identifies the server process.
	ProcessID bson.ObjectID
	// Counter increases with each change of the process's state.
	Counter int64
}

// TopologyDescription is a snapshot of the client's view of the whole
// deployment when an event was reported.
type TopologyDescription struct {
	// Type is the topology type.
	Type TopologyType
	// SetName is the replica set name, required or discovered.
	SetName string
	// Servers are the servers of the topology, sorted by address.
	Servers []ServerDescription
	// MaxSetVersion is the replica set config version of the greatest
	// (election id, config version) a primary has reported.
	MaxSetVersion *int64
	// MaxElectionID is the election id of that greatest pair.
	MaxElectionID *bson.ObjectID
	// CompatibilityError says why the driver cannot use the deployment (a
	// server's wire versions are out of its range), nil when it can.
	CompatibilityError error
	// LogicalSessionTimeoutMinutes is the deployment's session timeout,
	// nil when sessions are not supported.
	LogicalSessionTimeoutMinutes *int64
}

// TopologyOpeningEvent reports that a topology was created.
type TopologyOpeningEvent struct {
	// TopologyID identifies the client's topology in every SDAM event.
	TopologyID bson.ObjectID
}

// TopologyDescriptionChangedEvent reports a change of the topology
// description.
type TopologyDescriptionChangedEvent struct {
	// TopologyID identifies the topology.
	TopologyID bson.ObjectID
	// PreviousDescription is the description before the change. The first
	// event of a topology has an Unknown one without servers.
	PreviousDescription TopologyDescription
	// NewDescription is the description after the change.
	NewDescription TopologyDescription
}

// TopologyClosedEvent reports that a topology was closed.
type TopologyClosedEvent struct {
	// TopologyID identifies the topology.
	TopologyID bson.ObjectID
}

// ServerOpeningEvent reports that a server joined the topology.
type ServerOpeningEvent struct {
	// Address is the server's address.
	Address string
	// TopologyID identifies the topology.
	TopologyID bson.ObjectID
}

// ServerDescriptionChangedEvent reports a change of a server's
// description.
type ServerDescriptionChangedEvent struct {
	// Address is the server's address.
	Address string
	// TopologyID identifies the topology.
	TopologyID bson.ObjectID
	// PreviousDescription is the description before the change (Unknown
	// for a server not checked before).
	PreviousDescription ServerDescription
	// NewDescription is the description after the change.
	NewDescription ServerDescription
}

// ServerClosedEvent reports that a server left the topology.
type ServerClosedEvent struct {
	// Address is the server's address.
	Address string
	// TopologyID identifies the topology.
	TopologyID bson.ObjectID
}

// ServerHeartbeatStartedEvent reports that a server monitor started a
// check.
type ServerHeartbeatStartedEvent struct {
	// Address is the server's address.
	Address string
	// Awaited says the check waits for the server to report a change (the
	// streaming protocol) rather than asking at once.
	Awaited bool
}

// ServerHeartbeatSucceededEvent reports a successful check.
type ServerHeartbeatSucceededEvent struct {
	// Address is the server's address.
	Address string
	// Duration is the time the check took. For an awaited check it
	// includes the wait, and is not a round trip time.
	Duration time.Duration
	// Reply is the server's hello reply. It is valid only during the
	// callback: copy it to keep it.
	Reply bson.Raw
	// Awaited says the check was awaited.
	Awaited bool
}

// ServerHeartbeatFailedEvent reports a failed check.
type ServerHeartbeatFailedEvent struct {
	// Address is the server's address.
	Address string
	// Duration is the time until the check failed.
	Duration time.Duration
	// Failure is the error: a network error, or the reply's error for
	// ok: 0.
	Failure error
	// Awaited says the check was awaited.
	Awaited bool
}
