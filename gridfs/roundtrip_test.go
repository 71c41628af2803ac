package gridfs_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
)

// TestRoundTrip uploads files of the sizes around the chunk boundaries, and
// a few MiB with the default chunk size, and reads them back every way.
func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	const cs = 1000
	small := gridfs.NewBucket(e.db, gridfs.BucketOptions{Name: "small", ChunkSize: cs})
	large := gridfs.NewBucket(e.db)
	for _, tc := range []struct {
		name string
		b    *gridfs.Bucket
		size int
	}{
		{"empty", small, 0},
		{"one byte", small, 1},
		{"chunk-1", small, cs - 1},
		{"chunk", small, cs},
		{"chunk+1", small, cs + 1},
		{"many chunks", small, 250*cs + 17}, // several insert batches
		{"several MiB", large, 5<<20 + 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := payload(tc.size)
			id := upload(t, e, tc.b, tc.name, data)

			var buf bytes.Buffer
			n, err := tc.b.DownloadToStream(e.ctx, id, &buf)
			if err != nil || n != int64(tc.size) || !bytes.Equal(buf.Bytes(), data) {
				t.Fatalf("DownloadToStream = %d, %v; equal %v", n, err, bytes.Equal(buf.Bytes(), data))
			}

			s, err := tc.b.OpenDownloadStream(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			f := s.File()
			wantCS := int32(cs)
			if tc.b == large {
				wantCS = gridfs.DefaultChunkSize
			}
			if f.ID != id || f.Length != int64(tc.size) || f.ChunkSize != wantCS || f.Filename != tc.name || f.UploadDate.IsZero() || f.Metadata != nil {
				t.Errorf("File = %+v", f)
			}
			// Small reads, across chunk boundaries.
			got, err := io.ReadAll(io.LimitReader(struct{ io.Reader }{s}, int64(tc.size)+1))
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("ReadAll: %d bytes, %v", len(got), err)
			}
			if k, err := s.Read(make([]byte, 1)); k != 0 || err != io.EOF {
				t.Errorf("Read at the end = %d, %v", k, err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(make([]byte, 1)); err != gridfs.ErrStreamClosed {
				t.Errorf("Read after Close = %v", err)
			}

			chunks := e.count(t, tc.b.Name()+".chunks", bson.D{{Key: "files_id", Value: id}})
			if want := (int64(tc.size) + int64(wantCS) - 1) / int64(wantCS); chunks != want {
				t.Errorf("%d chunks, want %d", chunks, want)
			}
		})
	}
}

// TestFilesDocument checks the files document an upload writes, with
// metadata, a custom id and the chunk size of the upload.
func TestFilesDocument(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db)
	meta := bson.D{{Key: "owner", Value: "ana"}}
	err := b.UploadFromStreamWithID(e.ctx, "my-id", "a.txt", bytes.NewReader([]byte("hello")), gridfs.UploadOptions{ChunkSize: 2, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := b.FilesCollection().FindOne(e.ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	keys := doc.Keys()
	want := []string{"_id", "length", "chunkSize", "uploadDate", "filename", "metadata"}
	if len(keys) != len(want) {
		t.Fatalf("files document %s", doc)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("files document %s", doc)
		}
	}
	if doc.Lookup("_id").StringValue() != "my-id" || doc.Lookup("length").Type != bson.TypeInt64 || doc.Lookup("length").Int64() != 5 ||
		doc.Lookup("chunkSize").Type != bson.TypeInt32 || doc.Lookup("chunkSize").Int32() != 2 ||
		doc.Lookup("uploadDate").Type != bson.TypeDateTime || doc.Lookup("metadata", "owner").StringValue() != "ana" {
		t.Errorf("files document %s", doc)
	}
	var buf bytes.Buffer
	if _, err := b.DownloadToStream(e.ctx, "my-id", &buf); err != nil || buf.String() != "hello" {
		t.Errorf("download = %q, %v", buf.String(), err)
	}
	chunks, err := b.ChunksCollection().Find(e.ctx, bson.D{}, motorSortN())
	if err != nil {
		t.Fatal(err)
	}
	all, err := chunks.ToSlice(e.ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("chunks = %v, %v", all, err)
	}
	for i, c := range all {
		bin := c.Lookup("data").Binary()
		if c.Lookup("files_id").StringValue() != "my-id" || c.Lookup("n").Type != bson.TypeInt32 || c.Lookup("n").Int32() != int32(i) || bin.Subtype != 0 || c.Lookup("_id").Type != bson.TypeObjectID {
			t.Errorf("chunk %d = %s", i, c)
		}
	}
	// A second file with the same id: the files document's insert fails.
	if err := b.UploadFromStreamWithID(e.ctx, "my-id", "b.txt", bytes.NewReader(nil)); err == nil {
		t.Error("second upload with the same id succeeded")
	}
}
