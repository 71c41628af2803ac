package unified

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in   string
		want version
		bad  bool
	}{
		{in: "4", want: version{4, 0, 0}},
		{in: "4.2", want: version{4, 2, 0}},
		{in: "4.0.10", want: version{4, 0, 10}},
		{in: "4.9.0-alpha4-271-g7d5cf02", want: version{4, 9, 0}},
		{in: "7.0.42.0", want: version{7, 0, 42}},
		{in: "", bad: true},
		{in: "x.1", bad: true},
		{in: "1..2", bad: true},
		{in: "-1", bad: true},
	}
	for _, c := range cases {
		got, err := parseVersion(c.in)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("parseVersion(%q) = %v, %v", c.in, got, err)
		}
	}
	if v := (version{4, 0, 10}); v.compare(version{4, 0, 9}) != 1 || v.compare(version{4, 2, 0}) != -1 || v.compare(v) != 0 {
		t.Errorf("compare is wrong")
	}
	for v, ok := range map[version]bool{{1, 0, 0}: true, {1, 28, 0}: true, {1, 28, 1}: false, {1, 29, 0}: false, {0, 1, 0}: false, {2, 0, 0}: false} {
		if schemaSupported(v) != ok {
			t.Errorf("schemaSupported(%v) = %v", v, !ok)
		}
	}
}

func TestSchemaVersionChecked(t *testing.T) {
	_, err := Parse("x.json", []byte(`{"description": "x", "schemaVersion": "1.29", "tests": [{"description": "t", "operations": []}]}`))
	var se *SchemaVersionError
	if !errors.As(err, &se) {
		t.Errorf("schemaVersion 1.29: %v", err)
	}
	_, err = Parse("x.json", []byte(`{"description": "x", "schemaVersion": "1.28", "tests": [{"description": "t", "operations": []}], "extra": 1}`))
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), `unknown key "extra"`) {
		t.Errorf("an unknown key: %v", err)
	}
	if _, err := Parse("x.json", []byte(`{"description": `)); err == nil {
		t.Errorf("truncated JSON accepted")
	}
}

// fakeTarget is a target that answers getParameter from params.
func fakeTarget(tb testing.TB, v version, topology string, auth bool, params map[string]string) *Target {
	t := &Target{Name: "fake", version: v, Version: v.String(), Topology: topology, Auth: auth, params: map[string]paramResult{}}
	for k, js := range params {
		if js == "" {
			t.params[k] = paramResult{err: errors.New("no such parameter")}
			continue
		}
		var d bson.Raw
		if err := bson.UnmarshalExtJSON([]byte(`{"v": `+js+`}`), &d); err != nil {
			tb.Fatal(err)
		}
		t.params[k] = paramResult{v: d.Lookup("v")}
	}
	return t
}

func TestRunOnRequirements(t *testing.T) {
	rs7 := fakeTarget(t, version{7, 0, 5}, "replicaset", false, map[string]string{
		"requireApiVersion": "false", "enableTestCommands": "1", "authenticationMechanisms": `["SCRAM-SHA-256"]`, "missing": "",
	})
	sharded := fakeTarget(t, version{8, 0, 0}, "sharded-replicaset", true, nil)
	cases := []struct {
		target *Target
		reqs   string
		ok     bool
		why    string
	}{
		{rs7, `[]`, true, ""},
		{rs7, `[{"minServerVersion": "7.0"}]`, true, ""},
		{rs7, `[{"minServerVersion": "7.0.6"}]`, false, "needs server 7.0.6 or newer"},
		{rs7, `[{"maxServerVersion": "7.0.5"}]`, true, ""},
		{rs7, `[{"maxServerVersion": "6.99"}]`, false, "needs server 6.99 or older"},
		{rs7, `[{"topologies": ["single", "replicaset"]}]`, true, ""},
		{rs7, `[{"topologies": ["sharded"]}, {"topologies": ["replicaset"], "minServerVersion": "4.0"}]`, true, ""},
		{rs7, `[{"topologies": ["sharded"]}]`, false, "needs topology sharded"},
		{sharded, `[{"topologies": ["sharded"]}]`, true, ""},
		{sharded, `[{"topologies": ["sharded-replicaset"]}]`, true, ""},
		{rs7, `[{"serverless": "forbid"}]`, true, ""},
		{rs7, `[{"serverless": "require"}]`, false, "needs Atlas Serverless"},
		{rs7, `[{"auth": false}]`, true, ""},
		{rs7, `[{"auth": true}]`, false, "needs authentication"},
		{sharded, `[{"auth": false}]`, false, "needs authentication off"},
		{rs7, `[{"serverParameters": {"requireApiVersion": false, "enableTestCommands": true}}]`, false, "enableTestCommands=true"},
		{rs7, `[{"serverParameters": {"requireApiVersion": false, "enableTestCommands": 1.0}}]`, true, ""},
		{rs7, `[{"serverParameters": {"missing": 1}}]`, false, "the server does not have it"},
		{rs7, `[{"authMechanism": "scram-sha-256"}]`, true, ""},
		{rs7, `[{"authMechanism": "MONGODB-X509"}]`, false, "needs auth mechanism MONGODB-X509"},
		{rs7, `[{"csfle": false}]`, true, ""},
		{rs7, `[{"csfle": true}]`, false, "client-side field level encryption"},
		{rs7, `[{"csfle": {"minLibmongocryptVersion": "1.0"}}]`, false, "client-side field level encryption"},
		{rs7, `[{"minServerVersion": "8.0"}, {"topologies": ["single"]}]`, false, "needs server 8.0 or newer; needs topology single"},
	}
	for _, c := range cases {
		var d bson.Raw
		if err := bson.UnmarshalExtJSON([]byte(`{"r": `+c.reqs+`}`), &d); err != nil {
			t.Fatal(err)
		}
		ok, why, err := c.target.satisfies(context.Background(), docs(d.Lookup("r")))
		if err != nil || ok != c.ok || !strings.Contains(why, c.why) {
			t.Errorf("%s on %s: %v %q %v; want %v %q", c.reqs, c.target.Topology, ok, why, err, c.ok, c.why)
		}
	}
}

func TestURIOptions(t *testing.T) {
	cs, err := parseConnString("mongodb://user:p%40ss@h1:27017,h2/db?appName=x&W=1")
	if err != nil {
		t.Fatal(err)
	}
	var opts bson.Raw
	err = bson.UnmarshalExtJSON([]byte(`{"w": "majority", "retryWrites": false, "heartbeatFrequencyMS": 500,
		"readPreferenceTags": ["dc:ny,rack:1", ""], "authMechanismProperties": {"SERVICE_NAME": "other", "CANONICALIZE_HOST_NAME": true}}`), &opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := applyURIOptions(cs, opts); err != nil {
		t.Fatal(err)
	}
	got := cs.String()
	if !strings.HasPrefix(got, "mongodb://user:p%40ss@h1:27017,h2/db?") {
		t.Errorf("prefix of %s", got)
	}
	q, _ := url.ParseQuery(got[strings.Index(got, "?")+1:])
	want := map[string][]string{
		"appName": {"x"}, "w": {"majority"}, "retryWrites": {"false"}, "heartbeatFrequencyMS": {"500"},
		"readPreferenceTags":      {"dc:ny,rack:1", ""},
		"authMechanismProperties": {"SERVICE_NAME:other,CANONICALIZE_HOST_NAME:true"},
	}
	if len(q) != len(want) {
		t.Errorf("options %v, want %v (W=1 replaced by w)", q, want)
	}
	for k, v := range want {
		if strings.Join(q[k], "|") != strings.Join(v, "|") {
			t.Errorf("%s = %q, want %q", k, q[k], v)
		}
	}
	if err := bson.UnmarshalExtJSON([]byte(`{"appname": {"$$placeholder": 1}}`), &opts); err != nil {
		t.Fatal(err)
	}
	if err := applyURIOptions(cs, opts); err == nil {
		t.Errorf("a placeholder was accepted")
	}
	if _, err := parseConnString("http://x"); err == nil {
		t.Errorf("http URI accepted")
	}
}

func TestSkipListChecks(t *testing.T) {
	f, err := Parse("/specs/s/f.json", []byte(`{"description": "f", "schemaVersion": "1.0", "tests": [
		{"description": "uses fail points", "operations": [{"name": "failPoint", "object": "testRunner", "arguments": {}}]},
		{"description": "nested", "operations": [{"name": "runOnThread", "object": "testRunner", "arguments": {"operation": {"name": "failPoint", "object": "testRunner"}}}]},
		{"description": "plain", "operations": [{"name": "find", "object": "c"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	target := &Target{}
	l := NewSkipList("/specs", []Skip{
		{File: "s/f.json", Test: "uses fail points", Needs: FailPoints, Reason: "r"},
		{File: "s/f.json", Test: "nested", Needs: FailPoints, Reason: "r"},
		{File: "s/f.json", Test: "plain", Needs: FailPoints, Reason: "r"},
		{File: "s/other.json", Test: "*", Needs: FailPoints, Reason: "r"},
	})
	for i, want := range []string{"skip", "skip", "error"} {
		s, err := l.consult(f.Tests[i], target)
		got := "run"
		switch {
		case err != nil:
			got = "error"
		case s != nil:
			got = "skip"
		}
		if got != want {
			t.Errorf("test %d: %s (%v), want %s", i, got, err, want)
		}
	}
	if u := l.Unused([]string{"s/f.json", "s/other.json"}); len(u) != 2 {
		t.Errorf("unused entries %v", u)
	}
	target.FailPoints = true
	if s, _ := l.consult(f.Tests[0], target); s != nil {
		t.Errorf("a fail point entry applied to a server with fail points")
	}
	// On a server with fail points the entry does not skip, but it named a
	// test that uses them: it is not stale.
	fresh := NewSkipList("/specs", []Skip{{File: "s/f.json", Test: "uses fail points", Needs: FailPoints, Reason: "r"}})
	if s, err := fresh.consult(f.Tests[0], target); s != nil || err != nil {
		t.Errorf("consult on a server with fail points: %v, %v", s, err)
	}
	if u := fresh.Unused([]string{"s/f.json"}); len(u) != 0 {
		t.Errorf("an entry for a test run on a server with fail points is reported unused: %v", u)
	}
	rs, err := Parse("/specs/s/rs.json", []byte(`{"description": "f", "schemaVersion": "1.0",
		"runOnRequirements": [{"topologies": ["replicaset"]}], "tests": [{"description": "t", "operations": []}]}`))
	if err != nil {
		t.Fatal(err)
	}
	members := NewSkipList("/specs", []Skip{
		{File: "s/rs.json", Test: "t", Needs: Secondaries, Reason: "r"},
		{File: "s/f.json", Test: "plain", Needs: Secondaries, Reason: "r"},
	})
	for _, c := range []struct {
		members int
		skip    bool
	}{{1, true}, {3, false}} {
		s, err := members.consult(rs.Tests[0], &Target{Topology: "replicaset", Members: c.members})
		if err != nil || (s != nil) != c.skip {
			t.Errorf("secondaries entry on %d member(s): %v, %v", c.members, s, err)
		}
	}
	if _, err := members.consult(f.Tests[2], &Target{Topology: "replicaset", Members: 1}); err == nil {
		t.Errorf("a secondaries entry for a test that does not ask for a replica set was accepted")
	}
	bad := NewSkipList("/specs", []Skip{{File: "s/f.json", Test: "*", Needs: ServerBehavior, Reason: "r", ServerSays: "x"}})
	if _, err := bad.consult(f.Tests[2], target); err == nil {
		t.Errorf("a server behavior entry for a whole file was accepted")
	}
}
