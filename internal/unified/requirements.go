package unified

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/motor-go/motor/bson"
)

// satisfies reports whether the target meets at least one of reqs (an empty
// list is met), and when it does not, why. The error is for a failure to
// find out, such as a lost connection.
func (t *Target) satisfies(ctx context.Context, reqs []bson.Raw) (bool, string, error) {
	if len(reqs) == 0 {
		return true, "", nil
	}
	var why []string
	for _, r := range reqs {
		ok, reason, err := t.meets(ctx, r)
		if err != nil {
			return false, "", err
		}
		if ok {
			return true, "", nil
		}
		why = append(why, reason)
	}
	return false, strings.Join(why, "; "), nil
}

// meets checks one runOnRequirement.
func (t *Target) meets(ctx context.Context, req bson.Raw) (bool, string, error) {
	for key, v := range req.Elements() {
		switch key {
		case "minServerVersion", "maxServerVersion":
			want, err := parseVersion(v.StringValue())
			if err != nil {
				return false, "", err
			}
			c := t.version.compare(want)
			if key == "minServerVersion" && c < 0 {
				return false, fmt.Sprintf("needs server %s or newer", v.StringValue()), nil
			}
			if key == "maxServerVersion" && c > 0 {
				return false, fmt.Sprintf("needs server %s or older", v.StringValue()), nil
			}
		case "topologies":
			var names []string
			for _, tv := range v.Array().Values() {
				names = append(names, tv.StringValue())
			}
			if !topologyMatches(t.Topology, names) {
				return false, fmt.Sprintf("needs topology %s", strings.Join(names, " or ")), nil
			}
		case "serverless":
			// The runner never runs against Atlas Serverless, whose
			// testing the specification no longer requires.
			if v.StringValue() == "require" {
				return false, "needs Atlas Serverless", nil
			}
		case "auth":
			if want := v.Boolean(); want != t.Auth {
				if want {
					return false, "needs authentication", nil
				}
				return false, "needs authentication off", nil
			}
		case "authMechanism":
			mechs, err := t.parameter(ctx, "authenticationMechanisms")
			if err != nil {
				return false, fmt.Sprintf("needs auth mechanism %s (the server does not report its mechanisms: %v)", v.StringValue(), err), nil
			}
			found := false
			for _, m := range mechs.Array().Values() {
				found = found || strings.EqualFold(m.StringValue(), v.StringValue())
			}
			if !found {
				return false, fmt.Sprintf("needs auth mechanism %s", v.StringValue()), nil
			}
		case "serverParameters":
			for name, want := range v.Document().Elements() {
				got, err := t.parameter(ctx, name)
				if err != nil {
					return false, fmt.Sprintf("needs server parameter %s=%s (the server does not have it: %v)", name, want, err), nil
				}
				if !exactEqual(want, got) {
					return false, fmt.Sprintf("needs server parameter %s=%s (it is %s)", name, want, got), nil
				}
			}
		case "csfle":
			if b, ok := v.BooleanOK(); !ok || b {
				return false, "needs client-side field level encryption, which Motor does not implement", nil
			}
		default:
			return false, "", fmt.Errorf("unified: unknown runOnRequirement %q", key)
		}
	}
	return true, "", nil
}

// topologyMatches applies a requirement's topologies: "sharded" accepts any
// sharded cluster, "sharded-replicaset" only one whose shards are replica
// sets.
func topologyMatches(topology string, names []string) bool {
	if slices.Contains(names, topology) {
		return true
	}
	return topology == "sharded-replicaset" && slices.Contains(names, "sharded")
}
