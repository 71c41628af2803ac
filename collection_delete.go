package motor

import (
	"context"
	"fmt"
)

// DeleteOne deletes the first document that filter matches. A nil filter
// is refused before anything is sent; bson.D{} matches every document.
//
// DeleteOne is a retryable write.
func (c *Collection[T]) DeleteOne(ctx context.Context, filter any, opts ...DeleteOptions) (*DeleteResult, error) {
	return c.deleteOne(ctx, "DeleteOne", filter, false, mergeDelete(opts))
}

// DeleteMany deletes every document that filter matches. It is not a
// retryable write.
func (c *Collection[T]) DeleteMany(ctx context.Context, filter any, opts ...DeleteOptions) (*DeleteResult, error) {
	return c.deleteOne(ctx, "DeleteMany", filter, true, mergeDelete(opts))
}

func (c *Collection[T]) deleteOne(ctx context.Context, name string, filter any, multi bool, o DeleteOptions) (*DeleteResult, error) {
	w := c.newWriteRun(true)
	w.comment, w.let = o.Comment, o.Let
	w.hint = o.Hint != nil
	st := &writeStmt{filter: filter, delete: true, multi: multi, collation: o.Collation, hint: o.Hint}
	g := &writeGroup{kind: kindDelete}
	buf, _, err := appendStmt(nil, c.registry, st, collectionForm)
	if err != nil {
		return nil, fmt.Errorf("motor: %s: %w", name, err)
	}
	g.stmts.buf = buf
	g.stmts.add(0, 0, multi)
	w.groups = []*writeGroup{g}
	if err := w.execute(ctx); err != nil {
		return nil, err
	}
	return &DeleteResult{DeletedCount: w.res.DeletedCount, Acknowledged: w.res.Acknowledged}, w.writeException("delete")
}
