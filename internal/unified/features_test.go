package unified

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
)

// The runner features that the specification's files do not exercise
// against the test server (threads, loops, stored events, topology
// descriptions, the index and collection assertions...), in test files of
// our own.

// fileWith returns a unified test file with the standard entities (client0
// observing command started events, database0 "unified-features",
// collection0 "coll0" holding {_id: 1}) around the tests given as JSON.
func fileWith(client, tests string) string {
	if client == "" {
		client = `"observeEvents": ["commandStartedEvent"]`
	}
	return `{
  "description": "runner features",
  "schemaVersion": "1.28",
  "createEntities": [
    {"client": {"id": "client0", ` + client + `}},
    {"database": {"id": "database0", "client": "client0", "databaseName": "unified-features"}},
    {"collection": {"id": "collection0", "database": "database0", "collectionName": "coll0"}}
  ],
  "initialData": [{"collectionName": "coll0", "databaseName": "unified-features", "documents": [{"_id": 1}]}],
  "tests": [` + tests + `]
}`
}

type featureCase struct {
	name  string
	file  string
	loops int
	// want is "" for a pass, or a text of the failure (of the skip reason
	// with wantSkip).
	want     string
	wantSkip bool
	// after checks the BSON entities after a passing test.
	after func(t *testing.T, value func(string) (bson.RawValue, error))
}

func TestRunnerFeatures(t *testing.T) {
	targets := openTargets(t)
	cases := []featureCase{
		{name: "threads", file: fileWith("", `{
			"description": "operations on threads",
			"operations": [
				{"name": "createEntities", "object": "testRunner", "arguments": {"entities": [{"thread": {"id": "thread0"}}, {"thread": {"id": "thread1"}}]}},
				{"name": "runOnThread", "object": "testRunner", "arguments": {"thread": "thread0", "operation":
					{"name": "insertOne", "object": "collection0", "arguments": {"document": {"_id": 2}}}}},
				{"name": "runOnThread", "object": "testRunner", "arguments": {"thread": "thread1", "operation":
					{"name": "insertOne", "object": "collection0", "arguments": {"document": {"_id": 3}}}}},
				{"name": "waitForThread", "object": "testRunner", "arguments": {"thread": "thread0"}},
				{"name": "waitForThread", "object": "testRunner", "arguments": {"thread": "thread1"}},
				{"name": "assertEventCount", "object": "testRunner", "arguments": {"client": "client0", "event": {"commandStartedEvent": {"commandName": "insert"}}, "count": 2}}
			],
			"outcome": [{"collectionName": "coll0", "databaseName": "unified-features", "documents": [{"_id": 1}, {"_id": 2}, {"_id": 3}]}]
		}`)},
		{name: "thread failure fails the test", want: `thread "thread0": insertOne`, file: fileWith("", `{
			"description": "a failing operation on a thread",
			"operations": [
				{"name": "createEntities", "object": "testRunner", "arguments": {"entities": [{"thread": {"id": "thread0"}}]}},
				{"name": "runOnThread", "object": "testRunner", "arguments": {"thread": "thread0", "operation":
					{"name": "insertOne", "object": "collection0", "arguments": {"document": {"_id": 1}}}}},
				{"name": "waitForThread", "object": "testRunner", "arguments": {"thread": "thread0"}}
			]
		}`)},
		{name: "waitForEvent", file: fileWith("", `{
			"description": "waitForEvent counts past events",
			"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}, "expectResult": [{"_id": 1}]},
				{"name": "waitForEvent", "object": "testRunner", "arguments": {"client": "client0", "event": {"commandStartedEvent": {"commandName": "find"}}, "count": 1}}
			]
		}`)},
		{name: "assertEventCount mismatch", want: "assertEventCount: 1", file: fileWith("", `{
			"description": "assertEventCount counts exactly",
			"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "assertEventCount", "object": "testRunner", "arguments": {"client": "client0", "event": {"commandStartedEvent": {"commandName": "find"}}, "count": 2}}
			]
		}`)},
		{name: "loop stores iterations, successes, errors and failures", loops: 3, file: fileWith("", `{
			"description": "loop",
			"operations": [
				{"name": "loop", "object": "testRunner", "arguments": {
					"storeIterationsAsEntity": "iterations",
					"storeSuccessesAsEntity": "successes",
					"storeErrorsAsEntity": "errors",
					"storeFailuresAsEntity": "failures",
					"operations": [
						{"name": "find", "object": "collection0", "arguments": {"filter": {}}, "expectResult": [{"_id": 1}]},
						{"name": "find", "object": "collection0", "arguments": {"filter": {}}, "expectResult": [{"_id": 2}]},
						{"name": "find", "object": "collection0", "arguments": {"filter": {}}}
					]}}
			]
		}`), after: func(t *testing.T, value func(string) (bson.RawValue, error)) {
			want := map[string]string{"iterations": "3", "successes": "3"}
			for name, w := range want {
				if v, err := value(name); err != nil || v.String() != w {
					t.Errorf("%s = %v, %v; want %s", name, v, err, w)
				}
			}
			f, err := value("failures")
			if err != nil || f.Array().Len() != 3 || !strings.Contains(f.String(), "mismatch") {
				t.Errorf("failures = %v, %v", f, err)
			}
			if e, err := value("errors"); err != nil || e.Array().Len() != 0 {
				t.Errorf("errors = %v, %v", e, err)
			}
		}},
		{name: "loop stores errors apart from failures", loops: 2, file: fileWith("", `{
			"description": "loop errors",
			"operations": [
				{"name": "loop", "object": "testRunner", "arguments": {
					"storeErrorsAsEntity": "errors",
					"storeFailuresAsEntity": "failures",
					"operations": [{"name": "noSuchOperation", "object": "collection0"}]}}
			]
		}`), after: func(t *testing.T, value func(string) (bson.RawValue, error)) {
			e, err := value("errors")
			if err != nil || e.Array().Len() != 2 || !strings.Contains(e.String(), "noSuchOperation") {
				t.Errorf("errors = %v, %v", e, err)
			}
			if f, err := value("failures"); err != nil || f.Array().Len() != 0 {
				t.Errorf("failures = %v, %v", f, err)
			}
		}},
		{name: "loop without stores fails", loops: 2, want: "loop: ", file: fileWith("", `{
			"description": "loop failure",
			"operations": [{"name": "loop", "object": "testRunner", "arguments": {"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}, "expectResult": []}]}}]
		}`)},
		{name: "storeEventsAsEntities", file: fileWith(`"storeEventsAsEntities": [{"id": "events", "events": ["CommandStartedEvent", "CommandSucceededEvent"]}]`, `{
			"description": "events stored as entities",
			"operations": [{"name": "find", "object": "collection0", "arguments": {"filter": {}}}]
		}`), after: func(t *testing.T, value func(string) (bson.RawValue, error)) {
			v, err := value("events")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range v.Array().Values() {
				d := e.Document()
				if d.Lookup("commandName").StringValue() != "find" {
					continue
				}
				if _, ok := d.Lookup("observedAt").DoubleOK(); !ok {
					t.Errorf("event without observedAt: %v", d)
				}
				names = append(names, d.Lookup("name").StringValue())
			}
			if strings.Join(names, ",") != "CommandStartedEvent,CommandSucceededEvent" {
				t.Errorf("stored find events %v in %v", names, v)
			}
		}},
		{name: "saveResultAsEntity and matchesEntity", file: fileWith("", `{
			"description": "saved results",
			"operations": [
				{"name": "countDocuments", "object": "collection0", "arguments": {"filter": {}}, "saveResultAsEntity": "count0"},
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}, "expectResult": [{"_id": {"$$matchesEntity": "count0"}}]}
			]
		}`)},
		{name: "entity names are unique", want: `entity "count0" already exists`, file: fileWith("", `{
			"description": "duplicate entity",
			"operations": [
				{"name": "countDocuments", "object": "collection0", "arguments": {"filter": {}}, "saveResultAsEntity": "count0"},
				{"name": "countDocuments", "object": "collection0", "arguments": {"filter": {}}, "saveResultAsEntity": "count0"}
			]
		}`)},
		{name: "ignoreCommandMonitoringEvents", file: fileWith(`"observeEvents": ["commandStartedEvent"], "ignoreCommandMonitoringEvents": ["insert"]`, `{
			"description": "ignored commands",
			"operations": [
				{"name": "insertOne", "object": "collection0", "arguments": {"document": {"_id": 2}}},
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}}
			],
			"expectEvents": [{"client": "client0", "events": [{"commandStartedEvent": {"commandName": "find"}}]}]
		}`)},
		{name: "expectEvents counts every event", want: "1 command event(s) observed, want 0", file: fileWith("", `{
			"description": "events",
			"operations": [{"name": "find", "object": "collection0", "arguments": {"filter": {}}}],
			"expectEvents": [{"client": "client0", "events": []}]
		}`)},
		{name: "server error assertions", file: fileWith("", `{
			"description": "expectError on a server error",
			"operations": [{"name": "runCommand", "object": "database0", "arguments": {"commandName": "noSuchCommand", "command": {"noSuchCommand": 1}},
				"expectError": {"isError": true, "isClientError": false, "isTimeoutError": false, "errorCode": 59, "errorCodeName": "commandnotfound",
					"errorContains": "NOSUCHCOMMAND", "errorLabelsOmit": ["RetryableWriteError"], "errorResponse": {"ok": 0, "code": 59}}}]
		}`)},
		{name: "wrong error code", want: "no server error code 60", file: fileWith("", `{
			"description": "expectError mismatch",
			"operations": [{"name": "runCommand", "object": "database0", "arguments": {"commandName": "noSuchCommand", "command": {"noSuchCommand": 1}},
				"expectError": {"errorCode": 60}}]
		}`)},
		{name: "client error", file: fileWith("", `{
			"description": "expectError on a client error",
			"operations": [{"name": "updateOne", "object": "collection0", "arguments": {"filter": {}, "update": {"x": 1}},
				"expectError": {"isClientError": true}}],
			"expectEvents": [{"client": "client0", "events": []}]
		}`)},
		{name: "missing error", want: "expected an error", file: fileWith("", `{
			"description": "expectError without an error",
			"operations": [{"name": "find", "object": "collection0", "arguments": {"filter": {}}, "expectError": {"isError": true}}]
		}`)},
		{name: "outcome mismatch", want: "outcome[0]", file: fileWith("", `{
			"description": "outcome",
			"operations": [],
			"outcome": [{"collectionName": "coll0", "databaseName": "unified-features", "documents": [{"_id": 1, "x": 1}]}]
		}`)},
		{name: "collection and index assertions", file: fileWith("", `{
			"description": "assertCollectionExists and assertIndexExists",
			"operations": [
				{"name": "assertCollectionExists", "object": "testRunner", "arguments": {"databaseName": "unified-features", "collectionName": "coll0"}},
				{"name": "assertCollectionNotExists", "object": "testRunner", "arguments": {"databaseName": "unified-features", "collectionName": "nope"}},
				{"name": "createIndex", "object": "collection0", "arguments": {"keys": {"x": 1}, "name": "x_1"}, "expectResult": "x_1"},
				{"name": "assertIndexExists", "object": "testRunner", "arguments": {"databaseName": "unified-features", "collectionName": "coll0", "indexName": "x_1"}},
				{"name": "assertIndexNotExists", "object": "testRunner", "arguments": {"databaseName": "unified-features", "collectionName": "coll0", "indexName": "y_1"}},
				{"name": "assertIndexNotExists", "object": "testRunner", "arguments": {"databaseName": "unified-features", "collectionName": "nope", "indexName": "y_1"}}
			]
		}`)},
		{name: "index assertion failure", want: "index x_1 on unified-features.coll0 exists: false", file: fileWith("", `{
			"description": "assertIndexExists fails",
			"operations": [{"name": "assertIndexExists", "object": "testRunner", "arguments": {"databaseName": "unified-features", "collectionName": "coll0", "indexName": "x_1"}}]
		}`)},
		{name: "implicit sessions reuse their lsid", file: fileWith("", `{
			"description": "lsids",
			"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "assertSameLsidOnLastTwoCommands", "object": "testRunner", "arguments": {"client": "client0"}}
			]
		}`)},
		{name: "different lsids", want: "assertDifferentLsidOnLastTwoCommands: lsids", file: fileWith("", `{
			"description": "lsids differ",
			"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "assertDifferentLsidOnLastTwoCommands", "object": "testRunner", "arguments": {"client": "client0"}}
			]
		}`)},
		{name: "topology descriptions", file: fileWith("", `{
			"description": "recordTopologyDescription",
			"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "recordTopologyDescription", "object": "testRunner", "arguments": {"client": "client0", "id": "topology0"}},
				{"name": "assertTopologyType", "object": "testRunner", "arguments": {"topologyDescription": "topology0", "topologyType": "Single"}},
				{"name": "wait", "object": "testRunner", "arguments": {"ms": 10}}
			]
		}`)},
		{name: "no primary change", want: "waitForPrimaryChange: no new primary", file: fileWith("", `{
			"description": "waitForPrimaryChange times out",
			"runOnRequirements": [{"topologies": ["replicaset"]}],
			"operations": [
				{"name": "find", "object": "collection0", "arguments": {"filter": {}}},
				{"name": "recordTopologyDescription", "object": "testRunner", "arguments": {"client": "client0", "id": "topology0"}},
				{"name": "assertTopologyType", "object": "testRunner", "arguments": {"topologyDescription": "topology0", "topologyType": "ReplicaSetWithPrimary"}},
				{"name": "waitForPrimaryChange", "object": "testRunner", "arguments": {"client": "client0", "priorTopologyDescription": "topology0", "timeoutMS": 200}}
			]
		}`)},
		{name: "awaitMinPoolSizeMS", file: fileWith(`"uriOptions": {"minPoolSize": 2}, "awaitMinPoolSizeMS": 10000, "observeEvents": ["connectionReadyEvent", "commandStartedEvent"]`, `{
			"description": "pools populated before the test",
			"operations": [{"name": "find", "object": "collection0", "arguments": {"filter": {}}}],
			"expectEvents": [{"client": "client0", "eventType": "cmap", "events": []}]
		}`)},
		{name: "unmet serverParameters", wantSkip: true, want: "needs server parameter noSuchParameter=true", file: fileWith("", `{
			"description": "serverParameters",
			"runOnRequirements": [{"serverParameters": {"noSuchParameter": true}}],
			"operations": []
		}`)},
		{name: "unsupported argument", want: "unsupported argument(s) nope", file: fileWith("", `{
			"description": "unknown argument",
			"operations": [{"name": "find", "object": "collection0", "arguments": {"filter": {}, "nope": 1}}]
		}`)},
		{name: "unknown special operation", want: `unknown special operation "nope"`, file: fileWith("", `{
			"description": "unknown special operation",
			"operations": [{"name": "nope", "object": "testRunner"}]
		}`)},
		{name: "placeholder in uriOptions", want: "$$placeholder", file: fileWith(`"uriOptions": {"appname": {"$$placeholder": 1}}`, `{
			"description": "placeholder", "operations": []
		}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.name+".json", []byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			r := &Runner{Targets: targets, LoopIterations: c.loops}
			if c.after != nil {
				r.AfterTest = func(_ *Test, value func(string) (bson.RawValue, error)) { c.after(t, value) }
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := r.Run(ctx, f.Tests[0])
			if res.Outcome == Skipped && !c.wantSkip {
				// A deployment of MOTOR_TEST_URI may lack the topology.
				t.Skipf("not applicable here: %s", res.Reason)
			}
			got := ""
			switch res.Outcome {
			case Failed:
				got = res.Err.Error()
			case Skipped:
				got = res.Reason
			}
			switch {
			case c.want == "" && got != "":
				t.Errorf("want a pass, got %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("want %q, got %q", c.want, got)
			}
		})
	}
}

// TestRunnerStopLoops stops an unbounded loop from another goroutine.
func TestRunnerStopLoops(t *testing.T) {
	f, err := Parse("loop.json", []byte(fileWith("", `{
		"description": "endless loop",
		"operations": [{"name": "loop", "object": "testRunner", "arguments": {"storeIterationsAsEntity": "n",
			"operations": [{"name": "find", "object": "collection0", "arguments": {"filter": {}}}]}}]
	}`)))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	r := &Runner{Targets: openTargets(t), AfterTest: func(_ *Test, value func(string) (bson.RawValue, error)) {
		v, _ := value("n")
		n, _ = v.AsInt64OK()
	}}
	time.AfterFunc(200*time.Millisecond, r.StopLoops)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if res := r.Run(ctx, f.Tests[0]); res.Outcome != Passed {
		t.Fatalf("%v: %v", res.Outcome, res.Err)
	}
	if n < 1 {
		t.Errorf("the loop ran %d iterations", n)
	}
	t.Logf("%d iterations before StopLoops", n)
}
