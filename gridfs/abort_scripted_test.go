package gridfs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// TestAbortHonoursContext: Abort's ctx bounds its wait for a background
// insert that the server does not answer; Abort does not block until the
// insert ends.
func TestAbortHonoursContext(t *testing.T) {
	const stall = 60 * time.Second // longer than the test's bound
	srv := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		ok := bson.E{Key: "ok", Value: 1.0}
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			return []wiretest.Reply{{Doc: bson.D{
				{Key: "helloOk", Value: true}, {Key: "isWritablePrimary", Value: true},
				{Key: "maxBsonObjectSize", Value: int32(16 << 20)}, {Key: "maxMessageSizeBytes", Value: int32(48_000_000)},
				{Key: "maxWriteBatchSize", Value: int32(100_000)}, {Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
				{Key: "minWireVersion", Value: int32(0)}, {Key: "maxWireVersion", Value: int32(21)}, ok,
			}}}
		case "find":
			return []wiretest.Reply{{Doc: bson.D{{Key: "cursor", Value: bson.D{
				{Key: "id", Value: int64(0)}, {Key: "ns", Value: "d.fs.files"}, {Key: "firstBatch", Value: bson.A{}}}}, ok}}}
		case "listIndexes":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(26)},
				{Key: "codeName", Value: "NamespaceNotFound"}, {Key: "errmsg", Value: "ns does not exist"}}}}
		case "insert":
			return []wiretest.Reply{{Delay: stall, Doc: bson.D{{Key: "n", Value: int32(1)}, ok}}}
		}
		return []wiretest.Reply{{Doc: bson.D{ok}}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := motor.Connect(ctx, "mongodb://"+srv.Addr()+"/?directConnection=true")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	b := gridfs.NewBucket(c.Database("d"), gridfs.BucketOptions{ChunkSize: 1 << 10})
	up, err := b.OpenUploadStream(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	// A whole batch (1000 chunks of 1 KiB) is sent in the background.
	if _, err := up.Write(make([]byte, 1000<<10)); err != nil {
		t.Fatal(err)
	}
	actx, acancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer acancel()
	start := time.Now()
	err = up.Abort(actx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Abort = %v, want an error wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Abort took %v: it waited for the insert rather than its ctx", d)
	}
	if _, err := up.Write([]byte("x")); !errors.Is(err, gridfs.ErrStreamClosed) {
		t.Errorf("Write after Abort = %v, want ErrStreamClosed", err)
	}
}
