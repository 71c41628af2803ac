package bson

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// MaxDocumentSize is the default largest document [Marshal] produces: the
// server's maxBsonObjectSize, 16 MiB. [MarshalOptions.MaxDocumentSize]
// changes it per call.
const MaxDocumentSize = 16 * 1024 * 1024

// maxDepth bounds the nesting of documents and arrays that the decoder and
// validator follow, so that a crafted input cannot exhaust the stack.
const maxDepth = 1024

// Sentinel errors that errors.Is can find in the errors of this package.
var (
	// ErrMalformed is wrapped by every *DecodeError: the bytes are not valid BSON.
	ErrMalformed = errors.New("bson: malformed document")
	// ErrDocumentTooLarge is wrapped by the error for a document over the size limit.
	ErrDocumentTooLarge = errors.New("bson: document too large")
	// ErrElementNotFound is returned by lookups of a key that is not there.
	ErrElementNotFound = errors.New("bson: element not found")
	// ErrNilValue is returned when decoding into a nil pointer or a non-pointer.
	ErrNilValue = errors.New("bson: cannot decode into a nil or non-pointer value")
)

// DecodeError reports bytes that are not valid BSON: what is wrong and the
// offset, counted from the start of the input, where it was found.
type DecodeError struct {
	Offset int    // byte offset in the input
	Msg    string // what is wrong
}

func (e *DecodeError) Error() string {
	return "bson: malformed document at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap returns [ErrMalformed].
func (e *DecodeError) Unwrap() error { return ErrMalformed }

// UnmarshalTypeError reports a BSON value that cannot be stored in a Go
// value of some type without losing information.
type UnmarshalTypeError struct {
	Key    string       // the key path, as "a.b.0"; empty for the top level
	BSON   Type         // the type of the BSON value
	GoType reflect.Type // the type it was to be stored in
	Reason string       // why not, when it is not just the types
}

func (e *UnmarshalTypeError) Error() string {
	s := "bson: cannot decode " + e.BSON.String() + " into " + e.GoType.String()
	if e.Key != "" {
		s += " (key " + strconv.Quote(e.Key) + ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// MarshalError reports a Go value that cannot be encoded.
type MarshalError struct {
	Key    string       // the key path, as "a.b.0"; empty for the top level
	GoType reflect.Type // the type of the value, when known
	Reason string
	Err    error // the cause, if any
}

func (e *MarshalError) Error() string {
	s := "bson: cannot encode"
	if e.GoType != nil {
		s += " " + e.GoType.String()
	}
	if e.Key != "" {
		s += " (key " + strconv.Quote(e.Key) + ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *MarshalError) Unwrap() error { return e.Err }

// withKey prefixes key to the key path of a marshal or unmarshal error as it
// travels up through enclosing documents.
func withKey(err error, key string) error {
	switch e := err.(type) {
	case *UnmarshalTypeError:
		e.Key = joinKey(key, e.Key)
	case *MarshalError:
		e.Key = joinKey(key, e.Key)
	}
	return err
}

func joinKey(outer, inner string) string {
	if inner == "" {
		return outer
	}
	return outer + "." + inner
}

func tooLargeError(size, limit int) error {
	return &MarshalError{Reason: fmt.Sprintf("document of %d bytes is over the limit of %d bytes", size, limit), Err: ErrDocumentTooLarge}
}
