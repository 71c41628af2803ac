package topology

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

// extJSON converts a JSON value of a spec file (Extended JSON) to BSON.
func extJSON(t testing.TB, data json.RawMessage) bson.Raw {
	t.Helper()
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON(data, &raw); err != nil {
		t.Fatalf("extended JSON %s: %v", data, err)
	}
	return raw
}

// isNull reports a JSON null.
func isNull(data json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(data), []byte("null")) }

// specURI is what the SDAM tests need of a connection string.
type specURI struct {
	hosts        []string
	setName      string
	direct       bool
	loadBalanced bool
}

// parseSpecURI reads the hosts and the topology options of a mongodb://
// URI of the SDAM tests. The motor package parses real connection strings;
// importing it here would make a cycle.
func parseSpecURI(t testing.TB, uri string) specURI {
	t.Helper()
	rest, ok := strings.CutPrefix(uri, "mongodb://")
	if !ok {
		t.Fatalf("unsupported URI %q", uri)
	}
	hostPart, query, _ := strings.Cut(rest, "?")
	hostPart, _, _ = strings.Cut(hostPart, "/")
	var u specURI
	for h := range strings.SplitSeq(hostPart, ",") {
		u.hosts = append(u.hosts, NormalizeAddr(h))
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("URI %q: %v", uri, err)
	}
	for k, v := range values {
		switch strings.ToLower(k) {
		case "replicaset":
			u.setName = v[0]
		case "directconnection":
			u.direct = v[0] == "true"
		case "loadbalanced":
			u.loadBalanced = v[0] == "true"
		default:
			t.Fatalf("URI %q: unexpected option %s", uri, k)
		}
	}
	return u
}
