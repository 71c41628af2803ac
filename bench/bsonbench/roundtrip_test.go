package bsonbench

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/motor-go/motor/bench/internal/benchdata"
	"github.com/motor-go/motor/bson"
	official "go.mongodb.org/mongo-driver/v2/bson"
)

// loadDocs returns the DriverBench documents by name, failing (never
// skipping) when the data is missing.
func loadDocs(tb testing.TB) map[string][]byte {
	tb.Helper()
	docs, err := benchdata.ExtendedBSON()
	if err != nil {
		tb.Fatal(err)
	}
	m := make(map[string][]byte, len(docs))
	for _, d := range docs {
		m[d.Name] = d.BSON
	}
	return m
}

// roundTrip decodes doc into a fresh *T and encodes it again.
func roundTrip[T any](doc []byte, unmarshal func([]byte, any) error, marshal func(any) ([]byte, error)) ([]byte, error) {
	v := new(T)
	if err := unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("unmarshal: %w", err)
	}
	out, err := marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	return out, nil
}

// TestRoundTrip checks that every shape the benchmarks use holds the whole
// document: decoding and encoding again gives a document equal to the
// original, key order aside, with each value's BSON type (int32, int64,
// double, ...) and bytes unchanged. Generic D round trips must also keep the
// order, so they must give back the very same bytes.
func TestRoundTrip(t *testing.T) {
	docs := loadDocs(t)
	type shape struct {
		name    string
		ordered bool // the output must be byte-identical
		rt      func(doc []byte) ([]byte, error)
	}
	motorU, motorM := bson.Unmarshal, bson.Marshal
	offU, offM := official.Unmarshal, official.Marshal
	shapes := map[string][]shape{
		"flat": {
			{"struct/motor", true, func(b []byte) ([]byte, error) { return roundTrip[MotorFlat](b, motorU, motorM) }},
			{"struct/official", true, func(b []byte) ([]byte, error) { return roundTrip[OfficialFlat](b, offU, offM) }},
		},
		"deep": {
			{"struct/motor", true, func(b []byte) ([]byte, error) { return roundTrip[Deep](b, motorU, motorM) }},
			{"struct/official", true, func(b []byte) ([]byte, error) { return roundTrip[Deep](b, offU, offM) }},
		},
		"full": {
			{"struct/motor", true, func(b []byte) ([]byte, error) { return roundTrip[MotorFull](b, motorU, motorM) }},
			{"struct/official", true, func(b []byte) ([]byte, error) { return roundTrip[OfficialFull](b, offU, offM) }},
		},
	}
	for _, name := range benchdata.Names {
		shapes[name] = append(shapes[name],
			shape{"D/motor", true, func(b []byte) ([]byte, error) { return roundTrip[bson.D](b, motorU, motorM) }},
			shape{"M/motor", false, func(b []byte) ([]byte, error) { return roundTrip[bson.M](b, motorU, motorM) }},
			shape{"D/official", true, func(b []byte) ([]byte, error) { return roundTrip[official.D](b, offU, offM) }},
			shape{"M/official", false, func(b []byte) ([]byte, error) { return roundTrip[official.M](b, offU, offM) }},
			shape{"Raw/motor-append", true, func(b []byte) ([]byte, error) {
				// MarshalAppend must append after what dst holds.
				prefix := []byte("prefix")
				out, err := bson.MarshalAppend(prefix, bson.Raw(b))
				if err != nil {
					return nil, err
				}
				if !bytes.HasPrefix(out, prefix) {
					return nil, fmt.Errorf("MarshalAppend lost the prefix")
				}
				return out[len(prefix):], nil
			}},
		)
	}
	for _, name := range benchdata.Names {
		doc := docs[name]
		for _, s := range shapes[name] {
			t.Run(name+"/"+s.name, func(t *testing.T) {
				out, err := s.rt(doc)
				if err != nil {
					t.Fatal(err)
				}
				if err := equalDocs(official.Raw(doc), official.Raw(out)); err != nil {
					t.Fatalf("round trip changed the document: %v", err)
				}
				if s.ordered && !bytes.Equal(out, doc) {
					t.Errorf("equal documents, but the bytes differ (key order?): %d bytes, want %d", len(out), len(doc))
				}
			})
		}
	}
}

// equalDocs reports how two documents differ, comparing keys as unordered
// sets and values by BSON type and bytes (arrays in order). It reads both
// with the official driver, so our decoder does not judge its own output.
func equalDocs(want, got official.Raw) error {
	return equalDocsAt("", want, got)
}

func equalDocsAt(path string, want, got official.Raw) error {
	if err := got.Validate(); err != nil {
		return fmt.Errorf("%s: invalid document: %w", path, err)
	}
	we, err := want.Elements()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	ge, err := got.Elements()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	gm := make(map[string]official.RawValue, len(ge))
	for _, e := range ge {
		if _, dup := gm[e.Key()]; dup {
			return fmt.Errorf("%s%s: duplicate key", path, e.Key())
		}
		gm[e.Key()] = e.Value()
	}
	for _, e := range we {
		g, ok := gm[e.Key()]
		if !ok {
			return fmt.Errorf("%s%s: missing", path, e.Key())
		}
		if err := equalValues(path+e.Key(), e.Value(), g); err != nil {
			return err
		}
		delete(gm, e.Key())
	}
	for k := range gm {
		return fmt.Errorf("%s%s: unexpected key", path, k)
	}
	return nil
}

func equalValues(path string, want, got official.RawValue) error {
	if want.Type != got.Type {
		return fmt.Errorf("%s: type %s, want %s", path, got.Type, want.Type)
	}
	switch want.Type {
	case official.TypeEmbeddedDocument:
		return equalDocsAt(path+".", want.Document(), got.Document())
	case official.TypeArray:
		wv, err := want.Array().Values()
		if err != nil {
			return err
		}
		gv, err := got.Array().Values()
		if err != nil {
			return err
		}
		if len(wv) != len(gv) {
			return fmt.Errorf("%s: %d elements, want %d", path, len(gv), len(wv))
		}
		for i := range wv {
			if err := equalValues(fmt.Sprintf("%s.%d", path, i), wv[i], gv[i]); err != nil {
				return err
			}
		}
		return nil
	case official.TypeCodeWithScope:
		wc, ws := want.CodeWithScope()
		gc, gs := got.CodeWithScope()
		if wc != gc {
			return fmt.Errorf("%s: code %q, want %q", path, gc, wc)
		}
		return equalDocsAt(path+".$scope.", ws, gs)
	}
	if !bytes.Equal(want.Value, got.Value) {
		return fmt.Errorf("%s: value %s, want %s", path, got, want)
	}
	return nil
}

// TestEqualDocs checks that the comparison itself notices differences.
func TestEqualDocs(t *testing.T) {
	enc := func(d official.D) official.Raw {
		b, err := official.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := official.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}, {Key: "l", Value: official.A{int32(1), int32(2)}}}
	same := official.D{{Key: "l", Value: official.A{int32(1), int32(2)}}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}, {Key: "a", Value: int32(1)}}
	if err := equalDocs(enc(base), enc(same)); err != nil {
		t.Errorf("reordered keys: %v", err)
	}
	for name, d := range map[string]official.D{
		"int64 for int32":  {{Key: "a", Value: int64(1)}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}, {Key: "l", Value: official.A{int32(1), int32(2)}}},
		"double for int32": {{Key: "a", Value: 1.0}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}, {Key: "l", Value: official.A{int32(1), int32(2)}}},
		"nested value":     {{Key: "a", Value: int32(1)}, {Key: "b", Value: official.D{{Key: "c", Value: "y"}}}, {Key: "l", Value: official.A{int32(1), int32(2)}}},
		"array order":      {{Key: "a", Value: int32(1)}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}, {Key: "l", Value: official.A{int32(2), int32(1)}}},
		"missing key":      {{Key: "a", Value: int32(1)}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}},
		"extra key":        {{Key: "a", Value: int32(1)}, {Key: "b", Value: official.D{{Key: "c", Value: "x"}}}, {Key: "l", Value: official.A{int32(1), int32(2)}}, {Key: "z", Value: true}},
	} {
		if err := equalDocs(enc(base), enc(d)); err == nil {
			t.Errorf("%s: no difference reported", name)
		}
	}
}
