package gridfs

import (
	"context"
	"errors"
	"fmt"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The indexes the specification requires: files by name and upload date,
// and chunks by file and index, unique.
var (
	filesIndexKeys  = bson.D{{Key: "filename", Value: int32(1)}, {Key: "uploadDate", Value: int32(1)}}
	chunksIndexKeys = bson.D{{Key: "files_id", Value: int32(1)}, {Key: "n", Value: int32(1)}}
)

// ensureIndexes runs before each write and, until it has succeeded once,
// checks the indexes: when the files collection is empty (read from the
// primary), it lists the indexes of both collections and creates those
// missing. An error leaves the check to the next write.
func (b *Bucket) ensureIndexes(ctx context.Context) error {
	if b.indexed.Load() {
		return nil
	}
	select {
	case b.indexSem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("gridfs: waiting for the index check: %w", ctx.Err())
	}
	defer func() { <-b.indexSem }()
	if b.indexed.Load() {
		return nil
	}
	files, err := b.files.WithReadPreference(motor.ReadPreference{Mode: motor.ReadPrimary})
	if err != nil {
		return err
	}
	_, err = files.FindOne(ctx, bson.D{}, motor.FindOneOptions{Projection: bson.D{{Key: "_id", Value: int32(1)}}})
	switch {
	case err == nil:
		// Files exist: the specification leaves their indexes alone.
	case errors.Is(err, motor.ErrNoDocuments):
		if err := ensureIndex(ctx, b.files.Indexes(), filesIndexKeys, false); err != nil {
			return err
		}
		if err := ensureIndex(ctx, b.chunks.Indexes(), chunksIndexKeys, true); err != nil {
			return err
		}
	default:
		return fmt.Errorf("gridfs: checking whether %s is empty: %w", b.files.Name(), err)
	}
	b.indexed.Store(true)
	return nil
}

// ensureIndex creates the index on keys unless the collection has one with
// the same keys, whatever their numeric types.
func ensureIndex(ctx context.Context, v motor.IndexView, keys bson.D, unique bool) error {
	specs, err := v.List(ctx)
	if err != nil && !errors.Is(err, motor.ErrNamespaceNotFound) {
		return fmt.Errorf("gridfs: listing indexes: %w", err)
	}
	for _, s := range specs {
		if sameKeys(s.Keys, keys) {
			return nil
		}
	}
	m := motor.IndexModel{Keys: keys}
	if unique {
		m.Options.Unique = new(true)
	}
	if _, err := v.CreateOne(ctx, m); err != nil {
		return fmt.Errorf("gridfs: creating an index: %w", err)
	}
	return nil
}

// sameKeys reports whether two key patterns name the same fields in the
// same order with numerically equal values: {filename: 1.0} is
// {filename: int32(1)}.
func sameKeys(got, want bson.D) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Key != want[i].Key {
			return false
		}
		g, ok1 := number(got[i].Value)
		w, ok2 := number(want[i].Value)
		if !ok1 || !ok2 || g != w {
			return false
		}
	}
	return true
}

// number returns a numeric key value as a float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
