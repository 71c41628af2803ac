package bson

import (
	"github.com/motor-go/motor/internal/spectest"

	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// corpusSeeds returns the canonical and malformed BSON documents of the
// BSON corpus, and a few of its own, to seed the fuzzers.
func corpusSeeds(tb testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join(spectest.Dir(tb, "bson-corpus"), "*.json"))
	var seeds [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var suite struct {
			Valid []struct {
				CanonicalBSON string `json:"canonical_bson"`
			} `json:"valid"`
			DecodeErrors []struct {
				Bson string `json:"bson"`
			} `json:"decodeErrors"`
		}
		if err := json.Unmarshal(data, &suite); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for _, v := range suite.Valid {
			if b, err := hex.DecodeString(v.CanonicalBSON); err == nil {
				seeds = append(seeds, b)
			}
		}
		for _, v := range suite.DecodeErrors {
			if b, err := hex.DecodeString(v.Bson); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	own, _ := Marshal(D{{"a", D{{"b", A{int32(1), "x", 2.5, nil, true}}}}, {"t", DateTime(1)}})
	return append(seeds, own, []byte{5, 0, 0, 0, 0})
}

type fuzzTarget struct {
	ID   ObjectID       `bson:"_id"`
	S    string         `bson:"s"`
	I    int64          `bson:"i"`
	F    float64        `bson:"f"`
	B    bool           `bson:"b"`
	D    *fuzzTarget    `bson:"d"`
	A    []any          `bson:"a"`
	M    map[string]any `bson:"m"`
	Bin  []byte         `bson:"bin"`
	Rest M              `bson:",inline"`
}

// FuzzUnmarshal checks that no input makes Unmarshal panic, that it agrees
// with Validate, and that what it decodes encodes back to the same value.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range corpusSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d D
		errD := Unmarshal(data, &d)
		errV := Raw(data).Validate()
		if (errD == nil) != (errV == nil) {
			t.Fatalf("Unmarshal into D: %v; Validate: %v", errD, errV)
		}
		var s fuzzTarget
		_ = Unmarshal(data, &s)
		var m M
		_ = Unmarshal(data, &m)
		if errD != nil {
			return
		}
		b1, err := Marshal(d)
		if err != nil {
			t.Fatalf("re-encoding a decoded document: %v", err)
		}
		var d2 D
		if err := Unmarshal(b1, &d2); err != nil {
			t.Fatalf("decoding a re-encoded document: %v", err)
		}
		b2, err := Marshal(d2)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("round trip not stable: %v\n%x\n%x", err, b1, b2)
		}
	})
}

// FuzzRawValidate checks that Validate, lookups and iteration never panic
// or read out of range, and that every accessor is safe on valid input.
func FuzzRawValidate(f *testing.F) {
	for _, s := range corpusSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := Raw(data)
		valid := r.Validate() == nil
		_ = r.Lookup("a", "b")
		_ = r.Len()
		for _, v := range r.Elements() {
			touch(v)
			if v.Type == TypeArray {
				for _, av := range v.Array().Values() {
					touch(av)
				}
			}
			if valid {
				if err := v.Validate(); err != nil {
					t.Fatalf("element of a valid document does not validate: %v", err)
				}
			}
		}
	})
}

func touch(v RawValue) {
	_, _ = v.DoubleOK()
	_, _ = v.StringValueOK()
	_, _ = v.DocumentOK()
	_, _ = v.BinaryOK()
	_, _ = v.ObjectIDOK()
	_, _ = v.BooleanOK()
	_, _ = v.DateTimeOK()
	_, _ = v.RegexOK()
	_, _ = v.DBPointerOK()
	_, _ = v.JavaScriptOK()
	_, _ = v.SymbolOK()
	_, _, _ = v.CodeWithScopeOK()
	_, _ = v.Int32OK()
	_, _ = v.TimestampOK()
	_, _ = v.Int64OK()
	_, _ = v.Decimal128OK()
	_, _ = v.AsInt64OK()
	_, _ = v.AsFloat64OK()
	var x any
	_ = v.Unmarshal(&x)
}
