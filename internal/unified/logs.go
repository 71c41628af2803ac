package unified

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/logger"
)

// observedLog is a log message a client entity emitted, with its
// attributes as the data document the format's expectedLogMessage
// matches: "message" first, then the fields in the order they came.
type observedLog struct {
	level     slog.Level
	component string
	data      bson.Raw
}

func (m *observedLog) String() string {
	return fmt.Sprintf("%s/%s %s", m.component, logger.LevelName(m.level), m.data)
}

// logCapture is the slog.Handler the runner gives a client entity that
// sets observeLogMessages: it records every message while the test's
// operations run. The client's LogLevels do the filtering, so it enables
// every level.
type logCapture struct {
	mu        sync.Mutex
	listening bool
	msgs      []*observedLog
	errs      []error // attributes the runner cannot turn into BSON
}

func newLogCapture() *logCapture { return &logCapture{listening: true} }

// Enabled implements slog.Handler.
func (*logCapture) Enabled(context.Context, slog.Level) bool { return true }

// WithAttrs implements slog.Handler; the driver does not call it.
func (h *logCapture) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup implements slog.Handler; the driver does not call it.
func (h *logCapture) WithGroup(string) slog.Handler { return h }

// Handle implements slog.Handler.
func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	m := &observedLog{level: r.Level}
	d := bson.D{{Key: "message", Value: r.Message}}
	var bad error
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == logger.ComponentAttr {
			m.component = a.Value.String()
			return true
		}
		v, err := attrValue(a.Value)
		if err != nil {
			bad = fmt.Errorf("unified: log message %q: attribute %q: %w", r.Message, a.Key, err)
			return false
		}
		d = append(d, bson.E{Key: a.Key, Value: v})
		return true
	})
	raw, err := bson.Marshal(d)
	if err == nil {
		err = bad
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.listening {
		return nil
	}
	if err != nil {
		h.errs = append(h.errs, err)
		return nil
	}
	m.data = raw
	h.msgs = append(h.msgs, m)
	return nil
}

// attrValue converts an attribute's value to the BSON value it is matched
// as: strings, integers (as int64), floats, booleans.
func attrValue(v slog.Value) (any, error) {
	switch v.Kind() {
	case slog.KindString:
		return v.String(), nil
	case slog.KindInt64:
		return v.Int64(), nil
	case slog.KindUint64:
		return int64(v.Uint64()), nil
	case slog.KindFloat64:
		return v.Float64(), nil
	case slog.KindBool:
		return v.Bool(), nil
	case slog.KindDuration:
		return float64(v.Duration().Microseconds()) / 1000, nil
	}
	return nil, fmt.Errorf("unsupported attribute kind %v", v.Kind())
}

// stop ends the recording.
func (h *logCapture) stop() {
	h.mu.Lock()
	h.listening = false
	h.mu.Unlock()
}

// snapshot returns the messages recorded and the first error met.
func (h *logCapture) snapshot() ([]*observedLog, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) > 0 {
		return nil, h.errs[0]
	}
	return append([]*observedLog(nil), h.msgs...), nil
}

// logsOff turns every log component off.
var logsOff = motor.LogLevels{Command: motor.LogOff, Topology: motor.LogOff, ServerSelection: motor.LogOff, Connection: motor.LogOff}

// logLevels parses observeLogMessages into the levels of a client's
// configuration: the components named get their level, the others are off
// (whatever the environment says).
func logLevels(d bson.Raw) (motor.LogLevels, error) {
	ls := logsOff
	for k, v := range d.Elements() {
		l, ok := motor.ParseLogLevel(v.StringValue())
		if !ok {
			return ls, fmt.Errorf("unified: observeLogMessages: unknown level %s for %q", v, k)
		}
		switch k {
		case "command":
			ls.Command = l
		case "topology":
			ls.Topology = l
		case "serverSelection":
			ls.ServerSelection = l
		case "connection":
			ls.Connection = l
		default:
			return ls, fmt.Errorf("unified: observeLogMessages: unknown component %q", k)
		}
	}
	return ls, nil
}

// checkLogMessages evaluates the test's expectLogMessages.
func (tr *testRun) checkLogMessages() error {
	for i, el := range tr.test.expectLogMessages {
		path := fmt.Sprintf("$expectLogMessages[%d]", i)
		c, err := entityAs[*clientEntity](tr.entities, el.Lookup("client").StringValue(), "client")
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if c.logs == nil {
			return fmt.Errorf("unified: %s: client %q does not observe log messages", path, c.id)
		}
		all, err := c.logs.snapshot()
		if err != nil {
			return err
		}
		var got []*observedLog
	next:
		for _, m := range all {
			for j, ign := range docs(el.Lookup("ignoreMessages")) {
				err := tr.m.matchLog(fmt.Sprintf("%s.ignoreMessages[%d]", path, j), ign, m)
				if err == nil {
					continue next
				}
				if !isFailure(err) {
					return err
				}
			}
			got = append(got, m)
		}
		want := docs(el.Lookup("messages"))
		ignoreExtra := el.Lookup("ignoreExtraMessages").Boolean()
		if len(got) < len(want) || !ignoreExtra && len(got) != len(want) {
			return &ExpectationError{Msg: fmt.Sprintf("%s: client %q: %d log message(s) observed, want %d: %s",
				path, c.id, len(got), len(want), describeLogs(got))}
		}
		for j, w := range want {
			if err := tr.m.matchLog(fmt.Sprintf("%s.messages[%d]", path, j), w, got[j]); err != nil {
				return fmt.Errorf("%w (observed: %s)", err, describeLogs(got))
			}
		}
	}
	return nil
}

// matchLog checks an observed message against an expectedLogMessage.
func (m *matcher) matchLog(path string, exp bson.Raw, got *observedLog) error {
	level, ok := logger.ParseLevel(exp.Lookup("level").StringValue())
	if !ok {
		return fmt.Errorf("unified: %s: unknown level %s", path, exp.Lookup("level"))
	}
	if got.level != level {
		return mismatch(path+".level", "expected %s, got %s (%s)", exp.Lookup("level").StringValue(), logger.LevelName(got.level), got)
	}
	if want := exp.Lookup("component").StringValue(); got.component != want {
		return mismatch(path+".component", "expected %q, got %q (%s)", want, got.component, got)
	}
	if err := m.match(path+".data", exp.Lookup("data"), docValue(got.data), true); err != nil {
		return err
	}
	if v := exp.Lookup("failureIsRedacted"); v.Type != 0 {
		// A failure is a string; a redacted one is the empty string.
		f, ok := got.data.Lookup("failure").StringValueOK()
		switch {
		case !ok:
			return mismatch(path+".data.failure", "expected a failure, got %s", show(got.data.Lookup("failure")))
		case v.Boolean() && f != "":
			return mismatch(path+".data.failure", "expected a redacted failure, got %q", f)
		case !v.Boolean() && f == "":
			return mismatch(path+".data.failure", "expected a failure that is not redacted, got the redacted one")
		}
	}
	return nil
}

// describeLogs lists messages for an error.
func describeLogs(msgs []*observedLog) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.String()
	}
	s := "[" + strings.Join(parts, ", ") + "]"
	if len(s) > 4000 {
		s = s[:4000] + "..."
	}
	return s
}

// clear forgets the messages recorded so far. Nil-safe.
func (h *logCapture) clear() {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.msgs = nil
	h.mu.Unlock()
}
