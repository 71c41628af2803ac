package bson

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// doc builds a document from hex-free pieces: a quick way to write expected
// bytes in tests.
func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", v, err)
	}
	return b
}

type address struct {
	Street string `bson:"street"`
	City   string `bson:"city,omitempty"`
}

type base struct {
	Created DateTime `bson:"created"`
}

type person struct {
	ID      ObjectID          `bson:"_id,omitempty"`
	Name    string            `bson:"name"`
	Age     int64             `bson:"age,minsize"`
	Height  float64           `bson:"height,truncate"`
	Tags    []string          `bson:"tags"`
	Home    *address          `bson:"home,omitempty"`
	Work    address           `bson:"work"`
	Seen    time.Time         `bson:"seen,omitzero"`
	Score   int               `bson:"score,truncate"`
	Base    base              `bson:",inline"`
	Extra   map[string]string `bson:",inline"`
	Ignored string            `bson:"-"`
	private int
}

func TestStructRoundTrip(t *testing.T) {
	id := NewObjectID()
	p := person{
		ID: id, Name: "Ada", Age: 36, Height: 1.65, Tags: []string{"a", "b"},
		Home: &address{Street: "1 Main"}, Work: address{Street: "2 Side", City: "X"},
		Score: 7, Base: base{Created: 1234}, Extra: map[string]string{"nick": "ada"},
		Ignored: "gone", private: 3,
	}
	b := mustMarshal(t, &p)
	raw := Raw(b)
	if err := raw.Validate(); err != nil {
		t.Fatal(err)
	}
	// minsize: age fits in 32 bits, so it is an int32.
	if got := raw.Lookup("age").Type; got != TypeInt32 {
		t.Errorf("age type = %v, want int", got)
	}
	// inline struct: created at the top level.
	if got := raw.Lookup("created").DateTime(); got != 1234 {
		t.Errorf("created = %v", got)
	}
	// inline map: extra keys at the top level.
	if got := raw.Lookup("nick").StringValue(); got != "ada" {
		t.Errorf("nick = %q", got)
	}
	// omitzero time, omitempty city, skipped fields.
	for _, k := range []string{"seen", "ignored", "private", "Ignored"} {
		if v := raw.Lookup(k); !v.IsZero() {
			t.Errorf("key %q present: %v", k, v.Type)
		}
	}
	if v := raw.Lookup("home", "city"); !v.IsZero() {
		t.Errorf("home.city present")
	}
	if got := raw.Lookup("work", "city").StringValue(); got != "X" {
		t.Errorf("work.city = %q", got)
	}
	var back person
	if err := Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	p.Ignored, p.private = "", 0
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, p)
	}
}

func TestKeyOrderAndDefaults(t *testing.T) {
	type S struct {
		B       int32
		A       string
		Renamed bool `bson:"r"`
	}
	b := mustMarshal(t, S{B: 1, A: "x", Renamed: true})
	if got := Raw(b).Keys(); !reflect.DeepEqual(got, []string{"b", "a", "r"}) {
		t.Errorf("keys = %v", got)
	}
}

func TestEmbeddedStructWithoutInlineIsSubdocument(t *testing.T) {
	type Inner struct{ X int32 }
	type Outer struct {
		Inner
		Y int32
	}
	b := mustMarshal(t, Outer{Inner{1}, 2})
	if got := Raw(b).Lookup("inner", "x").Int32(); got != 1 {
		t.Errorf("inner.x = %d (doc %v)", got, Raw(b).Keys())
	}
	var back Outer
	if err := Unmarshal(b, &back); err != nil || back.X != 1 || back.Y != 2 {
		t.Errorf("back = %+v, %v", back, err)
	}
}

func TestInlinePointerStruct(t *testing.T) {
	type Meta struct{ V int32 }
	type Doc struct {
		Name  string
		*Meta `bson:",inline"`
	}
	b := mustMarshal(t, Doc{Name: "n"}) // nil pointer: its fields are left out
	if Raw(b).Len() != 1 {
		t.Errorf("keys = %v", Raw(b).Keys())
	}
	b = mustMarshal(t, Doc{Name: "n", Meta: &Meta{V: 5}})
	var back Doc
	if err := Unmarshal(b, &back); err != nil || back.Meta == nil || back.V != 5 {
		t.Fatalf("back = %+v, %v", back, err)
	}
}

func TestGenericDecoding(t *testing.T) {
	in := D{
		{"s", "x"}, {"i32", int32(1)}, {"i64", int64(2)}, {"f", 1.5}, {"b", true},
		{"n", nil}, {"d", D{{"k", "v"}}}, {"a", A{int32(1), "two"}},
		{"oid", ObjectID{1}}, {"dt", DateTime(5)}, {"bin", Binary{Subtype: 0x80, Data: []byte{1}}},
		{"re", Regex{Pattern: "a", Options: "i"}}, {"ts", Timestamp{T: 1, I: 2}},
		{"min", MinKey{}}, {"max", MaxKey{}}, {"js", JavaScript("f()")}, {"sym", Symbol("s")},
		{"cws", CodeWithScope{Code: "g()", Scope: D{{"x", int32(1)}}}},
		{"ptr", DBPointer{DB: "db.c", Pointer: ObjectID{2}}}, {"u", Undefined{}},
	}
	b := mustMarshal(t, in)
	var out D
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("D round trip:\n got %#v\nwant %#v", out, in)
	}
	var m M
	if err := Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["s"] != "x" || !reflect.DeepEqual(m["d"], D{{"k", "v"}}) {
		t.Errorf("M = %#v", m)
	}
	var anyDoc any
	if err := (UnmarshalOptions{DefaultDocumentM: true}).Unmarshal(b, &anyDoc); err != nil {
		t.Fatal(err)
	}
	if got := anyDoc.(M)["d"]; !reflect.DeepEqual(got, M{"k": "v"}) {
		t.Errorf("DefaultDocumentM: d = %#v", got)
	}
	if b2 := mustMarshal(t, out); !bytes.Equal(b, b2) {
		t.Errorf("re-encoding differs")
	}
}

func TestNumericConversions(t *testing.T) {
	type ints struct {
		I8  int8
		I32 int32
		I   int
		U16 uint16
		F32 float32
		F   float64
	}
	tests := []struct {
		name    string
		in      D
		want    ints
		wantErr string
	}{
		{"int32 widens", D{{"i", int32(5)}, {"f", int32(7)}}, ints{I: 5, F: 7}, ""},
		{"int64 narrows when it fits", D{{"i32", int64(-9)}, {"i8", int64(100)}}, ints{I32: -9, I8: 100}, ""},
		{"integral double to int", D{{"i", 3.0}}, ints{I: 3}, ""},
		{"fractional double is lossy", D{{"i", 3.5}}, ints{}, "fractional"},
		{"int64 overflow int32", D{{"i32", int64(math.MaxInt32 + 1)}}, ints{}, "out of range"},
		{"negative into unsigned", D{{"u16", int32(-1)}}, ints{}, "out of range"},
		{"int8 overflow", D{{"i8", int32(200)}}, ints{}, "out of range"},
		{"double to float32 exact", D{{"f32", 0.5}}, ints{F32: 0.5}, ""},
		{"double to float32 lossy", D{{"f32", 0.1}}, ints{}, "float32"},
		{"big int64 to float lossy", D{{"f", int64(1<<53 + 1)}}, ints{}, "exactly"},
		{"string into int", D{{"i", "5"}}, ints{}, "cannot decode string into int"},
		{"null into int", D{{"i", nil}}, ints{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ints
			err := Unmarshal(mustMarshal(t, tt.in), &got)
			if tt.wantErr != "" {
				var te *UnmarshalTypeError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &te) {
					t.Fatalf("err = %v, want UnmarshalTypeError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	var tr struct {
		I int `bson:"i,truncate"`
	}
	if err := Unmarshal(mustMarshal(t, D{{"i", 3.9}}), &tr); err != nil || tr.I != 3 {
		t.Errorf("truncate: %+v %v", tr, err)
	}
}

func TestIntEncodingWidths(t *testing.T) {
	type S struct {
		Small int
		Big   int
		I64   int64
		U32   uint32
		U8    uint8
	}
	raw := Raw(mustMarshal(t, S{Small: 1, Big: math.MaxInt32 + 1, I64: 1, U32: 1, U8: 1}))
	want := map[string]Type{"small": TypeInt32, "big": TypeInt64, "i64": TypeInt64, "u32": TypeInt64, "u8": TypeInt32}
	for k, typ := range want {
		if got := raw.Lookup(k).Type; got != typ {
			t.Errorf("%s: %v, want %v", k, got, typ)
		}
	}
	if _, err := Marshal(struct{ U uint64 }{math.MaxUint64}); err == nil {
		t.Error("uint64 overflow: no error")
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "nil"},
		{"nil pointer", (*person)(nil), "nil pointer"},
		{"not a document", "str", "must be a document"},
		{"NUL in D key", D{{"a\x00b", 1}}, "NUL"},
		{"NUL in M key", M{"a\x00": 1}, "NUL"},
		{"channel", struct{ C chan int }{make(chan int)}, "not supported"},
		{"func", D{{"f", func() {}}}, "not supported"},
		{"bad map key", map[float64]int{1: 1}, "not supported"},
		{"nested key path", D{{"a", D{{"b", M{"c\x00": 1}}}}}, `"a.b.c`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Marshal(tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDocumentTooLarge(t *testing.T) {
	big := strings.Repeat("x", MaxDocumentSize)
	_, err := Marshal(D{{"s", big}})
	if !errors.Is(err, ErrDocumentTooLarge) {
		t.Fatalf("err = %v, want ErrDocumentTooLarge", err)
	}
	if _, err := (MarshalOptions{MaxDocumentSize: 100}).Marshal(D{{"s", strings.Repeat("x", 100)}}); !errors.Is(err, ErrDocumentTooLarge) {
		t.Fatalf("custom limit: err = %v", err)
	}
	if _, err := (MarshalOptions{MaxDocumentSize: -1}).Marshal(D{{"s", big}}); err != nil {
		t.Fatalf("no limit: %v", err)
	}
	dst := []byte("keep")
	out, err := MarshalOptions{MaxDocumentSize: 10}.MarshalAppend(dst, D{{"s", "0123456789"}})
	if err == nil || string(out) != "keep" {
		t.Fatalf("on error MarshalAppend must return dst unchanged: %q, %v", out, err)
	}
}

func TestMalformedInput(t *testing.T) {
	valid := mustMarshal(t, D{{"a", "b"}, {"d", D{{"x", int32(1)}}}})
	tests := []struct {
		name   string
		in     []byte
		offset int
	}{
		{"empty", nil, 0},
		{"short header", []byte{5, 0}, 0},
		{"length too big", append([]byte{100, 0, 0, 0}, valid[4:]...), 0},
		{"trailing garbage", append(append([]byte{}, valid...), 0), len(valid)},
		{"missing terminator", func() []byte { b := append([]byte{}, valid...); b[len(b)-1] = 1; return b }(), 0},
		{"bad type", []byte{8, 0, 0, 0, 0x20, 'a', 0, 0}, 4},
		{"string length negative", []byte{13, 0, 0, 0, 2, 'a', 0, 0xff, 0xff, 0xff, 0xff, 0, 0}, 7},
		{"invalid utf8 key", []byte{12, 0, 0, 0, 0x0A, 0xff, 0, 0x0A, 'b', 0, 0, 0}, 5},
		{"invalid utf8 string", []byte{15, 0, 0, 0, 2, 'a', 0, 2, 0, 0, 0, 0xff, 0, 0, 0}, 7},
		{"bad bool", []byte{9, 0, 0, 0, 8, 'a', 0, 2, 0}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var de *DecodeError
			err := Raw(tt.in).Validate()
			if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Validate: %v, want DecodeError", err)
			}
			if de.Offset != tt.offset {
				t.Errorf("Validate offset = %d, want %d (%v)", de.Offset, tt.offset, err)
			}
			var d D
			if err := Unmarshal(tt.in, &d); !errors.As(err, &de) {
				t.Fatalf("Unmarshal D: %v, want DecodeError", err)
			}
			var p tree
			if err := Unmarshal(tt.in, &p); !errors.As(err, &de) {
				t.Fatalf("Unmarshal struct: %v, want DecodeError", err)
			}
		})
	}
}

func TestDepthBomb(t *testing.T) {
	// 2000 nested documents: {"a": {"a": ... {}}}
	const depth = 2000
	var b []byte
	b = append(b, 5, 0, 0, 0, 0)
	for i := 0; i < depth; i++ {
		n := len(b) + 4 + 3 + 1
		nb := appendInt32(nil, int32(n))
		nb = append(nb, 3, 'a', 0)
		nb = append(nb, b...)
		b = append(nb, 0)
	}
	if err := Raw(b).Validate(); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Fatalf("Validate: %v", err)
	}
	var d D
	if err := Unmarshal(b, &d); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Fatalf("Unmarshal: %v", err)
	}
	type node struct {
		A *node `bson:"a"`
	}
	var n node
	if err := Unmarshal(b, &n); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Fatalf("Unmarshal struct: %v", err)
	}
}

type tree struct {
	Name     string  `bson:"name"`
	Children []*tree `bson:"children,omitempty"`
}

func TestRecursiveType(t *testing.T) {
	in := tree{Name: "root", Children: []*tree{{Name: "a"}, {Name: "b", Children: []*tree{{Name: "c"}}}}}
	var out tree
	if err := Unmarshal(mustMarshal(t, in), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v", out)
	}
	// A cycle is an error, not a stack overflow.
	loop := &tree{Name: "loop"}
	loop.Children = []*tree{loop}
	if _, err := Marshal(loop); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Fatalf("cycle: %v", err)
	}
}

type celsius float64

func (c celsius) MarshalBSONValue() (Type, []byte, error) {
	return TypeString, appendString(nil, "C"+json.Number(strings.TrimRight(strings.TrimRight(hexFloat(float64(c)), "0"), ".")).String()), nil
}

func hexFloat(f float64) string { b, _ := json.Marshal(f); return string(b) }

func (c *celsius) UnmarshalBSONValue(t Type, data []byte) error {
	if t != TypeString {
		return errors.New("want a string")
	}
	var f float64
	if err := json.Unmarshal(data[5:len(data)-1], &f); err != nil {
		return err
	}
	*c = celsius(f)
	return nil
}

type point struct{ X, Y int }

func (p point) MarshalBSON() ([]byte, error) {
	return Marshal(D{{"xy", A{p.X, p.Y}}})
}

func (p *point) UnmarshalBSON(b []byte) error {
	var a struct{ XY []int }
	if err := Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a.XY) != 2 {
		return errors.New("want two numbers")
	}
	p.X, p.Y = a.XY[0], a.XY[1]
	return nil
}

func TestMarshalerInterfaces(t *testing.T) {
	type S struct {
		T  celsius
		P  point
		PP *point
	}
	in := S{T: 21.5, P: point{1, 2}, PP: &point{3, 4}}
	b := mustMarshal(t, in)
	if got := Raw(b).Lookup("t").StringValue(); got != "C21.5" {
		t.Errorf("t = %q", got)
	}
	if got := Raw(b).Lookup("p", "xy", "1").Int32(); got != 2 {
		t.Errorf("p.xy.1 = %d", got)
	}
	var out S
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v", out)
	}
}

type rgb struct{ R, G, B uint8 }

func TestRegisterCodec(t *testing.T) {
	r := NewRegistry()
	Register(r, TypeCodec[rgb]{
		Encode: func(dst []byte, c rgb) ([]byte, Type, error) {
			return appendString(dst, hex.EncodeToString([]byte{c.R, c.G, c.B})), TypeString, nil
		},
		Decode: func(t Type, data []byte, c *rgb) error {
			var s string
			if err := UnmarshalValue(t, data, &s); err != nil {
				return err
			}
			b, err := hex.DecodeString(s)
			if err != nil || len(b) != 3 {
				return errors.New("bad colour")
			}
			*c = rgb{b[0], b[1], b[2]}
			return nil
		},
	})
	type S struct{ Colour rgb }
	b, err := MarshalOptions{Registry: r}.Marshal(S{rgb{255, 0, 16}})
	if err != nil {
		t.Fatal(err)
	}
	if got := Raw(b).Lookup("colour").StringValue(); got != "ff0010" {
		t.Errorf("colour = %q", got)
	}
	var out S
	if err := (UnmarshalOptions{Registry: r}).Unmarshal(b, &out); err != nil || out.Colour != (rgb{255, 0, 16}) {
		t.Errorf("out = %+v, %v", out, err)
	}
	// The default registry is unaffected.
	if got := Raw(mustMarshal(t, S{rgb{1, 2, 3}})).Lookup("colour").Type; got != TypeDocument {
		t.Errorf("default registry: %v", got)
	}
}

func TestNilHandling(t *testing.T) {
	type S struct {
		Sl []int
		Mp map[string]int
		P  *int
		I  any
		B  []byte
	}
	raw := Raw(mustMarshal(t, S{}))
	for _, k := range []string{"sl", "mp", "p", "i", "b"} {
		if got := raw.Lookup(k).Type; got != TypeNull {
			t.Errorf("%s = %v, want null", k, got)
		}
	}
	b, _ := MarshalOptions{NilSliceAsEmpty: true, NilMapAsEmpty: true}.Marshal(S{})
	raw = Raw(b)
	if raw.Lookup("sl").Type != TypeArray || raw.Lookup("mp").Type != TypeDocument || raw.Lookup("b").Type != TypeBinary {
		t.Errorf("as empty: %v", raw.Keys())
	}
	one := 1
	out := S{Sl: []int{1}, Mp: map[string]int{"a": 1}, P: &one, I: 5, B: []byte{1}}
	if err := Unmarshal(mustMarshal(t, S{}), &out); err != nil {
		t.Fatal(err)
	}
	if out.Sl != nil || out.Mp != nil || out.P != nil || out.I != nil || out.B != nil {
		t.Errorf("null did not clear: %+v", out)
	}
	if err := Unmarshal(mustMarshal(t, S{}), nil); !errors.Is(err, ErrNilValue) {
		t.Errorf("nil target: %v", err)
	}
	if err := Unmarshal(mustMarshal(t, S{}), out); !errors.Is(err, ErrNilValue) {
		t.Errorf("non-pointer target: %v", err)
	}
}

func TestMapKinds(t *testing.T) {
	in := map[int]string{1: "a", -2: "b"}
	var out map[int]string
	if err := Unmarshal(mustMarshal(t, in), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("int keys: %v %v", out, err)
	}
	ids := map[ObjectID]int{{1}: 1}
	var idsOut map[ObjectID]int
	if err := Unmarshal(mustMarshal(t, ids), &idsOut); err != nil || !reflect.DeepEqual(ids, idsOut) {
		t.Errorf("TextMarshaler keys: %v %v", idsOut, err)
	}
	type key string
	nested := map[key]map[string][]float64{"x": {"y": {1, 2}}}
	var nestedOut map[key]map[string][]float64
	if err := Unmarshal(mustMarshal(t, nested), &nestedOut); err != nil || !reflect.DeepEqual(nested, nestedOut) {
		t.Errorf("nested: %v %v", nestedOut, err)
	}
}

func TestSpecialTypes(t *testing.T) {
	type S struct {
		T     time.Time
		N     json.Number
		F     json.Number
		U     UUID
		Arr   [3]int
		BA    [2]byte
		Iface interface{ String() string }
		Raw   Raw
		RV    RawValue
	}
	u, _ := ParseUUID("00112233-4455-6677-8899-aabbccddeeff")
	in := S{
		T: time.Date(2024, 2, 3, 4, 5, 6, 7_000_000, time.UTC), N: "42", F: "1.5", U: u,
		Arr: [3]int{1, 2, 3}, BA: [2]byte{9, 8}, Iface: ObjectID{7},
		Raw: mustMarshal(t, D{{"x", int32(1)}}), RV: RawValue{Type: TypeInt32, Value: []byte{7, 0, 0, 0}},
	}
	b := mustMarshal(t, in)
	raw := Raw(b)
	if raw.Lookup("n").Type != TypeInt64 || raw.Lookup("f").Type != TypeDouble {
		t.Errorf("json.Number types: %v %v", raw.Lookup("n").Type, raw.Lookup("f").Type)
	}
	if bin := raw.Lookup("u").Binary(); bin.Subtype != BinaryUUID {
		t.Errorf("uuid subtype %d", bin.Subtype)
	}
	var out S
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got  %+v\nwant %+v", out, in)
	}
	if u.String() != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Errorf("uuid string %s", u)
	}
}

func TestTimeTruncatesToMillis(t *testing.T) {
	type S struct{ T time.Time }
	in := time.Date(1960, 1, 1, 0, 0, 0, 999_999, time.UTC) // before the epoch
	var out S
	if err := Unmarshal(mustMarshal(t, S{in}), &out); err != nil {
		t.Fatal(err)
	}
	if !out.T.Equal(in.Truncate(time.Millisecond)) {
		t.Errorf("got %v", out.T)
	}
}

func TestMarshalAppendReusesBuffer(t *testing.T) {
	// Boxed once: converting a slice to an interface allocates, in the caller.
	var doc any = D{{"a", int32(1)}, {"b", "two"}, {"c", D{{"d", 1.5}}}}
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = MarshalAppend(buf[:0], doc); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("MarshalAppend into a large enough buffer: %v allocs, want 0", allocs)
	}
	p := &person{Name: "x", Tags: []string{"a"}}
	allocs = testing.AllocsPerRun(100, func() {
		buf, _ = MarshalAppend(buf[:0], p)
	})
	if allocs != 0 {
		t.Errorf("MarshalAppend of a struct: %v allocs, want 0", allocs)
	}
}

func TestRawLookupAndIteration(t *testing.T) {
	b := mustMarshal(t, D{{"a", D{{"b", A{"x", "y"}}}}, {"n", int32(3)}})
	raw := Raw(b)
	if got := raw.Lookup("a", "b", "1").StringValue(); got != "y" {
		t.Errorf("a.b.1 = %q", got)
	}
	if _, err := raw.LookupErr("a", "zz"); !errors.Is(err, ErrElementNotFound) {
		t.Errorf("missing: %v", err)
	}
	if _, err := raw.LookupErr("n", "x"); !errors.Is(err, ErrElementNotFound) {
		t.Errorf("through a scalar: %v", err)
	}
	if got := raw.Lookup("a", "b").Array().Index(0).StringValue(); got != "x" {
		t.Errorf("index 0 = %q", got)
	}
	allocs := testing.AllocsPerRun(100, func() {
		n := 0
		for k, v := range raw.Elements() {
			n += len(k) + len(v.Value)
		}
		if n == 0 {
			t.Fatal("no elements")
		}
	})
	if allocs != 0 {
		t.Errorf("Elements: %v allocs, want 0", allocs)
	}
	// Accessors on the wrong type return zero values, never panic.
	v := raw.Lookup("n")
	if v.StringValue() != "" || v.Double() != 0 || v.Document() != nil || v.Boolean() {
		t.Error("wrong-type accessors returned values")
	}
	if i, ok := v.AsInt64OK(); !ok || i != 3 {
		t.Errorf("AsInt64OK = %d %v", i, ok)
	}
	// Garbage never panics.
	garbage := []byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3}
	_ = Raw(garbage).Lookup("a")
	for range Raw(garbage).Elements() {
	}
	_ = RawValue{Type: TypeString, Value: []byte{1}}.StringValue()
	_ = RawValue{Type: TypeCodeWithScope, Value: []byte{1}}.Binary()
}

func TestObjectID(t *testing.T) {
	a, b := NewObjectID(), NewObjectID()
	if a == b {
		t.Fatal("two ObjectIDs are equal")
	}
	if a[4] != b[4] || a[8] != b[8] {
		t.Error("process-random bytes differ")
	}
	if time.Since(a.Timestamp()) > time.Minute {
		t.Error("timestamp is not now")
	}
	back, err := ObjectIDFromHex(a.Hex())
	if err != nil || back != a {
		t.Errorf("hex round trip: %v %v", back, err)
	}
	for _, bad := range []string{"", "zz", strings.Repeat("g", 24), a.Hex() + "0"} {
		if _, err := ObjectIDFromHex(bad); !errors.Is(err, ErrInvalidHex) {
			t.Errorf("ObjectIDFromHex(%q) = %v", bad, err)
		}
	}
	var fromJSON struct{ ID ObjectID }
	if err := json.Unmarshal([]byte(`{"ID":"`+a.Hex()+`"}`), &fromJSON); err != nil || fromJSON.ID != a {
		t.Errorf("json: %v %v", fromJSON.ID, err)
	}
}

func TestUnmarshalIntoExistingInterface(t *testing.T) {
	type Target struct{ X int32 }
	var into any = &Target{}
	holder := struct{ V any }{V: into}
	if err := Unmarshal(mustMarshal(t, D{{"v", D{{"x", int32(4)}}}}), &holder); err != nil {
		t.Fatal(err)
	}
	if got := holder.V.(*Target).X; got != 4 {
		t.Errorf("X = %d", got)
	}
}
