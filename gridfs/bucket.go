package gridfs

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// DefaultChunkSize is the chunk size of a Bucket whose options set none:
// 255 KiB, so that a chunk document stays under 256 KiB.
const DefaultChunkSize = 255 * 1024

// BucketOptions are the options of NewBucket. The zero value of each field
// leaves the default. Several BucketOptions are merged left to right, the
// set fields of later ones winning.
type BucketOptions struct {
	// Name is the bucket's name, the prefix of its two collections
	// (<Name>.files and <Name>.chunks); "" means "fs".
	Name string
	// ChunkSize is the chunk size, in bytes, of the files uploaded through
	// the bucket, unless UploadOptions.ChunkSize says otherwise; 0 means
	// DefaultChunkSize. A negative size makes every method fail with
	// ErrInvalidChunkSize.
	ChunkSize int32
	// WriteConcern overrides the database's write concern.
	WriteConcern *motor.WriteConcern
	// ReadConcern overrides the database's read concern.
	ReadConcern *motor.ReadConcern
	// ReadPreference overrides the database's read preference. The check
	// for an empty files collection that precedes the first write always
	// reads from the primary.
	ReadPreference *motor.ReadPreference
}

// Bucket is a GridFS bucket: the files and chunks collections of one name
// in a database. It is safe for concurrent use; its settings do not change
// once it is made.
type Bucket struct {
	name      string
	chunkSize int32
	db        *motor.Database
	files     *motor.Collection[bson.Raw]
	chunks    *motor.Collection[bson.Raw]
	filesDocs *motor.Collection[bson.D]   // the files collection, to insert
	chunkDocs *motor.Collection[chunkDoc] // the chunks collection, to insert
	// err is an invalid option, returned by every method: NewBucket
	// returns no error, to keep the shape the specification gives it.
	err error

	// indexSem is held by the write that checks the indexes: a channel of
	// capacity one rather than a mutex, so that waiting for another
	// writer's check honours ctx. indexed is set once they are in place.
	indexSem chan struct{}
	indexed  atomic.Bool
}

// NewBucket returns the bucket of db described by opts. It does no I/O:
// the indexes are checked before the bucket's first write.
//
// An invalid option (a negative chunk size, a read preference that
// motor.Database.WithReadPreference refuses) is reported by every method
// of the bucket.
func NewBucket(db *motor.Database, opts ...BucketOptions) *Bucket {
	var o BucketOptions
	for _, p := range opts {
		if p.Name != "" {
			o.Name = p.Name
		}
		if p.ChunkSize != 0 {
			o.ChunkSize = p.ChunkSize
		}
		if p.WriteConcern != nil {
			o.WriteConcern = p.WriteConcern
		}
		if p.ReadConcern != nil {
			o.ReadConcern = p.ReadConcern
		}
		if p.ReadPreference != nil {
			o.ReadPreference = p.ReadPreference
		}
	}
	b := &Bucket{name: o.Name, chunkSize: o.ChunkSize, indexSem: make(chan struct{}, 1)}
	if b.name == "" {
		b.name = "fs"
	}
	switch {
	case b.chunkSize == 0:
		b.chunkSize = DefaultChunkSize
	case b.chunkSize < 0:
		b.err = fmt.Errorf("%w: BucketOptions.ChunkSize is %d", ErrInvalidChunkSize, b.chunkSize)
	}
	if o.WriteConcern != nil {
		db = db.WithWriteConcern(o.WriteConcern)
	}
	if o.ReadConcern != nil {
		db = db.WithReadConcern(o.ReadConcern)
	}
	if o.ReadPreference != nil {
		d, err := db.WithReadPreference(*o.ReadPreference)
		if err != nil && b.err == nil {
			b.err = fmt.Errorf("gridfs: BucketOptions.ReadPreference: %w", err)
		}
		if err == nil {
			db = d
		}
	}
	b.db = db
	b.files = motor.CollectionOf[bson.Raw](db, b.name+".files")
	b.chunks = motor.CollectionOf[bson.Raw](db, b.name+".chunks")
	b.filesDocs = motor.CollectionOf[bson.D](db, b.name+".files")
	b.chunkDocs = motor.CollectionOf[chunkDoc](db, b.name+".chunks")
	return b
}

// Name returns the bucket's name.
func (b *Bucket) Name() string { return b.name }

// ChunkSize returns the chunk size of the files uploaded through the
// bucket without an UploadOptions.ChunkSize.
func (b *Bucket) ChunkSize() int32 { return b.chunkSize }

// FilesCollection returns the bucket's files collection, <name>.files.
func (b *Bucket) FilesCollection() *motor.Collection[bson.Raw] { return b.files }

// ChunksCollection returns the bucket's chunks collection, <name>.chunks.
func (b *Bucket) ChunksCollection() *motor.Collection[bson.Raw] { return b.chunks }

// Drop drops the files collection, then the chunks collection. Dropping
// collections that do not exist succeeds. The next write checks the
// indexes again.
func (b *Bucket) Drop(ctx context.Context) error {
	if b.err != nil {
		return b.err
	}
	if err := b.files.Drop(ctx); err != nil {
		return fmt.Errorf("gridfs: drop: %w", err)
	}
	if err := b.chunks.Drop(ctx); err != nil {
		return fmt.Errorf("gridfs: drop: %w", err)
	}
	b.indexed.Store(false)
	return nil
}
