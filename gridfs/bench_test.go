package gridfs_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/gridfs"
	"github.com/motor-go/motor/internal/testenv"
)

// BenchmarkGridFS uploads and downloads a 4 MiB file with the default chunk
// size, against the test server (or MOTOR_TEST_URI):
//
//	go test ./gridfs -run '^$' -bench GridFS -benchtime 20x
func BenchmarkGridFS(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := motor.Connect(ctx, testenv.URI(b, testenv.Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	db := c.Database("motor_gridfs_bench")
	defer db.Drop(ctx)
	bucket := gridfs.NewBucket(db)
	data := payload(4 << 20)
	id, err := bucket.UploadFromStream(ctx, "bench", bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("upload", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bucket.UploadFromStream(ctx, "bench", bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("download", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bucket.DownloadToStream(ctx, id, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
