package topology

import (
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/logger"
)

// EventServer returns the public snapshot of a server description.
func EventServer(sd *ServerDescription) event.ServerDescription {
	return event.ServerDescription{
		Address:                      sd.Addr,
		Type:                         event.ServerType(sd.Kind.String()),
		Error:                        sd.Err,
		RoundTripTime:                sd.RTT,
		MinRoundTripTime:             sd.MinRTT,
		LastUpdateTime:               sd.LastUpdateTime,
		LastWriteDate:                sd.LastWriteDate,
		MinWireVersion:               sd.MinWireVersion,
		MaxWireVersion:               sd.MaxWireVersion,
		Me:                           sd.Me,
		Hosts:                        slices.Clone(sd.Hosts),
		Passives:                     slices.Clone(sd.Passives),
		Arbiters:                     slices.Clone(sd.Arbiters),
		Tags:                         maps.Clone(sd.Tags),
		SetName:                      sd.SetName,
		SetVersion:                   ptr(sd.SetVersion),
		ElectionID:                   ptr(sd.ElectionID),
		Primary:                      sd.Primary,
		LogicalSessionTimeoutMinutes: ptr(sd.SessionTimeoutMinutes),
		TopologyVersion:              eventTopologyVersion(sd.TopologyVersion),
		ServiceID:                    ptr(sd.ServiceID),
	}
}

// EventTopology returns the public snapshot of a topology description.
func EventTopology(d *Description) event.TopologyDescription {
	out := event.TopologyDescription{
		Type:                         event.TopologyType(d.Kind.String()),
		SetName:                      d.SetName,
		MaxSetVersion:                ptr(d.MaxSetVersion),
		MaxElectionID:                ptr(d.MaxElectionID),
		CompatibilityError:           d.CompatibilityErr,
		LogicalSessionTimeoutMinutes: ptr(d.SessionTimeoutMinutes),
	}
	if len(d.Servers) > 0 {
		out.Servers = make([]event.ServerDescription, len(d.Servers))
		for i := range d.Servers {
			out.Servers[i] = EventServer(&d.Servers[i])
		}
	}
	return out
}

func ptr[T comparable](n Nullable[T]) *T {
	if !n.Valid {
		return nil
	}
	v := n.V
	return &v
}

func eventTopologyVersion(tv Nullable[TopologyVersion]) *event.TopologyVersion {
	if !tv.Valid {
		return nil
	}
	return &event.TopologyVersion{ProcessID: tv.V.ProcessID, Counter: tv.V.Counter}
}

// A Change lists how one description differs from the one before it.
type Change struct {
	// Changed are the servers in both whose descriptions are not equal, the
	// one that caused the change first. A server that only went from
	// Unknown to PossiblePrimary is not listed: nothing checked it.
	Changed []ServerChange
	// Added and Removed are the addresses that joined and left, sorted.
	Added, Removed []string
	// Topology reports that the descriptions are not equal.
	Topology bool
}

// A ServerChange is a server's description before and after a change.
type ServerChange struct {
	Old, New *ServerDescription // before and after
}

// Diff compares old with new, the description that followed it because
// of news about the server at cause ("" for none).
func Diff(old, new *Description, cause string) Change {
	var c Change
	for i := range new.Servers {
		n := &new.Servers[i]
		j, found := old.find(n.Addr)
		if !found {
			c.Added = append(c.Added, n.Addr)
			continue
		}
		o := &old.Servers[j]
		if o.Equal(n) || (o.Kind == ServerUnknown && n.Kind == PossiblePrimary) {
			continue
		}
		if n.Addr == cause {
			c.Changed = slices.Insert(c.Changed, 0, ServerChange{Old: o, New: n})
		} else {
			c.Changed = append(c.Changed, ServerChange{Old: o, New: n})
		}
	}
	for i := range old.Servers {
		if _, found := new.find(old.Servers[i].Addr); !found {
			c.Removed = append(c.Removed, old.Servers[i].Addr)
		}
	}
	c.Topology = !old.Equal(new)
	return c
}

// events queues the SDAM events of a change, in the order of the
// specification's tests: the servers' description changes, the closing of
// removed servers, the topology's change, then the opening of added ones.
func (t *Topology) events(old, new *Description, c *Change) {
	m := t.mon
	logging := t.logging()
	if m == nil && !logging {
		return
	}
	if m == nil {
		m = &event.ServerMonitor{}
	}
	id := t.id
	if m.ServerDescriptionChanged != nil {
		for _, sc := range c.Changed {
			e := event.ServerDescriptionChangedEvent{
				Address: sc.New.Addr, TopologyID: id,
				PreviousDescription: EventServer(sc.Old), NewDescription: EventServer(sc.New),
			}
			t.enqueue(func() { m.ServerDescriptionChanged(e) })
		}
	}
	for _, addr := range c.Removed {
		if logging {
			t.enqueue(func() { t.logServer("Stopped server monitoring", id, addr) })
		}
		if m.ServerClosed != nil {
			e := event.ServerClosedEvent{Address: addr, TopologyID: id}
			t.enqueue(func() { m.ServerClosed(e) })
		}
	}
	if c.Topology {
		if logging {
			t.enqueue(t.logChanged(id, old, new))
		}
		if m.TopologyDescriptionChanged != nil {
			e := event.TopologyDescriptionChangedEvent{
				TopologyID: id, PreviousDescription: EventTopology(old), NewDescription: EventTopology(new),
			}
			t.enqueue(func() { m.TopologyDescriptionChanged(e) })
		}
	}
	for _, addr := range c.Added {
		if logging {
			t.enqueue(func() { t.logServer("Starting server monitoring", id, addr) })
		}
		if m.ServerOpening != nil {
			e := event.ServerOpeningEvent{Address: addr, TopologyID: id}
			t.enqueue(func() { m.ServerOpening(e) })
		}
	}
}

// enqueue adds a callback to the queue of events, to run in order, outside
// the topology's lock, by [Topology.drain].
func (t *Topology) enqueue(fn func()) {
	t.qmu.Lock()
	t.queue = append(t.queue, fn)
	t.qmu.Unlock()
}

// drain runs the queued callbacks unless another goroutine is already
// doing so (it then runs these too, in order). Callbacks run with no lock
// held, so that one may call back into the topology.
func (t *Topology) drain() {
	t.qmu.Lock()
	if t.draining {
		t.qmu.Unlock()
		return
	}
	t.draining = true
	for len(t.queue) > 0 {
		fns := t.queue
		t.queue = nil
		t.qmu.Unlock()
		for _, fn := range fns {
			fn()
		}
		t.qmu.Lock()
	}
	t.draining = false
	t.qmu.Unlock()
}

// HeartbeatConn identifies the monitoring connection of a check in the
// heartbeat log messages: the driver's ID for it, and the server's, 0 when
// not known yet.
type HeartbeatConn struct {
	DriverID, ServerID int64
}

// HeartbeatStarted reports that the monitor of the server at addr started
// a check on the connection hc.
func (t *Topology) HeartbeatStarted(addr string, hc HeartbeatConn, awaited bool) {
	logging := t.logging()
	if logging {
		id := t.id
		t.enqueue(func() { t.logHeartbeat("Server heartbeat started", id, addr, hc, awaited) })
	}
	if t.mon != nil && t.mon.ServerHeartbeatStarted != nil {
		e := event.ServerHeartbeatStartedEvent{Address: addr, Awaited: awaited}
		t.enqueue(func() { t.mon.ServerHeartbeatStarted(e) })
	} else if !logging {
		return
	}
	t.drain()
}

// HeartbeatSucceeded reports a successful check that took d and returned
// reply, which the event gets a copy of.
func (t *Topology) HeartbeatSucceeded(addr string, hc HeartbeatConn, d time.Duration, reply bson.Raw, awaited bool) {
	logging := t.logging()
	if logging {
		id, doc := t.id, t.log.Document(reply)
		t.enqueue(func() {
			t.logHeartbeat("Server heartbeat succeeded", id, addr, hc, awaited, logger.Duration(d), slog.String("reply", doc))
		})
	}
	if t.mon != nil && t.mon.ServerHeartbeatSucceeded != nil {
		e := event.ServerHeartbeatSucceededEvent{Address: addr, Duration: d, Reply: bson.Raw(slices.Clone([]byte(reply))), Awaited: awaited}
		t.enqueue(func() { t.mon.ServerHeartbeatSucceeded(e) })
	} else if !logging {
		return
	}
	t.drain()
}

// HeartbeatFailed reports a check that failed with err after d.
func (t *Topology) HeartbeatFailed(addr string, hc HeartbeatConn, d time.Duration, err error, awaited bool) {
	logging := t.logging()
	if logging {
		id := t.id
		t.enqueue(func() {
			t.logHeartbeat("Server heartbeat failed", id, addr, hc, awaited, logger.Duration(d), slog.String("failure", t.log.Failure(err)))
		})
	}
	if t.mon != nil && t.mon.ServerHeartbeatFailed != nil {
		e := event.ServerHeartbeatFailedEvent{Address: addr, Duration: d, Failure: err, Awaited: awaited}
		t.enqueue(func() { t.mon.ServerHeartbeatFailed(e) })
	} else if !logging {
		return
	}
	t.drain()
}
