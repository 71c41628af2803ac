package topology

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/logger"
)

// logRecords is a slog.Handler keeping its records.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (*logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h *logRecords) WithGroup(string) slog.Handler          { return h }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	return nil
}

// take returns the records of component and forgets all records.
func (h *logRecords) take(component string) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range h.recs {
		if attrOf(r, "component").String() == component {
			out = append(out, r)
		}
	}
	h.recs = nil
	return out
}

func attrOf(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

func msgsOf(recs []slog.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Message
	}
	return out
}

// loggedTopology opens a topology with a logger for the topology and
// server selection components at debug.
func loggedTopology(t *testing.T, cfg Config) (*Topology, *fakeClock, *logRecords) {
	t.Helper()
	cfg.ServerSelectionTimeout, cfg.HeartbeatInterval, cfg.LocalThreshold = 2*time.Second, 10*time.Second, 15*time.Millisecond
	h := &logRecords{}
	s := logger.Settings{Logger: slog.New(h), LevelSet: [logger.NumComponents]bool{true, true, true, true}}
	s.Levels = [logger.NumComponents]slog.Level{logger.LevelOff, logger.LevelDebug, logger.LevelDebug, logger.LevelOff}
	l, _ := logger.New(s, func(string) string { return "" })
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	topo := New(cfg, Options{Hooks: newFakeHooks(), Clock: clock, Log: l})
	topo.Open()
	return topo, clock, h
}

func TestLogTopologyLifecycle(t *testing.T) {
	topo, _, h := loggedTopology(t, Config{Seeds: []string{"a:27017"}})
	hc := HeartbeatConn{DriverID: 7, ServerID: 42}
	topo.HeartbeatStarted("a:27017", HeartbeatConn{DriverID: 7}, false)
	reply := helloReply(t, `{"ok":1,"isWritablePrimary":true,"maxWireVersion":21}`)
	topo.HeartbeatSucceeded("a:27017", hc, 3*time.Millisecond, reply, false)
	topo.ServerChecked(NewServerDescription("a:27017", reply, time.Millisecond, time.Now()), false)
	topo.HeartbeatStarted("a:27017", hc, true)
	topo.HeartbeatFailed("a:27017", hc, time.Second, errors.New("boom"), true)
	topo.Close()
	recs := h.take("topology")
	want := []string{
		"Starting topology monitoring", "Topology description changed", "Starting server monitoring",
		"Server heartbeat started", "Server heartbeat succeeded", "Topology description changed",
		"Server heartbeat started", "Server heartbeat failed",
		"Stopped server monitoring", "Topology description changed", "Stopped topology monitoring",
	}
	if got := msgsOf(recs); !slices.Equal(got, want) {
		t.Fatalf("messages\n%q\nwant\n%q", got, want)
	}
	id := topo.ID().Hex()
	for _, r := range recs {
		if attrOf(r, "topologyId").String() != id || r.Level != slog.LevelDebug {
			t.Errorf("%s: topologyId %v, level %v", r.Message, attrOf(r, "topologyId"), r.Level)
		}
	}
	if r := recs[3]; attrOf(r, "driverConnectionId").Int64() != 7 || attrOf(r, "serverConnectionId").Kind() != slog.KindAny ||
		attrOf(r, "serverHost").String() != "a" || attrOf(r, "serverPort").Int64() != 27017 || attrOf(r, "awaited").Bool() {
		t.Errorf("first heartbeat started: %v", r)
	}
	if r := recs[4]; attrOf(r, "serverConnectionId").Int64() != 42 || !strings.Contains(attrOf(r, "reply").String(), `"isWritablePrimary":true`) ||
		attrOf(r, "durationMS").Float64() != 3 {
		t.Errorf("heartbeat succeeded: %v", r)
	}
	if r := recs[7]; attrOf(r, "failure").String() != "boom" || !attrOf(r, "awaited").Bool() {
		t.Errorf("heartbeat failed: %v", r)
	}
	if r := recs[5]; !strings.Contains(attrOf(r, "previousDescription").String(), "type: Unknown") ||
		!strings.Contains(attrOf(r, "newDescription").String(), "{address: a:27017, type: Standalone") {
		t.Errorf("description changed: %v", r)
	}
}

func TestLogServerSelection(t *testing.T) {
	topo, clock, h := loggedTopology(t, Config{Seeds: []string{"a:27017"}, SetName: "rs"})
	h.take("")
	crit := Criteria{ReadPref: ReadPref{Mode: Secondary}, Operation: "find", OperationID: 9}
	done := make(chan error, 1)
	go func() {
		_, err := topo.SelectServer(context.Background(), crit)
		done <- err
	}()
	waitFor(t, "a selection timer", func() bool { return clock.pending() == 1 })
	topo.ServerChecked(NewUnknownServer("a:27017", errors.New("refused")), false) // a change: selection looks again
	clock.advance(2 * time.Second)
	if err := <-done; !errors.Is(err, ErrSelectionTimeout) {
		t.Fatalf("error %v", err)
	}
	recs := h.take("serverSelection")
	want := []string{"Server selection started", "Waiting for suitable server to become available", "Server selection failed"}
	if got := msgsOf(recs); !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q (the waiting message once)", got, want)
	}
	for _, r := range recs {
		if attrOf(r, "operation").String() != "find" || attrOf(r, "operationId").Int64() != 9 ||
			attrOf(r, "selector").String() != "read with read preference secondary" ||
			!strings.HasPrefix(attrOf(r, "topologyDescription").String(), "{type: ReplicaSetNoPrimary") {
			t.Errorf("%s: %v", r.Message, r)
		}
	}
	if recs[1].Level != slog.LevelInfo || attrOf(recs[1], "remainingTimeMS").Int64() != 2000 {
		t.Errorf("waiting: level %v, %v", recs[1].Level, recs[1])
	}
	if f := attrOf(recs[2], "failure").String(); f != ErrSelectionTimeout.Error() {
		t.Errorf("failure %q: the cause alone, without the topology", f)
	}

	topo.ServerChecked(NewServerDescription("a:27017", helloReply(t,
		`{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017"],"maxWireVersion":21}`), time.Millisecond, clock.Now()), false)
	h.take("")
	if _, err := topo.SelectServer(context.Background(), Criteria{Write: true, Operation: "insert"}); err != nil {
		t.Fatal(err)
	}
	recs = h.take("serverSelection")
	if got := msgsOf(recs); !slices.Equal(got, []string{"Server selection started", "Server selection succeeded"}) {
		t.Fatalf("messages %q", got)
	}
	if r := recs[1]; attrOf(r, "serverHost").String() != "a" || attrOf(r, "serverPort").Int64() != 27017 ||
		attrOf(r, "operationId").Kind() != slog.KindAny || attrOf(r, "selector").String() != "write" {
		t.Errorf("succeeded: %v", r)
	}
}
