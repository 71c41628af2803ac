package gridfs

import (
	"fmt"
	"math"
	"time"

	"github.com/motor-go/motor/bson"
)

// File is a files collection document: the description of a stored file.
// Find returns them, and DownloadStream.File that of the file being read.
//
// It decodes files documents written by other drivers and older versions
// of GridFS too: a length or chunk size stored as another numeric type is
// converted, a missing filename is "", and the fields File does not model
// (the deprecated md5, contentType and aliases, or fields added at the root
// by old implementations) are in Raw.
type File struct {
	// ID is the file's id, the _id of its files document: a bson.ObjectID
	// unless the application gave one of its own, decoded as bson.Unmarshal
	// decodes into an interface.
	ID any
	// Length is the file's size in bytes.
	Length int64
	// ChunkSize is the size of every chunk but the last, in bytes.
	ChunkSize int32
	// UploadDate is when the upload finished (the files document was
	// written), in UTC, to the millisecond.
	UploadDate time.Time
	// Filename is the file's name. Names are not unique: files with the
	// same name are revisions of one another.
	Filename string
	// Metadata is the application's metadata document, nil when none was
	// given.
	Metadata bson.Raw
	// Raw is the files document as stored. Decoding copies it, so it
	// stays valid.
	Raw bson.Raw
}

// UnmarshalBSON decodes a files document into f. It is what lets a
// motor.Cursor[File] decode files documents.
func (f *File) UnmarshalBSON(data []byte) error {
	raw := bson.Raw(append([]byte(nil), data...))
	if err := raw.Validate(); err != nil {
		return fmt.Errorf("gridfs: files document: %w", err)
	}
	out := File{Raw: raw}
	id := raw.Lookup("_id")
	if id.Type == 0 {
		return fmt.Errorf("%w: no _id", ErrInvalidFile)
	}
	if err := id.Unmarshal(&out.ID); err != nil {
		return fmt.Errorf("gridfs: files document _id: %w", err)
	}
	n, ok := raw.Lookup("length").AsInt64OK()
	if !ok || n < 0 {
		return fmt.Errorf("%w: length %s", ErrInvalidFile, raw.Lookup("length"))
	}
	out.Length = n
	cs, ok := raw.Lookup("chunkSize").AsInt64OK()
	if !ok || cs < 0 || cs > math.MaxInt32 || (cs == 0 && n > 0) {
		return fmt.Errorf("%w: chunkSize %s", ErrInvalidFile, raw.Lookup("chunkSize"))
	}
	out.ChunkSize = int32(cs)
	if d, ok := raw.Lookup("uploadDate").DateTimeOK(); ok {
		out.UploadDate = time.UnixMilli(int64(d)).UTC()
	}
	out.Filename, _ = raw.Lookup("filename").StringValueOK()
	out.Metadata, _ = raw.Lookup("metadata").DocumentOK()
	*f = out
	return nil
}

// chunkCount is the number of chunks of a file of length bytes.
func chunkCount(length int64, chunkSize int32) int64 {
	if length == 0 {
		return 0
	}
	return (length + int64(chunkSize) - 1) / int64(chunkSize)
}
