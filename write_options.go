package motor

import "time"

// The options of the write operations. Each is a plain struct passed as an
// optional trailing argument; when several are given they merge left to
// right, a later field that is set (not the zero value) winning:
//
//	coll.UpdateOne(ctx, filter, update, motor.UpdateOptions{Upsert: new(true)})
//
// Options are sent only when set: the server's defaults apply otherwise.

// InsertOneOptions are the options of InsertOne.
type InsertOneOptions struct {
	// BypassDocumentValidation lets the write skip the collection's
	// validator. Set it with new(true).
	BypassDocumentValidation *bool
	// Comment is attached to the command, for the profiler and logs.
	Comment any
}

// InsertManyOptions are the options of InsertMany.
type InsertManyOptions struct {
	// Ordered, true when nil, stops at the first document that fails;
	// new(false) goes on with the others.
	Ordered *bool
	// BypassDocumentValidation lets the writes skip the collection's
	// validator.
	BypassDocumentValidation *bool
	// Comment is attached to each command.
	Comment any
}

// UpdateOptions are the options of UpdateOne and UpdateMany.
type UpdateOptions struct {
	// ArrayFilters choose the array elements that positional $[name]
	// operators update: one document per name.
	ArrayFilters []any
	// BypassDocumentValidation lets the write skip the collection's
	// validator.
	BypassDocumentValidation *bool
	// Collation is the collation of the filter.
	Collation *Collation
	// Hint is the index to use: its name, or its key document.
	Hint any
	// Upsert inserts a document when none matches. Set it with new(true).
	Upsert *bool
	// Let defines variables that the update can read as $$name.
	Let any
	// Comment is attached to the command.
	Comment any
	// Sort chooses which of the matching documents UpdateOne updates: the
	// first in this order. It needs MongoDB 8.0; older servers refuse it,
	// and so does every server with UpdateMany (the driver sends it as
	// given and returns the server's error, as the CRUD specification
	// asks).
	Sort any
}

// ReplaceOptions are the options of ReplaceOne.
type ReplaceOptions struct {
	// BypassDocumentValidation lets the write skip the collection's
	// validator.
	BypassDocumentValidation *bool
	// Collation is the collation of the filter.
	Collation *Collation
	// Hint is the index to use: its name, or its key document.
	Hint any
	// Upsert inserts the replacement when no document matches.
	Upsert *bool
	// Let defines variables that the filter can read as $$name.
	Let any
	// Comment is attached to the command.
	Comment any
	// Sort chooses which matching document is replaced. It needs MongoDB
	// 8.0; older servers refuse it.
	Sort any
}

// DeleteOptions are the options of DeleteOne and DeleteMany.
type DeleteOptions struct {
	// Collation is the collation of the filter.
	Collation *Collation
	// Hint is the index to use: its name, or its key document. With an
	// unacknowledged write concern it needs MongoDB 4.4.
	Hint any
	// Let defines variables that the filter can read as $$name.
	Let any
	// Comment is attached to the command.
	Comment any
}

// ReturnDocument says which version of the document FindOneAndUpdate and
// FindOneAndReplace return.
type ReturnDocument uint8

const (
	// ReturnBefore returns the document as it was before the change (the
	// default).
	ReturnBefore ReturnDocument = iota
	// ReturnAfter returns the document as the change left it (or as the
	// upsert inserted it).
	ReturnAfter
)

// FindOneAndUpdateOptions are the options of FindOneAndUpdate.
type FindOneAndUpdateOptions struct {
	// ArrayFilters choose the array elements that positional $[name]
	// operators update.
	ArrayFilters []any
	// BypassDocumentValidation lets the write skip the collection's
	// validator.
	BypassDocumentValidation *bool
	// Collation is the collation of the filter and sort.
	Collation *Collation
	// Hint is the index to use: its name, or its key document.
	Hint any
	// MaxTime bounds the command on the server (maxTimeMS).
	MaxTime time.Duration
	// Projection chooses the fields of the returned document.
	Projection any
	// ReturnDocument is ReturnBefore (the default) or ReturnAfter.
	ReturnDocument ReturnDocument
	// Sort chooses which matching document is updated.
	Sort any
	// Upsert inserts a document when none matches.
	Upsert *bool
	// Let defines variables that the filter and update can read as $$name.
	Let any
	// Comment is attached to the command.
	Comment any
}

// FindOneAndReplaceOptions are the options of FindOneAndReplace; the
// fields mean what they mean in FindOneAndUpdateOptions.
type FindOneAndReplaceOptions struct {
	BypassDocumentValidation *bool
	Collation                *Collation
	Hint                     any
	MaxTime                  time.Duration
	Projection               any
	ReturnDocument           ReturnDocument
	Sort                     any
	Upsert                   *bool
	Let                      any
	Comment                  any
}

// FindOneAndDeleteOptions are the options of FindOneAndDelete; the
// fields mean what they mean in FindOneAndUpdateOptions, Sort choosing
// which matching document is deleted.
type FindOneAndDeleteOptions struct {
	Collation  *Collation
	Hint       any
	MaxTime    time.Duration
	Projection any
	Sort       any
	Let        any
	Comment    any
}

// BulkWriteOptions are the options of Collection.BulkWrite.
type BulkWriteOptions struct {
	// Ordered, true when nil, stops at the first write that fails;
	// new(false) goes on with the others.
	Ordered *bool
	// BypassDocumentValidation lets the inserts and updates skip the
	// collection's validator.
	BypassDocumentValidation *bool
	// Comment is attached to each command.
	Comment any
	// Let defines variables for the update and delete commands (not the
	// inserts).
	Let any
}

// pickSet returns b when it is set, a otherwise: the merge rule of the options.
func pickSet[V comparable](a, b V) V {
	var zero V
	if b != zero {
		return b
	}
	return a
}

// pickAny is pickSet for fields of type any, whose dynamic values may not be
// comparable.
func pickAny(a, b any) any {
	if b != nil {
		return b
	}
	return a
}

func pickSlice(a, b []any) []any {
	if b != nil {
		return b
	}
	return a
}

func mergeInsertOne(opts []InsertOneOptions) (o InsertOneOptions) {
	for _, p := range opts {
		o.BypassDocumentValidation = pickSet(o.BypassDocumentValidation, p.BypassDocumentValidation)
		o.Comment = pickAny(o.Comment, p.Comment)
	}
	return o
}

func mergeInsertMany(opts []InsertManyOptions) (o InsertManyOptions) {
	for _, p := range opts {
		o.Ordered = pickSet(o.Ordered, p.Ordered)
		o.BypassDocumentValidation = pickSet(o.BypassDocumentValidation, p.BypassDocumentValidation)
		o.Comment = pickAny(o.Comment, p.Comment)
	}
	return o
}

func mergeUpdate(opts []UpdateOptions) (o UpdateOptions) {
	for _, p := range opts {
		o.ArrayFilters = pickSlice(o.ArrayFilters, p.ArrayFilters)
		o.BypassDocumentValidation = pickSet(o.BypassDocumentValidation, p.BypassDocumentValidation)
		o.Collation = pickSet(o.Collation, p.Collation)
		o.Hint = pickAny(o.Hint, p.Hint)
		o.Upsert = pickSet(o.Upsert, p.Upsert)
		o.Let = pickAny(o.Let, p.Let)
		o.Comment = pickAny(o.Comment, p.Comment)
		o.Sort = pickAny(o.Sort, p.Sort)
	}
	return o
}

func mergeReplace(opts []ReplaceOptions) (o ReplaceOptions) {
	for _, p := range opts {
		o.BypassDocumentValidation = pickSet(o.BypassDocumentValidation, p.BypassDocumentValidation)
		o.Collation = pickSet(o.Collation, p.Collation)
		o.Hint = pickAny(o.Hint, p.Hint)
		o.Upsert = pickSet(o.Upsert, p.Upsert)
		o.Let = pickAny(o.Let, p.Let)
		o.Comment = pickAny(o.Comment, p.Comment)
		o.Sort = pickAny(o.Sort, p.Sort)
	}
	return o
}

func mergeDelete(opts []DeleteOptions) (o DeleteOptions) {
	for _, p := range opts {
		o.Collation = pickSet(o.Collation, p.Collation)
		o.Hint = pickAny(o.Hint, p.Hint)
		o.Let = pickAny(o.Let, p.Let)
		o.Comment = pickAny(o.Comment, p.Comment)
	}
	return o
}

func mergeBulkWrite(opts []BulkWriteOptions) (o BulkWriteOptions) {
	for _, p := range opts {
		o.Ordered = pickSet(o.Ordered, p.Ordered)
		o.BypassDocumentValidation = pickSet(o.BypassDocumentValidation, p.BypassDocumentValidation)
		o.Comment = pickAny(o.Comment, p.Comment)
		o.Let = pickAny(o.Let, p.Let)
	}
	return o
}

// findAndModifyOptions is what the three FindOneAnd option structs have,
// merged into one for building the command.
type findAndModifyOptions struct {
	arrayFilters []any
	bypass       *bool
	collation    *Collation
	hint         any
	maxTime      time.Duration
	projection   any
	after        bool
	sort         any
	upsert       *bool
	let          any
	comment      any
}

func mergeFindOneAndUpdate(opts []FindOneAndUpdateOptions) (o findAndModifyOptions) {
	for _, p := range opts {
		o.arrayFilters = pickSlice(o.arrayFilters, p.ArrayFilters)
		o.bypass = pickSet(o.bypass, p.BypassDocumentValidation)
		o.collation = pickSet(o.collation, p.Collation)
		o.hint = pickAny(o.hint, p.Hint)
		o.maxTime = pickSet(o.maxTime, p.MaxTime)
		o.projection = pickAny(o.projection, p.Projection)
		o.after = pickSet(o.after, p.ReturnDocument == ReturnAfter)
		o.sort = pickAny(o.sort, p.Sort)
		o.upsert = pickSet(o.upsert, p.Upsert)
		o.let = pickAny(o.let, p.Let)
		o.comment = pickAny(o.comment, p.Comment)
	}
	return o
}

func mergeFindOneAndReplace(opts []FindOneAndReplaceOptions) (o findAndModifyOptions) {
	for _, p := range opts {
		o.bypass = pickSet(o.bypass, p.BypassDocumentValidation)
		o.collation = pickSet(o.collation, p.Collation)
		o.hint = pickAny(o.hint, p.Hint)
		o.maxTime = pickSet(o.maxTime, p.MaxTime)
		o.projection = pickAny(o.projection, p.Projection)
		o.after = pickSet(o.after, p.ReturnDocument == ReturnAfter)
		o.sort = pickAny(o.sort, p.Sort)
		o.upsert = pickSet(o.upsert, p.Upsert)
		o.let = pickAny(o.let, p.Let)
		o.comment = pickAny(o.comment, p.Comment)
	}
	return o
}

func mergeFindOneAndDelete(opts []FindOneAndDeleteOptions) (o findAndModifyOptions) {
	for _, p := range opts {
		o.collation = pickSet(o.collation, p.Collation)
		o.hint = pickAny(o.hint, p.Hint)
		o.maxTime = pickSet(o.maxTime, p.MaxTime)
		o.projection = pickAny(o.projection, p.Projection)
		o.sort = pickAny(o.sort, p.Sort)
		o.let = pickAny(o.let, p.Let)
		o.comment = pickAny(o.comment, p.Comment)
	}
	return o
}
