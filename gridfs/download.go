package gridfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// DownloadByNameOptions are the options of the by-name downloads.
type DownloadByNameOptions struct {
	// Revision chooses among the files of the name, by upload date: 0 is
	// the original, 1 the first revision, and so on; -1 is the most
	// recent, -2 the one before it. Without a DownloadByNameOptions the
	// revision is -1; note that the zero value of the field asks for the
	// original.
	Revision int
}

// closeTimeout bounds the killCursors that a DownloadStream's Close sends
// when the file was not read to its end, since Close takes no context.
const closeTimeout = 10 * time.Second

// DownloadStream reads a stored file: an io.ReadCloser, and an io.Seeker
// and io.WriterTo. It reads the chunks through a prefetching cursor, so
// the next batch of chunks is on its way while the current one is read,
// and checks each chunk as it comes: its index (ErrChunkMissing,
// ErrChunkIndexMismatch), its size (ErrChunkWrongSize), and at the end that
// no chunk follows the last (ErrExtraChunk). A failed read returns the same
// error from then on.
//
// The context given when the stream was opened bounds its reads; when it is
// done, Read fails with an error that wraps ctx.Err(). A DownloadStream is
// read by one goroutine at a time; Close it when done.
type DownloadStream struct {
	b     *Bucket
	ctx   context.Context
	file  File
	id    bson.RawValue // the files document's _id, as stored
	count int64         // chunks the file has

	cur  *motor.Cursor[bson.Raw] // nil before the first read after a Seek
	next int64                   // index of the chunk the cursor yields next
	data []byte                  // the unread rest of the current chunk
	pos  int64                   // offset of data[0] in the file

	err    error
	closed bool
}

// OpenDownloadStream opens the file whose id is id for reading. It reads
// the files document (ErrFileNotFound when there is none) and, unless the
// file is empty, sends the query for its chunks, whose first batch is
// read while the caller gets to its first Read. ctx bounds this call and
// every read of the stream.
func (b *Bucket) OpenDownloadStream(ctx context.Context, id any) (*DownloadStream, error) {
	if b.err != nil {
		return nil, b.err
	}
	raw, err := b.files.FindOne(ctx, bson.D{{Key: "_id", Value: id}})
	if errors.Is(err, motor.ErrNoDocuments) {
		return nil, fmt.Errorf("%w: no file with id %v", ErrFileNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("gridfs: reading the files document: %w", err)
	}
	return b.openFile(ctx, raw)
}

// OpenDownloadStreamByName opens a file by name: its most recent revision,
// or the one that opts gives. When no file has the name the error is
// ErrFileNotFound; when the revision does not exist, ErrRevisionNotFound.
func (b *Bucket) OpenDownloadStreamByName(ctx context.Context, filename string, opts ...DownloadByNameOptions) (*DownloadStream, error) {
	if b.err != nil {
		return nil, b.err
	}
	rev := -1
	for _, o := range opts {
		rev = o.Revision
	}
	o := motor.FindOneOptions{Sort: bson.D{{Key: "uploadDate", Value: int32(1)}}, Skip: int64(rev)}
	if rev < 0 {
		o = motor.FindOneOptions{Sort: bson.D{{Key: "uploadDate", Value: int32(-1)}}, Skip: int64(-rev - 1)}
	}
	filter := bson.D{{Key: "filename", Value: filename}}
	raw, err := b.files.FindOne(ctx, filter, o)
	if errors.Is(err, motor.ErrNoDocuments) {
		// Tell a missing name from a missing revision, as the
		// specification asks.
		_, err = b.files.FindOne(ctx, filter, motor.FindOneOptions{Projection: bson.D{{Key: "_id", Value: int32(1)}}})
		switch {
		case errors.Is(err, motor.ErrNoDocuments):
			return nil, fmt.Errorf("%w: no file named %q", ErrFileNotFound, filename)
		case err == nil:
			return nil, fmt.Errorf("%w: file %q has no revision %d", ErrRevisionNotFound, filename, rev)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("gridfs: reading the files document: %w", err)
	}
	return b.openFile(ctx, raw)
}

// openFile opens a stream on the file described by the files document raw.
func (b *Bucket) openFile(ctx context.Context, raw bson.Raw) (*DownloadStream, error) {
	var f File
	if err := f.UnmarshalBSON(raw); err != nil {
		return nil, err
	}
	s := &DownloadStream{b: b, ctx: ctx, file: f, id: f.Raw.Lookup("_id"), count: chunkCount(f.Length, f.ChunkSize)}
	if s.count > 0 {
		if err := s.query(0); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// query opens the cursor over the chunks from index n on, in order.
func (s *DownloadStream) query(n int64) error {
	filter := bson.D{{Key: "files_id", Value: s.id}}
	if n > 0 {
		filter = append(filter, bson.E{Key: "n", Value: bson.D{{Key: "$gte", Value: n}}})
	}
	cur, err := s.b.chunks.Find(s.ctx, filter, motor.FindOptions{Sort: bson.D{{Key: "n", Value: int32(1)}}})
	if err != nil {
		return fmt.Errorf("gridfs: querying the chunks: %w", err)
	}
	s.cur, s.next = cur, n
	return nil
}

// File returns the files document of the file being read.
func (s *DownloadStream) File() File { return s.file }

// Read reads up to len(p) bytes of the file. At the end of the file it
// returns io.EOF, once the chunks collection is known to hold nothing
// more of the file.
func (s *DownloadStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, s.usable()
	}
	if err := s.fill(); err != nil {
		return 0, err
	}
	k := copy(p, s.data)
	s.data = s.data[k:]
	s.pos += int64(k)
	return k, nil
}

// WriteTo writes the rest of the file to w, chunk by chunk, without
// copying; io.Copy uses it.
func (s *DownloadStream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if err := s.fill(); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		k, err := w.Write(s.data)
		s.data = s.data[k:]
		s.pos += int64(k)
		total += int64(k)
		if err != nil {
			return total, err
		}
	}
}

// usable returns why the stream cannot be read, if it cannot.
func (s *DownloadStream) usable() error {
	if s.closed {
		return ErrStreamClosed
	}
	return s.err
}

// fill makes data hold unread bytes, or returns io.EOF or the error that
// stops the stream.
func (s *DownloadStream) fill() error {
	if err := s.usable(); err != nil {
		return err
	}
	for len(s.data) == 0 {
		if s.pos >= s.file.Length {
			if err := s.checkEnd(); err != nil {
				s.err = err
				return err
			}
			return io.EOF
		}
		if err := s.ctx.Err(); err != nil {
			return fmt.Errorf("gridfs: download: %w", err)
		}
		if err := s.nextChunk(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// nextChunk reads the chunk that holds offset pos and points data at the
// bytes from pos on.
func (s *DownloadStream) nextChunk() error {
	cs := int64(s.file.ChunkSize)
	want := s.pos / cs
	if s.cur == nil {
		if err := s.query(want); err != nil {
			return err
		}
	}
	if !s.cur.Next(s.ctx) {
		if err := s.cur.Err(); err != nil {
			return fmt.Errorf("gridfs: reading the chunks: %w", err)
		}
		return fmt.Errorf("%w: file %s has no chunk %d", ErrChunkMissing, s.id, want)
	}
	doc := s.cur.Current
	n, ok := doc.Lookup("n").AsInt64OK()
	switch {
	case !ok:
		return fmt.Errorf("%w: file %s: chunk n is %s", ErrChunkIndexMismatch, s.id, doc.Lookup("n"))
	case n > want:
		return fmt.Errorf("%w: file %s has no chunk %d (the next is %d)", ErrChunkMissing, s.id, want, n)
	case n < want:
		return fmt.Errorf("%w: file %s: chunk %d where %d was expected", ErrChunkIndexMismatch, s.id, n, want)
	}
	size := cs
	if want == s.count-1 {
		size = s.file.Length - want*cs
	}
	bin, ok := doc.Lookup("data").BinaryOK()
	if !ok {
		return fmt.Errorf("%w: file %s: chunk %d has no binary data", ErrChunkWrongSize, s.id, want)
	}
	if int64(len(bin.Data)) != size {
		return fmt.Errorf("%w: file %s: chunk %d has %d bytes, want %d", ErrChunkWrongSize, s.id, want, len(bin.Data), size)
	}
	s.next = want + 1
	// The cursor's batches are not reused: data may alias them.
	s.data = bin.Data[s.pos-want*cs:]
	return nil
}

// checkEnd reports an error if the chunks collection holds a chunk past
// the last. It costs no round trip when the cursor is exhausted, as it is
// unless the last batch ended exactly at the last chunk.
func (s *DownloadStream) checkEnd() error {
	if s.cur == nil || s.next != s.count {
		return nil // an empty file, or a Seek to the end: nothing read
	}
	if s.cur.Next(s.ctx) {
		n := s.cur.Current.Lookup("n")
		return fmt.Errorf("%w: file %s has %d chunks, and a chunk n: %s", ErrExtraChunk, s.id, s.count, n)
	}
	if err := s.cur.Err(); err != nil {
		return fmt.Errorf("gridfs: reading the chunks: %w", err)
	}
	s.next++ // checked: a later Read does not ask again
	return nil
}

// Seek sets the offset of the next Read, as io.Seeker describes. A seek
// to another chunk closes the cursor; the next Read queries the chunks
// from the one holding the new offset. Seeking past the end is an error.
func (s *DownloadStream) Seek(offset int64, whence int) (int64, error) {
	if err := s.usable(); err != nil {
		return s.pos, err
	}
	var target int64
	switch whence {
	case io.SeekStart:
		target = offset
	case io.SeekCurrent:
		target = s.pos + offset
	case io.SeekEnd:
		target = s.file.Length + offset
	default:
		return s.pos, fmt.Errorf("gridfs: Seek: invalid whence %d", whence)
	}
	if target < 0 || target > s.file.Length {
		return s.pos, fmt.Errorf("gridfs: Seek: offset %d is outside the file (length %d)", target, s.file.Length)
	}
	if target == s.pos {
		return target, nil
	}
	cs := int64(s.file.ChunkSize)
	if len(s.data) > 0 && target/cs == (s.pos/cs) && target > s.pos && target-s.pos <= int64(len(s.data)) {
		// Forward within the current chunk.
		s.data = s.data[target-s.pos:]
		s.pos = target
		return target, nil
	}
	if err := s.closeCursor(); err != nil {
		return s.pos, err
	}
	s.data, s.pos = nil, target
	return target, nil
}

// closeCursor closes the chunks cursor, if open.
func (s *DownloadStream) closeCursor() error {
	if s.cur == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), closeTimeout)
	defer cancel()
	err := s.cur.Close(ctx)
	s.cur = nil
	return err
}

// Close closes the stream and its cursor. If the file was not read to its
// end, it sends a killCursors bounded by 10 seconds, whether or not the
// stream's context is done. Reads after Close fail with ErrStreamClosed; a
// second Close returns ErrStreamClosed.
func (s *DownloadStream) Close() error {
	if s.closed {
		return ErrStreamClosed
	}
	s.closed = true
	s.data = nil
	return s.closeCursor()
}

// DownloadToStream writes the contents of the file whose id is id to w
// and returns the number of bytes written. w is not closed.
func (b *Bucket) DownloadToStream(ctx context.Context, id any, w io.Writer) (int64, error) {
	s, err := b.OpenDownloadStream(ctx, id)
	if err != nil {
		return 0, err
	}
	return copyAndClose(s, w)
}

// DownloadToStreamByName writes the contents of a file, chosen by name as
// OpenDownloadStreamByName chooses it, to w and returns the number of
// bytes written. w is not closed.
func (b *Bucket) DownloadToStreamByName(ctx context.Context, filename string, w io.Writer, opts ...DownloadByNameOptions) (int64, error) {
	s, err := b.OpenDownloadStreamByName(ctx, filename, opts...)
	if err != nil {
		return 0, err
	}
	return copyAndClose(s, w)
}

func copyAndClose(s *DownloadStream, w io.Writer) (int64, error) {
	n, err := s.WriteTo(w)
	cerr := s.Close()
	if err != nil {
		return n, err
	}
	return n, cerr
}
