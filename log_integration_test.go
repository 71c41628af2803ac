package motor_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

// logRecorder is a slog.Handler that keeps the records it is given.
type logRecorder struct {
	mu   sync.Mutex
	recs []logRec
}

// logRec is a record reduced to what the tests check.
type logRec struct {
	level     slog.Level
	component string
	msg       string
	attrs     map[string]slog.Value
}

func (*logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h *logRecorder) WithGroup(string) slog.Handler          { return h }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRec{level: r.Level, msg: r.Message, attrs: map[string]slog.Value{}}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "component" {
			rec.component = a.Value.String()
		} else {
			rec.attrs[a.Key] = a.Value
		}
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return nil
}

// of returns the records of a component.
func (h *logRecorder) of(component string) []logRec {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []logRec
	for _, r := range h.recs {
		if r.component == component {
			out = append(out, r)
		}
	}
	return out
}

// messages returns the messages of recs.
func messages(recs []logRec) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.msg
	}
	return out
}

// logClient connects to the test server with a recorder for the components
// set in levels.
func logClient(t *testing.T, levels motor.LogLevels, edit func(*motor.Config)) (*motor.Client, *logRecorder) {
	t.Helper()
	h := &logRecorder{}
	c := connect(t, testenv.URI(t, testenv.Options{}), func(cfg *motor.Config) {
		cfg.Logger = slog.New(h)
		cfg.LogLevels = levels
		if edit != nil {
			edit(cfg)
		}
	})
	return c, h
}

var allOff = motor.LogLevels{Command: motor.LogOff, Topology: motor.LogOff, ServerSelection: motor.LogOff, Connection: motor.LogOff}

func TestLogCommandRoundTrip(t *testing.T) {
	levels := allOff
	levels.Command = motor.LogDebug
	c, h := logClient(t, levels, nil)
	ctx := context.Background()
	if err := c.Database("logtest").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err(); err != nil {
		t.Fatal(err)
	}
	err := c.Database("logtest").RunCommand(ctx, bson.D{{Key: "noSuchCommand", Value: 1}}).Err()
	if err == nil {
		t.Fatal("noSuchCommand succeeded")
	}
	recs := h.of("command")
	want := []string{"Command started", "Command succeeded", "Command started", "Command failed"}
	if got := messages(recs); !slices.Equal(got, want) {
		t.Fatalf("messages %q, want %q", got, want)
	}
	for i, r := range recs {
		if r.level != slog.LevelDebug {
			t.Errorf("%s: level %v, want debug", r.msg, r.level)
		}
		for _, k := range []string{"commandName", "databaseName", "requestId", "operationId", "driverConnectionId", "serverHost", "serverPort"} {
			if _, ok := r.attrs[k]; !ok {
				t.Errorf("%s: no %s", r.msg, k)
			}
		}
		if got := r.attrs["databaseName"].String(); got != "logtest" {
			t.Errorf("%s: databaseName %q", r.msg, got)
		}
		if i > 0 && r.attrs["requestId"].Int64() != recs[i-1].attrs["requestId"].Int64() && i%2 == 1 {
			t.Errorf("%s: requestId differs from its started message", r.msg)
		}
	}
	if cmd := recs[0].attrs["command"].String(); !strings.Contains(cmd, `"ping"`) || !strings.Contains(cmd, `"$db":"logtest"`) {
		t.Errorf("command %s", cmd)
	}
	if reply := recs[1].attrs["reply"].String(); !strings.Contains(reply, `"ok"`) {
		t.Errorf("reply %s", reply)
	}
	if d := recs[1].attrs["durationMS"]; d.Kind() != slog.KindFloat64 || d.Float64() < 0 {
		t.Errorf("durationMS %v", d)
	}
	if f := recs[3].attrs["failure"].String(); f == "" {
		t.Error("the failure of noSuchCommand is empty")
	}
	if len(h.of("connection")) != 0 || len(h.of("topology")) != 0 || len(h.of("serverSelection")) != 0 {
		t.Error("components that are off logged messages")
	}
}

func TestLogMaxDocumentLength(t *testing.T) {
	levels := allOff
	levels.Command = motor.LogDebug
	c, h := logClient(t, levels, func(cfg *motor.Config) { cfg.MaxDocumentLength = 20 })
	doc := bson.D{{Key: "ping", Value: 1}, {Key: "comment", Value: strings.Repeat("é", 50)}}
	if err := c.Database("logtest").RunCommand(context.Background(), doc).Err(); err != nil {
		t.Fatal(err)
	}
	cmd := h.of("command")[0].attrs["command"].String()
	if !strings.HasSuffix(cmd, "...") || len(cmd) > 20+3 {
		t.Errorf("command %q (%d bytes) is not cut to 20 bytes and an ellipsis", cmd, len(cmd))
	}
}

func TestLogPoolLifecycle(t *testing.T) {
	levels := allOff
	levels.Connection = motor.LogDebug
	c, h := logClient(t, levels, func(cfg *motor.Config) { cfg.MaxPoolSize = 7 })
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := h.of("connection")
	got := messages(recs)
	want := []string{
		"Connection pool created", "Connection pool ready", "Connection checkout started", "Connection created",
		"Connection ready", "Connection checked out", "Connection checked in",
	}
	if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
		t.Fatalf("messages %q, want them to start with %q", got, want)
	}
	if n := len(got); got[n-1] != "Connection pool closed" || got[n-2] != "Connection closed" {
		t.Fatalf("messages %q do not end with the connection and the pool closed", got)
	}
	if v := recs[0].attrs["maxPoolSize"]; v.Int64() != 7 {
		t.Errorf("maxPoolSize %v, want 7", v)
	}
	if r := recs[len(recs)-2]; r.attrs["reason"].String() != "Connection pool was closed" {
		t.Errorf("closed reason %q", r.attrs["reason"])
	}
	for _, r := range recs {
		if r.attrs["serverHost"].String() == "" || r.attrs["serverPort"].Int64() == 0 {
			t.Errorf("%s: no server address: %v", r.msg, r.attrs)
		}
	}
}

func TestLogServerDiscovery(t *testing.T) {
	levels := allOff
	levels.Topology = motor.LogDebug
	levels.ServerSelection = motor.LogDebug
	c, h := logClient(t, levels, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	topo := messages(h.of("topology"))
	for _, m := range []string{
		"Starting topology monitoring", "Topology description changed", "Starting server monitoring",
		"Server heartbeat started", "Server heartbeat succeeded", "Stopped server monitoring", "Stopped topology monitoring",
	} {
		if !slices.Contains(topo, m) {
			t.Errorf("no %q in %q", m, topo)
		}
	}
	if topo[0] != "Starting topology monitoring" || topo[len(topo)-1] != "Stopped topology monitoring" {
		t.Errorf("topology messages %q", topo)
	}
	for _, r := range h.of("topology") {
		if r.attrs["topologyId"].String() == "" {
			t.Errorf("%s: no topologyId", r.msg)
		}
		if strings.HasPrefix(r.msg, "Server heartbeat") {
			if _, ok := r.attrs["driverConnectionId"]; !ok {
				t.Errorf("%s: no driverConnectionId", r.msg)
			}
		}
	}
	sel := h.of("serverSelection")
	if got := messages(sel); len(got) < 2 || got[0] != "Server selection started" || got[len(got)-1] != "Server selection succeeded" {
		t.Fatalf("server selection messages %q", got)
	}
	// Close selects a server too, for endSessions: find the ping's.
	var r *logRec
	for i := range sel {
		if sel[i].msg == "Server selection succeeded" && sel[i].attrs["operation"].String() == "ping" {
			r = &sel[i]
		}
	}
	if r == nil {
		t.Fatalf("no selection succeeded for ping in %q", messages(sel))
	}
	if r.attrs["selector"].String() == "" || r.attrs["topologyDescription"].String() == "" {
		t.Errorf("selection succeeded: %v", r.attrs)
	}
}
