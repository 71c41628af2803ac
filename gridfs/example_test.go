package gridfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
)

// The examples need a server: they compile but do not run (the tests of
// this package run the same calls against FerretDB).

// Upload a file from an io.Reader and read it back.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	bucket := gridfs.NewBucket(client.Database("media"))

	id, err := bucket.UploadFromStream(ctx, "hello.txt", strings.NewReader("hello, GridFS"),
		gridfs.UploadOptions{Metadata: bson.D{{Key: "owner", Value: "ana"}}})
	if err != nil {
		log.Fatal(err)
	}

	var buf bytes.Buffer
	if _, err := bucket.DownloadToStream(ctx, id, &buf); err != nil {
		log.Fatal(err)
	}
	fmt.Println(buf.String())
}

// Stream a file in with an UploadStream and out with a DownloadStream.
func ExampleBucket_OpenUploadStream() {
	ctx := context.Background()
	client, err := motor.Connect(ctx, "mongodb://localhost:27017")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close(ctx)
	bucket := gridfs.NewBucket(client.Database("media"), gridfs.BucketOptions{Name: "videos", ChunkSize: 1 << 20})

	src, err := os.Open("talk.mp4")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	up, err := bucket.OpenUploadStream(ctx, "talk.mp4")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(up, src); err != nil {
		_ = up.Abort(ctx) // deletes the chunks written so far
		log.Fatal(err)
	}
	if err := up.Close(); err != nil { // writes the files document
		log.Fatal(err)
	}

	down, err := bucket.OpenDownloadStreamByName(ctx, "talk.mp4") // the latest revision
	if err != nil {
		log.Fatal(err)
	}
	defer down.Close()
	if _, err := down.Seek(10<<20, io.SeekStart); err != nil { // skip the first 10 MiB
		log.Fatal(err)
	}
	n, err := io.Copy(io.Discard, down)
	switch {
	case errors.Is(err, gridfs.ErrChunkMissing), errors.Is(err, gridfs.ErrChunkWrongSize):
		log.Fatalf("the stored file is corrupted: %v", err)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(down.File().Length, n)
}
