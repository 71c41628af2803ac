package gridfs

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// FindOptions are the options of Bucket.Find, passed on to the find on the
// files collection. The zero value of each field leaves it unset.
type FindOptions struct {
	// AllowDiskUse lets a large sort use temporary files on the server;
	// sent only when set.
	AllowDiskUse *bool
	// BatchSize is the number of files documents per batch.
	BatchSize int32
	// Limit is the most files documents to return.
	Limit int32
	// MaxTime bounds the query on the server (maxTimeMS).
	MaxTime time.Duration
	// NoCursorTimeout keeps the server from closing the idle cursor.
	NoCursorTimeout bool
	// Skip is the number of matching files documents to skip.
	Skip int32
	// Sort orders the files documents, as bson.D{{Key: "uploadDate", Value: -1}}.
	Sort any
}

// Find returns a cursor over the files documents that match filter, a
// query on the files collection passed as it is. The application's
// metadata is under "metadata.":
//
//	cur, err := bucket.Find(ctx, bson.D{{Key: "metadata.owner", Value: "ana"}},
//		gridfs.FindOptions{Sort: bson.D{{Key: "uploadDate", Value: -1}}})
//	for f, err := range cur.All(ctx) { ... } // f is a File
func (b *Bucket) Find(ctx context.Context, filter any, opts ...FindOptions) (*motor.Cursor[File], error) {
	if b.err != nil {
		return nil, b.err
	}
	var o motor.FindOptions
	for _, p := range opts {
		if p.AllowDiskUse != nil {
			o.AllowDiskUse = p.AllowDiskUse
		}
		if p.BatchSize != 0 {
			o.BatchSize = p.BatchSize
		}
		if p.Limit != 0 {
			o.Limit = int64(p.Limit)
		}
		if p.MaxTime != 0 {
			o.MaxTime = p.MaxTime
		}
		o.NoCursorTimeout = o.NoCursorTimeout || p.NoCursorTimeout
		if p.Skip != 0 {
			o.Skip = int64(p.Skip)
		}
		if p.Sort != nil {
			o.Sort = p.Sort
		}
	}
	return motor.CollectionOf[File](b.db, b.name+".files").Find(ctx, filter, o)
}

// Rename sets the filename of the file whose id is id to newName. When no
// file has the id, it returns ErrFileNotFound.
func (b *Bucket) Rename(ctx context.Context, id any, newName string) error {
	if b.err != nil {
		return b.err
	}
	res, err := b.files.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, setFilename(newName))
	if err != nil {
		return fmt.Errorf("gridfs: rename: %w", err)
	}
	if res.Acknowledged && res.MatchedCount == 0 {
		return fmt.Errorf("%w: no file with id %v", ErrFileNotFound, id)
	}
	return nil
}

// RenameByName renames every revision of the file named filename to
// newName. When no file has the name, it returns ErrFileNotFound.
func (b *Bucket) RenameByName(ctx context.Context, filename, newName string) error {
	if b.err != nil {
		return b.err
	}
	res, err := b.files.UpdateMany(ctx, bson.D{{Key: "filename", Value: filename}}, setFilename(newName))
	if err != nil {
		return fmt.Errorf("gridfs: rename: %w", err)
	}
	if res.Acknowledged && res.MatchedCount == 0 {
		return fmt.Errorf("%w: no file named %q", ErrFileNotFound, filename)
	}
	return nil
}

func setFilename(name string) bson.D {
	return bson.D{{Key: "$set", Value: bson.D{{Key: "filename", Value: name}}}}
}

// Delete deletes the file whose id is id: its files document first, so
// that readers stop finding it, then its chunks. When there is no files
// document it still deletes the chunks of the id (orphans of a failed
// upload or delete), then returns ErrFileNotFound.
func (b *Bucket) Delete(ctx context.Context, id any) error {
	if b.err != nil {
		return b.err
	}
	res, err := b.files.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return fmt.Errorf("gridfs: delete: %w", err)
	}
	if _, err := b.chunks.DeleteMany(ctx, bson.D{{Key: "files_id", Value: id}}); err != nil {
		return fmt.Errorf("gridfs: delete: deleting the chunks: %w", err)
	}
	if res.Acknowledged && res.DeletedCount == 0 {
		return fmt.Errorf("%w: no file with id %v", ErrFileNotFound, id)
	}
	return nil
}

// DeleteByName deletes every revision of the file named filename: it finds
// their ids, deletes their files documents, then their chunks. When no file
// has the name, it returns ErrFileNotFound.
func (b *Bucket) DeleteByName(ctx context.Context, filename string) error {
	if b.err != nil {
		return b.err
	}
	cur, err := b.files.Find(ctx, bson.D{{Key: "filename", Value: filename}},
		motor.FindOptions{Projection: bson.D{{Key: "_id", Value: int32(1)}}})
	if err != nil {
		return fmt.Errorf("gridfs: delete: %w", err)
	}
	var ids bson.A
	for d, err := range cur.All(ctx) {
		if err != nil {
			return fmt.Errorf("gridfs: delete: %w", err)
		}
		ids = append(ids, d.Lookup("_id"))
	}
	if len(ids) == 0 {
		return fmt.Errorf("%w: no file named %q", ErrFileNotFound, filename)
	}
	in := bson.D{{Key: "$in", Value: ids}}
	if _, err := b.files.DeleteMany(ctx, bson.D{{Key: "_id", Value: in}}); err != nil {
		return fmt.Errorf("gridfs: delete: %w", err)
	}
	if _, err := b.chunks.DeleteMany(ctx, bson.D{{Key: "files_id", Value: in}}); err != nil {
		return fmt.Errorf("gridfs: delete: deleting the chunks: %w", err)
	}
	return nil
}
