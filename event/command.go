package event

import (
	"time"

	"github.com/motor-go/motor/bson"
)

// CommandMonitor receives the events of the Command Logging and Monitoring
// specification: one Started event for every command sent, then one
// Succeeded or Failed event. Commands that carry credentials (saslStart,
// authenticate, createUser and the others the specification lists, and a
// hello with speculativeAuthenticate) are reported with an empty Command and
// Reply.
type CommandMonitor struct {
	// Started is called just before the command is sent.
	Started func(CommandStartedEvent)
	// Succeeded is called when the command's reply says ok: 1.
	Succeeded func(CommandSucceededEvent)
	// Failed is called when the command failed: a reply with ok: 0, a
	// network error or a cancelled context.
	Failed func(CommandFailedEvent)
}

// CommandEvent holds what all command events share.
type CommandEvent struct {
	// CommandName is the command's name, as "find".
	CommandName string
	// DatabaseName is the database it ran against.
	DatabaseName string
	// RequestID is the wire protocol request ID of the command.
	RequestID int64
	// OperationID is the driver's ID for the operation the command is
	// part of: the commands a retried operation sends share it.
	OperationID int64
	// ConnectionID is the driver's ID for the connection it was sent on.
	ConnectionID int64
	// ServerConnectionID is the server's ID for that connection, 0 when
	// the server gave none.
	ServerConnectionID int64
	// Address is the server's address.
	Address string
	// ServiceID identifies the service behind a load balancer, nil
	// otherwise.
	ServiceID *bson.ObjectID
}

// CommandStartedEvent reports a command about to be sent.
type CommandStartedEvent struct {
	CommandEvent
	// Command is the command document, with $db and the fields the driver
	// adds. It is valid only during the callback: copy it to keep it.
	Command bson.Raw
}

// CommandSucceededEvent reports a command that succeeded.
type CommandSucceededEvent struct {
	CommandEvent
	// Duration is the time from sending the command to reading its reply.
	Duration time.Duration
	// Reply is the server's reply. It is valid only during the callback.
	Reply bson.Raw
}

// CommandFailedEvent reports a command that failed.
type CommandFailedEvent struct {
	CommandEvent
	// Duration is the time from sending the command to the failure.
	Duration time.Duration
	// Failure is the error: a *motor.ServerError for a reply with ok: 0.
	Failure error
}
