package gridfs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
)

// TestDownloadByName checks the revisions: 0, 1, ... from the oldest, -1,
// -2, ... from the newest, and the two errors for a missing name and a
// missing revision.
func TestDownloadByName(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 4})
	for _, content := range []string{"r0", "r1", "r2"} {
		upload(t, e, b, "doc", []byte(content))
		time.Sleep(3 * time.Millisecond) // distinct upload dates
	}
	upload(t, e, b, "other", []byte("x"))
	for _, tc := range []struct {
		opts []gridfs.DownloadByNameOptions
		want string
		err  error
	}{
		{nil, "r2", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: 0}}, "r0", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: 1}}, "r1", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: 2}}, "r2", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: -1}}, "r2", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: -2}}, "r1", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: -3}}, "r0", nil},
		{[]gridfs.DownloadByNameOptions{{Revision: 3}}, "", gridfs.ErrRevisionNotFound},
		{[]gridfs.DownloadByNameOptions{{Revision: -4}}, "", gridfs.ErrRevisionNotFound},
	} {
		var buf bytes.Buffer
		_, err := b.DownloadToStreamByName(e.ctx, "doc", &buf, tc.opts...)
		if !errors.Is(err, tc.err) || buf.String() != tc.want {
			t.Errorf("revision %v = %q, %v; want %q, %v", tc.opts, buf.String(), err, tc.want, tc.err)
		}
		if tc.err != nil && errors.Is(err, gridfs.ErrFileNotFound) {
			t.Errorf("revision %v: a missing revision matches ErrFileNotFound: %v", tc.opts, err)
		}
	}
	_, err := b.OpenDownloadStreamByName(e.ctx, "missing")
	if !errors.Is(err, gridfs.ErrFileNotFound) || errors.Is(err, gridfs.ErrRevisionNotFound) {
		t.Errorf("missing name: %v", err)
	}
	_, err = b.OpenDownloadStream(e.ctx, bson.NewObjectID())
	if !errors.Is(err, gridfs.ErrFileNotFound) {
		t.Errorf("missing id: %v", err)
	}
}

// TestCorruptedChunks damages the chunks of a stored file every way the
// specification names and checks the download's error.
func TestCorruptedChunks(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 4})
	chunks := b.ChunksCollection()
	data := []byte("0123456789") // chunks 0123, 4567, 89
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, id bson.ObjectID)
		want    error
	}{
		{"intermediate chunk missing", func(t *testing.T, id bson.ObjectID) {
			mustDelete(t, e, chunks.Name(), bson.D{{Key: "files_id", Value: id}, {Key: "n", Value: 1}})
		}, gridfs.ErrChunkMissing},
		{"last chunk missing", func(t *testing.T, id bson.ObjectID) {
			mustDelete(t, e, chunks.Name(), bson.D{{Key: "files_id", Value: id}, {Key: "n", Value: 2}})
		}, gridfs.ErrChunkMissing},
		{"all chunks missing", func(t *testing.T, id bson.ObjectID) {
			mustDelete(t, e, chunks.Name(), bson.D{{Key: "files_id", Value: id}})
		}, gridfs.ErrChunkMissing},
		{"extra chunk", func(t *testing.T, id bson.ObjectID) {
			mustInsert(t, e, chunks.Name(), bson.D{{Key: "files_id", Value: id}, {Key: "n", Value: 3}, {Key: "data", Value: []byte("x")}})
		}, gridfs.ErrExtraChunk},
		{"intermediate chunk too short", func(t *testing.T, id bson.ObjectID) {
			mustSetData(t, e, chunks.Name(), id, 1, []byte("45"))
		}, gridfs.ErrChunkWrongSize},
		{"last chunk too long", func(t *testing.T, id bson.ObjectID) {
			mustSetData(t, e, chunks.Name(), id, 2, []byte("899"))
		}, gridfs.ErrChunkWrongSize},
		{"data not binary", func(t *testing.T, id bson.ObjectID) {
			mustSet(t, e, chunks.Name(), id, 0, "data", "0123")
		}, gridfs.ErrChunkWrongSize},
		{"out of order", func(t *testing.T, id bson.ObjectID) {
			// Chunk 1 renumbered 3: after chunk 0 comes chunk 2.
			mustSet(t, e, chunks.Name(), id, 1, "n", int32(3))
		}, gridfs.ErrChunkMissing},
		{"duplicate index", func(t *testing.T, id bson.ObjectID) {
			// Without the unique index, a second chunk 0.
			if err := chunks.Indexes().DropAll(e.ctx); err != nil {
				t.Fatal(err)
			}
			mustInsert(t, e, chunks.Name(), bson.D{{Key: "files_id", Value: id}, {Key: "n", Value: int32(0)}, {Key: "data", Value: []byte("0123")}})
		}, gridfs.ErrChunkIndexMismatch},
		{"index not a number", func(t *testing.T, id bson.ObjectID) {
			mustSet(t, e, chunks.Name(), id, 2, "n", "two")
		}, gridfs.ErrChunkIndexMismatch}, // a string sorts after the numbers
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := upload(t, e, b, tc.name, data)
			tc.corrupt(t, id)
			var buf bytes.Buffer
			_, err := b.DownloadToStream(e.ctx, id, &buf)
			if err == nil {
				t.Fatalf("download succeeded: %q", buf.String())
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("download error %v, want %v", err, tc.want)
			}
			// The error sticks.
			s, err := b.OpenDownloadStream(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err1 := io.ReadAll(s)
			_, err2 := s.Read(make([]byte, 8))
			if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
				t.Errorf("errors %v, then %v", err1, err2)
			}
		})
	}
}

// TestDownloadCancel cancels the stream's context in the middle of a
// download of many batches.
func TestDownloadCancel(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 64 << 10})
	data := payload(16 << 20) // 256 chunks: three batches of the cursor
	id := upload(t, e, b, "big", data)
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	s, err := b.OpenDownloadStream(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	if _, err := io.ReadFull(s, buf); err != nil || !bytes.Equal(buf, data[:len(buf)]) {
		t.Fatalf("first MiB: %v", err)
	}
	cancel()
	_, err = io.ReadAll(s)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The bucket still works.
	var out bytes.Buffer
	if n, err := b.DownloadToStream(e.ctx, id, &out); err != nil || n != int64(len(data)) {
		t.Fatalf("download after cancel: %d, %v", n, err)
	}
}

// TestDownloadSeek reads parts of a file after seeks within a chunk, back,
// across chunks and to the end.
func TestDownloadSeek(t *testing.T) {
	e := newEnv(t)
	b := gridfs.NewBucket(e.db, gridfs.BucketOptions{ChunkSize: 10})
	data := payload(95)
	id := upload(t, e, b, "seek", data)
	s, err := b.OpenDownloadStream(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read := func(n int) []byte {
		t.Helper()
		p := make([]byte, n)
		if _, err := io.ReadFull(s, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	seek := func(off int64, whence int, want int64) {
		t.Helper()
		if got, err := s.Seek(off, whence); err != nil || got != want {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", off, whence, got, err, want)
		}
	}
	if p := read(3); !bytes.Equal(p, data[:3]) {
		t.Fatal("first bytes")
	}
	seek(4, io.SeekCurrent, 7) // within the chunk
	if p := read(5); !bytes.Equal(p, data[7:12]) {
		t.Fatal("after a seek within the chunk")
	}
	seek(55, io.SeekStart, 55) // forward, across chunks
	if p := read(20); !bytes.Equal(p, data[55:75]) {
		t.Fatal("after a seek forward")
	}
	seek(-90, io.SeekEnd, 5) // back
	if p := read(10); !bytes.Equal(p, data[5:15]) {
		t.Fatal("after a seek back")
	}
	seek(90, io.SeekStart, 90) // into the last, short chunk
	if p, err := io.ReadAll(s); err != nil || !bytes.Equal(p, data[90:]) {
		t.Fatalf("the last chunk: %v", err)
	}
	seek(0, io.SeekEnd, 95)
	if k, err := s.Read(make([]byte, 4)); k != 0 || err != io.EOF {
		t.Fatalf("at the end: %d, %v", k, err)
	}
	for _, bad := range []struct {
		off    int64
		whence int
	}{{-1, io.SeekStart}, {96, io.SeekStart}, {1, io.SeekEnd}, {0, 7}} {
		if _, err := s.Seek(bad.off, bad.whence); err == nil {
			t.Errorf("Seek(%d, %d) succeeded", bad.off, bad.whence)
		}
	}
	seek(0, io.SeekStart, 0)
	if p, err := io.ReadAll(s); err != nil || !bytes.Equal(p, data) {
		t.Fatalf("whole file after a seek to the start: %v", err)
	}
}
