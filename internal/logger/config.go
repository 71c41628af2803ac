package logger

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// The environment variables of the specification.
const (
	EnvCommand           = "MONGODB_LOG_COMMAND"
	EnvTopology          = "MONGODB_LOG_TOPOLOGY"
	EnvServerSelection   = "MONGODB_LOG_SERVER_SELECTION"
	EnvConnection        = "MONGODB_LOG_CONNECTION"
	EnvAll               = "MONGODB_LOG_ALL"
	EnvMaxDocumentLength = "MONGODB_LOG_MAX_DOCUMENT_LENGTH"
	EnvPath              = "MONGODB_LOG_PATH"
)

var componentEnv = [NumComponents]string{EnvCommand, EnvTopology, EnvServerSelection, EnvConnection}

// Settings is the logging configuration set in code. Its zero value sets
// nothing: the environment decides.
type Settings struct {
	// Logger receives the messages; nil means a JSON handler writing to
	// MONGODB_LOG_PATH (standard error by default), used only if the
	// environment enables a component.
	Logger *slog.Logger
	// Levels are the thresholds of the components whose LevelSet is true.
	Levels   [NumComponents]slog.Level
	LevelSet [NumComponents]bool
	// MaxDocumentLength, when positive, is the maximum length of a
	// document in a message.
	MaxDocumentLength int
}

// New returns the logger that s and the environment, read with getenv,
// describe, or nil when every component is off. Code wins over the
// environment: a component's level is the one set in s, else that of its
// environment variable, else that of MONGODB_LOG_ALL; a component set
// nowhere is off, unless s.Logger is set, in which case its handler alone
// decides. Invalid environment values count as unset; the warnings about
// them are returned, and logged at warn level with the component
// "logging" when the logger is not nil.
func New(s Settings, getenv func(string) string) (l *Logger, warnings []string) {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(name string) (slog.Level, bool) {
		v := getenv(name)
		if v == "" {
			return 0, false
		}
		level, ok := ParseLevel(v)
		if !ok {
			warnings = append(warnings, "invalid value "+strconv.Quote(v)+" of "+name+" ignored")
		}
		return level, ok
	}
	all, allSet := env(EnvAll)
	l = &Logger{maxDoc: DefaultMaxDocumentLength}
	on := false
	for c := range NumComponents {
		level := LevelOff
		switch lv, ok := env(componentEnv[c]); {
		case s.LevelSet[c]:
			level = s.Levels[c]
		case ok:
			level = lv
		case allSet:
			level = all
		case s.Logger != nil:
			level = LevelTrace
		}
		l.min[c] = level
		on = on || level < LevelOff
	}
	if v := getenv(EnvMaxDocumentLength); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			warnings = append(warnings, "invalid value "+strconv.Quote(v)+" of "+EnvMaxDocumentLength+" ignored")
		} else {
			l.maxDoc = n
		}
	}
	if s.MaxDocumentLength > 0 {
		l.maxDoc = s.MaxDocumentLength
	}
	if !on {
		return nil, warnings
	}
	if s.Logger != nil {
		l.h = s.Logger.Handler()
		l.warn(warnings)
		return l, warnings
	}
	var w io.Writer = os.Stderr
	switch path := getenv(EnvPath); strings.ToLower(path) {
	case "", "stderr":
	case "stdout":
		w = os.Stdout
	default:
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			warnings = append(warnings, EnvPath+": "+err.Error()+"; logging to standard error")
			break
		}
		w, l.closer = f, f
	}
	l.h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: LevelTrace, ReplaceAttr: replaceLevel})
	l.warn(warnings)
	return l, warnings
}

// warn logs the configuration warnings, whatever the thresholds.
func (l *Logger) warn(warnings []string) {
	for _, w := range warnings {
		r := slog.NewRecord(time.Now(), LevelWarning, w, 0)
		r.AddAttrs(slog.String(ComponentAttr, "logging"))
		_ = l.h.Handle(context.Background(), r)
	}
}

// replaceLevel names the levels slog does not know with the
// specification's names, as "TRACE", in the handler's output.
func replaceLevel(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey && len(groups) == 0 {
		if lv, ok := a.Value.Any().(slog.Level); ok {
			a.Value = slog.StringValue(strings.ToUpper(LevelName(lv)))
		}
	}
	return a
}
