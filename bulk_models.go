package motor

// WriteModel is one write of a bulk write: an InsertOneModel[T],
// UpdateOneModel, UpdateManyModel, ReplaceOneModel[T], DeleteOneModel or
// DeleteManyModel. The models that carry a document are typed with the
// collection's document type; Collection[T].BulkWrite takes only those of
// its own T.
//
//	res, err := users.BulkWrite(ctx, []motor.WriteModel{
//		motor.InsertOneModel[User]{Document: User{Name: "Ada"}},
//		motor.UpdateOneModel{Filter: bson.D{{Key: "name", Value: "Alan"}}, Update: bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}},
//		motor.DeleteManyModel{Filter: bson.D{{Key: "old", Value: true}}},
//	})
type WriteModel interface {
	// stmt returns the model's kind and statement; doc is the document of
	// an insert.
	stmt() (kind writeKind, st *writeStmt, doc any)
}

// InsertOneModel inserts Document, with a generated ObjectID _id when it
// has none.
type InsertOneModel[T any] struct {
	// Document is the document to insert; it must not be nil.
	Document T
}

// UpdateOneModel updates the first document Filter matches with Update: a
// document of update operators, or a pipeline.
type UpdateOneModel struct {
	// Filter selects the document; it must not be nil.
	Filter any
	// Update is the update document or pipeline.
	Update any
	// ArrayFilters choose the array elements of positional $[name]
	// operators.
	ArrayFilters []any
	// Collation is the collation of the filter.
	Collation *Collation
	// Hint is the index to use: its name or its key document.
	Hint any
	// Upsert inserts a document when none matches. Set it with new(true).
	Upsert *bool
	// Sort chooses which matching document is updated (MongoDB 8.0).
	Sort any
}

// UpdateManyModel updates every document Filter matches with Update. Its
// fields mean what they mean in UpdateOneModel. A command holding one is
// not a retryable write.
type UpdateManyModel struct {
	Filter       any
	Update       any
	ArrayFilters []any
	Collation    *Collation
	Hint         any
	Upsert       *bool
}

// ReplaceOneModel replaces the first document Filter matches with
// Replacement, which must not contain update operators. Its other fields
// mean what they mean in UpdateOneModel.
type ReplaceOneModel[T any] struct {
	Filter      any
	Replacement T
	Collation   *Collation
	Hint        any
	Upsert      *bool
	// Sort chooses which matching document is replaced (MongoDB 8.0).
	Sort any
}

// DeleteOneModel deletes the first document Filter matches.
type DeleteOneModel struct {
	// Filter selects the document; it must not be nil.
	Filter any
	// Collation is the collation of the filter.
	Collation *Collation
	// Hint is the index to use: its name or its key document.
	Hint any
}

// DeleteManyModel deletes every document Filter matches; bson.D{} matches
// them all. A command holding one is not a retryable write.
type DeleteManyModel struct {
	Filter    any
	Collation *Collation
	Hint      any
}

func (m InsertOneModel[T]) stmt() (writeKind, *writeStmt, any) {
	return kindInsert, nil, m.Document
}

func (m UpdateOneModel) stmt() (writeKind, *writeStmt, any) {
	return kindUpdate, &writeStmt{filter: m.Filter, update: m.Update, upsert: m.Upsert, arrayFilters: m.ArrayFilters,
		collation: m.Collation, hint: m.Hint, sort: m.Sort}, nil
}

func (m UpdateManyModel) stmt() (writeKind, *writeStmt, any) {
	return kindUpdate, &writeStmt{filter: m.Filter, update: m.Update, multi: true, upsert: m.Upsert,
		arrayFilters: m.ArrayFilters, collation: m.Collation, hint: m.Hint}, nil
}

func (m ReplaceOneModel[T]) stmt() (writeKind, *writeStmt, any) {
	return kindUpdate, &writeStmt{filter: m.Filter, update: m.Replacement, replace: true, upsert: m.Upsert,
		collation: m.Collation, hint: m.Hint, sort: m.Sort}, nil
}

func (m DeleteOneModel) stmt() (writeKind, *writeStmt, any) {
	return kindDelete, &writeStmt{filter: m.Filter, delete: true, collation: m.Collation, hint: m.Hint}, nil
}

func (m DeleteManyModel) stmt() (writeKind, *writeStmt, any) {
	return kindDelete, &writeStmt{filter: m.Filter, delete: true, multi: true, collation: m.Collation, hint: m.Hint}, nil
}
