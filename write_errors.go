package motor

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

// ErrUnacknowledgedWrite is returned by FindOneAndUpdate, FindOneAndReplace
// and FindOneAndDelete on a collection whose write concern is w: 0: the
// command was sent, but the server sends nothing back, so there is no
// document to return. It matches ErrNoDocuments too, since no document
// comes back (the CRUD specification has these methods return none).
var ErrUnacknowledgedWrite error = unacknowledgedError{}

type unacknowledgedError struct{}

func (unacknowledgedError) Error() string {
	return "motor: unacknowledged write: the server returns no document"
}

func (unacknowledgedError) Is(target error) bool { return target == ErrNoDocuments }

// WriteError is the failure of one write of a command: one document of an
// insert, one statement of an update or delete, that the server refused
// while it carried out the others.
type WriteError struct {
	// Index is the position of the failed write in the caller's list: the
	// document of InsertMany, the model of BulkWrite; 0 for single writes.
	Index int
	// Code is the server's error code, 11000 for a duplicate key.
	Code int32
	// Message is the server's errmsg.
	Message string
	// Details is errInfo, for example what document validation found; nil
	// when absent. The driver does not look inside.
	Details bson.Raw
}

// Error describes the write error.
func (e WriteError) Error() string {
	return fmt.Sprintf("write error at index %d: (%d) %s", e.Index, e.Code, e.Message)
}

// Is matches the code sentinels of the driver:
// errors.Is(err, ErrDuplicateKey) holds for a duplicate-key write error.
func (e WriteError) Is(target error) bool {
	return (&mongoerr.ServerError{Code: e.Code, Message: e.Message}).Is(target)
}

// WriteConcernError reports that a write was done but could not be
// acknowledged as the write concern asked (too few members confirmed it in
// time, for instance).
type WriteConcernError struct {
	Code     int32
	CodeName string
	Message  string
	// Details is errInfo, nil when absent.
	Details bson.Raw
	// Labels are the error labels the server put on the write concern
	// error itself (older mongos); the command's labels are on the
	// WriteException.
	Labels []string
}

// Error describes the write concern error.
func (e *WriteConcernError) Error() string {
	if e.CodeName != "" {
		return fmt.Sprintf("write concern error: (%s %d) %s", e.CodeName, e.Code, e.Message)
	}
	return fmt.Sprintf("write concern error: (%d) %s", e.Code, e.Message)
}

// Is matches the code sentinels of the driver.
func (e *WriteConcernError) Is(target error) bool {
	return (&mongoerr.ServerError{Code: e.Code, Message: e.Message}).Is(target)
}

// HasLabel reports whether the server put the label on the write concern
// error.
func (e *WriteConcernError) HasLabel(label string) bool { return slices.Contains(e.Labels, label) }

// WriteException is the error of a write whose command succeeded but some
// of whose writes failed (WriteErrors), or whose write concern was not
// satisfied (WriteConcernError), or both. InsertOne, UpdateOne, UpdateMany,
// ReplaceOne, DeleteOne, DeleteMany and the FindOneAnd methods return it.
//
//	var we *motor.WriteException
//	if errors.As(err, &we) { ... we.WriteErrors[0].Code ... }
//	if errors.Is(err, motor.ErrDuplicateKey) { ... }
type WriteException struct {
	// WriteErrors holds the failed writes; a single-document write has at
	// most one.
	WriteErrors []WriteError
	// WriteConcernError is set when the write concern was not satisfied.
	WriteConcernError *WriteConcernError
	// Labels are the reply's errorLabels.
	Labels []string
	// Command is the name of the command, "insert" for instance.
	Command string
	// Raw is the whole reply.
	Raw bson.Raw
}

// Error describes the first write error and the write concern error.
func (e *WriteException) Error() string {
	return describeWriteFailure("motor: "+e.Command, e.WriteErrors, wceList(e.WriteConcernError), nil)
}

// Unwrap returns the write errors and the write concern error, so that
// errors.Is and errors.As see each of them.
func (e *WriteException) Unwrap() []error {
	out := make([]error, 0, len(e.WriteErrors)+1)
	for _, we := range e.WriteErrors {
		out = append(out, we)
	}
	if e.WriteConcernError != nil {
		out = append(out, e.WriteConcernError)
	}
	return out
}

// HasLabel reports whether the reply, or its write concern error, carries
// the error label.
func (e *WriteException) HasLabel(label string) bool {
	return slices.Contains(e.Labels, label) || (e.WriteConcernError != nil && e.WriteConcernError.HasLabel(label))
}

// BulkWriteException is the error of InsertMany and Collection.BulkWrite
// when some writes failed, when a write concern was not satisfied, or when
// a command failed after earlier ones had been carried out. It holds every
// write error, with its index in the caller's list, and the result of what
// was done.
type BulkWriteException struct {
	// WriteErrors are the failed writes, in the order the server reported
	// them. An ordered bulk write stops at its first write error.
	WriteErrors []WriteError
	// WriteConcernErrors holds the write concern error of each command
	// that had one; a bulk write goes on after one.
	WriteConcernErrors []WriteConcernError
	// PartialResult counts what was written before the bulk write ended.
	PartialResult *BulkWriteResult
	// Err is the error that stopped the bulk write, when it was not a
	// write error: a network error, a command error (*ServerError), a
	// cancelled context. Nil otherwise.
	Err error
	// Labels are the errorLabels of the replies.
	Labels []string
}

// Error describes the first write error, the write concern errors and Err.
func (e *BulkWriteException) Error() string {
	return describeWriteFailure("motor: bulk write", e.WriteErrors, e.WriteConcernErrors, e.Err)
}

// Unwrap returns the write errors, the write concern errors and Err, so
// that errors.Is and errors.As see each of them.
func (e *BulkWriteException) Unwrap() []error {
	out := make([]error, 0, len(e.WriteErrors)+len(e.WriteConcernErrors)+1)
	for _, we := range e.WriteErrors {
		out = append(out, we)
	}
	for i := range e.WriteConcernErrors {
		out = append(out, &e.WriteConcernErrors[i])
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// HasLabel reports whether a reply, a write concern error or Err carries
// the error label.
func (e *BulkWriteException) HasLabel(label string) bool {
	if slices.Contains(e.Labels, label) {
		return true
	}
	for i := range e.WriteConcernErrors {
		if e.WriteConcernErrors[i].HasLabel(label) {
			return true
		}
	}
	return e.Err != nil && mongoerr.HasLabel(e.Err, label)
}

// IsDuplicateKeyError reports whether err is, or holds, a duplicate-key
// error: a write error, a write concern error or a server error with one of
// the duplicate-key codes. It is errors.Is(err, ErrDuplicateKey).
func IsDuplicateKeyError(err error) bool { return errors.Is(err, ErrDuplicateKey) }

func wceList(wce *WriteConcernError) []WriteConcernError {
	if wce == nil {
		return nil
	}
	return []WriteConcernError{*wce}
}

// describeWriteFailure builds the message of a write failure: the first
// write error, how many others, the write concern errors and the cause.
func describeWriteFailure(prefix string, wes []WriteError, wces []WriteConcernError, cause error) string {
	var b strings.Builder
	b.WriteString(prefix)
	sep := ": "
	if len(wes) > 0 {
		b.WriteString(sep)
		b.WriteString(wes[0].Error())
		if len(wes) > 1 {
			fmt.Fprintf(&b, " (and %d more write errors)", len(wes)-1)
		}
		sep = "; "
	}
	for i := range wces {
		b.WriteString(sep)
		b.WriteString(wces[i].Error())
		sep = "; "
	}
	if cause != nil {
		b.WriteString(sep)
		b.WriteString(cause.Error())
	}
	return b.String()
}

// parseWriteErrors reads the writeErrors of a reply, adding offset to each
// index (the position of the command's first write in the caller's list)
// and mapping it through index when not nil.
func parseWriteErrors(reply bson.Raw, index func(int) int) []WriteError {
	arr, ok := reply.Lookup("writeErrors").ArrayOK()
	if !ok {
		return nil
	}
	var out []WriteError
	for _, v := range arr.Values() {
		d, ok := v.DocumentOK()
		if !ok {
			continue
		}
		i, _ := d.Lookup("index").AsInt64OK()
		we := WriteError{Index: int(i), Message: d.Lookup("errmsg").StringValue()}
		if index != nil {
			we.Index = index(int(i))
		}
		if c, ok := d.Lookup("code").AsInt64OK(); ok {
			we.Code = int32(c)
		}
		if info, ok := d.Lookup("errInfo").DocumentOK(); ok {
			we.Details = append(bson.Raw(nil), info...)
		}
		out = append(out, we)
	}
	return out
}

// parseWriteConcernError reads the writeConcernError of a reply, or nil.
func parseWriteConcernError(reply bson.Raw) *WriteConcernError {
	d, ok := reply.Lookup("writeConcernError").DocumentOK()
	if !ok {
		return nil
	}
	e := &WriteConcernError{
		CodeName: d.Lookup("codeName").StringValue(),
		Message:  d.Lookup("errmsg").StringValue(),
		Labels:   rawStrings(d.Lookup("errorLabels")),
	}
	if c, ok := d.Lookup("code").AsInt64OK(); ok {
		e.Code = int32(c)
	}
	if info, ok := d.Lookup("errInfo").DocumentOK(); ok {
		e.Details = append(bson.Raw(nil), info...)
	}
	return e
}

// rawStrings returns the strings of an array value.
func rawStrings(v bson.RawValue) []string {
	arr, ok := v.ArrayOK()
	if !ok {
		return nil
	}
	var out []string
	for _, x := range arr.Values() {
		if s, ok := x.StringValueOK(); ok {
			out = append(out, s)
		}
	}
	return out
}

// writeException returns the WriteException a write command's reply holds,
// or nil when it reports neither write errors nor a write concern error.
func writeException(command string, reply bson.Raw) *WriteException {
	wes := parseWriteErrors(reply, nil)
	wce := parseWriteConcernError(reply)
	if len(wes) == 0 && wce == nil {
		return nil
	}
	return &WriteException{
		WriteErrors:       wes,
		WriteConcernError: wce,
		Labels:            rawStrings(reply.Lookup("errorLabels")),
		Command:           command,
		Raw:               append(bson.Raw(nil), reply...),
	}
}
