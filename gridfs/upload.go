package gridfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// UploadOptions are the options of the uploads. Several are merged left to
// right, the set fields of later ones winning.
type UploadOptions struct {
	// ChunkSize is the file's chunk size in bytes; 0 means the bucket's.
	ChunkSize int32
	// Metadata is the application's data about the file, a document
	// stored as the metadata field of its files document; nil stores
	// none.
	Metadata any
}

// maxBatchBytes and maxBatchChunks bound the chunks an UploadStream holds
// before it inserts them, with one insert command: about 4 MiB, at least
// one chunk.
const (
	maxBatchBytes  = 4 << 20
	maxBatchChunks = 1000
)

// chunkDoc is a chunks collection document. Data aliases the stream's
// buffer: InsertMany encodes it before returning.
type chunkDoc struct {
	ID      bson.ObjectID `bson:"_id"`
	FilesID any           `bson:"files_id"`
	N       int32         `bson:"n"`
	Data    []byte        `bson:"data"`
}

// UploadStream writes a new stored file: an io.WriteCloser whose bytes go
// to the chunks collection, a batch of chunks (about 4 MiB) at a time, and
// whose Close writes the files document. A full batch is inserted in the
// background while the caller fills the next one: at most one insert is
// in flight, and two batches are held in memory. It is written by one
// goroutine at a time.
//
// Its writes are bounded by the context given to OpenUploadStream. A write
// that fails leaves the chunks already inserted (the specification forbids
// cleaning up after a failed insert); Abort deletes them.
type UploadStream struct {
	b         *Bucket
	ctx       context.Context
	chunks    *motor.Collection[chunkDoc]
	id        any
	filename  string
	chunkSize int32
	metadata  any

	batch    int        // bytes per insert: a whole number of chunks
	buf      []byte     // the batch being filled, grown up to batch bytes
	spare    []byte     // the other batch, being inserted while inflight
	inflight chan error // the result of the insert in flight, nil if none
	n        int32      // index of the next chunk to cut
	length   int64      // bytes cut into chunks
	wrote    bool       // an insert was sent: Abort has chunks to delete
	closed   bool       // closed or aborted
	err      error      // the failure of an insert, returned from then on
}

// OpenUploadStream starts the upload of a file named filename, with an id
// of the driver's, a new bson.ObjectID (UploadStream.ID). Write the
// contents to the stream and Close it; ctx bounds every write.
func (b *Bucket) OpenUploadStream(ctx context.Context, filename string, opts ...UploadOptions) (*UploadStream, error) {
	return b.OpenUploadStreamWithID(ctx, bson.NewObjectID(), filename, opts...)
}

// OpenUploadStreamWithID is OpenUploadStream with the file's id given by
// the application: any value that is not an array. Uploading two files
// with the same id fails when the second is closed (a duplicate key error of
// the files collection).
func (b *Bucket) OpenUploadStreamWithID(ctx context.Context, id any, filename string, opts ...UploadOptions) (*UploadStream, error) {
	if b.err != nil {
		return nil, b.err
	}
	if id == nil {
		return nil, errors.New("gridfs: the file id is nil")
	}
	var o UploadOptions
	for _, p := range opts {
		if p.ChunkSize != 0 {
			o.ChunkSize = p.ChunkSize
		}
		if p.Metadata != nil {
			o.Metadata = p.Metadata
		}
	}
	cs := b.chunkSize
	switch {
	case o.ChunkSize < 0:
		return nil, fmt.Errorf("%w: UploadOptions.ChunkSize is %d", ErrInvalidChunkSize, o.ChunkSize)
	case o.ChunkSize > 0:
		cs = o.ChunkSize
	}
	per := min(max(maxBatchBytes/int(cs), 1), maxBatchChunks)
	return &UploadStream{
		b: b, ctx: ctx, chunks: b.chunkDocs, id: id, filename: filename, chunkSize: cs, metadata: o.Metadata,
		batch: per * int(cs),
	}, nil
}

// ID returns the file's id.
func (s *UploadStream) ID() any { return s.id }

// Write appends p to the file. When it fills a batch it waits for the
// insert of the previous batch, if that is still in flight, and sends this
// one. It returns the error of a failed insert (the Write that fills the
// next batch learns of it, or Close), and that error again from then on.
func (s *UploadStream) Write(p []byte) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	written := 0
	for len(p) > 0 {
		k := copy(s.room(), p)
		s.buf = s.buf[:len(s.buf)+k]
		p = p[k:]
		written += k
		if len(s.buf) == s.batch {
			if err := s.flush(false); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// ReadFrom copies r into the file until io.EOF, reading straight into the
// stream's buffer; io.Copy uses it. It returns the bytes read and the
// first error of r (other than io.EOF) or of an insert. It does not close
// the stream.
func (s *UploadStream) ReadFrom(r io.Reader) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	var total int64
	for {
		k, rerr := r.Read(s.room())
		s.buf = s.buf[:len(s.buf)+k]
		total += int64(k)
		if len(s.buf) == s.batch {
			if err := s.flush(false); err != nil {
				return total, err
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
		if err := s.ctx.Err(); err != nil {
			return total, fmt.Errorf("gridfs: upload: %w", err)
		}
	}
}

// room returns the free space of the batch being filled. The buffer holds
// one chunk at first, so that a small file does not cost a whole batch,
// then grows to the batch size at once.
func (s *UploadStream) room() []byte {
	if len(s.buf) == cap(s.buf) {
		size := s.batch
		if cap(s.buf) < int(s.chunkSize) {
			size = min(int(s.chunkSize), s.batch)
		}
		s.buf = slices.Grow(s.buf, size-len(s.buf))
	}
	return s.buf[len(s.buf):min(cap(s.buf), s.batch)]
}

// usable returns why the stream cannot take more bytes, if it cannot.
func (s *UploadStream) usable() error {
	switch {
	case s.closed:
		return ErrStreamClosed
	case s.err != nil:
		return s.err
	}
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("gridfs: upload: %w", err)
	}
	return nil
}

// flush sends the chunks of the buffer: when it is full, in the background
// with the buffers swapped, so that the caller fills one batch while the
// other is inserted; with final, every chunk left, the last one shorter,
// and it waits. Either way it first waits for the insert in flight and
// returns its error.
func (s *UploadStream) flush(final bool) error {
	if err := s.wait(); err != nil {
		return err
	}
	docs, err := s.cut(final)
	if err != nil || len(docs) == 0 {
		return err
	}
	s.wrote = true
	if final {
		err := s.insert(docs)
		s.buf = s.buf[:0]
		if err != nil {
			s.err = err
		}
		return err
	}
	if s.spare == nil {
		s.spare = make([]byte, 0, s.batch)
	}
	// docs alias the full buffer, which becomes the spare one: it is not
	// written again before wait has the insert's result.
	s.buf, s.spare = s.spare[:0], s.buf
	done := make(chan error, 1)
	s.inflight = done
	go func() { done <- s.insert(docs) }()
	return nil
}

// cut returns the chunk documents of the buffer's bytes (the full chunks,
// and with final the shorter last one too), which alias the buffer, and
// counts them as written.
func (s *UploadStream) cut(final bool) ([]chunkDoc, error) {
	cs := int(s.chunkSize)
	count := len(s.buf) / cs
	if final && len(s.buf)%cs != 0 {
		count++
	}
	if int64(s.n)+int64(count) > math.MaxInt32 {
		s.err = fmt.Errorf("gridfs: upload: the file has more than %d chunks", math.MaxInt32)
		return nil, s.err
	}
	docs := make([]chunkDoc, count)
	for i := range docs {
		end := min((i+1)*cs, len(s.buf))
		docs[i] = chunkDoc{ID: bson.NewObjectID(), FilesID: s.id, N: s.n + int32(i), Data: s.buf[i*cs : end]}
	}
	s.n += int32(count)
	s.length += int64(len(s.buf))
	return docs, nil
}

// insert checks the indexes before the bucket's first write, then inserts
// docs. It runs on the caller's goroutine or on the stream's.
func (s *UploadStream) insert(docs []chunkDoc) error {
	if err := s.b.ensureIndexes(s.ctx); err != nil {
		return err
	}
	if _, err := s.chunks.InsertMany(s.ctx, docs); err != nil {
		return fmt.Errorf("gridfs: inserting chunks: %w", err)
	}
	return nil
}

// wait waits for the insert in flight, if any, and returns the stream's
// error, which a failed insert sets.
func (s *UploadStream) wait() error {
	if s.inflight != nil {
		if err := <-s.inflight; err != nil && s.err == nil {
			s.err = err
		}
		s.inflight = nil
	}
	return s.err
}

// Close inserts the last chunks and writes the files document, which
// makes the file visible. After Close, Write fails with ErrStreamClosed;
// a second Close returns ErrStreamClosed. If an insert failed earlier,
// Close returns that error and writes nothing.
func (s *UploadStream) Close() error {
	if s.closed {
		return ErrStreamClosed
	}
	s.closed = true
	if err := s.wait(); err != nil {
		return err
	}
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("gridfs: upload: %w", err)
	}
	if err := s.flush(true); err != nil {
		return err
	}
	if err := s.b.ensureIndexes(s.ctx); err != nil {
		return err
	}
	doc := bson.D{
		{Key: "_id", Value: s.id},
		{Key: "length", Value: s.length},
		{Key: "chunkSize", Value: s.chunkSize},
		{Key: "uploadDate", Value: bson.DateTime(time.Now().UnixMilli())},
		{Key: "filename", Value: s.filename},
	}
	if s.metadata != nil {
		doc = append(doc, bson.E{Key: "metadata", Value: s.metadata})
	}
	if _, err := s.b.filesDocs.InsertOne(s.ctx, doc); err != nil {
		return fmt.Errorf("gridfs: inserting the files document: %w", err)
	}
	return nil
}

// Abort ends the upload without writing the files document and deletes
// the chunks inserted so far; ctx bounds the wait for the insert in flight,
// if any, and the delete. Later writes fail with ErrStreamClosed. Aborting a
// stream already closed returns ErrStreamClosed and deletes nothing.
//
// When ctx ends before the insert in flight does, Abort returns an error
// wrapping ctx.Err() and deletes nothing: the chunks of that insert may
// still be written (the insert stays bounded by the stream's context).
func (s *UploadStream) Abort(ctx context.Context) error {
	if s.closed {
		return ErrStreamClosed
	}
	s.closed = true
	if s.inflight != nil {
		select {
		case <-s.inflight:
			// Failed or not, its chunks are deleted below.
			s.inflight = nil
		case <-ctx.Done():
			return fmt.Errorf("gridfs: abort: waiting for the insert in flight: %w", ctx.Err())
		}
	}
	s.buf = s.buf[:0]
	if !s.wrote {
		return nil
	}
	if _, err := s.b.chunks.DeleteMany(ctx, bson.D{{Key: "files_id", Value: s.id}}); err != nil {
		return fmt.Errorf("gridfs: abort: deleting the chunks: %w", err)
	}
	return nil
}

// UploadFromStream uploads the contents of r, read to io.EOF, as a new file
// named filename and returns its id. r is not closed. If r fails, the
// chunks inserted so far are deleted and r's error is returned.
func (b *Bucket) UploadFromStream(ctx context.Context, filename string, r io.Reader, opts ...UploadOptions) (bson.ObjectID, error) {
	id := bson.NewObjectID()
	if err := b.UploadFromStreamWithID(ctx, id, filename, r, opts...); err != nil {
		return bson.NilObjectID, err
	}
	return id, nil
}

// UploadFromStreamWithID is UploadFromStream with the file's id given by
// the application.
func (b *Bucket) UploadFromStreamWithID(ctx context.Context, id any, filename string, r io.Reader, opts ...UploadOptions) error {
	s, err := b.OpenUploadStreamWithID(ctx, id, filename, opts...)
	if err != nil {
		return err
	}
	if _, err := s.ReadFrom(r); err != nil {
		if s.err == nil && ctx.Err() == nil {
			// r failed: the specification has the upload aborted and
			// r's error reported.
			_ = s.Abort(ctx)
			return fmt.Errorf("gridfs: reading the source: %w", err)
		}
		s.closed = true
		_ = s.wait() // no insert outlives the call
		return err
	}
	return s.Close()
}
