package motor

import (
	"context"
	"fmt"
)

// newWriteRun returns a run of writes on c with the collection's write
// concern.
func (c *Collection[T]) newWriteRun(ordered bool) *writeRun {
	return &writeRun{db: c.db, coll: c.name, reg: c.registry, wc: c.wc, ordered: ordered}
}

// InsertOne inserts doc. A document without an _id gets a generated
// ObjectID, added as its first field; the result reports the _id either
// way. A document bigger than the server's maxBsonObjectSize fails with
// ErrDocumentTooLarge before anything is sent. A write error (a duplicate
// _id, say) is returned as a *WriteException:
//
//	res, err := users.InsertOne(ctx, User{Name: "Ada"})
//	if motor.IsDuplicateKeyError(err) { ... }
//
// InsertOne is a retryable write.
func (c *Collection[T]) InsertOne(ctx context.Context, doc T, opts ...InsertOneOptions) (*InsertOneResult, error) {
	o := mergeInsertOne(opts)
	w := c.newWriteRun(true)
	w.bypass, w.comment = o.BypassDocumentValidation, o.Comment
	g := &writeGroup{kind: kindInsert}
	buf, id, err := appendInsertDoc(nil, c.registry, doc)
	if err != nil {
		return nil, fmt.Errorf("motor: InsertOne: %w", err)
	}
	g.stmts.buf = buf
	g.stmts.add(0, len(buf), false)
	w.groups, w.ids = []*writeGroup{g}, []any{id}
	if err := w.execute(ctx); err != nil {
		return nil, err
	}
	res := &InsertOneResult{InsertedID: id, Acknowledged: w.res.Acknowledged}
	return res, w.writeException("insert")
}

// InsertMany inserts docs, in order. Documents without an _id get a
// generated ObjectID, added as their first field. The documents go in as
// few insert commands as the server's maxWriteBatchSize, maxBsonObjectSize
// and maxMessageSizeBytes allow, each sent as an OP_MSG document sequence.
//
// An ordered InsertMany (the default) stops at the first document that
// fails; an unordered one (Ordered: new(false)) tries them all. Either way,
// failed writes are reported in a *BulkWriteException, with their index in
// docs, and the result returned alongside holds the _id of each document
// inserted. A document bigger than maxBsonObjectSize fails the call with
// ErrDocumentTooLarge before anything is sent.
//
// Each insert command is a retryable write.
func (c *Collection[T]) InsertMany(ctx context.Context, docs []T, opts ...InsertManyOptions) (*InsertManyResult, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("motor: InsertMany: %w", errWriteNoDocuments)
	}
	o := mergeInsertMany(opts)
	w := c.newWriteRun(o.Ordered == nil || *o.Ordered)
	w.bypass, w.comment = o.BypassDocumentValidation, o.Comment
	g := &writeGroup{kind: kindInsert}
	g.stmts.ends = make([]int, 0, len(docs))
	g.stmts.docSize = make([]int, 0, len(docs))
	w.ids = make([]any, len(docs))
	for i := range docs {
		start := len(g.stmts.buf)
		buf, id, err := appendInsertDoc(g.stmts.buf, c.registry, docs[i])
		if err != nil {
			return nil, fmt.Errorf("motor: InsertMany: document %d: %w", i, err)
		}
		if i == 0 && len(docs) > 1 {
			// Documents of one call are often alike (GridFS chunks, rows
			// of one struct): make room for all of them at the first
			// one's size, at once, rather than growing the buffer step
			// by step.
			// (The slack covers the _id an encoding makes room for.)
			buf = presize(buf, (len(buf)+32)*len(docs))
		}
		g.stmts.buf = buf
		g.stmts.add(i, len(buf)-start, false)
		w.ids[i] = id
	}
	w.groups = []*writeGroup{g}
	err := w.execute(ctx)
	if err != nil && w.sent == 0 {
		return nil, err
	}
	res := &InsertManyResult{InsertedIDs: make([]any, len(w.inserted)), Acknowledged: w.res.Acknowledged}
	for j, i := range w.inserted {
		res.InsertedIDs[j] = w.ids[i]
	}
	return res, w.bulkException(err)
}

// maxPresize bounds presize: the size of the largest message a server
// accepts, 48 MB.
const maxPresize = 48_000_000

// presize returns buf with a capacity of at least want bytes (at most
// maxPresize), copying it once if it must grow.
func presize(buf []byte, want int) []byte {
	want = min(want, maxPresize)
	if cap(buf) >= want {
		return buf
	}
	nb := make([]byte, len(buf), want)
	copy(nb, buf)
	return nb
}
