// Package mongoerr holds the errors of the Motor driver: the values that
// every layer of the driver constructs and that users test with errors.Is
// and errors.As.
//
// Package motor re-exports these names (motor.ServerError is
// mongoerr.ServerError), so most code never imports this package. It exists
// on its own so that the driver's internal layers, which sit below package
// motor, can build the same error values users see, with no translation
// in between.
//
// # Testing errors
//
//	var se *motor.ServerError
//	if errors.As(err, &se) && se.HasLabel("TransientTransactionError") { ... }
//	if errors.Is(err, motor.ErrDuplicateKey) { ... }
//	if motor.IsTimeout(err) { ... }
//
// # Secrets
//
// No error of the driver holds a password, an authentication payload or a
// command's documents beyond what the server said in its reply.
package mongoerr

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/motor-go/motor/bson"
)

// ServerError is an error the server reported: a reply with ok: 0.
type ServerError struct {
	Code     int32    // the server's error code
	CodeName string   // the code's name, as "DuplicateKey"
	Message  string   // the server's errmsg
	Labels   []string // errorLabels, as "RetryableWriteError"
	Command  string   // the name of the command that failed
	Raw      bson.Raw // the whole reply, for details not modelled here
}

func (e *ServerError) Error() string {
	var b strings.Builder
	b.WriteString("motor: ")
	if e.Command != "" {
		b.WriteString(e.Command)
		b.WriteString(": ")
	}
	b.WriteString("server error ")
	b.WriteString(strconv.Itoa(int(e.Code)))
	if e.CodeName != "" {
		b.WriteString(" (")
		b.WriteString(e.CodeName)
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// HasLabel reports whether the server attached the error label.
func (e *ServerError) HasLabel(label string) bool { return slices.Contains(e.Labels, label) }

// Is matches the code sentinels of this package: errors.Is(err,
// ErrDuplicateKey) holds for a ServerError with one of the duplicate-key codes.
func (e *ServerError) Is(target error) bool {
	if s, ok := target.(*codeSentinel); ok {
		return s.matches(e.Code, e.Message)
	}
	return false
}

// NewServerError reads a server error from a reply with ok: 0. It copies what
// it keeps, so the reply's buffer may be reused afterwards.
func NewServerError(command string, reply bson.Raw) *ServerError {
	e := &ServerError{Command: command, Raw: append(bson.Raw(nil), reply...)}
	if v, ok := reply.Lookup("code").AsInt64OK(); ok {
		e.Code = int32(v)
	}
	e.CodeName = reply.Lookup("codeName").StringValue()
	e.Message = reply.Lookup("errmsg").StringValue()
	for _, l := range reply.Lookup("errorLabels").Array().Values() {
		if s, ok := l.StringValueOK(); ok {
			e.Labels = append(e.Labels, s)
		}
	}
	return e
}

// codeSentinel is an error that matches server errors by code.
type codeSentinel struct {
	msg   string
	codes []int32
	// also is a substring of errmsg that counts as a match too, for servers
	// that report the condition under another code.
	also string
}

func (s *codeSentinel) Error() string { return s.msg }

func (s *codeSentinel) matches(code int32, message string) bool {
	return slices.Contains(s.codes, code) || (s.also != "" && strings.Contains(message, s.also))
}

// Errors that errors.Is finds in the errors the driver returns.
var (
	// ErrDuplicateKey matches a server error (or write error) for a unique
	// index violation.
	ErrDuplicateKey error = &codeSentinel{msg: "motor: duplicate key", codes: []int32{11000, 11001, 12582}, also: "E11000 duplicate key"}
	// ErrNamespaceNotFound matches "ns not found" errors.
	ErrNamespaceNotFound error = &codeSentinel{msg: "motor: namespace not found", codes: []int32{26}}
	// ErrUnauthorized matches errors for a command the user may not run.
	ErrUnauthorized error = &codeSentinel{msg: "motor: unauthorized", codes: []int32{13}}
	// ErrAuthenticationFailed matches a failed authentication.
	ErrAuthenticationFailed error = &codeSentinel{msg: "motor: authentication failed", codes: []int32{18}}

	// ErrNoDocuments is returned by single-document reads that find nothing.
	ErrNoDocuments = errors.New("motor: no documents in result")
	// ErrClientClosed is returned by operations on a closed client.
	ErrClientClosed = errors.New("motor: client is closed")
	// ErrServerSelection is wrapped by the error of an operation that found
	// no suitable server in time; the error says which servers were seen.
	ErrServerSelection = errors.New("motor: server selection failed")
	// ErrSessionEnded is returned by operations given a session that has
	// ended.
	ErrSessionEnded = errors.New("motor: session has ended")
)

// NetworkError is an I/O failure talking to a server: the connection is
// closed and the operation's fate on the server is unknown.
type NetworkError struct {
	Address string // the server's address
	Op      string // what was being done: "dial", "handshake", "write", "read"
	Err     error
	Labels  []string
}

func (e *NetworkError) Error() string {
	return "motor: network error (" + e.Op + " " + e.Address + "): " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *NetworkError) Unwrap() error { return e.Err }

// HasLabel reports whether the driver attached the error label.
func (e *NetworkError) HasLabel(label string) bool { return slices.Contains(e.Labels, label) }

// Timeout reports whether the failure was a timeout or a cancelled context.
func (e *NetworkError) Timeout() bool { return IsTimeout(e.Err) }

// IsTimeout reports whether err is, or was caused by, a timeout: a context
// deadline, an I/O deadline, or a server's MaxTimeMSExpired (code 50).
func IsTimeout(err error) bool {
	if err == nil {
		return false
	}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		return true
	}
	var se *ServerError
	if errors.As(err, &se) && se.Code == 50 {
		return true
	}
	return errors.Is(err, errDeadline)
}

// errDeadline stands for context.DeadlineExceeded without importing
// context's error into this package's API.
var errDeadline = contextDeadline()

// IsNetworkError reports whether err is a network error.
func IsNetworkError(err error) bool {
	var ne *NetworkError
	return errors.As(err, &ne)
}

// HasLabel reports whether err carries the error label, from the server or
// added by the driver.
func HasLabel(err error, label string) bool {
	var l interface{ HasLabel(string) bool }
	for err != nil {
		if errors.As(err, &l) && l.HasLabel(label) {
			return true
		}
		return false
	}
	return false
}
