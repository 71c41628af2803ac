package motor_test

import (
	"context"
	"testing"

	"github.com/motor-go/motor/bson"
)

// BenchmarkInsertManyLargeDocs inserts 16 documents of 255 KiB (a batch of
// GridFS chunks) against a scripted server: the bytes allocated per call
// are the encoding buffer, sized once from the first document, and the
// message; the scripted server's copy of the request counts too.
//
//	go test -run xxx -bench InsertManyLargeDocs -benchmem .
func BenchmarkInsertManyLargeDocs(b *testing.B) {
	_, c := newWrFake(b, wrFakeOpts{}, nil)
	coll := c.Database("db").Collection("c")
	payload := make([]byte, 255*1024)
	docs := make([]bson.D, 16)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: i}, {Key: "data", Value: payload}}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(docs) * len(payload)))
	for b.Loop() {
		if _, err := coll.InsertMany(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
}
