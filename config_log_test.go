package motor_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

func TestLogLevelNames(t *testing.T) {
	for _, tc := range []struct {
		l     motor.LogLevel
		name  string
		level slog.Level
	}{
		{motor.LogEmergency, "emergency", motor.LevelEmergency},
		{motor.LogAlert, "alert", motor.LevelAlert},
		{motor.LogCritical, "critical", motor.LevelCritical},
		{motor.LogError, "error", slog.LevelError},
		{motor.LogWarning, "warn", slog.LevelWarn},
		{motor.LogNotice, "notice", motor.LevelNotice},
		{motor.LogInfo, "info", slog.LevelInfo},
		{motor.LogDebug, "debug", slog.LevelDebug},
		{motor.LogTrace, "trace", motor.LevelTrace},
	} {
		if got := tc.l.String(); got != tc.name {
			t.Errorf("%d: String %q, want %q", tc.l, got, tc.name)
		}
		if got := tc.l.SlogLevel(); got != tc.level {
			t.Errorf("%s: SlogLevel %v, want %v", tc.name, got, tc.level)
		}
		if got, ok := motor.ParseLogLevel(strings.ToUpper(tc.name)); !ok || got != tc.l {
			t.Errorf("ParseLogLevel(%q) = %v, %v", tc.name, got, ok)
		}
	}
	if l, ok := motor.ParseLogLevel("off"); !ok || l != motor.LogOff || l.String() != "off" {
		t.Errorf("off: %v %v", l, ok)
	}
	if motor.LogOff.SlogLevel() <= motor.LevelEmergency || motor.LogUnset.SlogLevel() <= motor.LevelEmergency {
		t.Error("off and unset do not stand above every level")
	}
	if motor.LogUnset.String() != "unset" || motor.LogLevel(42).String() != "invalid" {
		t.Error("names of unset and invalid levels")
	}
}

func TestLogConfigValidate(t *testing.T) {
	for name, edit := range map[string]func(*motor.Config){
		"MaxDocumentLength":         func(c *motor.Config) { c.MaxDocumentLength = -1 },
		"LogLevels.Command":         func(c *motor.Config) { c.LogLevels.Command = motor.LogTrace + 1 },
		"LogLevels.ServerSelection": func(c *motor.Config) { c.LogLevels.ServerSelection = -1 },
	} {
		cfg, err := motor.ParseURI("mongodb://localhost")
		if err != nil {
			t.Fatal(err)
		}
		edit(cfg)
		var ce *motor.ConfigError
		if err := cfg.Validate(); !errors.As(err, &ce) || ce.Option != name {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}

// TestLogEnvironment: the environment enables components the code leaves
// unset, and the code wins over it; without a Logger, MONGODB_LOG_PATH
// names the file the JSON messages are appended to.
func TestLogEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "motor.log")
	t.Setenv("MONGODB_LOG_ALL", "debug")
	t.Setenv("MONGODB_LOG_CONNECTION", "off")
	t.Setenv("MONGODB_LOG_PATH", path)
	t.Setenv("MONGODB_LOG_MAX_DOCUMENT_LENGTH", "30")
	uri := testenv.URI(t, testenv.Options{})

	// A Logger in code, the command component set off in code: the
	// environment enables topology and server selection only.
	h := &logRecorder{}
	c := connect(t, uri, func(cfg *motor.Config) {
		cfg.Logger = slog.New(h)
		cfg.LogLevels.Command = motor.LogOff
	})
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(h.of("command")) != 0 || len(h.of("connection")) != 0 {
		t.Error("command or connection messages, which are off")
	}
	if len(h.of("serverSelection")) == 0 || len(h.of("topology")) == 0 {
		t.Error("no server selection or topology message, which MONGODB_LOG_ALL enables")
	}

	// No Logger: the messages go to the file, cut at 30 bytes.
	c2 := connect(t, uri, nil)
	if err := c2.Database("admin").RunCommand(context.Background(), bson.D{{Key: "ping", Value: 1}, {Key: "comment", Value: strings.Repeat("x", 100)}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{`"msg":"Command started"`, `"component":"command"`, `"component":"topology"`, `"level":"DEBUG"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the log file has no %s", want)
		}
	}
	if strings.Contains(text, `"component":"connection"`) {
		t.Error("the log file has connection messages, which MONGODB_LOG_CONNECTION turns off")
	}
	if strings.Contains(text, strings.Repeat("x", 40)) {
		t.Error("a command was not cut at MONGODB_LOG_MAX_DOCUMENT_LENGTH")
	}
}
