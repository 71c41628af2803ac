package motor

import (
	"testing"

	"github.com/motor-go/motor/bson"
)

// FuzzManagementReplies feeds arbitrary bytes, as a server's reply, to the
// readers of the listing commands' replies (cursor batches, index,
// collection and database descriptions, the names of created search
// indexes): none may panic, whatever the bytes, valid BSON or not.
func FuzzManagementReplies(f *testing.F) {
	seed := func(v any) {
		b, err := bson.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	idx := bson.D{
		{Key: "v", Value: int32(2)}, {Key: "key", Value: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: "text"}}}, {Key: "name", Value: "a_1"},
		{Key: "unique", Value: true}, {Key: "sparse", Value: int32(1)}, {Key: "expireAfterSeconds", Value: 3.5},
		{Key: "partialFilterExpression", Value: bson.D{{Key: "a", Value: bson.D{{Key: "$gt", Value: 1}}}}},
		{Key: "collation", Value: bson.D{{Key: "locale", Value: "fr"}, {Key: "strength", Value: int32(2)}}},
		{Key: "weights", Value: bson.D{{Key: "b", Value: 10}}}, {Key: "min", Value: int64(-5)}, {Key: "max", Value: 5.5},
		{Key: "clustered", Value: true}, {Key: "ns", Value: "d.c"},
	}
	coll := bson.D{
		{Key: "name", Value: "c"}, {Key: "type", Value: "collection"},
		{Key: "options", Value: bson.D{
			{Key: "capped", Value: true}, {Key: "size", Value: int64(1 << 20)}, {Key: "max", Value: 10.0},
			{Key: "validator", Value: bson.D{{Key: "x", Value: 1}}}, {Key: "collation", Value: bson.D{{Key: "locale", Value: "en"}}},
			{Key: "clusteredIndex", Value: bson.D{{Key: "key", Value: bson.D{{Key: "_id", Value: 1}}}, {Key: "unique", Value: true}, {Key: "v", Value: int32(2)}}},
			{Key: "timeseries", Value: bson.D{{Key: "timeField", Value: "t"}, {Key: "bucketMaxSpanSeconds", Value: int32(60)}}},
			{Key: "changeStreamPreAndPostImages", Value: bson.D{{Key: "enabled", Value: true}}},
			{Key: "viewOn", Value: "src"}, {Key: "pipeline", Value: bson.A{bson.D{{Key: "$match", Value: bson.D{}}}}},
			{Key: "expireAfterSeconds", Value: int32(5)},
		}},
		{Key: "info", Value: bson.D{{Key: "readOnly", Value: true}, {Key: "uuid", Value: bson.Binary{Subtype: 4, Data: make([]byte, 16)}}}},
		{Key: "idIndex", Value: idx},
	}
	seed(bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(5)}, {Key: "ns", Value: "d.c"}, {Key: "firstBatch", Value: bson.A{idx, coll}}}}, {Key: "ok", Value: 1.0}})
	seed(bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(0)}, {Key: "nextBatch", Value: bson.A{int32(1)}}}}})
	seed(bson.D{{Key: "databases", Value: bson.A{bson.D{{Key: "name", Value: "a"}, {Key: "sizeOnDisk", Value: 1.5}, {Key: "shards", Value: bson.D{{Key: "s0", Value: int64(9)}}}}}}, {Key: "totalSize", Value: int32(1)}})
	seed(idx)
	seed(coll)
	seed(bson.D{{Key: "indexesCreated", Value: bson.A{bson.D{{Key: "id", Value: "6524"}, {Key: "name", Value: "default"}}, int32(3), bson.D{}}}, {Key: "ok", Value: 1.0}})
	f.Add([]byte{5, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 3, 'a', 0, 1, 0, 0})

	f.Fuzz(func(t *testing.T, b []byte) {
		raw := bson.Raw(b)
		for _, key := range []string{"firstBatch", "nextBatch"} {
			r, _ := parseCursorReply(raw, key)
			for _, d := range r.docs {
				_, _ = parseIndexSpecification(d, "d.c")
				_, _ = parseCollectionSpecification(d, "d")
			}
		}
		_, _ = parseIndexSpecification(raw, "d.c")
		_, _ = parseCollectionSpecification(raw, "d")
		_, _ = parseListDatabases(raw)
		_, _ = parseSearchIndexesCreated(raw)
		_ = filterOnlyNames(raw)
		_, _ = indexNameOf(raw)
	})
}
