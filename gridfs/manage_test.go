package gridfs_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
)

// TestIndexes checks that the first write creates the two indexes, once
// per bucket, and that existing indexes with keys of another numeric type
// are taken as they are.
func TestIndexes(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 4})
	if got := len(e.sent("listIndexes")) + len(e.sent("createIndexes")); got != 0 {
		t.Fatalf("NewBucket sent %d index commands", got)
	}
	upload(t, e, b, "a", []byte("hello"))
	if n := len(e.sent("createIndexes")); n != 2 {
		t.Fatalf("%d createIndexes on the first upload, want 2", n)
	}
	finds := e.sent("find")
	if len(finds) == 0 || finds[0].Lookup("find").StringValue() != "fs.files" {
		t.Fatalf("no find on fs.files before the first write: %v", finds)
	}
	files, _ := b.FilesCollection().Indexes().List(e.ctx)
	chunks, _ := b.ChunksCollection().Indexes().List(e.ctx)
	if !hasIndex(files, "filename", "uploadDate", false) || !hasIndex(chunks, "files_id", "n", true) {
		t.Fatalf("indexes: files %+v, chunks %+v", files, chunks)
	}
	e.reset()
	upload(t, e, b, "b", []byte("world"))
	if n := len(e.sent("listIndexes")) + len(e.sent("createIndexes")); n != 0 {
		t.Errorf("the second upload sent %d index commands", n)
	}

	// A new bucket on a collection with files checks nothing more.
	e.reset()
	b2 := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 4})
	upload(t, e, b2, "c", []byte("!"))
	if n := len(e.sent("listIndexes")) + len(e.sent("createIndexes")); n != 0 {
		t.Errorf("a bucket with files sent %d index commands", n)
	}

	// Indexes with double keys, as the shell creates them, are found.
	e.reset()
	other := e.db.Collection("other.files")
	if _, err := other.Indexes().CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "filename", Value: 1.0}, {Key: "uploadDate", Value: 1.0}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Collection("other.chunks").Indexes().CreateOne(e.ctx, motor.IndexModel{
		Keys: bson.D{{Key: "files_id", Value: int64(1)}, {Key: "n", Value: 1.0}}, Options: motor.IndexOptions{Unique: new(true)},
	}); err != nil {
		t.Fatal(err)
	}
	e.reset()
	b3 := gridfs.NewBucket(e.db, gridfs.BucketOptions{Name: "other"})
	upload(t, e, b3, "d", []byte("?"))
	if n := len(e.sent("listIndexes")); n != 2 {
		t.Errorf("%d listIndexes, want 2", n)
	}
	if n := len(e.sent("createIndexes")); n != 0 {
		t.Errorf("%d createIndexes despite equivalent indexes", n)
	}

	// After Drop the next write checks again.
	if err := b.Drop(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.reset()
	upload(t, e, b, "e", nil)
	if n := len(e.sent("createIndexes")); n != 2 {
		t.Errorf("%d createIndexes after Drop, want 2", n)
	}
}

func hasIndex(specs []motor.IndexSpecification, k1, k2 string, unique bool) bool {
	return slices.ContainsFunc(specs, func(s motor.IndexSpecification) bool {
		u := s.Options.Unique != nil && *s.Options.Unique
		return len(s.Keys) == 2 && s.Keys[0].Key == k1 && s.Keys[1].Key == k2 && u == unique
	})
}

// TestManage runs Find, Rename, RenameByName, Delete, DeleteByName and Drop
// and reads the collections back.
func TestManage(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 4})
	a := upload(t, e, b, "a.txt", []byte("aaaaaa"), gridfs.UploadOptions{Metadata: bson.D{{Key: "owner", Value: "ana"}}})
	b1 := upload(t, e, b, "b.txt", []byte("bbbbbbbbb"))
	b2 := upload(t, e, b, "b.txt", []byte("b"))
	c := upload(t, e, b, "c.txt", []byte("c"), gridfs.UploadOptions{Metadata: bson.D{{Key: "owner", Value: "ana"}}})

	find := func(filter any, opts ...gridfs.FindOptions) []gridfs.File {
		t.Helper()
		cur, err := b.Find(e.ctx, filter, opts...)
		if err != nil {
			t.Fatal(err)
		}
		files, err := cur.ToSlice(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	got := find(bson.D{{Key: "metadata.owner", Value: "ana"}}, gridfs.FindOptions{Sort: bson.D{{Key: "filename", Value: -1}}})
	if len(got) != 2 || got[0].ID != c || got[1].ID != a || got[1].Length != 6 || got[1].ChunkSize != 4 ||
		got[1].Metadata.Lookup("owner").StringValue() != "ana" || got[1].Raw.Lookup("filename").StringValue() != "a.txt" {
		t.Fatalf("Find by metadata = %+v", got)
	}
	if got := find(bson.D{}, gridfs.FindOptions{Sort: bson.D{{Key: "uploadDate", Value: 1}}, Skip: 1, Limit: 2, BatchSize: 1}); len(got) != 2 || got[0].ID != b1 || got[1].ID != b2 {
		t.Fatalf("Find with skip and limit = %+v", got)
	}

	if err := b.Rename(e.ctx, a, "renamed.txt"); err != nil {
		t.Fatal(err)
	}
	if got := find(bson.D{{Key: "filename", Value: "renamed.txt"}}); len(got) != 1 || got[0].ID != a {
		t.Fatalf("after Rename: %+v", got)
	}
	if err := b.Rename(e.ctx, bson.NewObjectID(), "x"); !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("Rename of a missing file: %v", err)
	}
	if err := b.RenameByName(e.ctx, "b.txt", "bee.txt"); err != nil {
		t.Fatal(err)
	}
	if got := find(bson.D{{Key: "filename", Value: "bee.txt"}}); len(got) != 2 {
		t.Fatalf("after RenameByName: %+v", got)
	}
	if err := b.RenameByName(e.ctx, "b.txt", "x"); !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("RenameByName of a missing name: %v", err)
	}

	if err := b.Delete(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, "fs.chunks", bson.D{{Key: "files_id", Value: a}}); n != 0 {
		t.Errorf("%d chunks left after Delete", n)
	}
	if err := b.Delete(e.ctx, a); !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	// Orphaned chunks are deleted, and the file reported missing.
	mustInsert(t, e, "fs.chunks", bson.D{{Key: "files_id", Value: "orphan"}, {Key: "n", Value: int32(0)}, {Key: "data", Value: []byte("o")}})
	if err := b.Delete(e.ctx, "orphan"); !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("Delete of orphans: %v", err)
	}
	if n := e.count(t, "fs.chunks", bson.D{{Key: "files_id", Value: "orphan"}}); n != 0 {
		t.Errorf("%d orphaned chunks left", n)
	}

	if err := b.DeleteByName(e.ctx, "bee.txt"); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, "fs.files", bson.D{}); n != 1 {
		t.Errorf("%d files after DeleteByName, want 1", n)
	}
	if n := e.count(t, "fs.chunks", bson.D{{Key: "files_id", Value: bson.D{{Key: "$in", Value: bson.A{b1, b2}}}}}); n != 0 {
		t.Errorf("%d chunks left after DeleteByName", n)
	}
	if err := b.DeleteByName(e.ctx, "bee.txt"); !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("second DeleteByName: %v", err)
	}

	if err := b.Drop(e.ctx); err != nil {
		t.Fatal(err)
	}
	names, err := e.db.ListCollectionNames(e.ctx, bson.D{})
	if err != nil || slices.Contains(names, "fs.files") || slices.Contains(names, "fs.chunks") {
		t.Errorf("after Drop: %v, %v", names, err)
	}
	if err := b.Drop(e.ctx); err != nil {
		t.Errorf("second Drop: %v", err)
	}
}

// TestUploadStream writes through OpenUploadStream in pieces, then aborts
// another upload and checks that its chunks are gone.
func TestUploadStream(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 3})
	s, err := b.OpenUploadStream(e.ctx, "pieces")
	if err != nil {
		t.Fatal(err)
	}
	data := payload(10000) // several insert batches of 1000 chunks
	for p := data; len(p) > 0; {
		k := min(len(p), 7)
		if n, err := s.Write(p[:k]); n != k || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
		p = p[k:]
	}
	if n := e.count(t, "fs.files", bson.D{}); n != 0 {
		t.Errorf("a files document before Close")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, gridfs.ErrStreamClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, gridfs.ErrStreamClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	var buf bytes.Buffer
	if _, err := b.DownloadToStream(e.ctx, s.ID(), &buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("download: %v", err)
	}

	ab, err := b.OpenUploadStreamWithID(e.ctx, int32(7), "aborted")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.Write(payload(5000)); err != nil {
		t.Fatal(err)
	}
	// The first batch of 1000 chunks is inserted in the background.
	for deadline := time.Now().Add(10 * time.Second); e.count(t, "fs.chunks", bson.D{{Key: "files_id", Value: int32(7)}}) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no chunk written before Abort")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := ab.Abort(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, "fs.chunks", bson.D{{Key: "files_id", Value: int32(7)}}); n != 0 {
		t.Errorf("%d chunks left after Abort", n)
	}
	if _, err := ab.Write([]byte("x")); !errors.Is(err, gridfs.ErrStreamClosed) {
		t.Errorf("Write after Abort: %v", err)
	}
	if err := ab.Close(); !errors.Is(err, gridfs.ErrStreamClosed) {
		t.Errorf("Close after Abort: %v", err)
	}
	if _, err := b.OpenDownloadStream(e.ctx, int32(7)); !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("the aborted file: %v", err)
	}
}

// failingReader returns some bytes, then an error.
type failingReader struct{ n int }

var errSource = errors.New("source failed")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errSource
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// TestUploadSourceError checks that a failing source aborts the upload:
// its error is returned and the chunks written are deleted.
func TestUploadSourceError(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 2})
	err := b.UploadFromStreamWithID(e.ctx, "f", "f", &failingReader{n: 5001})
	if !errors.Is(err, errSource) {
		t.Fatalf("upload error %v", err)
	}
	if n := e.count(t, "fs.chunks", bson.D{}); n != 0 {
		t.Errorf("%d chunks left", n)
	}
	if n := e.count(t, "fs.files", bson.D{}); n != 0 {
		t.Errorf("%d files documents", n)
	}
}

// TestBucketOptionsInvalid checks that an invalid option is reported by
// the methods.
func TestBucketOptionsInvalid(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: -1})
	if _, err := b.OpenUploadStream(e.ctx, "x"); !errors.Is(err, gridfs.ErrInvalidChunkSize) {
		t.Errorf("OpenUploadStream: %v", err)
	}
	if _, err := b.OpenDownloadStream(e.ctx, 1); !errors.Is(err, gridfs.ErrInvalidChunkSize) {
		t.Errorf("OpenDownloadStream: %v", err)
	}
	rp := motor.ReadPreference{Mode: "fastest"}
	b = gridfs.NewBucket(e.db, gridfs.BucketOptions{ReadPreference: &rp})
	if err := b.Drop(e.ctx); err == nil {
		t.Error("an unknown read preference mode was accepted")
	}
	good := gridfs.NewBucket(e.db)
	if _, err := good.OpenUploadStream(e.ctx, "x", gridfs.UploadOptions{ChunkSize: -5}); !errors.Is(err, gridfs.ErrInvalidChunkSize) {
		t.Errorf("UploadOptions.ChunkSize -5: %v", err)
	}
}

// TestUploadInsertError makes the background insert of a batch fail (a
// chunk with the same files_id and n exists) and checks that Close reports
// it and writes no files document.
func TestUploadInsertError(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 3})
	upload(t, e, b, "first", []byte("abc")) // creates the unique index
	mustInsert(t, e, "fs.chunks", bson.D{{Key: "files_id", Value: "dup"}, {Key: "n", Value: int32(0)}, {Key: "data", Value: []byte("xyz")}})
	s, err := b.OpenUploadStreamWithID(e.ctx, "dup", "dup")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Write(payload(3000)); n != 3000 || err != nil { // one batch, sent in the background
		t.Fatalf("Write = %d, %v", n, err)
	}
	err = s.Close()
	if !errors.Is(err, motor.ErrDuplicateKey) {
		t.Fatalf("Close = %v, want a duplicate key error", err)
	}
	if n := e.count(t, "fs.files", bson.D{{Key: "_id", Value: "dup"}}); n != 0 {
		t.Error("a files document was written after a failed insert")
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, gridfs.ErrStreamClosed) {
		t.Errorf("Write after the failed Close: %v", err)
	}
}
