package unified

import (
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
)

// poolMonitor returns the monitor of CMAP events for the client. It also
// counts the connections checked out (assertNumberConnectionsCheckedOut)
// and established (awaitMinPoolSizeMS), whatever the client observes.
func (l *eventLog) poolMonitor() *event.PoolMonitor {
	cmap := func(kind, name string, e *observedEvent, fields bson.D) {
		l.store(name, append(bson.D{{Key: "address", Value: e.address}}, fields...))
		e.kind = kind
		l.mu.Lock()
		defer l.mu.Unlock()
		switch kind {
		case "connectionCheckedOutEvent":
			l.checkedOut++
		case "connectionCheckedInEvent":
			l.checkedOut--
		case "connectionReadyEvent":
			l.pooled[e.address]++
		case "connectionClosedEvent":
			// A connection closed before it was ready was never counted;
			// the count cannot tell, so it is floored at zero.
			if l.pooled[e.address] > 0 {
				l.pooled[e.address]--
			}
		}
		l.record(e)
	}
	id := func(n int64) bson.D { return bson.D{{Key: "connectionId", Value: n}} }
	return &event.PoolMonitor{
		PoolCreated: func(e event.PoolCreatedEvent) {
			cmap("poolCreatedEvent", "PoolCreatedEvent", &observedEvent{address: e.Address}, nil)
		},
		PoolReady: func(e event.PoolReadyEvent) {
			cmap("poolReadyEvent", "PoolReadyEvent", &observedEvent{address: e.Address}, nil)
		},
		PoolCleared: func(e event.PoolClearedEvent) {
			cmap("poolClearedEvent", "PoolClearedEvent", &observedEvent{address: e.Address, serviceID: e.ServiceID,
				interruptInUse: e.InterruptInUseConnections},
				bson.D{{Key: "interruptInUseConnections", Value: e.InterruptInUseConnections}})
		},
		PoolClosed: func(e event.PoolClosedEvent) {
			cmap("poolClosedEvent", "PoolClosedEvent", &observedEvent{address: e.Address}, nil)
		},
		ConnectionCreated: func(e event.ConnectionCreatedEvent) {
			cmap("connectionCreatedEvent", "ConnectionCreatedEvent", &observedEvent{address: e.Address, connectionID: e.ConnectionID}, id(e.ConnectionID))
		},
		ConnectionReady: func(e event.ConnectionReadyEvent) {
			cmap("connectionReadyEvent", "ConnectionReadyEvent", &observedEvent{address: e.Address, connectionID: e.ConnectionID}, id(e.ConnectionID))
		},
		ConnectionClosed: func(e event.ConnectionClosedEvent) {
			cmap("connectionClosedEvent", "ConnectionClosedEvent", &observedEvent{address: e.Address, connectionID: e.ConnectionID, reason: string(e.Reason)},
				append(id(e.ConnectionID), bson.E{Key: "reason", Value: string(e.Reason)}))
		},
		ConnectionCheckOutStarted: func(e event.ConnectionCheckOutStartedEvent) {
			cmap("connectionCheckOutStartedEvent", "ConnectionCheckOutStartedEvent", &observedEvent{address: e.Address}, nil)
		},
		ConnectionCheckOutFailed: func(e event.ConnectionCheckOutFailedEvent) {
			cmap("connectionCheckOutFailedEvent", "ConnectionCheckOutFailedEvent", &observedEvent{address: e.Address, reason: string(e.Reason)},
				bson.D{{Key: "reason", Value: string(e.Reason)}})
		},
		ConnectionCheckedOut: func(e event.ConnectionCheckedOutEvent) {
			cmap("connectionCheckedOutEvent", "ConnectionCheckedOutEvent", &observedEvent{address: e.Address, connectionID: e.ConnectionID}, id(e.ConnectionID))
		},
		ConnectionCheckedIn: func(e event.ConnectionCheckedInEvent) {
			cmap("connectionCheckedInEvent", "ConnectionCheckedInEvent", &observedEvent{address: e.Address, connectionID: e.ConnectionID}, id(e.ConnectionID))
		},
	}
}

// serverMonitor returns the monitor of SDAM events for the client. It also
// keeps the latest topology description, for recordTopologyDescription and
// waitForPrimaryChange.
func (l *eventLog) serverMonitor() *event.ServerMonitor {
	sdam := func(name string, e *observedEvent, fields bson.D) {
		if name != "" {
			l.store(name, fields)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.record(e)
	}
	return &event.ServerMonitor{
		TopologyOpening: func(event.TopologyOpeningEvent) {
			sdam("", &observedEvent{kind: "topologyOpeningEvent"}, nil)
		},
		TopologyDescriptionChanged: func(e event.TopologyDescriptionChangedEvent) {
			l.mu.Lock()
			d := e.NewDescription
			l.topology = &d
			l.mu.Unlock()
			sdam("TopologyDescriptionChangedEvent", &observedEvent{kind: "topologyDescriptionChangedEvent",
				previousType: string(e.PreviousDescription.Type), newType: string(e.NewDescription.Type)},
				bson.D{{Key: "previousDescription", Value: bson.D{{Key: "type", Value: string(e.PreviousDescription.Type)}}},
					{Key: "newDescription", Value: bson.D{{Key: "type", Value: string(e.NewDescription.Type)}}}})
		},
		TopologyClosed: func(event.TopologyClosedEvent) {
			sdam("", &observedEvent{kind: "topologyClosedEvent"}, nil)
		},
		ServerDescriptionChanged: func(e event.ServerDescriptionChangedEvent) {
			sdam("ServerDescriptionChangedEvent", &observedEvent{kind: "serverDescriptionChangedEvent", address: e.Address,
				previousType: string(e.PreviousDescription.Type), newType: string(e.NewDescription.Type)},
				bson.D{{Key: "address", Value: e.Address},
					{Key: "previousDescription", Value: bson.D{{Key: "type", Value: string(e.PreviousDescription.Type)}}},
					{Key: "newDescription", Value: bson.D{{Key: "type", Value: string(e.NewDescription.Type)}}}})
		},
		ServerHeartbeatStarted: func(e event.ServerHeartbeatStartedEvent) {
			sdam("", &observedEvent{kind: "serverHeartbeatStartedEvent", address: e.Address, awaited: e.Awaited}, nil)
		},
		ServerHeartbeatSucceeded: func(e event.ServerHeartbeatSucceededEvent) {
			sdam("", &observedEvent{kind: "serverHeartbeatSucceededEvent", address: e.Address, awaited: e.Awaited}, nil)
		},
		ServerHeartbeatFailed: func(e event.ServerHeartbeatFailedEvent) {
			sdam("", &observedEvent{kind: "serverHeartbeatFailedEvent", address: e.Address, awaited: e.Awaited, failure: e.Failure}, nil)
		},
	}
}

// checkedOutCount returns the number of connections checked out now.
func (l *eventLog) checkedOutCount() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkedOut
}

// latestTopology returns the latest topology description, if any.
func (l *eventLog) latestTopology() (event.TopologyDescription, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.topology == nil {
		return event.TopologyDescription{}, false
	}
	return *l.topology, true
}
