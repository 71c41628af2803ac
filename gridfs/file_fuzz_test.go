package gridfs_test

import (
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/gridfs"
)

// FuzzFileUnmarshal decodes arbitrary bytes as a files document: no panic,
// and what decodes describes a possible file.
func FuzzFileUnmarshal(f *testing.F) {
	for _, d := range []bson.D{
		{{Key: "_id", Value: bson.NewObjectID()}, {Key: "length", Value: int64(10)}, {Key: "chunkSize", Value: int32(4)},
			{Key: "uploadDate", Value: bson.DateTime(time.Now().UnixMilli())}, {Key: "filename", Value: "a"}, {Key: "metadata", Value: bson.D{{Key: "x", Value: 1}}}},
		{{Key: "_id", Value: "legacy"}, {Key: "length", Value: 8.0}, {Key: "chunkSize", Value: int64(255 * 1024)}, {Key: "md5", Value: "x"}},
		{{Key: "_id", Value: int32(1)}, {Key: "length", Value: int32(0)}, {Key: "chunkSize", Value: int32(0)}},
		{{Key: "length", Value: int32(-1)}},
	} {
		b, err := bson.Marshal(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var file gridfs.File
		if err := file.UnmarshalBSON(data); err != nil {
			return
		}
		if file.Length < 0 || file.ChunkSize < 0 || (file.Length > 0 && file.ChunkSize == 0) || file.ID == nil && file.Raw.Lookup("_id").Type != bson.TypeNull {
			t.Fatalf("decoded an impossible file: %+v", file)
		}
		if err := file.Raw.Validate(); err != nil {
			t.Fatalf("Raw does not validate: %v", err)
		}
	})
}

// TestFileUnmarshal checks the conversions of legacy files documents and
// the refusals.
func TestFileUnmarshal(t *testing.T) {
	good, _ := bson.Marshal(bson.D{{Key: "_id", Value: "x"}, {Key: "length", Value: 8.0}, {Key: "chunkSize", Value: int64(4)}, {Key: "contentType", Value: "text/plain"}})
	var f gridfs.File
	if err := f.UnmarshalBSON(good); err != nil || f.ID != "x" || f.Length != 8 || f.ChunkSize != 4 || f.Filename != "" || !f.UploadDate.IsZero() ||
		f.Raw.Lookup("contentType").StringValue() != "text/plain" {
		t.Fatalf("legacy document: %+v, %v", f, err)
	}
	for _, d := range []bson.D{
		{{Key: "length", Value: int64(1)}, {Key: "chunkSize", Value: int32(1)}},                               // no _id
		{{Key: "_id", Value: 1}, {Key: "length", Value: int64(-1)}, {Key: "chunkSize", Value: int32(1)}},      // negative length
		{{Key: "_id", Value: 1}, {Key: "length", Value: 1.5}, {Key: "chunkSize", Value: int32(1)}},            // fractional length
		{{Key: "_id", Value: 1}, {Key: "length", Value: int64(1)}, {Key: "chunkSize", Value: int32(0)}},       // no chunk size
		{{Key: "_id", Value: 1}, {Key: "length", Value: int64(1)}, {Key: "chunkSize", Value: int64(1 << 40)}}, // chunk size too large
		{{Key: "_id", Value: 1}, {Key: "length", Value: "1"}, {Key: "chunkSize", Value: int32(1)}},            // not a number
	} {
		b, _ := bson.Marshal(d)
		if err := new(gridfs.File).UnmarshalBSON(b); err == nil {
			t.Errorf("%v decoded", d)
		}
	}
	if err := new(gridfs.File).UnmarshalBSON([]byte{1, 2, 3}); err == nil {
		t.Error("three bytes decoded")
	}
}
