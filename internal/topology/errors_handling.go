package topology

import (
	"errors"
	"slices"
	"strings"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

// An ErrorKind says what failed in an application operation.
type ErrorKind uint8

// Kinds of application errors.
const (
	// CommandErr: the server answered with an error (ok: 0 or a write
	// concern error).
	CommandErr ErrorKind = iota + 1
	// NetworkErr: reading or writing the connection failed, other than by
	// timing out.
	NetworkErr
	// TimeoutErr: a read or write on the connection timed out.
	TimeoutErr
)

// OverloadedLabel is the error label that the pool puts on network errors
// of connection establishment, and that SDAM error handling ignores.
const OverloadedLabel = "SystemOverloadedError"

// Error codes of the SDAM specification.
var (
	recoveringCodes         = []int32{11600, 11602, 13436, 189, 91}
	notWritablePrimaryCodes = []int32{10107, 13435, 10058}
	shutdownCodes           = []int32{11600, 91}
)

// An AppError is an error that an application operation met on a
// connection to a server, as the SDAM error handling rules see it.
type AppError struct {
	// Addr is the server's address.
	Addr string
	// Kind is what failed.
	Kind ErrorKind
	// Generation is the connection's pool generation; for an error before
	// the handshake completed, the pool's generation when the attempt
	// started.
	Generation uint64
	// ServiceID is the connection's service (load balanced mode).
	ServiceID Nullable[bson.ObjectID]
	// HandshakeDone is set once the handshake (hello and authentication)
	// completed on the connection.
	HandshakeDone bool
	// Overloaded is set when the error carries the SystemOverloadedError
	// label.
	Overloaded bool
	// Failure is the server's answer, for a CommandErr.
	Failure CommandFailure
	// Err is the error itself, kept in the Unknown description it may cause.
	Err error
}

// NewAppError describes for [HandleError] the error err that an
// operation met on a connection to addr of the given pool generation and
// service: a *mongoerr.ServerError is a command error (its reply, when it
// has one, is read with [ParseCommandFailure]); a *mongoerr.NetworkError or
// any other error is a network error, a timeout if mongoerr.IsTimeout says
// so. The SystemOverloadedError label is taken from the error.
func NewAppError(addr string, err error, generation uint64, handshakeDone bool, serviceID Nullable[bson.ObjectID]) AppError {
	e := AppError{Addr: addr, Generation: generation, ServiceID: serviceID, HandshakeDone: handshakeDone, Err: err}
	var se *mongoerr.ServerError
	if errors.As(err, &se) {
		e.Kind = CommandErr
		if f, ok := ParseCommandFailure(se.Raw); ok && len(se.Raw) > 0 {
			e.Failure = f
		} else {
			e.Failure = CommandFailure{Code: se.Code, Message: se.Message, Labels: se.Labels}
		}
		e.Overloaded = slices.Contains(e.Failure.Labels, OverloadedLabel)
		return e
	}
	e.Kind = NetworkErr
	if mongoerr.IsTimeout(err) {
		e.Kind = TimeoutErr
	}
	e.Overloaded = mongoerr.HasLabel(err, OverloadedLabel)
	return e
}

// A CommandFailure is the part of a failed command's reply that SDAM
// reads: the code (0 when the reply has none), the message and the
// topologyVersion.
type CommandFailure struct {
	Code            int32                     // the error code, 0 if none
	Message         string                    // errmsg (or $err)
	TopologyVersion Nullable[TopologyVersion] // the server's topologyVersion
	Labels          []string                  // errorLabels
}

// ParseCommandFailure reads a command reply and returns the failure SDAM
// must consider: the reply's own error if ok is not 1 (or an OP_QUERY
// $err), otherwise its write concern error. Errors listed in writeErrors
// are not considered. It reports false for a reply without either.
func ParseCommandFailure(reply bson.Raw) (CommandFailure, bool) {
	var f CommandFailure
	var labels bson.RawValue
	switch {
	case !isOK(reply.Lookup("ok")) || reply.Lookup("$err").Type != 0:
		f.Code = int32(intValue(reply.Lookup("code")))
		f.Message = reply.Lookup("errmsg").StringValue()
		if m, ok := reply.Lookup("$err").StringValueOK(); ok {
			f.Message = m
		}
		labels = reply.Lookup("errorLabels")
	default:
		wce, ok := reply.Lookup("writeConcernError").DocumentOK()
		if !ok {
			return CommandFailure{}, false
		}
		f.Code = int32(intValue(wce.Lookup("code")))
		f.Message = wce.Lookup("errmsg").StringValue()
		if tv, ok := parseTopologyVersion(wce.Lookup("topologyVersion")); ok {
			f.TopologyVersion = Some(tv)
		}
		labels = wce.Lookup("errorLabels")
		if labels.Type == 0 {
			labels = reply.Lookup("errorLabels")
		}
	}
	if !f.TopologyVersion.Valid {
		if tv, ok := parseTopologyVersion(reply.Lookup("topologyVersion")); ok {
			f.TopologyVersion = Some(tv)
		}
	}
	f.Labels = stringList(labels)
	return f, true
}

// IsRecovering reports a "node is recovering" error: by code when there is
// one, by message otherwise.
func IsRecovering(code int32, msg string) bool {
	if code != 0 {
		return slices.Contains(recoveringCodes, code)
	}
	return strings.Contains(msg, "not master or secondary") || strings.Contains(msg, "node is recovering")
}

// IsNotWritablePrimary reports a "not writable primary" error: by code when
// there is one, by message otherwise.
func IsNotWritablePrimary(code int32, msg string) bool {
	if code != 0 {
		return slices.Contains(notWritablePrimaryCodes, code)
	}
	return !IsRecovering(0, msg) && strings.Contains(msg, "not master")
}

// IsShutdown reports a "node is shutting down" error, by code.
func IsShutdown(code int32) bool { return slices.Contains(shutdownCodes, code) }

// IsStateChange reports a state change error: "not writable primary" or
// "node is recovering".
func IsStateChange(code int32, msg string) bool {
	return IsRecovering(code, msg) || IsNotWritablePrimary(code, msg)
}

// An ErrorOutcome says what the driver must do about an application error,
// beyond replacing the description.
type ErrorOutcome struct {
	// Ignored: the error was stale (an older pool generation or
	// topologyVersion) or not one SDAM acts on.
	Ignored bool
	// MarkedUnknown: the server's description became Unknown.
	MarkedUnknown bool
	// ClearPool: clear the server's connection pool. Clearing must happen
	// before the new description is published.
	ClearPool bool
	// ServiceID limits the clear to the connections of one service (load
	// balanced mode), when set.
	ServiceID Nullable[bson.ObjectID]
	// RequestCheck: ask the server's monitor for an immediate check.
	RequestCheck bool
	// CancelCheck: cancel the monitor's check in progress and close its
	// connection.
	CancelCheck bool
}

// HandleError applies the SDAM rules for an error of an application
// operation to d, given the current generation of the server's pool (of
// the service's connections, in load balanced mode), and returns the next
// description and what else to do.
//
// A stale error changes nothing. A state change error marks the server
// Unknown (except in load balanced mode), keeping the error's
// topologyVersion, requests a check, and clears the pool only for "node is
// shutting down". A network error, or any error before the handshake
// completed, marks the server Unknown and clears its pool, except a timeout
// after the handshake (a slow operation, not a down server) and an error
// labeled SystemOverloadedError. Other command errors are ignored.
func HandleError(d Description, e AppError, poolGeneration uint64) (Description, ErrorOutcome) {
	cur, ok := d.Server(e.Addr)
	if !ok || e.Generation < poolGeneration {
		return d, ErrorOutcome{Ignored: true}
	}
	f := &e.Failure
	if e.Kind == CommandErr && CompareTopologyVersion(cur.TopologyVersion, f.TopologyVersion) >= 0 {
		return d, ErrorOutcome{Ignored: true}
	}
	var out ErrorOutcome
	switch {
	case e.Kind == CommandErr && IsStateChange(f.Code, f.Message):
		if d.Kind != LoadBalanced {
			unknown := NewUnknownServer(e.Addr, e.Err)
			unknown.TopologyVersion = f.TopologyVersion
			d = Apply(d, unknown)
			out.MarkedUnknown = true
		}
		if IsShutdown(f.Code) {
			out.ClearPool = true
			if d.Kind == LoadBalanced {
				out.ServiceID = e.ServiceID
			}
		}
		out.RequestCheck = true
	case e.Kind == NetworkErr || (e.Kind == TimeoutErr && !e.HandshakeDone) || (e.Kind == CommandErr && !e.HandshakeDone):
		if e.Overloaded || slices.Contains(f.Labels, OverloadedLabel) {
			return d, ErrorOutcome{Ignored: true}
		}
		if d.Kind != LoadBalanced {
			d = Apply(d, NewUnknownServer(e.Addr, e.Err))
			out.MarkedUnknown = true
			out.ClearPool = true
		} else if e.ServiceID.Valid {
			out.ClearPool = true
			out.ServiceID = e.ServiceID
		}
		out.CancelCheck = true
	default:
		out.Ignored = true
	}
	return d, out
}
