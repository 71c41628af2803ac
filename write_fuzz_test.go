package motor

import (
	"testing"

	"github.com/motor-go/motor/bson"
)

// FuzzWriteReply feeds arbitrary bytes to the readers of write replies:
// the insert, update and delete replies of a collection write, the
// WriteException built from them, and the results of a bulkWrite cursor.
// None may panic or index out of range, whatever the reply says.
func FuzzWriteReply(f *testing.F) {
	seed := func(d bson.D) {
		b, err := bson.Marshal(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(bson.D{{Key: "n", Value: 2}, {Key: "ok", Value: 1}})
	seed(bson.D{{Key: "n", Value: 1}, {Key: "writeErrors", Value: bson.A{
		bson.D{{Key: "index", Value: 1}, {Key: "code", Value: 11000}, {Key: "errmsg", Value: "dup"}, {Key: "errInfo", Value: bson.D{}}},
		bson.D{{Key: "index", Value: int64(1) << 62}, {Key: "code", Value: "x"}},
		bson.D{{Key: "index", Value: -5}},
	}}})
	seed(bson.D{{Key: "n", Value: 3}, {Key: "nModified", Value: 1}, {Key: "upserted", Value: bson.A{
		bson.D{{Key: "index", Value: 2}, {Key: "_id", Value: "u"}},
		bson.D{{Key: "index", Value: int64(-1) << 62}, {Key: "_id", Value: 1}},
		bson.D{{Key: "index", Value: 9}},
	}}, {Key: "writeConcernError", Value: bson.D{{Key: "code", Value: 64}, {Key: "errorLabels", Value: bson.A{"a", 1}}}},
		{Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}})
	seed(bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(0)}, {Key: "firstBatch", Value: bson.A{
		bson.D{{Key: "ok", Value: 1}, {Key: "idx", Value: 0}, {Key: "n", Value: 1}},
		bson.D{{Key: "ok", Value: 0}, {Key: "idx", Value: 1}, {Key: "code", Value: 11000}},
		bson.D{{Key: "ok", Value: 1}, {Key: "idx", Value: 2}, {Key: "n", Value: 1}, {Key: "upserted", Value: bson.D{{Key: "_id", Value: 3}}}},
		bson.D{{Key: "ok", Value: 1.0}, {Key: "idx", Value: int64(1) << 62}},
		bson.D{{Key: "ok", Value: 0}, {Key: "idx", Value: -1}},
	}}}}, {Key: "nErrors", Value: 1}, {Key: "nInserted", Value: 1}})
	f.Add([]byte{5, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 3, 'a', 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		reply := bson.Raw(data)
		for _, kind := range []writeKind{kindInsert, kindUpdate, kindDelete} {
			for _, ordered := range []bool{true, false} {
				g := &writeGroup{kind: kind}
				for i := range 4 {
					g.stmts.buf = append(g.stmts.buf, 0)
					g.stmts.add(10+i, 1, i == 3)
				}
				w := &writeRun{ordered: ordered, ids: make([]any, 20)}
				w.record(g, 1, 3, reply)
				_ = w.result()
				_ = w.bulkException(nil)
				if e := w.writeException(kind.command()); e != nil {
					_ = e.Error()
				}
				// Indexes 0 and 1 of the batch [1, 3) are statements 11
				// and 12; others are left as the reply gave them.
				for _, we := range w.wes {
					if we.Index == 0 || we.Index == 1 {
						t.Fatalf("write error index %d was not mapped", we.Index)
					}
				}
				for i := range w.res.UpsertedIDs {
					if i != 11 && i != 12 {
						t.Fatalf("upsert mapped to %d", i)
					}
				}
			}
		}
		if e := writeException("insert", reply); e != nil {
			_ = e.Error()
			_ = IsDuplicateKeyError(e)
		}
		for _, verbose := range []bool{true, false} {
			r := &clientRun{verbose: verbose, ordered: !verbose}
			r.ops.kinds = []writeKind{kindInsert, kindUpdate, kindDelete, kindInsert}
			r.ops.ids = make([]any, 4)
			r.results(reply.Lookup("cursor", "firstBatch"), 1, 4)
			r.results(bson.RawValue{Type: bson.TypeArray, Value: data}, 0, 2)
			for i := range r.wes {
				if i < 0 || i >= 4 {
					t.Fatalf("write error at %d", i)
				}
			}
			_, _ = r.finish(nil)
		}
	})
}
