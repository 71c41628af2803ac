package logger

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want slog.Level
		ok   bool
	}{
		{"off", LevelOff, true},
		{"OFF", LevelOff, true},
		{"emergency", LevelEmergency, true},
		{"alert", LevelAlert, true},
		{"critical", LevelCritical, true},
		{"error", LevelError, true},
		{"warn", LevelWarning, true},
		{"warning", LevelWarning, true},
		{"notice", LevelNotice, true},
		{"info", LevelInfo, true},
		{"Informational", LevelInfo, true},
		{"debug", slog.LevelDebug, true},
		{" Trace ", LevelTrace, true},
		{"", 0, false},
		{"verbose", 0, false},
		{"7", 0, false},
	} {
		got, ok := ParseLevel(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLevelOrder(t *testing.T) {
	order := []slog.Level{LevelTrace, LevelDebug, LevelInfo, LevelNotice, LevelWarning, LevelError, LevelCritical, LevelAlert, LevelEmergency, LevelOff}
	for i := 1; i < len(order); i++ {
		if order[i-1] >= order[i] {
			t.Errorf("level %d (%v) is not below level %d (%v)", i-1, order[i-1], i, order[i])
		}
	}
	if LevelTrace >= slog.LevelDebug {
		t.Error("trace is not below slog's debug")
	}
	for _, tc := range []struct {
		l    slog.Level
		want string
	}{
		{LevelTrace, "trace"}, {LevelTrace - 10, "trace"}, {LevelDebug, "debug"}, {LevelDebug + 1, "debug"},
		{LevelInfo, "info"}, {LevelNotice, "notice"}, {LevelWarning, "warn"}, {LevelError, "error"},
		{LevelCritical, "critical"}, {LevelAlert, "alert"}, {LevelEmergency, "emergency"}, {LevelOff, "off"},
	} {
		if got := LevelName(tc.l); got != tc.want {
			t.Errorf("LevelName(%v) = %q, want %q", tc.l, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hell..."},
		{"hello", 0, "..."},
		{"hello", -1, "hello"},
		{"", 0, ""},
		// é is two bytes: a cut inside it falls back to the rune before.
		{"aéb", 2, "a..."},
		{"aéb", 3, "aé..."},
		// 𝄞 is four bytes.
		{"𝄞𝄞", 5, "𝄞..."},
		{"𝄞𝄞", 7, "𝄞..."},
		{"𝄞𝄞", 8, "𝄞𝄞"},
		{"日本語", 4, "日..."},
	} {
		got := Truncate(tc.s, tc.max)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q is not valid UTF-8", tc.s, tc.max, got)
		}
	}
}

// env returns a getenv function over m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNewLevels(t *testing.T) {
	custom := slog.New(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: LevelTrace}))
	all := func(l slog.Level) [NumComponents]slog.Level { return [NumComponents]slog.Level{l, l, l, l} }
	for _, tc := range []struct {
		name string
		s    Settings
		env  map[string]string
		want [NumComponents]slog.Level // nil logger when all off
	}{
		{"nothing set", Settings{}, nil, all(LevelOff)},
		{"a logger without levels lets its handler decide", Settings{Logger: custom}, nil, all(LevelTrace)},
		{"env per component", Settings{}, map[string]string{EnvCommand: "debug", EnvConnection: "info"},
			[NumComponents]slog.Level{LevelDebug, LevelOff, LevelOff, LevelInfo}},
		{"env all", Settings{}, map[string]string{EnvAll: "warn"}, all(LevelWarning)},
		{"component env wins over all", Settings{}, map[string]string{EnvAll: "warn", EnvTopology: "trace"},
			[NumComponents]slog.Level{LevelWarning, LevelTrace, LevelWarning, LevelWarning}},
		{"invalid env is unset", Settings{}, map[string]string{EnvAll: "loud", EnvServerSelection: "debug"},
			[NumComponents]slog.Level{LevelOff, LevelOff, LevelDebug, LevelOff}},
		{"invalid component env falls back to all", Settings{}, map[string]string{EnvAll: "info", EnvCommand: "chatty"}, all(LevelInfo)},
		{"code wins over env", Settings{Levels: [NumComponents]slog.Level{LevelError}, LevelSet: [NumComponents]bool{true}},
			map[string]string{EnvAll: "debug", EnvCommand: "trace"},
			[NumComponents]slog.Level{LevelError, LevelDebug, LevelDebug, LevelDebug}},
		{"code off wins over env", Settings{Logger: custom, Levels: all(LevelOff), LevelSet: [NumComponents]bool{true, true, true, true}},
			map[string]string{EnvAll: "debug"}, all(LevelOff)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := map[string]string{EnvPath: os.DevNull}
			for k, v := range tc.env {
				e[k] = v
			}
			l, _ := New(tc.s, env(e))
			defer l.Close()
			if tc.want == all(LevelOff) {
				if l != nil {
					t.Fatalf("logger %+v, want nil", l.min)
				}
				return
			}
			if l == nil {
				t.Fatal("nil logger")
			}
			if l.min != tc.want {
				t.Errorf("levels %v, want %v", l.min, tc.want)
			}
		})
	}
}

func TestNewMaxDocumentLength(t *testing.T) {
	on := map[string]string{EnvAll: "debug"}
	for _, tc := range []struct {
		code int
		env  string
		want int
		warn bool
	}{
		{0, "", DefaultMaxDocumentLength, false},
		{0, "50", 50, false},
		{0, "0", 0, false},
		{0, "-3", DefaultMaxDocumentLength, true},
		{0, "many", DefaultMaxDocumentLength, true},
		{20, "50", 20, false},
	} {
		e := map[string]string{EnvMaxDocumentLength: tc.env, EnvPath: os.DevNull}
		for k, v := range on {
			e[k] = v
		}
		l, warnings := New(Settings{MaxDocumentLength: tc.code}, env(e))
		if got := l.MaxDocumentLength(); got != tc.want {
			t.Errorf("code %d, env %q: %d, want %d", tc.code, tc.env, got, tc.want)
		}
		if (len(warnings) > 0) != tc.warn {
			t.Errorf("code %d, env %q: warnings %q", tc.code, tc.env, warnings)
		}
		l.Close()
	}
	var nilLogger *Logger
	if nilLogger.MaxDocumentLength() != DefaultMaxDocumentLength {
		t.Error("nil logger's MaxDocumentLength")
	}
}

func TestNewPathFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "driver.log")
	if err := os.WriteFile(path, []byte("earlier line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, warnings := New(Settings{}, env(map[string]string{EnvCommand: "debug", EnvPath: path}))
	if len(warnings) > 0 {
		t.Fatal(warnings)
	}
	l.Log(Command, LevelDebug, "Command started", slog.String("commandName", "ping"))
	l.Log(Command, LevelTrace, "not emitted")
	l.Log(Topology, LevelEmergency, "not emitted either: topology is off")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || lines[0] != "earlier line" {
		t.Fatalf("file holds %q; want the earlier line and one message", data)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
		t.Fatal(err)
	}
	if m["msg"] != "Command started" || m["component"] != "command" || m["commandName"] != "ping" || m["level"] != "DEBUG" {
		t.Errorf("message %v", m)
	}
}

func TestNewBadPathFallsBackToStderr(t *testing.T) {
	l, warnings := New(Settings{}, env(map[string]string{EnvAll: "emergency", EnvPath: filepath.Join(t.TempDir(), "no", "such", "dir", "x.log")}))
	if l == nil || len(warnings) != 1 || !strings.Contains(warnings[0], EnvPath) {
		t.Fatalf("logger %v, warnings %q", l, warnings)
	}
	if l.closer != nil {
		t.Error("a file was opened")
	}
}

func TestWarningsLogged(t *testing.T) {
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: LevelTrace})
	l, _ := New(Settings{Logger: slog.New(h)}, env(map[string]string{EnvCommand: "loud"}))
	if l == nil || !strings.Contains(buf.String(), `"component":"logging"`) || !strings.Contains(buf.String(), EnvCommand) {
		t.Fatalf("warning not logged: %s", buf.String())
	}
}

// countingHandler counts the records it handles, with a level.
type countingHandler struct {
	level slog.Level
	n     int
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h *countingHandler) Handle(context.Context, slog.Record) error    { h.n++; return nil }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *countingHandler) WithGroup(string) slog.Handler                { return h }

func TestEnabled(t *testing.T) {
	h := &countingHandler{level: slog.LevelInfo}
	l, _ := New(Settings{Logger: slog.New(h), Levels: [NumComponents]slog.Level{LevelDebug, LevelWarning}, LevelSet: [NumComponents]bool{true, true}}, env(nil))
	for _, tc := range []struct {
		c     Component
		level slog.Level
		want  bool
	}{
		{Command, LevelDebug, false}, // the handler wants info and above
		{Command, LevelInfo, true},
		{Topology, LevelInfo, false}, // the component wants warn and above
		{Topology, LevelWarning, true},
		{ServerSelection, LevelInfo, true}, // unset: the handler decides
		{ServerSelection, LevelDebug, false},
	} {
		if got := l.Enabled(tc.c, tc.level); got != tc.want {
			t.Errorf("Enabled(%v, %v) = %v, want %v", tc.c, tc.level, got, tc.want)
		}
		l.Log(tc.c, tc.level, "m")
	}
	if h.n != 3 {
		t.Errorf("%d records handled, want 3", h.n)
	}
	var nilLogger *Logger
	if nilLogger.Enabled(Command, LevelEmergency) {
		t.Error("a nil logger is enabled")
	}
	nilLogger.Log(Command, LevelEmergency, "nothing")
}

func TestDocument(t *testing.T) {
	l, _ := New(Settings{Logger: slog.New(&countingHandler{}), MaxDocumentLength: 12}, env(nil))
	doc := []byte{0x16, 0, 0, 0, 0x02, 'a', 0, 0x0a, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 'w', 'o', 'r', 'l', 0, 0}
	doc[0] = byte(len(doc))
	// {"a": "helloworl"} is 17 characters of extended JSON.
	if got := l.Document(doc); got != `{"a":"hellow...` {
		t.Errorf("Document = %q", got)
	}
	if got := l.Document([]byte{1, 2}); !strings.HasPrefix(got, "invalid docu") {
		t.Errorf("Document of garbage = %q", got)
	}
}

func TestServer(t *testing.T) {
	for _, tc := range []struct {
		addr, host string
		port       int64
		hasPort    bool
	}{
		{"localhost:27017", "localhost", 27017, true},
		{"[::1]:27018", "::1", 27018, true},
		{"/tmp/mongodb-27017.sock", "/tmp/mongodb-27017.sock", 0, false},
		{"noport", "noport", 0, false},
	} {
		h, p, ok := Server(tc.addr)
		if h.Value.String() != tc.host || ok != tc.hasPort || (ok && p.Value.Int64() != tc.port) {
			t.Errorf("Server(%q) = %v, %v, %v", tc.addr, h, p, ok)
		}
	}
}

func TestComponentString(t *testing.T) {
	want := []string{"command", "topology", "serverSelection", "connection"}
	for c := range NumComponents {
		if c.String() != want[c] {
			t.Errorf("component %d is %q, want %q", c, c.String(), want[c])
		}
	}
	if NumComponents.String() != "unknown" {
		t.Error(NumComponents.String())
	}
}

func TestDocumentMultiByteCut(t *testing.T) {
	var doc []byte
	doc = append(doc, 0, 0, 0, 0, 0x02, 's', 0)
	str := strings.Repeat("日", 2000)
	n := len(str) + 1
	doc = append(doc, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	doc = append(doc, str...)
	doc = append(doc, 0, 0)
	doc[0], doc[1] = byte(len(doc)), byte(len(doc)>>8)
	for max := 8; max <= 16; max++ {
		l, _ := New(Settings{Logger: slog.New(&countingHandler{}), MaxDocumentLength: max}, env(nil))
		got := l.Document(doc)
		cut, ok := strings.CutSuffix(got, Ellipsis)
		if !ok || !utf8.ValidString(got) || len(cut) > max || len(cut) < max-2 || !strings.HasPrefix(`{"s":"`+str, cut) {
			t.Errorf("max %d: %q", max, got)
		}
	}
}
