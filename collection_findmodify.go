package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
)

// FindOneAndUpdate updates the first document that filter matches (the
// first in Sort order, if given) and returns it as it was before the
// update, or as it is after with ReturnDocument: ReturnAfter. update is a
// document of update operators or a pipeline, checked as UpdateOne checks
// it. When nothing matches (and no upsert happened) it returns
// ErrNoDocuments.
//
//	u, err := users.FindOneAndUpdate(ctx, bson.D{{Key: "name", Value: "Ada"}},
//		bson.D{{Key: "$inc", Value: bson.D{{Key: "logins", Value: 1}}}},
//		motor.FindOneAndUpdateOptions{ReturnDocument: motor.ReturnAfter})
//
// It is a retryable write. With an unacknowledged write concern (w: 0) the
// server sends nothing back: the three FindOneAnd methods then return the
// zero T and ErrUnacknowledgedWrite, which matches ErrNoDocuments.
func (c *Collection[T]) FindOneAndUpdate(ctx context.Context, filter, update any, opts ...FindOneAndUpdateOptions) (T, error) {
	o := mergeFindOneAndUpdate(opts)
	return c.findAndModify(ctx, "FindOneAndUpdate", filter, update, fmUpdate, &o)
}

// FindOneAndReplace replaces the first document that filter matches with
// replacement, which must not contain update operators, and returns the
// document as it was before, or after with ReturnAfter. When nothing
// matches (and no upsert happened) it returns ErrNoDocuments. It is a
// retryable write.
func (c *Collection[T]) FindOneAndReplace(ctx context.Context, filter any, replacement T, opts ...FindOneAndReplaceOptions) (T, error) {
	o := mergeFindOneAndReplace(opts)
	return c.findAndModify(ctx, "FindOneAndReplace", filter, replacement, fmReplace, &o)
}

// FindOneAndDelete deletes the first document that filter matches and
// returns it, or ErrNoDocuments when nothing matches. It is a retryable
// write.
func (c *Collection[T]) FindOneAndDelete(ctx context.Context, filter any, opts ...FindOneAndDeleteOptions) (T, error) {
	o := mergeFindOneAndDelete(opts)
	return c.findAndModify(ctx, "FindOneAndDelete", filter, nil, fmDelete, &o)
}

// The kinds of findAndModify.
const (
	fmUpdate = iota
	fmReplace
	fmDelete
)

// findAndModify runs the findAndModify command; update is unused for a
// delete.
func (c *Collection[T]) findAndModify(ctx context.Context, name string, filter, update any, kind int, o *findAndModifyOptions) (T, error) {
	var zero T
	remove, replace := kind == fmDelete, kind == fmReplace
	if isNilValue(filter) {
		return zero, fmt.Errorf("motor: %s: %w", name, ErrNilFilter)
	}
	if !remove && isNilValue(update) {
		if replace {
			return zero, fmt.Errorf("motor: %s: nil replacement", name)
		}
		return zero, fmt.Errorf("motor: %s: %w", name, errWriteNilUpdate)
	}
	d := bson.D{{Key: "findAndModify", Value: c.name}, {Key: "query", Value: filter}}
	if o.sort != nil {
		d = append(d, bson.E{Key: "sort", Value: o.sort})
	}
	if remove {
		d = append(d, bson.E{Key: "remove", Value: true})
	} else {
		d = append(d, bson.E{Key: "update", Value: update}, bson.E{Key: "new", Value: o.after})
		if o.upsert != nil {
			d = append(d, bson.E{Key: "upsert", Value: *o.upsert})
		}
		if o.arrayFilters != nil {
			d = append(d, bson.E{Key: "arrayFilters", Value: o.arrayFilters})
		}
		if o.bypass != nil {
			d = append(d, bson.E{Key: "bypassDocumentValidation", Value: *o.bypass})
		}
	}
	if o.projection != nil {
		d = append(d, bson.E{Key: "fields", Value: o.projection})
	}
	if o.collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.collation})
	}
	if o.hint != nil {
		d = append(d, bson.E{Key: "hint", Value: o.hint})
	}
	if o.maxTime > 0 {
		d = append(d, bson.E{Key: "maxTimeMS", Value: int64(o.maxTime / time.Millisecond)})
	}
	if o.let != nil {
		d = append(d, bson.E{Key: "let", Value: o.let})
	}
	if o.comment != nil {
		d = append(d, bson.E{Key: "comment", Value: o.comment})
	}
	wc := txnWriteConcern(ctx, c.wc)
	if wc := writeConcernDoc(wc); wc != nil {
		d = append(d, bson.E{Key: "writeConcern", Value: wc})
	}
	body, err := bson.MarshalOptions{Registry: c.registry, MaxDocumentSize: -1}.Marshal(d)
	if err != nil {
		return zero, fmt.Errorf("motor: %s: %w", name, err)
	}
	if t := bson.Raw(body).Lookup("query").Type; t != bson.TypeDocument {
		return zero, fmt.Errorf("motor: %s: the filter must be a document, not %v", name, t)
	}
	size := 0
	if !remove {
		if size, err = checkUpdate(bson.Raw(body).Lookup("update"), replace); err != nil {
			return zero, fmt.Errorf("motor: %s: %w", name, err)
		}
	}
	ack := acknowledged(wc)
	cmd := &op.Command{
		Name: "findAndModify", Body: body, Write: true, Retry: op.RetryWrite,
		Unacknowledged: !ack, NoSession: !ack, ReadConcern: writeReadConcern,
		Prepare: func(_ *op.Command, l op.Limits) error {
			if size > l.MaxBSONObjectSize {
				return fmt.Errorf("motor: %s: %w: the replacement is %d bytes, over the server's maxBsonObjectSize of %d bytes",
					name, ErrDocumentTooLarge, size, l.MaxBSONObjectSize)
			}
			if o.hint != nil && !ack && l.MaxWireVersion < 9 {
				return fmt.Errorf("motor: %s: a hint on an unacknowledged write needs MongoDB 4.4 (wire version 9); the server's wire version is %d", name, l.MaxWireVersion)
			}
			return nil
		},
	}
	if !ack {
		cmd.Retry = op.NoRetry
	}
	res, err := c.run(ctx, cmd)
	if err != nil {
		return zero, err
	}
	if !ack {
		return zero, ErrUnacknowledgedWrite
	}
	var wErr error
	if we := writeException("findAndModify", res.Reply); we != nil {
		wErr = we
	}
	v, ok := res.Reply.Lookup("value").DocumentOK()
	if !ok {
		if wErr != nil {
			return zero, wErr
		}
		return zero, ErrNoDocuments
	}
	var out T
	if err := (bson.UnmarshalOptions{Registry: c.registry}).Unmarshal(v, &out); err != nil {
		return zero, fmt.Errorf("motor: %s: decoding the document: %w", name, err)
	}
	return out, wErr
}
