package main

import (
	"fmt"
	"strings"

	"github.com/motor-go/motor/bson"
)

// summarizeHello describes a hello reply in a few lines: what the server is
// in its deployment, the wire versions it speaks, its limits, and whether it
// supports sessions.
func summarizeHello(r bson.Raw) []string {
	lines := []string{"role: " + helloRole(r)}
	if hosts := stringList(r.Lookup("hosts")); len(hosts) > 0 {
		lines = append(lines, "replica set hosts: "+strings.Join(hosts, ", "))
	}
	minWire, _ := r.Lookup("minWireVersion").AsInt64OK()
	maxWire, _ := r.Lookup("maxWireVersion").AsInt64OK()
	lines = append(lines, fmt.Sprintf("wire versions %d to %d", minWire, maxWire))

	var limits []string
	for _, k := range []string{"maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize"} {
		if n, ok := r.Lookup(k).AsInt64OK(); ok {
			limits = append(limits, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(limits) > 0 {
		lines = append(lines, "limits: "+strings.Join(limits, ", "))
	}
	if n, ok := r.Lookup("logicalSessionTimeoutMinutes").AsInt64OK(); ok {
		lines = append(lines, fmt.Sprintf("sessions: supported, logicalSessionTimeoutMinutes %d", n))
	} else {
		lines = append(lines, "sessions: not supported (no logicalSessionTimeoutMinutes)")
	}
	if n, ok := r.Lookup("connectionId").AsInt64OK(); ok {
		lines = append(lines, fmt.Sprintf("this connection's id on the server: %d", n))
	}
	return lines
}

// helloRole names the kind of server a hello reply describes, by the rules
// of server discovery: a mongos answers msg "isdbgrid", a replica set member
// names its set, and a server that does neither is a standalone.
func helloRole(r bson.Raw) string {
	setName := r.Lookup("setName").StringValue()
	switch {
	case !r.Lookup("serviceId").IsZero():
		return "behind a load balancer (the reply has a serviceId)"
	case r.Lookup("msg").StringValue() == "isdbgrid":
		return "mongos, the router of a sharded cluster"
	case r.Lookup("isreplicaset").Boolean():
		return "replica set member not yet initiated (RSGhost)"
	case setName == "":
		return "standalone"
	case r.Lookup("isWritablePrimary").Boolean() || r.Lookup("ismaster").Boolean():
		return fmt.Sprintf("primary of replica set %q", setName)
	case r.Lookup("secondary").Boolean():
		return fmt.Sprintf("secondary of replica set %q", setName)
	case r.Lookup("arbiterOnly").Boolean():
		return fmt.Sprintf("arbiter of replica set %q", setName)
	default:
		return fmt.Sprintf("member of replica set %q that is neither primary nor secondary (RSOther)", setName)
	}
}

// stringList returns the strings of an array value, nil for anything else.
func stringList(v bson.RawValue) []string {
	a, ok := v.ArrayOK()
	if !ok {
		return nil
	}
	var out []string
	for _, e := range a.Values() {
		if s, ok := e.StringValueOK(); ok {
			out = append(out, s)
		}
	}
	return out
}
