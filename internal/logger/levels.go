package logger

import (
	"log/slog"
	"strings"
)

// The specification's severity levels as slog levels.
const (
	LevelTrace     = slog.LevelDebug - 4
	LevelDebug     = slog.LevelDebug
	LevelInfo      = slog.LevelInfo
	LevelNotice    = slog.LevelInfo + 2
	LevelWarning   = slog.LevelWarn
	LevelError     = slog.LevelError
	LevelCritical  = slog.LevelError + 4
	LevelAlert     = slog.LevelError + 8
	LevelEmergency = slog.LevelError + 12
	// LevelOff is a threshold above every level: nothing is logged.
	LevelOff = slog.Level(1 << 30)
)

// levelNames are the names of the specification (the values of its
// environment variables), most severe first.
var levelNames = []struct {
	name  string
	level slog.Level
}{
	{"off", LevelOff},
	{"emergency", LevelEmergency},
	{"alert", LevelAlert},
	{"critical", LevelCritical},
	{"error", LevelError},
	{"warn", LevelWarning},
	{"notice", LevelNotice},
	{"info", LevelInfo},
	{"debug", LevelDebug},
	{"trace", LevelTrace},
}

// ParseLevel parses a level name of the specification, case-insensitively:
// off, emergency, alert, critical, error, warn, notice, info, debug or
// trace; "warning" and "informational" are accepted too. ok is false for
// anything else.
func ParseLevel(s string) (level slog.Level, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "warning":
		s = "warn"
	case "informational":
		s = "info"
	}
	for _, n := range levelNames {
		if n.name == s {
			return n.level, true
		}
	}
	return 0, false
}

// LevelName returns the specification's name of the most severe level that
// l reaches, as "debug" for LevelDebug and "trace" for anything below it;
// "off" for LevelOff and above.
func LevelName(l slog.Level) string {
	for _, n := range levelNames {
		if l >= n.level {
			return n.name
		}
	}
	return "trace"
}
