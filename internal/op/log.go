package op

import (
	"log/slog"
	"sync/atomic"

	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/logger"
)

// operationIDs numbers the operations of the process, from 1.
var operationIDs atomic.Int64

func nextOperationID() int64 { return operationIDs.Add(1) }

// logging reports whether the command log messages are emitted.
func (a *attempt) logging() bool {
	return a.x.Log.Enabled(logger.Command, logger.LevelDebug)
}

// commandAttrs returns the fields all command log messages share, with
// room for the n more the message adds.
func commandAttrs(e *event.CommandEvent, n int) []slog.Attr {
	attrs := make([]slog.Attr, 0, 10+n)
	attrs = append(attrs,
		slog.String("commandName", e.CommandName),
		slog.String("databaseName", e.DatabaseName),
		slog.Int64("requestId", e.RequestID),
		slog.Int64("operationId", e.OperationID),
		slog.Int64("driverConnectionId", e.ConnectionID),
	)
	attrs = logger.AppendServer(attrs, e.Address)
	if e.ServerConnectionID != 0 {
		attrs = append(attrs, slog.Int64("serverConnectionId", e.ServerConnectionID))
	}
	if e.ServiceID != nil {
		attrs = append(attrs, slog.String("serviceId", e.ServiceID.Hex()))
	}
	return attrs
}

// logStarted emits "Command started". The command of a sensitive command
// is already the empty document.
func (a *attempt) logStarted(e *event.CommandStartedEvent) {
	l := a.x.Log
	attrs := append(commandAttrs(&e.CommandEvent, 1), slog.String("command", l.Document(e.Command)))
	l.Log(logger.Command, logger.LevelDebug, "Command started", attrs...)
}

// logSucceeded emits "Command succeeded".
func (a *attempt) logSucceeded(e *event.CommandSucceededEvent) {
	l := a.x.Log
	attrs := append(commandAttrs(&e.CommandEvent, 2), logger.Duration(e.Duration), slog.String("reply", l.Document(e.Reply)))
	l.Log(logger.Command, logger.LevelDebug, "Command succeeded", attrs...)
}

// logFailed emits "Command failed". The failure of a sensitive command
// that the server reported is redacted to the empty string; network
// errors are not redacted.
func (a *attempt) logFailed(e *event.CommandFailedEvent, redacted bool) {
	l := a.x.Log
	failure := ""
	if !redacted {
		failure = l.Failure(e.Failure)
	}
	attrs := append(commandAttrs(&e.CommandEvent, 2), logger.Duration(e.Duration), slog.String("failure", failure))
	l.Log(logger.Command, logger.LevelDebug, "Command failed", attrs...)
}
