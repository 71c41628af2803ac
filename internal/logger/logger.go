// Package logger is the machinery behind the driver's log messages, as the
// Logging specification defines them: components with a severity
// threshold each, messages emitted through a log/slog handler with the
// specification's message text and fields as attributes, and documents
// rendered as relaxed extended JSON truncated to a maximum length.
//
// # Levels
//
// The specification's severity levels map onto slog levels: Debug, Info,
// Warn and Error are slog's own; Trace sits below Debug, Notice between
// Info and Warn, and Critical, Alert and Emergency above Error. Off is a
// threshold no message reaches.
//
// # Cost
//
// A nil *Logger is valid and logs nothing. Callers ask Enabled before they
// compute anything a message needs (extended JSON, descriptions), so that a
// component that is off costs a comparison.
package logger

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// Component is a log component of the specification.
type Component uint8

// The components.
const (
	Command         Component = iota // command monitoring messages
	Topology                         // server discovery and monitoring messages
	ServerSelection                  // server selection messages
	Connection                       // connection pool messages
	// NumComponents is the number of components.
	NumComponents
)

var componentNames = [NumComponents]string{"command", "topology", "serverSelection", "connection"}

// String returns the component's name in the specification, as
// "serverSelection"; it is the value of the "component" attribute.
func (c Component) String() string {
	if c < NumComponents {
		return componentNames[c]
	}
	return "unknown"
}

// ComponentAttr is the key of the attribute holding a message's component.
const ComponentAttr = "component"

// DefaultMaxDocumentLength is the specification's default maximum length
// of a document in a log message.
const DefaultMaxDocumentLength = 1000

// Logger emits the driver's log messages for one client.
type Logger struct {
	h      slog.Handler
	min    [NumComponents]slog.Level
	maxDoc int
	closer io.Closer // the file of MONGODB_LOG_PATH, if the logger opened one
}

// Enabled reports whether a message of component c at level would be
// emitted: the component's threshold lets it through and so does the
// handler. It is false on a nil Logger.
func (l *Logger) Enabled(c Component, level slog.Level) bool {
	return l != nil && level >= l.min[c] && l.h.Enabled(context.Background(), level)
}

// On reports whether component c's threshold lets messages at level
// through, whatever the handler says: whether it is worth watching for
// them at all, as a handler's level may change (a slog.LevelVar). Enabled
// still decides each message.
func (l *Logger) On(c Component, level slog.Level) bool {
	return l != nil && level >= l.min[c]
}

// Log emits a message of component c at level, with the attributes given
// and the component's, if Enabled says it would be. Callers check Enabled
// first when building the attributes costs anything.
func (l *Logger) Log(c Component, level slog.Level, msg string, attrs ...slog.Attr) {
	if !l.Enabled(c, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(slog.String(ComponentAttr, c.String()))
	r.AddAttrs(attrs...)
	_ = l.h.Handle(context.Background(), r) // a handler's failure is not the operation's
}

// MaxDocumentLength is the length at which documents and errors are
// truncated.
func (l *Logger) MaxDocumentLength() int {
	if l == nil {
		return DefaultMaxDocumentLength
	}
	return l.maxDoc
}

// Close closes the log file the logger opened for MONGODB_LOG_PATH, if
// any. Nil-safe.
func (l *Logger) Close() error {
	if l == nil || l.closer == nil {
		return nil
	}
	return l.closer.Close()
}
