package motor

import (
	"errors"

	"github.com/motor-go/motor/mongoerr"
)

// The driver's errors. They are defined in package mongoerr, where the
// driver's internal layers build them, and named here so that code using the
// driver needs only this package:
//
//	var se *motor.ServerError
//	if errors.As(err, &se) { log.Println(se.Code, se.CodeName, se.Labels) }
//	if errors.Is(err, motor.ErrNoDocuments) { ... }
type (
	// ServerError is an error the server reported (a reply with ok: 0),
	// with its code, code name, message and error labels.
	ServerError = mongoerr.ServerError
	// NetworkError is an I/O failure talking to a server.
	NetworkError = mongoerr.NetworkError
)

// Errors that errors.Is finds in the errors of this package.
var (
	// ErrNoDocuments is returned by single-document reads that find nothing.
	ErrNoDocuments = mongoerr.ErrNoDocuments
	// ErrClientClosed is returned by operations on a closed Client.
	ErrClientClosed = mongoerr.ErrClientClosed
	// ErrServerSelection is wrapped by the error of an operation that found
	// no suitable server in time. The error names the read preference and
	// every server seen, with the reason it was not suitable.
	ErrServerSelection = mongoerr.ErrServerSelection
	// ErrDuplicateKey matches a unique index violation.
	ErrDuplicateKey = mongoerr.ErrDuplicateKey
	// ErrNamespaceNotFound matches "ns not found" errors.
	ErrNamespaceNotFound = mongoerr.ErrNamespaceNotFound
	// ErrUnauthorized matches errors for a command the user may not run.
	ErrUnauthorized = mongoerr.ErrUnauthorized
	// ErrAuthenticationFailed matches a failed authentication.
	ErrAuthenticationFailed = mongoerr.ErrAuthenticationFailed
)

// ErrNilFilter is wrapped by the error of every operation given a nil
// filter (reads, writes, write models, findAndModify, the listings), which
// is refused before anything is sent: bson.D{} is the filter that matches
// every document. The error names the operation:
//
//	_, err := coll.DeleteMany(ctx, nil)
//	errors.Is(err, motor.ErrNilFilter) // true: "motor: DeleteMany: nil filter ..."
var ErrNilFilter = errors.New("nil filter (use bson.D{} to match every document)")

// IsTimeout reports whether err is, or was caused by, a timeout: a context
// deadline, an I/O deadline, or the server's MaxTimeMSExpired.
func IsTimeout(err error) bool { return mongoerr.IsTimeout(err) }

// IsNetworkError reports whether err is a network error.
func IsNetworkError(err error) bool { return mongoerr.IsNetworkError(err) }

// HasErrorLabel reports whether err carries the error label, such as
// "RetryableWriteError" or "TransientTransactionError".
func HasErrorLabel(err error, label string) bool { return mongoerr.HasLabel(err, label) }
