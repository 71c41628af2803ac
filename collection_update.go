package motor

import (
	"context"
	"fmt"
)

// UpdateOne updates the first document that filter matches with update: a
// document of update operators ({$set: ...}) or an aggregation pipeline (a
// bson.A or slice of stages). An update whose first key is not an operator
// is refused before anything is sent; so is a nil filter (bson.D{} matches
// every document). With Upsert, a document is inserted when none matches,
// and the result reports its _id.
//
//	res, err := users.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
//		bson.D{{Key: "$inc", Value: bson.D{{Key: "visits", Value: 1}}}})
//
// UpdateOne is a retryable write.
func (c *Collection[T]) UpdateOne(ctx context.Context, filter, update any, opts ...UpdateOptions) (*UpdateResult, error) {
	o := mergeUpdate(opts)
	st := &writeStmt{filter: filter, update: update, upsert: o.Upsert, arrayFilters: o.ArrayFilters,
		collation: o.Collation, hint: o.Hint, sort: o.Sort}
	return c.updateOne(ctx, "UpdateOne", st, o.BypassDocumentValidation, o.Comment, o.Let)
}

// UpdateMany updates every document that filter matches with update, as
// UpdateOne does. It is not a retryable write: a retry could apply the
// update twice to some documents.
func (c *Collection[T]) UpdateMany(ctx context.Context, filter, update any, opts ...UpdateOptions) (*UpdateResult, error) {
	o := mergeUpdate(opts)
	st := &writeStmt{filter: filter, update: update, multi: true, upsert: o.Upsert, arrayFilters: o.ArrayFilters,
		collation: o.Collation, hint: o.Hint, sort: o.Sort}
	return c.updateOne(ctx, "UpdateMany", st, o.BypassDocumentValidation, o.Comment, o.Let)
}

// ReplaceOne replaces the first document that filter matches with
// replacement, which must not contain update operators (checked before
// anything is sent; a replacement bigger than maxBsonObjectSize fails with
// ErrDocumentTooLarge). The document keeps its _id. With Upsert, the
// replacement is inserted when nothing matches.
//
// ReplaceOne is a retryable write.
func (c *Collection[T]) ReplaceOne(ctx context.Context, filter any, replacement T, opts ...ReplaceOptions) (*UpdateResult, error) {
	o := mergeReplace(opts)
	st := &writeStmt{filter: filter, update: replacement, replace: true, upsert: o.Upsert,
		collation: o.Collation, hint: o.Hint, sort: o.Sort}
	return c.updateOne(ctx, "ReplaceOne", st, o.BypassDocumentValidation, o.Comment, o.Let)
}

// updateOne runs an update command of one statement.
func (c *Collection[T]) updateOne(ctx context.Context, name string, st *writeStmt, bypass *bool, comment, let any) (*UpdateResult, error) {
	w := c.newWriteRun(true)
	w.bypass, w.comment, w.let = bypass, comment, let
	w.hint = st.hint != nil
	g := &writeGroup{kind: kindUpdate}
	buf, size, err := appendStmt(nil, c.registry, st, collectionForm)
	if err != nil {
		return nil, fmt.Errorf("motor: %s: %w", name, err)
	}
	g.stmts.buf = buf
	g.stmts.add(0, size, st.multi)
	w.groups = []*writeGroup{g}
	if err := w.execute(ctx); err != nil {
		return nil, err
	}
	res := &UpdateResult{
		MatchedCount:  w.res.MatchedCount,
		ModifiedCount: w.res.ModifiedCount,
		UpsertedCount: w.res.UpsertedCount,
		UpsertedID:    w.res.UpsertedIDs[0],
		Acknowledged:  w.res.Acknowledged,
	}
	return res, w.writeException("update")
}
