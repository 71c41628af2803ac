package sim

import (
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// isHello reports whether a command is the handshake, under any of its
// names.
func isHello(name string) bool {
	return name == "hello" || name == "isMaster" || name == "ismaster"
}

// helloRequest is what a hello asks for.
type helloRequest struct {
	name         string // hello, isMaster or ismaster
	helloOK      bool
	loadBalanced bool
	compression  []string
	appName      string
	hasClient    bool // carries client metadata
	auth         bool // asks for saslSupportedMechs or speculativeAuthenticate

	awaitable  bool // carries topologyVersion
	processID  bson.ObjectID
	counter    int64
	maxAwait   time.Duration
	hasAwait   bool // carries maxAwaitTimeMS
	awaitError bson.D
}

// parseHello reads a hello command. Errors in the awaitable fields are
// kept in awaitError, the reply to give.
func parseHello(name string, body bson.Raw) helloRequest {
	h := helloRequest{name: name}
	h.helloOK = body.Lookup("helloOk").Boolean()
	h.loadBalanced = body.Lookup("loadBalanced").Boolean()
	if a, ok := body.Lookup("compression").ArrayOK(); ok {
		for _, v := range a.Values() {
			if s, ok := v.StringValueOK(); ok {
				h.compression = append(h.compression, strings.Clone(s))
			}
		}
	}
	if client, ok := body.Lookup("client").DocumentOK(); ok {
		h.hasClient = true
		h.appName = strings.Clone(client.Lookup("application", "name").StringValue())
	}
	h.auth = body.Lookup("saslSupportedMechs").Type != 0 || body.Lookup("speculativeAuthenticate").Type != 0
	tv, hasTV := body.Lookup("topologyVersion").DocumentOK()
	ms := body.Lookup("maxAwaitTimeMS")
	h.hasAwait = ms.Type != 0
	switch {
	case hasTV && !h.hasAwait:
		h.awaitError = errorReply(codeAwaitWithoutMaxAwait, "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'", nil, nil)
	case !hasTV && h.hasAwait:
		h.awaitError = errorReply(codeMaxAwaitWithoutAwait, "A request with 'maxAwaitTimeMS' must include a 'topologyVersion'", nil, nil)
	case hasTV:
		n, ok := ms.AsInt64OK()
		if !ok || n < 0 {
			h.awaitError = errorReply(codeNegativeMaxAwait, "maxAwaitTimeMS must be a non-negative integer", nil, nil)
			break
		}
		h.awaitable = true
		h.maxAwait = time.Duration(min(n, int64(time.Hour/time.Millisecond))) * time.Millisecond
		h.processID = tv.Lookup("processId").ObjectID()
		h.counter, _ = tv.Lookup("counter").AsInt64OK()
	}
	return h
}

// supportedCompressors are the compressors hello offers, in the server's
// order of preference.
var supportedCompressors = []string{"snappy", "zlib", "zstd"}

// negotiate returns the compressors of the client's list that the member
// supports, in the client's order.
func negotiate(client []string) []string {
	var out []string
	for _, c := range client {
		if slices.Contains(supportedCompressors, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// memberState is a snapshot of what a member's hello says.
type memberState struct {
	role       role
	alive      bool
	addr       string
	tags       map[string]string
	maxWire    int32
	lag        time.Duration
	processID  bson.ObjectID
	counter    int64
	changed    <-chan struct{}
	serviceID  bson.ObjectID
	hosts      []string
	arbiters   []string
	primary    string
	setName    string
	setVersion int64
	term       int64
	kind       kind
	lb         bool
}

// snapshot reads the member's state under the cluster's lock.
func (m *member) snapshot() memberState {
	c := m.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s := memberState{
		role: m.role, alive: m.alive, addr: m.addr, tags: m.tags, maxWire: m.maxWire, lag: m.lag,
		processID: m.processID, counter: m.counter, changed: m.changed, serviceID: m.serviceID,
		setName: c.setName, setVersion: c.setVersion, term: c.term, kind: c.kind, lb: c.loadBalanced,
	}
	if c.kind == kindReplicaSet {
		for _, o := range c.members {
			if o.role == roleArbiter {
				s.arbiters = append(s.arbiters, o.addr)
			} else {
				s.hosts = append(s.hosts, o.addr)
			}
		}
		if c.primary >= 0 {
			s.primary = c.members[c.primary].addr
		}
	}
	return s
}

// topologyVersion returns the topologyVersion document of a state.
func (s *memberState) topologyVersion() bson.D {
	return bson.D{{Key: "processId", Value: s.processID}, {Key: "counter", Value: s.counter}}
}

// electionID derives a replica set's electionId from the term, as mongod
// does since 6.0: the largest timestamp, then the term, so that it grows
// with every election.
func electionID(term int64) bson.ObjectID {
	var id bson.ObjectID
	binary.BigEndian.PutUint32(id[0:4], 0x7fffffff)
	binary.BigEndian.PutUint64(id[4:12], uint64(term))
	return id
}

// helloReply builds the reply to h for a member in state s, on connection
// connID, with the compressors negotiated on the connection and whether the
// reply carries the serviceId.
func helloReply(h *helloRequest, s *memberState, connID int32, compression []string, serviceID bool) bson.D {
	writable := s.role == rolePrimary || s.role == roleMongos
	d := make(bson.D, 0, 32)
	if h.name == "hello" {
		d = append(d, bson.E{Key: "isWritablePrimary", Value: writable})
	} else {
		d = append(d, bson.E{Key: "ismaster", Value: writable})
	}
	if h.helloOK {
		d = append(d, bson.E{Key: "helloOk", Value: true})
	}
	d = append(d, bson.E{Key: "topologyVersion", Value: s.topologyVersion()})
	now := time.Now()
	switch s.kind {
	case kindStandalone:
		// A standalone mongod: neither msg nor any replica set field.
	case kindSharded:
		d = append(d, bson.E{Key: "msg", Value: "isdbgrid"})
	default:
		d = append(d, bson.E{Key: "hosts", Value: s.hosts})
		if len(s.arbiters) > 0 {
			d = append(d, bson.E{Key: "arbiters", Value: s.arbiters})
		}
		d = append(d,
			bson.E{Key: "setName", Value: s.setName},
			bson.E{Key: "setVersion", Value: int32(s.setVersion)},
			bson.E{Key: "secondary", Value: s.role == roleSecondary},
		)
		if s.role == roleArbiter {
			d = append(d, bson.E{Key: "arbiterOnly", Value: true})
		}
		if s.primary != "" {
			d = append(d, bson.E{Key: "primary", Value: s.primary})
		}
		d = append(d, bson.E{Key: "me", Value: s.addr})
		if s.role == rolePrimary {
			d = append(d, bson.E{Key: "electionId", Value: electionID(s.term)})
		}
		if s.role != roleArbiter {
			d = append(d, bson.E{Key: "lastWrite", Value: lastWrite(now.Add(-s.lag), s.term)})
		}
		if len(s.tags) > 0 {
			tags := bson.D{}
			for _, k := range slices.Sorted(maps.Keys(s.tags)) {
				tags = append(tags, bson.E{Key: k, Value: s.tags[k]})
			}
			d = append(d, bson.E{Key: "tags", Value: tags})
		}
	}
	d = append(d,
		bson.E{Key: "maxBsonObjectSize", Value: int32(maxBSONObjectSize)},
		bson.E{Key: "maxMessageSizeBytes", Value: int32(maxMessageSizeBytes)},
		bson.E{Key: "maxWriteBatchSize", Value: int32(maxWriteBatchSize)},
		bson.E{Key: "localTime", Value: bson.NewDateTimeFromTime(now)},
		bson.E{Key: "logicalSessionTimeoutMinutes", Value: int32(logicalSessionTimeoutMinutes)},
		bson.E{Key: "connectionId", Value: connID},
		bson.E{Key: "minWireVersion", Value: int32(0)},
		bson.E{Key: "maxWireVersion", Value: s.maxWire},
		bson.E{Key: "readOnly", Value: false},
	)
	if len(compression) > 0 {
		d = append(d, bson.E{Key: "compression", Value: compression})
	}
	if serviceID {
		d = append(d, bson.E{Key: "serviceId", Value: s.serviceID})
	}
	return append(d, bson.E{Key: "ok", Value: 1.0})
}

// lastWrite returns a lastWrite document for a write at t: the set is
// always busy, so the primary's last write is now and a secondary's is as
// old as its lag.
func lastWrite(t time.Time, term int64) bson.D {
	op := bson.D{
		{Key: "ts", Value: bson.Timestamp{T: uint32(t.Unix()), I: uint32(t.Nanosecond()/1000) + 1}},
		{Key: "t", Value: term},
	}
	date := bson.NewDateTimeFromTime(t)
	return bson.D{
		{Key: "opTime", Value: op},
		{Key: "lastWriteDate", Value: date},
		{Key: "majorityOpTime", Value: op},
		{Key: "majorityWriteDate", Value: date},
	}
}

// await waits, for an awaitable hello, until the member's state differs
// from the topologyVersion h carries, maxAwaitTimeMS passes or the
// connection closes; it returns the state to reply with and false if the
// connection closed.
func (cn *conn) await(h *helloRequest) (memberState, bool) {
	s := cn.m.snapshot()
	if !h.awaitable || s.processID != h.processID || s.counter != h.counter {
		return s, true
	}
	t := time.NewTimer(h.maxAwait)
	defer t.Stop()
	select {
	case <-s.changed:
		return cn.m.snapshot(), true
	case <-t.C:
		return cn.m.snapshot(), true
	case <-cn.done:
		return s, false
	}
}

// serveHello answers a hello, and keeps answering while the client allows
// an exhaust stream of awaitable hellos. The fail point is evaluated again
// before each streamed reply, as mongod runs the command again for each.
func (cn *conn) serveHello(req *request) error {
	h := parseHello(req.name, req.msg.Body)
	if h.awaitError != nil {
		return cn.replyDoc(req, h.awaitError, 0)
	}
	if h.compression != nil {
		cn.compression = negotiate(h.compression)
	}
	var extra bson.D
	if h.auth {
		var err error
		if extra, err = cn.backendHelloAuth(req); err != nil {
			return err
		}
	}
	for {
		s, ok := cn.await(&h)
		if !ok {
			return errConnClosed
		}
		serviceID := false
		if s.lb && !cn.didHello {
			if !h.loadBalanced {
				return cn.replyDoc(req, errorReply(codeLoadBalancerSupportMismatch,
					"The server is being accessed through a load balancer, but this driver does not have load balancing enabled", nil, nil), 0)
			}
			serviceID = true
		}
		cn.didHello = true
		var compression []string
		if h.compression != nil {
			compression = cn.compression
		}
		d := helloReply(&h, &s, cn.id, compression, serviceID)
		if len(extra) > 0 {
			d = append(d[:len(d)-1], append(extra, d[len(d)-1])...)
		}
		stream := h.awaitable && req.flags&wire.ExhaustAllowed != 0 && req.flags&wire.MoreToCome == 0
		var flags wire.MsgFlags
		if stream {
			flags = wire.MoreToCome
		}
		if err := cn.replyDoc(req, d, flags); err != nil || !stream {
			return err
		}
		h.processID, h.counter = s.processID, s.counter
		extra = nil
		if done, err := cn.preCommand(req); done || err != nil {
			return err
		}
	}
}
