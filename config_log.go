package motor

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/motor-go/motor/internal/logger"
)

// A LogLevel is the minimum severity of the messages a log component emits,
// one of the levels of the Logging specification. The zero value,
// LogUnset, leaves the choice to the environment.
type LogLevel int8

// The levels, from "unset" and "off" to the most verbose.
const (
	// LogUnset takes the level from the component's environment variable
	// (MONGODB_LOG_COMMAND and the others), else from MONGODB_LOG_ALL; a
	// component set nowhere is off, unless Config.Logger is set, whose
	// handler then decides alone.
	LogUnset     LogLevel = iota
	LogOff                // nothing is logged
	LogEmergency          // emergency (no message of the specifications uses it)
	LogAlert              // alert (unused too)
	LogCritical           // critical (unused too)
	LogError              // errors the driver cannot report through its API
	LogWarning            // "warn": situations where undesirable behavior may occur
	LogNotice             // unusual but not problematic events
	LogInfo               // "info": high-level information, such as waiting for a suitable server
	LogDebug              // detailed information: commands, checkouts, heartbeats, selections
	LogTrace              // very fine-grained details
)

// The slog levels of the specification's levels that slog does not name.
// Debug, Info, Warn and Error are slog's own.
const (
	// LevelTrace is below slog.LevelDebug.
	LevelTrace = logger.LevelTrace
	// LevelNotice is between slog.LevelInfo and slog.LevelWarn.
	LevelNotice = logger.LevelNotice
	// LevelCritical, LevelAlert and LevelEmergency are above
	// slog.LevelError.
	LevelCritical  = logger.LevelCritical
	LevelAlert     = logger.LevelAlert
	LevelEmergency = logger.LevelEmergency
)

var slogLevels = [...]slog.Level{
	LogOff:       logger.LevelOff,
	LogEmergency: logger.LevelEmergency,
	LogAlert:     logger.LevelAlert,
	LogCritical:  logger.LevelCritical,
	LogError:     logger.LevelError,
	LogWarning:   logger.LevelWarning,
	LogNotice:    logger.LevelNotice,
	LogInfo:      logger.LevelInfo,
	LogDebug:     logger.LevelDebug,
	LogTrace:     logger.LevelTrace,
}

// SlogLevel returns the slog level of l: the threshold a component set to
// l applies. It is the level of no message for LogOff and LogUnset.
func (l LogLevel) SlogLevel() slog.Level {
	if l <= LogUnset || int(l) >= len(slogLevels) {
		return logger.LevelOff
	}
	return slogLevels[l]
}

// String returns the specification's name of the level, as "debug"
// ("unset" for LogUnset).
func (l LogLevel) String() string {
	if l == LogUnset {
		return "unset"
	}
	if l < LogUnset || int(l) >= len(slogLevels) {
		return "invalid"
	}
	return logger.LevelName(slogLevels[l])
}

// ParseLogLevel parses a level name of the specification, as the
// environment variables take them: off, emergency, alert, critical, error,
// warn, notice, info, debug or trace, in any case. ok is false for
// anything else.
func ParseLogLevel(s string) (l LogLevel, ok bool) {
	lv, ok := logger.ParseLevel(s)
	if !ok {
		return LogUnset, false
	}
	for i, v := range slogLevels {
		if i != int(LogUnset) && v == lv {
			return LogLevel(i), true
		}
	}
	return LogUnset, false
}

// LogLevels are the levels of the log components of the Logging
// specification. A level set here wins over the environment.
type LogLevels struct {
	// Command: the command started, succeeded and failed messages
	// (MONGODB_LOG_COMMAND).
	Command LogLevel
	// Topology: server discovery and monitoring (MONGODB_LOG_TOPOLOGY).
	Topology LogLevel
	// ServerSelection: server selection (MONGODB_LOG_SERVER_SELECTION).
	ServerSelection LogLevel
	// Connection: the connection pools (MONGODB_LOG_CONNECTION).
	Connection LogLevel
}

// newLogger returns the client's logger, or nil when nothing is logged.
func newLogger(cfg *Config) *logger.Logger {
	s := logger.Settings{Logger: cfg.Logger, MaxDocumentLength: cfg.MaxDocumentLength}
	for i, l := range [logger.NumComponents]LogLevel{
		logger.Command:         cfg.LogLevels.Command,
		logger.Topology:        cfg.LogLevels.Topology,
		logger.ServerSelection: cfg.LogLevels.ServerSelection,
		logger.Connection:      cfg.LogLevels.Connection,
	} {
		if l != LogUnset {
			s.Levels[i], s.LevelSet[i] = l.SlogLevel(), true
		}
	}
	l, _ := logger.New(s, os.Getenv) // the warnings are logged
	return l
}

// validate reports a level out of range.
func (ls LogLevels) validate() error {
	for _, f := range []struct {
		name string
		l    LogLevel
	}{{"Command", ls.Command}, {"Topology", ls.Topology}, {"ServerSelection", ls.ServerSelection}, {"Connection", ls.Connection}} {
		if f.l < LogUnset || f.l > LogTrace {
			return configError("LogLevels."+f.name, fmt.Sprintf("invalid level %d", f.l))
		}
	}
	return nil
}
