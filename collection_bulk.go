package motor

import (
	"context"
	"fmt"
	"reflect"
)

// BulkWrite carries out models, a mix of inserts, updates, replacements
// and deletes, in as few commands as it can: each run of consecutive models
// of one kind (insert, update or replace, delete) is one insert, update or
// delete command, split further by the server's maxWriteBatchSize,
// maxBsonObjectSize and maxMessageSizeBytes.
//
// An ordered bulk write (the default) stops at the first write that fails;
// an unordered one (Ordered: new(false)) goes on with the others. Failures
// come back as a *BulkWriteException holding every write error with the
// index of its model in models, each write concern error, and the partial
// result. Every model is checked (update operators, replacements, filters,
// document sizes) before anything is sent.
//
// Each command that holds no UpdateManyModel or DeleteManyModel is a
// retryable write.
func (c *Collection[T]) BulkWrite(ctx context.Context, models []WriteModel, opts ...BulkWriteOptions) (*BulkWriteResult, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("motor: BulkWrite: %w", errWriteNoModels)
	}
	o := mergeBulkWrite(opts)
	w := c.newWriteRun(o.Ordered == nil || *o.Ordered)
	w.bypass, w.comment, w.let = o.BypassDocumentValidation, o.Comment, o.Let
	w.ids = make([]any, len(models))
	var g *writeGroup
	for i, m := range models {
		if isNilValue(m) {
			return nil, fmt.Errorf("motor: BulkWrite: model %d is nil", i)
		}
		if err := c.checkModelType(m); err != nil {
			return nil, fmt.Errorf("motor: BulkWrite: model %d: %w", i, err)
		}
		kind, st, doc := m.stmt()
		if g == nil || g.kind != kind {
			g = &writeGroup{kind: kind}
			w.groups = append(w.groups, g)
		}
		start := len(g.stmts.buf)
		var err error
		if kind == kindInsert {
			g.stmts.buf, w.ids[i], err = appendInsertDoc(g.stmts.buf, c.registry, doc)
			if err == nil {
				g.stmts.add(i, len(g.stmts.buf)-start, false)
			}
		} else {
			var size int
			g.stmts.buf, size, err = appendStmt(g.stmts.buf, c.registry, st, collectionForm)
			if err == nil {
				g.stmts.add(i, size, st.multi)
				w.hint = w.hint || st.hint != nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("motor: BulkWrite: model %d: %w", i, err)
		}
	}
	err := w.execute(ctx)
	if err != nil && w.sent == 0 && !reachedServer(err) {
		return nil, err
	}
	return w.result(), w.bulkException(err)
}

// checkModelType refuses a model whose document is not of type T.
func (c *Collection[T]) checkModelType(m WriteModel) error {
	switch m.(type) {
	case InsertOneModel[T], *InsertOneModel[T], ReplaceOneModel[T], *ReplaceOneModel[T],
		UpdateOneModel, *UpdateOneModel, UpdateManyModel, *UpdateManyModel,
		DeleteOneModel, *DeleteOneModel, DeleteManyModel, *DeleteManyModel:
		return nil
	}
	return fmt.Errorf("a %T does not carry the collection's document type %v", m, reflect.TypeFor[T]())
}
