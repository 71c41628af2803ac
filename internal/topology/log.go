package topology

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/logger"
)

// logging reports whether the SDAM log messages (component topology) are
// emitted.
func (t *Topology) logging() bool {
	return t.log.Enabled(logger.Topology, logger.LevelDebug)
}

// logTopology emits a message about the whole topology.
func (t *Topology) logTopology(msg string, id bson.ObjectID) {
	t.log.Log(logger.Topology, logger.LevelDebug, msg, slog.String("topologyId", id.Hex()))
}

// logServer emits a message about one server of the topology.
func (t *Topology) logServer(msg string, id bson.ObjectID, addr string) {
	attrs := logger.AppendServer([]slog.Attr{slog.String("topologyId", id.Hex())}, addr)
	t.log.Log(logger.Topology, logger.LevelDebug, msg, attrs...)
}

// logChanged returns the function that emits "Topology description
// changed", with the descriptions rendered now, while they are current.
func (t *Topology) logChanged(id bson.ObjectID, old, new *Description) func() {
	prev, next := Describe(old), Describe(new)
	return func() {
		t.log.Log(logger.Topology, logger.LevelDebug, "Topology description changed",
			slog.String("topologyId", id.Hex()), slog.String("previousDescription", prev), slog.String("newDescription", next))
	}
}

// logHeartbeat emits a heartbeat message.
func (t *Topology) logHeartbeat(msg string, id bson.ObjectID, addr string, hc HeartbeatConn, awaited bool, more ...slog.Attr) {
	attrs := make([]slog.Attr, 0, 6+len(more))
	attrs = append(attrs, slog.String("topologyId", id.Hex()))
	attrs = logger.AppendServer(attrs, addr)
	attrs = append(attrs, slog.Int64("driverConnectionId", hc.DriverID))
	if hc.ServerID != 0 {
		attrs = append(attrs, slog.Int64("serverConnectionId", hc.ServerID))
	}
	attrs = append(attrs, slog.Bool("awaited", awaited))
	t.log.Log(logger.Topology, logger.LevelDebug, msg, append(attrs, more...)...)
}

// Describe renders a topology description for log messages: its type,
// replica set name and compatibility error when set, and each server's
// address, type and error.
func Describe(d *Description) string {
	var b strings.Builder
	b.WriteString("{type: ")
	b.WriteString(d.Kind.String())
	if d.SetName != "" {
		b.WriteString(", setName: ")
		b.WriteString(strconv.Quote(d.SetName))
	}
	if d.CompatibilityErr != nil {
		b.WriteString(", compatibilityError: ")
		b.WriteString(strconv.Quote(d.CompatibilityErr.Error()))
	}
	b.WriteString(", servers: [")
	for i := range d.Servers {
		sd := &d.Servers[i]
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{address: ")
		b.WriteString(sd.Addr)
		b.WriteString(", type: ")
		b.WriteString(sd.Kind.String())
		if sd.SetName != "" {
			b.WriteString(", setName: ")
			b.WriteString(strconv.Quote(sd.SetName))
		}
		if sd.RTT > 0 {
			b.WriteString(", roundTripTime: ")
			b.WriteString(sd.RTT.String())
		}
		if sd.Err != nil {
			b.WriteString(", error: ")
			b.WriteString(strconv.Quote(sd.Err.Error()))
		}
		b.WriteString("}")
	}
	b.WriteString("]}")
	return b.String()
}

// selectionLog emits the server selection messages of one selection.
type selectionLog struct {
	t     *Topology
	c     *Criteria
	debug bool // started, succeeded and failed are emitted
	info  bool // waiting is emitted
}

// newSelectionLog returns the logger of a selection for c; a value, so
// that a selection that logs nothing allocates nothing for it.
func (t *Topology) newSelectionLog(c *Criteria) selectionLog {
	return selectionLog{
		t: t, c: c,
		info:  t.log.Enabled(logger.ServerSelection, logger.LevelInfo),
		debug: t.log.Enabled(logger.ServerSelection, logger.LevelDebug),
	}
}

// log emits msg with the common fields, describing d.
func (s selectionLog) log(level slog.Level, msg string, d *Description, more ...slog.Attr) {
	attrs := make([]slog.Attr, 0, 4+len(more))
	attrs = append(attrs, slog.String("selector", s.c.String()))
	if s.c.OperationID != 0 {
		attrs = append(attrs, slog.Int64("operationId", s.c.OperationID))
	}
	attrs = append(attrs, slog.String("operation", s.c.Operation), slog.String("topologyDescription", Describe(d)))
	s.t.log.Log(logger.ServerSelection, level, msg, append(attrs, more...)...)
}

func (s selectionLog) started(d *Description) {
	if s.debug {
		s.log(logger.LevelDebug, "Server selection started", d)
	}
}

func (s selectionLog) succeeded(d *Description, addr string) {
	if s.debug {
		s.log(logger.LevelDebug, "Server selection succeeded", d, logger.AppendServer(nil, addr)...)
	}
}

func (s selectionLog) failed(d *Description, err error) {
	if s.debug {
		s.log(logger.LevelDebug, "Server selection failed", d, slog.String("failure", s.t.log.Failure(err)))
	}
}

func (s selectionLog) waiting(d *Description, remaining time.Duration) {
	if s.info {
		s.log(logger.LevelInfo, "Waiting for suitable server to become available", d, slog.Int64("remainingTimeMS", remaining.Milliseconds()))
	}
}
