package topology

import (
	"errors"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

// DefaultPort is the port of an address given without one.
const DefaultPort = "27017"

// A ServerDescription is what the driver knows of one server from its most
// recent check. It is a value: build a new one rather than change one that
// a Description holds, whose slices and maps it may share.
type ServerDescription struct {
	// Addr is the address the driver connects to, normalized by
	// [NormalizeAddr]; not the server's own name for itself (Me).
	Addr string
	// Kind is the server's type.
	Kind ServerType
	// Err is why the server is Unknown: the check's error, a reply with
	// ok: 0, or a rule of the specification. Nil otherwise.
	Err error

	// RTT is the average round trip time, 0 while the server is Unknown.
	RTT time.Duration
	// MinRTT is the minimum of the recent round trip times (0 until two
	// samples exist); see [RTTStats].
	MinRTT time.Duration
	// LastUpdateTime is when the check completed, by the driver's clock.
	LastUpdateTime time.Time
	// LastWriteDate is lastWrite.lastWriteDate of a replica set member: the
	// primary's wall clock at its latest write.
	LastWriteDate time.Time
	// OpTime is lastWrite.opTime, an opaque document, nil when absent.
	OpTime bson.Raw

	// MinWireVersion and MaxWireVersion are the server's wire version range.
	MinWireVersion, MaxWireVersion int32

	// Me is the member's name in its replica set config, lower-cased.
	Me string
	// Hosts, Passives and Arbiters are the members this server knows of,
	// lower-cased, in the order the reply gave them.
	Hosts, Passives, Arbiters []string
	// Tags are the member's tags.
	Tags map[string]string
	// SetName is the replica set name, "" when none.
	SetName string
	// SetVersion is the replica set config version.
	SetVersion Nullable[int64]
	// ElectionID is the election id a primary reports.
	ElectionID Nullable[bson.ObjectID]
	// Primary is who this member believes is primary, lower-cased.
	Primary string
	// SessionTimeoutMinutes is logicalSessionTimeoutMinutes.
	SessionTimeoutMinutes Nullable[int64]
	// TopologyVersion is the server's topologyVersion, from a reply or from
	// a state change error.
	TopologyVersion Nullable[TopologyVersion]
	// ServiceID identifies the service behind a load balancer.
	ServiceID Nullable[bson.ObjectID]
	// IsCryptd reports a mongocryptd.
	IsCryptd bool
	// HelloOK reports that the server supports the hello command.
	HelloOK bool
}

// NewUnknownServer returns the default description of the server at addr:
// type Unknown, with err (which may be nil) as the reason.
func NewUnknownServer(addr string, err error) ServerDescription {
	return ServerDescription{Addr: addr, Kind: ServerUnknown, Err: err}
}

// NewServerDescription builds the description of the server at addr from a
// successful hello (or legacy hello) reply that took rtt (the caller's
// average, see [RTTStats]) and completed at now. A reply without ok: 1 gives
// an Unknown description whose Err is a *mongoerr.ServerError.
//
// The description copies what it keeps: it does not refer to reply.
func NewServerDescription(addr string, reply bson.Raw, rtt time.Duration, now time.Time) ServerDescription {
	sd := ServerDescription{Addr: addr, LastUpdateTime: now}
	if tv, ok := parseTopologyVersion(reply.Lookup("topologyVersion")); ok {
		sd.TopologyVersion = Some(tv)
	}
	if !isOK(reply.Lookup("ok")) {
		sd.Err = mongoerr.NewServerError("hello", reply)
		return sd
	}
	sd.RTT = rtt
	primary, found := reply.Lookup("isWritablePrimary").BooleanOK()
	if !found {
		primary = reply.Lookup("ismaster").Boolean()
	}
	sd.SetName = reply.Lookup("setName").StringValue()
	switch {
	case reply.Lookup("msg").StringValue() == "isdbgrid":
		sd.Kind = Mongos
	case reply.Lookup("isreplicaset").Boolean():
		sd.Kind = RSGhost
	case sd.SetName != "":
		switch {
		case reply.Lookup("hidden").Boolean():
			sd.Kind = RSOther
		case primary:
			sd.Kind = RSPrimary
		case reply.Lookup("secondary").Boolean():
			sd.Kind = RSSecondary
		case reply.Lookup("arbiterOnly").Boolean():
			sd.Kind = RSArbiter
		default:
			sd.Kind = RSOther
		}
	default:
		sd.Kind = Standalone
	}

	sd.MinWireVersion = int32(intValue(reply.Lookup("minWireVersion")))
	sd.MaxWireVersion = int32(intValue(reply.Lookup("maxWireVersion")))
	sd.Me = strings.ToLower(reply.Lookup("me").StringValue())
	sd.Hosts = addrList(reply.Lookup("hosts"))
	sd.Passives = addrList(reply.Lookup("passives"))
	sd.Arbiters = addrList(reply.Lookup("arbiters"))
	sd.Primary = strings.ToLower(reply.Lookup("primary").StringValue())
	if doc, ok := reply.Lookup("tags").DocumentOK(); ok {
		sd.Tags = make(map[string]string)
		for k, v := range doc.Elements() {
			if s, ok := v.StringValueOK(); ok {
				sd.Tags[strings.Clone(k)] = s
			}
		}
	}
	if v, ok := reply.Lookup("setVersion").AsInt64OK(); ok {
		sd.SetVersion = Some(v)
	}
	if id, ok := reply.Lookup("electionId").ObjectIDOK(); ok {
		sd.ElectionID = Some(id)
	}
	if v, ok := reply.Lookup("logicalSessionTimeoutMinutes").AsInt64OK(); ok {
		sd.SessionTimeoutMinutes = Some(v)
	}
	if id, ok := reply.Lookup("serviceId").ObjectIDOK(); ok {
		sd.ServiceID = Some(id)
	}
	if lw, ok := reply.Lookup("lastWrite").DocumentOK(); ok {
		if d, ok := lw.Lookup("lastWriteDate").DateTimeOK(); ok {
			sd.LastWriteDate = d.Time()
		}
		if op, ok := lw.Lookup("opTime").DocumentOK(); ok {
			sd.OpTime = bson.Raw(slices.Clone([]byte(op)))
		}
	}
	sd.IsCryptd = reply.Lookup("iscryptd").Boolean()
	sd.HelloOK = reply.Lookup("helloOk").Boolean()
	return sd
}

// isOK reports whether an ok field says success: a number equal to 1, or true.
func isOK(v bson.RawValue) bool {
	if f, ok := v.AsFloat64OK(); ok {
		return f == 1
	}
	return v.Boolean()
}

// intValue returns a numeric value as an int64, 0 when absent or not a number.
func intValue(v bson.RawValue) int64 {
	i, _ := v.AsInt64OK()
	return i
}

func parseTopologyVersion(v bson.RawValue) (TopologyVersion, bool) {
	doc, ok := v.DocumentOK()
	if !ok {
		return TopologyVersion{}, false
	}
	pid, ok := doc.Lookup("processId").ObjectIDOK()
	if !ok {
		return TopologyVersion{}, false
	}
	counter, ok := doc.Lookup("counter").AsInt64OK()
	if !ok {
		return TopologyVersion{}, false
	}
	return TopologyVersion{ProcessID: pid, Counter: counter}, true
}

func stringList(v bson.RawValue) []string {
	arr, ok := v.ArrayOK()
	if !ok {
		return nil
	}
	var out []string
	for _, el := range arr.Values() {
		if s, ok := el.StringValueOK(); ok {
			out = append(out, s)
		}
	}
	return out
}

func addrList(v bson.RawValue) []string {
	arr, ok := v.ArrayOK()
	if !ok {
		return nil
	}
	var out []string
	for _, el := range arr.Values() {
		if s, ok := el.StringValueOK(); ok && s != "" {
			out = append(out, NormalizeAddr(s))
		}
	}
	return out
}

// NormalizeAddr returns addr lower-cased and with the default port when it
// has none: "A" becomes "a:27017", "[::1]" becomes "[::1]:27017". The path of
// a Unix domain socket (ending in ".sock") is only lower-cased.
func NormalizeAddr(addr string) string {
	addr = strings.ToLower(addr)
	if strings.HasSuffix(addr, ".sock") {
		return addr
	}
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	return net.JoinHostPort(host, DefaultPort)
}

// Available reports whether the server answered its last check: any type
// but Unknown and PossiblePrimary (which has not been checked).
func (sd *ServerDescription) Available() bool {
	return sd.Kind != ServerUnknown && sd.Kind != PossiblePrimary
}

// Equal reports whether sd and other are equal by the SDAM rule used to
// decide whether to publish an event: the fields marked (=) in the
// specification match (error, type, wire versions, me, hosts, passives and
// arbiters as sets, tags, setName, setVersion, electionId, primary,
// logicalSessionTimeoutMinutes, topologyVersion, iscryptd). Round trip
// times and update times do not count.
func (sd *ServerDescription) Equal(other *ServerDescription) bool {
	return sd.Addr == other.Addr &&
		sd.Kind == other.Kind &&
		sameError(sd.Err, other.Err) &&
		sd.MinWireVersion == other.MinWireVersion &&
		sd.MaxWireVersion == other.MaxWireVersion &&
		sd.Me == other.Me &&
		sameSet(sd.Hosts, other.Hosts) &&
		sameSet(sd.Passives, other.Passives) &&
		sameSet(sd.Arbiters, other.Arbiters) &&
		sameTags(sd.Tags, other.Tags) &&
		sd.SetName == other.SetName &&
		sd.SetVersion == other.SetVersion &&
		sd.ElectionID == other.ElectionID &&
		sd.Primary == other.Primary &&
		sd.SessionTimeoutMinutes == other.SessionTimeoutMinutes &&
		sd.TopologyVersion == other.TopologyVersion &&
		sd.IsCryptd == other.IsCryptd
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a == b || errors.Is(a, b) || a.Error() == b.Error()
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			return false
		}
	}
	return true
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// members reports whether addr is among the hosts, passives or arbiters.
func (sd *ServerDescription) members(addr string) bool {
	return slices.Contains(sd.Hosts, addr) || slices.Contains(sd.Passives, addr) || slices.Contains(sd.Arbiters, addr)
}
