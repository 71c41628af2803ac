package gridfs_test

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/gridfs"
	"github.com/motor-go/motor/internal/testenv"
)

// TestNoGoroutineLeak runs uploads (with background inserts), an aborted
// upload, a download closed half way and a cancelled one, then closes the
// client: no goroutine of the driver or of the streams is left.
func TestNoGoroutineLeak(t *testing.T) {
	uri := testenv.URI(t, testenv.Options{})
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := motor.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	db := c.Database("motor_gridfs_leak")
	b := gridfs.NewBucket(db, gridfs.BucketOptions{ChunkSize: 1 << 10})
	data := payload(3 << 20) // three background batches
	id, err := b.UploadFromStream(ctx, "f", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	up, err := b.OpenUploadStream(ctx, "aborted")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := up.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := b.OpenDownloadStream(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, s, 1<<20); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithCancel(ctx)
	s, err = b.OpenDownloadStream(cctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, s, 1<<20); err != nil {
		t.Fatal(err)
	}
	ccancel()
	if _, err := io.Copy(io.Discard, s); err == nil {
		t.Fatal("read after cancel succeeded")
	}
	s.Close()
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
