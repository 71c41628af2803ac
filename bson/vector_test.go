package bson

import (
	"github.com/motor-go/motor/internal/spectest"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// This file runs the tests of the BSON binary vector specification
// (bson-binary-vector/*.json) as its README describes.

type vectorFile struct {
	Description string       `json:"description"`
	TestKey     string       `json:"test_key"`
	Tests       []vectorCase `json:"tests"`
}

type vectorCase struct {
	Description   string          `json:"description"`
	Valid         bool            `json:"valid"`
	Vector        json.RawMessage `json:"vector"`
	DTypeHex      string          `json:"dtype_hex"`
	DTypeAlias    string          `json:"dtype_alias"`
	Padding       *int            `json:"padding"`
	CanonicalBSON string          `json:"canonical_bson"`
}

// vectorDoc is the document of every test, {vector: <binary>}.
type vectorDoc struct {
	Vector Vector `bson:"vector"`
}

func TestBSONBinaryVector(t *testing.T) {
	dir := spectest.Dir(t, "bson-binary-vector")
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no vector test files in %s: %v", dir, err)
	}
	sort.Strings(paths)
	totalPass, totalFail := 0, 0
	var summary []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f vectorFile
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f.TestKey != "vector" {
			t.Fatalf("%s: test_key %q; the struct of this test expects \"vector\"", p, f.TestKey)
		}
		name := filepath.Base(p)
		pass, fail := 0, 0
		for _, c := range f.Tests {
			ok := t.Run(name+"/"+c.Description, func(t *testing.T) {
				if c.Valid {
					runValidVector(t, f.TestKey, c)
				} else {
					runInvalidVector(t, c)
				}
			})
			if ok {
				pass++
			} else {
				fail++
			}
		}
		if pass+fail == 0 {
			t.Errorf("%s: no test cases", name)
		}
		summary = append(summary, name+": "+strconv.Itoa(pass)+" passed, "+strconv.Itoa(fail)+" failed")
		totalPass += pass
		totalFail += fail
	}
	for _, s := range summary {
		t.Log(s)
	}
	t.Logf("binary vector: %d passed, %d failed, 0 skipped", totalPass, totalFail)
}

// vectorNumbers reads the test's numbers with the Extended JSON parser, so
// that {"$numberDouble": "Infinity"} works, and returns each as a RawValue:
// an int32 or int64 for an integer, a double otherwise.
func vectorNumbers(t *testing.T, raw json.RawMessage) []RawValue {
	t.Helper()
	var doc Raw
	if err := UnmarshalExtJSON([]byte(`{"v":`+string(raw)+`}`), &doc); err != nil {
		t.Fatalf("vector %s: %v", raw, err)
	}
	arr, ok := doc.Lookup("v").ArrayOK()
	if !ok {
		t.Fatalf("vector %s is not an array", raw)
	}
	var out []RawValue
	for _, v := range arr.Values() {
		out = append(out, v)
	}
	return out
}

// buildVector makes a vector of the dtype from the test's numbers and
// padding, with the package's constructors. Numbers that do not fit the
// dtype, and padding where the dtype has none, are errors, as the
// specification requires of the API.
func buildVector(t *testing.T, c vectorCase) (Vector, error) {
	padding := 0
	if c.Padding != nil {
		padding = *c.Padding
	}
	nums := vectorNumbers(t, c.Vector)
	switch c.DTypeHex {
	case "0x03":
		if padding != 0 {
			return Vector{}, fmt.Errorf("INT8 with padding %d", padding)
		}
		v := make([]int8, len(nums))
		for i, n := range nums {
			x, ok := n.AsInt64OK()
			if !ok || n.Type == TypeDouble || x < math.MinInt8 || x > math.MaxInt8 {
				return Vector{}, fmt.Errorf("%s is not an int8", n)
			}
			v[i] = int8(x)
		}
		return NewInt8Vector(v), nil
	case "0x27":
		if padding != 0 {
			return Vector{}, fmt.Errorf("FLOAT32 with padding %d", padding)
		}
		v := make([]float32, len(nums))
		for i, n := range nums {
			x, ok := n.AsFloat64OK()
			if !ok {
				return Vector{}, fmt.Errorf("%s is not a number", n)
			}
			v[i] = float32(x)
		}
		return NewFloat32Vector(v), nil
	case "0x10":
		if padding < 0 || padding > math.MaxUint8 {
			return Vector{}, fmt.Errorf("padding %d out of range", padding)
		}
		v := make([]byte, len(nums))
		for i, n := range nums {
			x, ok := n.AsInt64OK()
			if !ok || n.Type == TypeDouble || x < 0 || x > math.MaxUint8 {
				return Vector{}, fmt.Errorf("%s is not a uint8", n)
			}
			v[i] = byte(x)
		}
		return NewPackedBitVector(v, uint8(padding))
	}
	t.Fatalf("unknown dtype %s", c.DTypeHex)
	return Vector{}, nil
}

func runValidVector(t *testing.T, key string, c vectorCase) {
	want := mustHex(t, c.CanonicalBSON)
	vec, err := buildVector(t, c)
	if err != nil {
		t.Fatalf("building the vector: %v", err)
	}

	// Encode {test_key: vector}.
	got, err := Marshal(D{{Key: key, Value: vec}})
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	checkBSON(t, "Marshal(D{{test_key, vector}})", got, want)

	// Decode into a struct field, and from the binary value.
	var doc vectorDoc
	if err := Unmarshal(want, &doc); err != nil {
		t.Fatalf("Unmarshal into a Vector field: %v", err)
	}
	checkVector(t, "Unmarshal", doc.Vector, vec)
	bin, ok := Raw(want).Lookup(key).BinaryOK()
	if !ok {
		t.Fatalf("canonical_bson has no binary under %q", key)
	}
	fromBin, err := NewVectorFromBinary(bin)
	if err != nil {
		t.Fatalf("NewVectorFromBinary: %v", err)
	}
	checkVector(t, "NewVectorFromBinary", fromBin, vec)
}

// checkVector compares the dtype, padding and values of got and want;
// float32 values are compared bit for bit.
func checkVector(t *testing.T, what string, got, want Vector) {
	t.Helper()
	if got.DType() != want.DType() || got.Len() != want.Len() {
		t.Fatalf("%s: dtype %v, length %d; want %v, %d", what, got.DType(), got.Len(), want.DType(), want.Len())
	}
	switch want.DType() {
	case VectorInt8:
		g, _ := got.Int8s()
		w, _ := want.Int8s()
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: values %v, want %v", what, g, w)
		}
	case VectorFloat32:
		g, _ := got.Float32s()
		w, _ := want.Float32s()
		for i := range w {
			if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
				t.Errorf("%s: value %d is %v, want %v", what, i, g[i], w[i])
			}
		}
	case VectorPackedBit:
		g, gp, _ := got.PackedBits()
		w, wp, _ := want.PackedBits()
		if !bytes.Equal(g, w) || gp != wp {
			t.Errorf("%s: bits %x padding %d, want %x padding %d", what, g, gp, w, wp)
		}
	}
}

func runInvalidVector(t *testing.T, c vectorCase) {
	if c.Vector == nil && c.CanonicalBSON == "" {
		t.Fatal("an invalid case with neither a vector nor canonical_bson tests nothing")
	}
	if c.Vector != nil {
		if vec, err := buildVector(t, c); err == nil {
			t.Errorf("building the vector succeeded (%v, %d elements), want an error", vec.DType(), vec.Len())
		}
	}
	if c.CanonicalBSON != "" {
		b := mustHex(t, c.CanonicalBSON)
		var doc vectorDoc
		err := Unmarshal(b, &doc)
		var ute *UnmarshalTypeError
		if !errors.As(err, &ute) {
			t.Errorf("Unmarshal into a Vector field: got %v, want an *UnmarshalTypeError", err)
		}
		bin, ok := Raw(b).Lookup("vector").BinaryOK()
		if !ok {
			t.Fatal("canonical_bson has no binary under \"vector\"")
		}
		if _, err := NewVectorFromBinary(bin); !errors.Is(err, ErrInvalidVector) {
			t.Errorf("NewVectorFromBinary: got %v, want ErrInvalidVector", err)
		}
	}
}

// TestVectorIgnoredBits is the prose test of the specification: the
// ignored bits of a packed-bit vector must be zero, when encoding and when
// decoding.
func TestVectorIgnoredBits(t *testing.T) {
	if _, err := NewPackedBitVector([]byte{0xFF}, 7); !errors.Is(err, ErrInvalidVector) {
		t.Errorf("NewPackedBitVector([0xff], 7): got %v, want ErrInvalidVector", err)
	}
	bin := Binary{Subtype: BinaryVector, Data: []byte{0x10, 0x07, 0xFF}}
	if _, err := NewVectorFromBinary(bin); !errors.Is(err, ErrInvalidVector) {
		t.Errorf("NewVectorFromBinary(10 07 ff): got %v, want ErrInvalidVector", err)
	}
	v, err := NewVectorFromBinary(Binary{Subtype: BinaryVector, Data: []byte{0x10, 0x07, 0x80}})
	if err != nil || v.Len() != 1 {
		t.Errorf("NewVectorFromBinary(10 07 80): %v, length %d; want one bit", err, v.Len())
	}
}
