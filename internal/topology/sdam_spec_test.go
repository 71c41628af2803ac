package topology

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/spectest"
	"github.com/motor-go/motor/mongoerr"
)

// sdamFile is a test file of the SDAM specification (all but unified/).
type sdamFile struct {
	Description string `json:"description"`
	URI         string `json:"uri"`
	Phases      []struct {
		Description string              `json:"description"`
		Responses   [][]json.RawMessage `json:"responses"`
		AppErrors   []struct {
			Address        string          `json:"address"`
			Generation     *uint64         `json:"generation"`
			MaxWireVersion int32           `json:"maxWireVersion"`
			When           string          `json:"when"`
			Type           string          `json:"type"`
			Response       json.RawMessage `json:"response"`
		} `json:"applicationErrors"`
		Outcome map[string]json.RawMessage `json:"outcome"`
	} `json:"phases"`
}

// fakeHooks records what the topology asks of monitors and pools, and
// keeps pool generations: a clear adds one.
type fakeHooks struct {
	mu       sync.Mutex
	gen      map[string]uint64
	added    []string
	removed  []string
	ready    []string
	checks   []string
	cancels  []string
	clears   []string
	interrup []bool
}

func newFakeHooks() *fakeHooks { return &fakeHooks{gen: make(map[string]uint64)} }

func (h *fakeHooks) ServerAdded(addr string) {
	h.mu.Lock()
	h.added = append(h.added, addr)
	h.mu.Unlock()
}
func (h *fakeHooks) ServerRemoved(addr string) {
	h.mu.Lock()
	h.removed = append(h.removed, addr)
	h.mu.Unlock()
}
func (h *fakeHooks) PoolGeneration(addr string, _ Nullable[bson.ObjectID]) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gen[addr]
}
func (h *fakeHooks) ClearPool(addr string, _ Nullable[bson.ObjectID], interrupt bool) {
	h.mu.Lock()
	h.gen[addr]++
	h.clears = append(h.clears, addr)
	h.interrup = append(h.interrup, interrupt)
	h.mu.Unlock()
}
func (h *fakeHooks) ReadyPool(addr string) {
	h.mu.Lock()
	h.ready = append(h.ready, addr)
	h.mu.Unlock()
}
func (h *fakeHooks) RequestCheck(addr string) {
	h.mu.Lock()
	h.checks = append(h.checks, addr)
	h.mu.Unlock()
}
func (h *fakeHooks) CancelCheck(addr string) {
	h.mu.Lock()
	h.cancels = append(h.cancels, addr)
	h.mu.Unlock()
}

// recorder collects SDAM events as (name, event) pairs.
type recorder struct {
	mu     sync.Mutex
	events []recorded
}

type recorded struct {
	name string
	e    any
}

func (r *recorder) add(name string, e any) {
	r.mu.Lock()
	r.events = append(r.events, recorded{name, e})
	r.mu.Unlock()
}

func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func (r *recorder) monitor() *event.ServerMonitor {
	return &event.ServerMonitor{
		TopologyOpening:            func(e event.TopologyOpeningEvent) { r.add("topology_opening_event", e) },
		TopologyDescriptionChanged: func(e event.TopologyDescriptionChangedEvent) { r.add("topology_description_changed_event", e) },
		TopologyClosed:             func(e event.TopologyClosedEvent) { r.add("topology_closed_event", e) },
		ServerOpening:              func(e event.ServerOpeningEvent) { r.add("server_opening_event", e) },
		ServerDescriptionChanged:   func(e event.ServerDescriptionChangedEvent) { r.add("server_description_changed_event", e) },
		ServerClosed:               func(e event.ServerClosedEvent) { r.add("server_closed_event", e) },
	}
}

// errNetwork stands for the network error of an empty response.
var errNetwork = errors.New("network error (simulated by the test)")

func TestSDAMSpec(t *testing.T) {
	root := spectest.Dir(t, "server-discovery-and-monitoring")
	for _, dir := range []string{"single", "rs", "sharded", "load-balanced", "errors", "monitoring"} {
		t.Run(dir, func(t *testing.T) {
			files := spectest.Files(t, filepath.Join(root, dir))
			passed := 0
			for _, path := range files {
				name := strings.TrimSuffix(filepath.Base(path), ".json")
				if t.Run(name, func(t *testing.T) {
					var f sdamFile
					spectest.Load(t, path, &f)
					runSDAMFile(t, &f, dir == "monitoring")
				}) {
					passed++
				}
			}
			t.Logf("%s: %d of %d files passed", dir, passed, len(files))
		})
	}
}

func runSDAMFile(t *testing.T, f *sdamFile, monitoring bool) {
	u := parseSpecURI(t, f.URI)
	hooks := newFakeHooks()
	rec := &recorder{}
	topo := New(Config{
		Seeds: u.hosts, SetName: u.setName, Direct: u.direct, LoadBalanced: u.loadBalanced,
		HeartbeatInterval: 10 * time.Second, LocalThreshold: 15 * time.Millisecond, ServerSelectionTimeout: time.Second,
	}, Options{Monitor: rec.monitor(), Hooks: hooks})
	topo.Open()
	now := time.Unix(1_700_000_000, 0)
	for i, phase := range f.Phases {
		for _, resp := range phase.Responses {
			if len(resp) != 2 {
				t.Fatalf("phase %d: response %s is not a pair", i, resp)
			}
			var addr string
			if err := json.Unmarshal(resp[0], &addr); err != nil {
				t.Fatal(err)
			}
			reply := extJSON(t, resp[1])
			now = now.Add(time.Second)
			if len(reply) <= 5 {
				topo.ServerChecked(NewUnknownServer(addr, errNetwork), false)
			} else {
				topo.ServerChecked(NewServerDescription(addr, reply, 10*time.Millisecond, now), false)
			}
		}
		for _, ae := range phase.AppErrors {
			gen := hooks.PoolGeneration(ae.Address, Nullable[bson.ObjectID]{})
			if ae.Generation != nil {
				gen = *ae.Generation
			}
			handshakeDone := ae.When == "afterHandshakeCompletes"
			var err error
			switch ae.Type {
			case "network", "timeout":
				ne := &mongoerr.NetworkError{Address: ae.Address, Op: "read", Err: errNetwork}
				if ae.Type == "timeout" {
					ne.Err = os.ErrDeadlineExceeded
				}
				if !handshakeDone {
					// The pool labels the network errors of connection
					// establishment (the CMAP backpressure rule).
					ne.Op = "handshake"
					ne.Labels = []string{OverloadedLabel}
				}
				err = ne
			case "command":
				reply := extJSON(t, ae.Response)
				if _, ok := ParseCommandFailure(reply); !ok {
					// A reply with ok: 1 and only writeErrors is no error
					// for SDAM: the operation layer reports nothing.
					continue
				}
				err = mongoerr.NewServerError("insert", reply)
			default:
				t.Fatalf("phase %d: unknown error type %q", i, ae.Type)
			}
			topo.HandleError(NewAppError(ae.Address, err, gen, handshakeDone, Nullable[bson.ObjectID]{}))
		}
		if monitoring {
			checkEvents(t, i, phase.Outcome["events"], rec.take())
		} else {
			checkOutcome(t, i, phase.Outcome, topo.Description(), hooks)
		}
	}
}

func checkOutcome(t *testing.T, phase int, want map[string]json.RawMessage, d Description, hooks *fakeHooks) {
	t.Helper()
	var kind string
	mustJSON(t, want["topologyType"], &kind)
	if d.Kind.String() != kind {
		t.Errorf("phase %d: topology type %v, want %s", phase, d.Kind, kind)
	}
	if raw, ok := want["setName"]; ok {
		var name *string
		mustJSON(t, raw, &name)
		if got := d.SetName; (name == nil && got != "") || (name != nil && got != *name) {
			t.Errorf("phase %d: set name %q, want %s", phase, got, raw)
		}
	}
	if raw, ok := want["logicalSessionTimeoutMinutes"]; ok {
		checkNullableInt(t, phase, "logicalSessionTimeoutMinutes", raw, d.SessionTimeoutMinutes)
	}
	if raw, ok := want["maxSetVersion"]; ok {
		checkNullableInt(t, phase, "maxSetVersion", raw, d.MaxSetVersion)
	}
	if raw, ok := want["maxElectionId"]; ok {
		checkNullableID(t, phase, "maxElectionId", raw, d.MaxElectionID)
	}
	if raw, ok := want["compatible"]; ok {
		var compatible bool
		mustJSON(t, raw, &compatible)
		if compatible != (d.CompatibilityErr == nil) {
			t.Errorf("phase %d: compatibility error %v, want compatible=%v", phase, d.CompatibilityErr, compatible)
		}
	}
	var servers map[string]map[string]json.RawMessage
	mustJSON(t, want["servers"], &servers)
	if got, wantAddrs := d.Addrs(), sortedKeys(servers); !slices.Equal(got, wantAddrs) {
		t.Errorf("phase %d: servers %v, want %v", phase, got, wantAddrs)
	}
	for addr, ws := range servers {
		sd, ok := d.Server(addr)
		if !ok {
			continue
		}
		checkServer(t, phase, &sd, ws, hooks)
	}
}

func checkServer(t *testing.T, phase int, sd *ServerDescription, want map[string]json.RawMessage, hooks *fakeHooks) {
	t.Helper()
	var kind string
	mustJSON(t, want["type"], &kind)
	if sd.Kind.String() != kind {
		t.Errorf("phase %d: %s: type %v, want %s", phase, sd.Addr, sd.Kind, kind)
	}
	if raw, ok := want["setName"]; ok {
		var name *string
		mustJSON(t, raw, &name)
		if (name == nil && sd.SetName != "") || (name != nil && sd.SetName != *name) {
			t.Errorf("phase %d: %s: set name %q, want %s", phase, sd.Addr, sd.SetName, raw)
		}
	}
	if raw, ok := want["setVersion"]; ok {
		checkNullableInt(t, phase, sd.Addr+" setVersion", raw, sd.SetVersion)
	}
	if raw, ok := want["electionId"]; ok {
		checkNullableID(t, phase, sd.Addr+" electionId", raw, sd.ElectionID)
	}
	if raw, ok := want["logicalSessionTimeoutMinutes"]; ok {
		checkNullableInt(t, phase, sd.Addr+" logicalSessionTimeoutMinutes", raw, sd.SessionTimeoutMinutes)
	}
	for _, field := range []string{"minWireVersion", "maxWireVersion"} {
		raw, ok := want[field]
		if !ok {
			continue
		}
		var v *int32
		mustJSON(t, raw, &v)
		got := sd.MinWireVersion
		if field == "maxWireVersion" {
			got = sd.MaxWireVersion
		}
		if (v == nil && got != 0) || (v != nil && got != *v) {
			t.Errorf("phase %d: %s: %s %d, want %s", phase, sd.Addr, field, got, raw)
		}
	}
	if raw, ok := want["topologyVersion"]; ok {
		var wantTV Nullable[TopologyVersion]
		if !isNull(raw) {
			tv, ok := parseTopologyVersion(bson.RawValue{Type: bson.TypeDocument, Value: extJSON(t, raw)})
			if !ok {
				t.Fatalf("bad topologyVersion %s", raw)
			}
			wantTV = Some(tv)
		}
		if sd.TopologyVersion != wantTV {
			t.Errorf("phase %d: %s: topologyVersion %+v, want %s", phase, sd.Addr, sd.TopologyVersion, raw)
		}
	}
	if raw, ok := want["error"]; ok {
		var sub string
		mustJSON(t, raw, &sub)
		if sd.Err == nil || !strings.Contains(sd.Err.Error(), sub) {
			t.Errorf("phase %d: %s: error %v, want one containing %q", phase, sd.Addr, sd.Err, sub)
		}
	}
	if raw, ok := want["pool"]; ok {
		var pool struct{ Generation uint64 }
		mustJSON(t, raw, &pool)
		if got := hooks.PoolGeneration(sd.Addr, Nullable[bson.ObjectID]{}); got != pool.Generation {
			t.Errorf("phase %d: %s: pool generation %d, want %d", phase, sd.Addr, got, pool.Generation)
		}
	}
}

func checkNullableInt(t *testing.T, phase int, what string, raw json.RawMessage, got Nullable[int64]) {
	t.Helper()
	var want Nullable[int64]
	if !isNull(raw) {
		var v int64
		mustJSON(t, raw, &v)
		want = Some(v)
	}
	if got != want {
		t.Errorf("phase %d: %s = %+v, want %s", phase, what, got, raw)
	}
}

func checkNullableID(t *testing.T, phase int, what string, raw json.RawMessage, got Nullable[bson.ObjectID]) {
	t.Helper()
	var want Nullable[bson.ObjectID]
	if !isNull(raw) {
		var oid struct {
			OID string `json:"$oid"`
		}
		mustJSON(t, raw, &oid)
		id, err := bson.ObjectIDFromHex(oid.OID)
		if err != nil {
			t.Fatal(err)
		}
		want = Some(id)
	}
	if got != want {
		t.Errorf("phase %d: %s = %+v, want %s", phase, what, got, raw)
	}
}

func mustJSON(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
