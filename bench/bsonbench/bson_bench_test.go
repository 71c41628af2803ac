package bsonbench

import (
	"bytes"
	"testing"

	"github.com/motor-go/motor/bench/internal/benchdata"
	"github.com/motor-go/motor/bson"
	official "go.mongodb.org/mongo-driver/v2/bson"
)

// BenchmarkBSON runs the DriverBench BSON tasks for both drivers side by
// side, as BenchmarkBSON/<doc>/<op>/<shape>/<driver>:
//
//   - doc: flat, deep or full (extended_bson.tgz);
//   - op: encode (Marshal of a value decoded once in setup) or decode
//     (Unmarshal into a fresh value each iteration);
//   - shape: D (each driver's bson.D), M (each driver's bson.M) or struct
//     (the generated types_*.go);
//   - driver: motor or official, using plain Marshal/Unmarshal; for encode
//     also motor-reuse (MarshalAppend into a reused buffer) and
//     official-reuse (one Encoder on a DocumentWriter over a reused
//     bytes.Buffer).
//
// Each reports MB/s of the document's BSON size and allocations per op.
// cmd/bsoncompare turns the output into the table of docs/benchmarks.md.
func BenchmarkBSON(b *testing.B) {
	docs := loadDocs(b)
	for _, name := range benchdata.Names {
		doc := docs[name]
		b.Run(name, func(b *testing.B) {
			b.Run("encode", func(b *testing.B) {
				benchEncode[bson.D, official.D](b, "D", doc, true)
				benchEncode[bson.M, official.M](b, "M", doc, false)
				switch name {
				case "flat":
					benchEncode[MotorFlat, OfficialFlat](b, "struct", doc, true)
				case "deep":
					benchEncode[Deep, Deep](b, "struct", doc, true)
				case "full":
					benchEncode[MotorFull, OfficialFull](b, "struct", doc, true)
				}
			})
			b.Run("decode", func(b *testing.B) {
				benchDecode[bson.D, official.D](b, "D", doc)
				benchDecode[bson.M, official.M](b, "M", doc)
				switch name {
				case "flat":
					benchDecode[MotorFlat, OfficialFlat](b, "struct", doc)
				case "deep":
					benchDecode[Deep, Deep](b, "struct", doc)
				case "full":
					benchDecode[MotorFull, OfficialFull](b, "struct", doc)
				}
			})
		})
	}
}

// benchEncode runs the encode rows of one shape: Marshal of a value of type
// TM (Motor) or TO (official) holding doc. The value is boxed into an
// interface once, outside the loop, as a caller passing it by value would
// have it. ordered says that the output must equal doc byte for byte (false
// for maps, whose key order is random).
func benchEncode[TM, TO any](b *testing.B, shape string, doc []byte, ordered bool) {
	var m TM
	if err := bson.Unmarshal(doc, &m); err != nil {
		b.Fatalf("motor: %v", err)
	}
	var o TO
	if err := official.Unmarshal(doc, &o); err != nil {
		b.Fatalf("official: %v", err)
	}
	var mv, ov any = m, o

	b.Run(shape, func(b *testing.B) {
		b.Run("motor", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				var err error
				out, err = bson.Marshal(mv)
				if err != nil {
					b.Fatal(err)
				}
			}
			checkOutput(b, out, doc, ordered)
		})
		b.Run("motor-reuse", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				var err error
				buf, err = bson.MarshalAppend(buf[:0], mv)
				if err != nil {
					b.Fatal(err)
				}
			}
			checkOutput(b, buf, doc, ordered)
		})
		b.Run("official", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				var err error
				out, err = official.Marshal(ov)
				if err != nil {
					b.Fatal(err)
				}
			}
			checkOutput(b, out, doc, ordered)
		})
		b.Run("official-reuse", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			var w bytes.Buffer
			enc := official.NewEncoder(official.NewDocumentWriter(&w))
			for b.Loop() {
				w.Reset()
				if err := enc.Encode(ov); err != nil {
					b.Fatal(err)
				}
			}
			checkOutput(b, w.Bytes(), doc, ordered)
		})
	})
}

// benchDecode runs the decode rows of one shape: Unmarshal of doc into a
// fresh TM (Motor) or TO (official) each iteration.
func benchDecode[TM, TO any](b *testing.B, shape string, doc []byte) {
	b.Run(shape, func(b *testing.B) {
		b.Run("motor", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				var v TM
				if err := bson.Unmarshal(doc, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("official", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				var v TO
				if err := official.Unmarshal(doc, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// checkOutput fails the benchmark if the last encoding is not doc (or, for
// unordered shapes, not a document equal to it).
func checkOutput(b *testing.B, out, doc []byte, ordered bool) {
	b.Helper()
	if ordered {
		if !bytes.Equal(out, doc) {
			b.Fatalf("encoded %d bytes, not the original %d", len(out), len(doc))
		}
		return
	}
	if err := equalDocs(doc, out); err != nil {
		b.Fatalf("encoding differs from the original: %v", err)
	}
}
