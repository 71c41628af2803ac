// Package gridfs stores files of any size in MongoDB, as the GridFS
// specification lays them out: a files collection with one document per
// stored file and a chunks collection holding its contents, cut into chunks
// of a fixed size.
//
// # Buckets
//
// A Bucket is a pair of collections, <name>.files and <name>.chunks ("fs" by
// default), in one database:
//
//	bucket := gridfs.NewBucket(client.Database("media"))
//	photos := gridfs.NewBucket(db, gridfs.BucketOptions{Name: "photos", ChunkSize: 1 << 20})
//
// Before its first write a Bucket creates the indexes GridFS needs, an index
// on {filename: 1, uploadDate: 1} of the files collection and a unique one on
// {files_id: 1, n: 1} of the chunks collection, if the files collection is
// empty and they do not exist yet. It checks once per Bucket.
//
// # Uploading
//
// UploadFromStream copies an io.Reader into a new stored file and returns
// its id; OpenUploadStream returns an io.WriteCloser, whose Close writes the
// files document that makes the file visible:
//
//	id, err := bucket.UploadFromStream(ctx, "report.pdf", f,
//		gridfs.UploadOptions{Metadata: bson.D{{Key: "owner", Value: "ana"}}})
//
// The deprecated fields md5, contentType and aliases are never written.
//
// # Downloading
//
// OpenDownloadStream returns an io.ReadCloser over a stored file;
// DownloadToStream copies a file into an io.Writer. The chunks are read
// through a prefetching cursor: the next batch of chunks is requested while
// the caller reads the current one. Each chunk is checked as it arrives (its
// index and its size), so a corrupted file fails with ErrChunkMissing,
// ErrChunkIndexMismatch, ErrChunkWrongSize or ErrExtraChunk, which
// errors.Is matches. By name, the revision counts from the oldest upload
// (0, 1, ...) or from the newest (-1, the default, -2, ...):
//
//	var buf bytes.Buffer
//	n, err := bucket.DownloadToStreamByName(ctx, "report.pdf", &buf,
//		gridfs.DownloadByNameOptions{Revision: 0}) // the original
//
// # Finding and managing files
//
// Find queries the files collection and returns a cursor of File values;
// a filter on the application's metadata uses the "metadata." prefix:
//
//	cur, err := bucket.Find(ctx, bson.D{{Key: "metadata.owner", Value: "ana"}})
//
// Rename, RenameByName, Delete, DeleteByName and Drop manage stored files and
// the bucket. A missing file is ErrFileNotFound.
//
// # Contexts
//
// Every method takes a context. The streams keep the context they were
// opened with: it bounds every read and write of the stream, since io.Reader
// and io.Writer take none, and cancelling it makes the next Read or Write
// fail with an error that wraps ctx.Err().
package gridfs
