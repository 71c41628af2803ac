package op

import (
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/conn"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/mongoerr"
)

func nextRequestID() int32 { return wire.NextRequestID() }

// commandEvent fills what the three events share.
func (a *attempt) commandEvent(pc *cluster.Conn, cmd *conn.Command) event.CommandEvent {
	e := event.CommandEvent{
		CommandName:        a.cmd.Name,
		DatabaseName:       a.cmd.DB,
		RequestID:          int64(cmd.RequestID),
		OperationID:        a.opID,
		ConnectionID:       pc.ID(),
		ServerConnectionID: pc.Conn().Description().ConnectionID,
		Address:            pc.Address(),
	}
	if id, ok := pc.ServiceID(); ok {
		e.ServiceID = &id
	}
	return e
}

// sensitive reports whether the command's contents must not be shown.
func (a *attempt) sensitive(body []byte) bool {
	return auth.IsSensitive(a.cmd.Name, body)
}

func (a *attempt) started(pc *cluster.Conn, cmd *conn.Command) {
	var f func(event.CommandStartedEvent)
	if m := a.x.Monitor; m != nil {
		f = m.Started
	}
	logging := a.logging()
	if f == nil && !logging {
		return
	}
	e := event.CommandStartedEvent{CommandEvent: a.commandEvent(pc, cmd)}
	if a.sensitive(cmd.Body) {
		e.Command = emptyDoc
	} else {
		// The connection adds $db and the Stable API fields; monitoring
		// shows the command as sent, with the document sequences as
		// arrays, as the specification asks.
		extra := bson.D{{Key: "$db", Value: a.cmd.DB}}
		if api := a.x.ServerAPI; api != nil {
			extra = append(extra, bson.E{Key: "apiVersion", Value: api.Version})
			if api.Strict != nil {
				extra = append(extra, bson.E{Key: "apiStrict", Value: *api.Strict})
			}
			if api.DeprecationErrors != nil {
				extra = append(extra, bson.E{Key: "apiDeprecationErrors", Value: *api.DeprecationErrors})
			}
		}
		for _, s := range cmd.Sequences {
			var arr bson.A
			for d := range s.Documents() {
				arr = append(arr, d)
			}
			extra = append(extra, bson.E{Key: s.Identifier, Value: arr})
		}
		e.Command, _ = AppendFields(cmd.Body, extra)
	}
	if logging {
		a.logStarted(&e)
	}
	if f != nil {
		f(e)
	}
}

func (a *attempt) succeeded(pc *cluster.Conn, cmd *conn.Command, d time.Duration, reply bson.Raw) {
	var f func(event.CommandSucceededEvent)
	if m := a.x.Monitor; m != nil {
		f = m.Succeeded
	}
	logging := a.logging()
	if f == nil && !logging {
		return
	}
	e := event.CommandSucceededEvent{CommandEvent: a.commandEvent(pc, cmd), Duration: d, Reply: reply}
	if a.sensitive(cmd.Body) {
		e.Reply = emptyDoc
	}
	if logging {
		a.logSucceeded(&e)
	}
	if f != nil {
		f(e)
	}
}

func (a *attempt) failed(pc *cluster.Conn, cmd *conn.Command, d time.Duration, err error) {
	var f func(event.CommandFailedEvent)
	if m := a.x.Monitor; m != nil {
		f = m.Failed
	}
	logging := a.logging()
	if f == nil && !logging {
		return
	}
	e := event.CommandFailedEvent{CommandEvent: a.commandEvent(pc, cmd), Duration: d, Failure: err}
	redacted := false
	if se, ok := err.(*mongoerr.ServerError); ok && a.sensitive(cmd.Body) {
		// Only the code, code name and labels are kept, as the
		// specification requires: the message may quote the secrets.
		r := *se
		r.Raw, r.Message = nil, ""
		e.Failure = &r
		redacted = true
	}
	if logging {
		a.logFailed(&e, redacted)
	}
	if f != nil {
		f(e)
	}
}

var emptyDoc = bson.Raw{5, 0, 0, 0, 0}
