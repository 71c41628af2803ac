package motor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/motor-go/motor/mongoerr"
)

// ClientWriteModel is one write of Client.BulkWrite: a write model and the
// collection it writes to. Any model may be used; the document types of
// InsertOneModel and ReplaceOneModel may differ from one write to another.
type ClientWriteModel struct {
	Database   string
	Collection string
	Model      WriteModel
}

// ClientBulkWriteOptions are the options of Client.BulkWrite.
type ClientBulkWriteOptions struct {
	// Ordered, true when nil, stops at the first write that fails;
	// new(false) goes on with the others. An unacknowledged write concern
	// needs Ordered: new(false).
	Ordered *bool
	// BypassDocumentValidation lets the writes skip the validators.
	BypassDocumentValidation *bool
	// Let defines variables for the filters and updates ($$name).
	Let any
	// Comment is attached to each command.
	Comment any
	// WriteConcern overrides the Client's write concern.
	WriteConcern *WriteConcern
	// VerboseResults asks for the result of each write, not only the
	// counts.
	VerboseResults bool
}

// ClientBulkWriteResult is the result of Client.BulkWrite.
type ClientBulkWriteResult struct {
	// Acknowledged is false for a w: 0 write; nothing else is then set.
	Acknowledged bool
	// HasVerboseResults says that InsertResults, UpdateResults and
	// DeleteResults are filled (VerboseResults was asked for). Without it
	// the maps are nil.
	HasVerboseResults bool

	InsertedCount int64
	UpsertedCount int64
	MatchedCount  int64
	ModifiedCount int64
	DeletedCount  int64

	// InsertResults, UpdateResults and DeleteResults hold the result of
	// each successful write, by the index of its model.
	InsertResults map[int]ClientInsertResult
	UpdateResults map[int]ClientUpdateResult
	DeleteResults map[int]ClientDeleteResult
}

// ClientInsertResult is the result of one insert of Client.BulkWrite.
type ClientInsertResult struct {
	InsertedID any
}

// ClientUpdateResult is the result of one update or replacement of
// Client.BulkWrite.
type ClientUpdateResult struct {
	MatchedCount  int64
	ModifiedCount int64
	// DidUpsert says that a document was inserted, whose _id is
	// UpsertedID (which may be nil: a null _id).
	DidUpsert  bool
	UpsertedID any
}

// ClientDeleteResult is the result of one delete of Client.BulkWrite.
type ClientDeleteResult struct {
	DeletedCount int64
}

// ClientBulkWriteException is the error of Client.BulkWrite when writes
// failed, a write concern was not satisfied, or a command failed after
// some writes were done.
type ClientBulkWriteException struct {
	// Err is the error that stopped the bulk write when it was not a
	// write error: a command error (a *ServerError, with the whole reply),
	// a network error, a cancelled context. Nil otherwise.
	Err error
	// WriteConcernErrors holds each command's write concern error.
	WriteConcernErrors []WriteConcernError
	// WriteErrors holds each failed write by the index of its model. An
	// ordered bulk write has at most one.
	WriteErrors map[int]WriteError
	// PartialResult is what was written before the bulk write ended; nil
	// when it cannot be told that anything was.
	PartialResult *ClientBulkWriteResult
}

// Error describes the write errors, the write concern errors and Err.
func (e *ClientBulkWriteException) Error() string {
	idx := make([]int, 0, len(e.WriteErrors))
	for i := range e.WriteErrors {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	wes := make([]WriteError, 0, len(idx))
	for _, i := range idx {
		wes = append(wes, e.WriteErrors[i])
	}
	return describeWriteFailure("motor: client bulk write", wes, e.WriteConcernErrors, e.Err)
}

// Unwrap returns Err, the write errors and the write concern errors, for
// errors.Is and errors.As.
func (e *ClientBulkWriteException) Unwrap() []error {
	out := make([]error, 0, len(e.WriteErrors)+len(e.WriteConcernErrors)+1)
	if e.Err != nil {
		out = append(out, e.Err)
	}
	for _, we := range e.WriteErrors {
		out = append(out, we)
	}
	for i := range e.WriteConcernErrors {
		out = append(out, &e.WriteConcernErrors[i])
	}
	return out
}

// HasLabel reports whether Err or a write concern error carries the label.
func (e *ClientBulkWriteException) HasLabel(label string) bool {
	for i := range e.WriteConcernErrors {
		if e.WriteConcernErrors[i].HasLabel(label) {
			return true
		}
	}
	return e.Err != nil && mongoerr.HasLabel(e.Err, label)
}

// namespace returns "db.coll" for a model, checking both names.
func (m *ClientWriteModel) namespace() (string, error) {
	if m.Database == "" || strings.ContainsAny(m.Database, ". \x00") {
		return "", fmt.Errorf("invalid database name %q", m.Database)
	}
	if m.Collection == "" || strings.ContainsRune(m.Collection, 0) {
		return "", fmt.Errorf("invalid collection name %q", m.Collection)
	}
	return m.Database + "." + m.Collection, nil
}
