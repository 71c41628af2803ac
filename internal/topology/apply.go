package topology

import (
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// Errors that the SDAM rules put into the description of a server they mark
// Unknown. They are compared with errors.Is.
var (
	// ErrStalePrimary: a primary reported an (electionId, setVersion) older
	// than one seen before. The description's error is a *StalePrimaryError
	// that wraps it.
	ErrStalePrimary = errors.New("primary marked stale due to electionId/setVersion mismatch")
	// ErrNewerPrimary: another server has become primary.
	ErrNewerPrimary = errors.New("primary marked stale due to discovery of newer primary")
	// ErrWrongSetName: a directly connected server is not a member of the
	// required replica set.
	ErrWrongSetName = errors.New("server is not a member of the required replica set")
)

// A StalePrimaryError says which (electionId, setVersion) made a primary
// stale, and the greatest one seen before.
type StalePrimaryError struct {
	ElectionID, MaxElectionID string // hex, or "null"
	SetVersion, MaxSetVersion string // decimal, or "null"
}

func (e *StalePrimaryError) Error() string {
	return fmt.Sprintf("%v, (electionId %s, setVersion %s) is stale compared to (electionId %s, setVersion %s)",
		ErrStalePrimary, e.ElectionID, e.SetVersion, e.MaxElectionID, e.MaxSetVersion)
}

// Unwrap returns ErrStalePrimary.
func (e *StalePrimaryError) Unwrap() error { return ErrStalePrimary }

// Apply returns the description that follows d once the server description
// sd, the outcome of a check, is known: the state machine of the SDAM
// specification ("Updating the TopologyDescription").
//
// A description of a server that is not in d, or whose topologyVersion is
// older than the one d holds, leaves d as it is. Otherwise sd replaces the
// server's description even when equal to it, and the rules of d's topology
// type run: they may add servers, remove them (sd's among them), mark
// others Unknown or PossiblePrimary, and change the type and the set name.
func Apply(d Description, sd ServerDescription) Description {
	cur, ok := d.Server(sd.Addr)
	if !ok || CompareTopologyVersion(cur.TopologyVersion, sd.TopologyVersion) > 0 {
		return d
	}
	n := d.clone()
	n.set(sd)
	switch n.Kind {
	case Single:
		if n.SetName != "" && sd.Available() && sd.SetName != n.SetName {
			n.set(NewUnknownServer(sd.Addr, fmt.Errorf("%w: required %q, server has %q", ErrWrongSetName, n.SetName, sd.SetName)))
		}
	case LoadBalanced:
		// The load balancer is never checked; nothing to do.
	case TopologyUnknown:
		switch sd.Kind {
		case Standalone:
			if n.singleSeed {
				n.Kind = Single
			} else {
				n.remove(sd.Addr)
			}
		case Mongos:
			n.Kind = Sharded
		case RSPrimary:
			n.Kind = ReplicaSetWithPrimary
			n.updateFromPrimary(sd)
		case RSSecondary, RSArbiter, RSOther:
			n.Kind = ReplicaSetNoPrimary
			n.updateWithoutPrimary(sd)
		}
	case Sharded:
		switch sd.Kind {
		case ServerUnknown, Mongos:
		default:
			n.remove(sd.Addr)
		}
	case ReplicaSetNoPrimary:
		switch sd.Kind {
		case Standalone, Mongos:
			n.remove(sd.Addr)
		case RSPrimary:
			n.Kind = ReplicaSetWithPrimary
			n.updateFromPrimary(sd)
		case RSSecondary, RSArbiter, RSOther:
			n.updateWithoutPrimary(sd)
		}
	case ReplicaSetWithPrimary:
		switch sd.Kind {
		case Standalone, Mongos:
			n.remove(sd.Addr)
			n.checkIfHasPrimary()
		case RSPrimary:
			n.updateFromPrimary(sd)
		case RSSecondary, RSArbiter, RSOther:
			n.updateWithPrimaryFromMember(sd)
		default:
			n.checkIfHasPrimary()
		}
	}
	n.finish()
	return n
}

// updateWithoutPrimary is updateRSWithoutPrimary: a member other than the
// primary answered while no primary is known. Here and below, a reply
// without "me" is taken to come from the address checked.
func (d *Description) updateWithoutPrimary(sd ServerDescription) {
	if d.SetName == "" {
		d.SetName = sd.SetName
	} else if d.SetName != sd.SetName {
		d.remove(sd.Addr)
		return
	}
	d.addMembers(&sd)
	d.markPossiblePrimary(sd.Primary)
	if sd.Me != "" && sd.Addr != sd.Me {
		d.remove(sd.Addr)
	}
}

// updateWithPrimaryFromMember is updateRSWithPrimaryFromMember: a member
// other than the primary answered while a primary is known.
func (d *Description) updateWithPrimaryFromMember(sd ServerDescription) {
	if d.SetName != sd.SetName || (sd.Me != "" && sd.Addr != sd.Me) {
		d.remove(sd.Addr)
		d.checkIfHasPrimary()
		return
	}
	if !d.hasPrimary() {
		d.Kind = ReplicaSetNoPrimary
		d.markPossiblePrimary(sd.Primary)
	}
}

// updateFromPrimary is updateRSFromPrimary: a primary answered.
func (d *Description) updateFromPrimary(sd ServerDescription) {
	if d.SetName == "" {
		d.SetName = sd.SetName
	} else if d.SetName != sd.SetName {
		d.remove(sd.Addr)
		d.checkIfHasPrimary()
		return
	}

	if !d.acceptPrimary(&sd) {
		d.set(NewUnknownServer(sd.Addr, &StalePrimaryError{
			ElectionID: nullID(sd.ElectionID), MaxElectionID: nullID(d.MaxElectionID),
			SetVersion: nullInt(sd.SetVersion), MaxSetVersion: nullInt(d.MaxSetVersion),
		}))
		d.checkIfHasPrimary()
		return
	}

	for i := range d.Servers {
		if d.Servers[i].Addr != sd.Addr && d.Servers[i].Kind == RSPrimary {
			d.Servers[i] = NewUnknownServer(d.Servers[i].Addr, ErrNewerPrimary)
		}
	}
	d.addMembers(&sd)
	for _, addr := range d.Addrs() {
		if !sd.members(addr) {
			d.remove(addr)
		}
	}
	d.checkIfHasPrimary()
}

// acceptPrimary compares the primary's (electionId, setVersion) with the
// greatest seen, records it when it is not older, and reports whether it
// is not older. From wire version 17 (MongoDB 6.0) the electionId comes
// first and null is below any value; before, the setVersion comes first
// and only a primary reporting both can be stale.
func (d *Description) acceptPrimary(sd *ServerDescription) bool {
	if sd.MaxWireVersion >= 17 {
		c := compareObjectID(sd.ElectionID, d.MaxElectionID)
		if c > 0 || (c == 0 && compareInt(sd.SetVersion, d.MaxSetVersion) >= 0) {
			d.MaxElectionID, d.MaxSetVersion = sd.ElectionID, sd.SetVersion
			return true
		}
		return false
	}
	if sd.SetVersion.Valid && sd.ElectionID.Valid {
		if d.MaxSetVersion.Valid && d.MaxElectionID.Valid &&
			(d.MaxSetVersion.V > sd.SetVersion.V ||
				(d.MaxSetVersion.V == sd.SetVersion.V && compareObjectID(d.MaxElectionID, sd.ElectionID) > 0)) {
			return false
		}
		d.MaxElectionID = sd.ElectionID
	}
	if sd.SetVersion.Valid && (!d.MaxSetVersion.Valid || sd.SetVersion.V > d.MaxSetVersion.V) {
		d.MaxSetVersion = sd.SetVersion
	}
	return true
}

// addMembers adds as Unknown the hosts, passives and arbiters that sd
// names and d lacks.
func (d *Description) addMembers(sd *ServerDescription) {
	for _, list := range [][]string{sd.Hosts, sd.Passives, sd.Arbiters} {
		for _, addr := range list {
			if _, found := d.find(addr); !found {
				d.set(NewUnknownServer(addr, nil))
			}
		}
	}
}

// markPossiblePrimary marks the server at addr PossiblePrimary if it is
// Unknown.
func (d *Description) markPossiblePrimary(addr string) {
	if addr == "" {
		return
	}
	if i, ok := d.find(addr); ok && d.Servers[i].Kind == ServerUnknown {
		d.Servers[i] = ServerDescription{Addr: addr, Kind: PossiblePrimary}
	}
}

func (d *Description) hasPrimary() bool {
	for i := range d.Servers {
		if d.Servers[i].Kind == RSPrimary {
			return true
		}
	}
	return false
}

// checkIfHasPrimary sets the type to ReplicaSetWithPrimary or
// ReplicaSetNoPrimary, whichever is true.
func (d *Description) checkIfHasPrimary() {
	if d.hasPrimary() {
		d.Kind = ReplicaSetWithPrimary
	} else {
		d.Kind = ReplicaSetNoPrimary
	}
}

func nullID(v Nullable[bson.ObjectID]) string {
	if !v.Valid {
		return "null"
	}
	return v.V.Hex()
}

func nullInt(v Nullable[int64]) string {
	if !v.Valid {
		return "null"
	}
	return fmt.Sprint(v.V)
}
