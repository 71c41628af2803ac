package gridfs

import "errors"

// Errors of the package, for errors.Is. The errors returned wrap them with
// the details (the file's id, the chunk's index).
var (
	// ErrFileNotFound is returned when no files document matches the id
	// or the filename given.
	ErrFileNotFound = errors.New("gridfs: file not found")
	// ErrRevisionNotFound is returned by the by-name downloads when files
	// with the name exist but not the revision asked for.
	ErrRevisionNotFound = errors.New("gridfs: revision not found")
	// ErrChunkMissing is returned by a download when a chunk of the file
	// is not in the chunks collection.
	ErrChunkMissing = errors.New("gridfs: chunk missing")
	// ErrChunkIndexMismatch is returned by a download when a chunk's n is
	// not the index expected next (a repeated n, or one that is not an
	// integer).
	ErrChunkIndexMismatch = errors.New("gridfs: chunk index mismatch")
	// ErrChunkWrongSize is returned by a download when a chunk's data is
	// not as long as the file's length and chunk size require, or is not
	// binary data.
	ErrChunkWrongSize = errors.New("gridfs: chunk has the wrong size")
	// ErrExtraChunk is returned by a download when the chunks collection
	// holds chunks past the end of the file.
	ErrExtraChunk = errors.New("gridfs: extra chunk")
	// ErrStreamClosed is returned by the Read or Write of a stream that was
	// closed or aborted.
	ErrStreamClosed = errors.New("gridfs: stream closed")
	// ErrInvalidFile is returned for a files document whose length or
	// chunk size cannot describe a file: negative, or a chunk size of
	// zero for a non-empty file.
	ErrInvalidFile = errors.New("gridfs: invalid files document")
	// ErrInvalidChunkSize is returned for a chunk size that is not
	// positive.
	ErrInvalidChunkSize = errors.New("gridfs: chunk size must be positive")
)
