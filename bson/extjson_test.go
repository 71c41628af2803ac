package bson

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestExtJSONDoubles(t *testing.T) {
	tests := []struct {
		f         float64
		relaxed   string
		canonical string
	}{
		{1, `1.0`, `{"$numberDouble":"1.0"}`},
		{math.Copysign(0, -1), `-0.0`, `{"$numberDouble":"-0.0"}`},
		{0.5, `0.5`, `{"$numberDouble":"0.5"}`},
		{100, `100.0`, `{"$numberDouble":"100.0"}`},
		{1e-4, `0.0001`, `{"$numberDouble":"0.0001"}`},
		{1e-5, `1E-5`, `{"$numberDouble":"1E-5"}`},
		{123456789012345, `123456789012345.0`, `{"$numberDouble":"123456789012345.0"}`},
		{1e15, `1E+15`, `{"$numberDouble":"1E+15"}`},
		{-1.2345678921232e18, `-1.2345678921232E+18`, `{"$numberDouble":"-1.2345678921232E+18"}`},
		{math.MaxFloat64, `1.7976931348623157E+308`, `{"$numberDouble":"1.7976931348623157E+308"}`},
		{5e-324, `5E-324`, `{"$numberDouble":"5E-324"}`},
		{math.Inf(1), `{"$numberDouble":"Infinity"}`, `{"$numberDouble":"Infinity"}`},
		{math.Inf(-1), `{"$numberDouble":"-Infinity"}`, `{"$numberDouble":"-Infinity"}`},
		{math.NaN(), `{"$numberDouble":"NaN"}`, `{"$numberDouble":"NaN"}`},
	}
	for _, tt := range tests {
		for _, canonical := range []bool{false, true} {
			want := `{"d":` + tt.relaxed + `}`
			if canonical {
				want = `{"d":` + tt.canonical + `}`
			}
			got, err := MarshalExtJSON(D{{Key: "d", Value: tt.f}}, canonical)
			if err != nil || string(got) != want {
				t.Errorf("MarshalExtJSON(%v, %v) = %s, %v; want %s", tt.f, canonical, got, err, want)
			}
			var back D
			if err := UnmarshalExtJSON(got, &back); err != nil {
				t.Errorf("UnmarshalExtJSON(%s): %v", got, err)
				continue
			}
			if f, ok := back[0].Value.(float64); !ok || math.Float64bits(f) != math.Float64bits(tt.f) && !math.IsNaN(tt.f) {
				t.Errorf("%s read back as %#v", got, back[0].Value)
			}
		}
	}
}

// TestExtJSONDoublesRoundTrip checks that random doubles read back bit for
// bit in both modes.
func TestExtJSONDoublesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		for _, canonical := range []bool{false, true} {
			out, err := MarshalExtJSON(D{{Key: "d", Value: f}}, canonical)
			if err != nil {
				t.Fatal(err)
			}
			var back D
			if err := UnmarshalExtJSON(out, &back); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if g, ok := back[0].Value.(float64); !ok || math.Float64bits(g) != math.Float64bits(f) {
				t.Fatalf("%v written as %s read back as %#v", f, out, back[0].Value)
			}
		}
	}
}

func TestExtJSONDates(t *testing.T) {
	tests := []struct {
		ms      int64
		relaxed string
	}{
		{0, `{"$date":"1970-01-01T00:00:00Z"}`},
		{1356351330501, `{"$date":"2012-12-24T12:15:30.501Z"}`},
		{1356351330001, `{"$date":"2012-12-24T12:15:30.001Z"}`},
		{maxISODate, `{"$date":"9999-12-31T23:59:59.999Z"}`},
		{maxISODate + 1, `{"$date":{"$numberLong":"253402300800000"}}`},
		{-1, `{"$date":{"$numberLong":"-1"}}`},
		{math.MinInt64, `{"$date":{"$numberLong":"-9223372036854775808"}}`},
	}
	for _, tt := range tests {
		got, err := MarshalExtJSON(D{{Key: "t", Value: DateTime(tt.ms)}}, false)
		if want := `{"t":` + tt.relaxed + `}`; err != nil || string(got) != want {
			t.Errorf("relaxed %d = %s, %v; want %s", tt.ms, got, err, want)
		}
		var back struct{ T DateTime }
		if err := UnmarshalExtJSON(got, &back); err != nil || int64(back.T) != tt.ms {
			t.Errorf("%s read back as %d, %v", got, back.T, err)
		}
	}
	// Parsers take RFC 3339 with any offset and fraction.
	for in, want := range map[string]int64{
		`"2012-12-24T12:15:30.501Z"`:             1356351330501,
		`"2012-12-24T13:15:30.501+01:00"`:        1356351330501,
		`"2012-12-24T13:15:30.5019+0100"`:        1356351330501,
		`"1969-12-31T23:59:59.9995Z"`:            -1,
		`{"$numberLong":"-284643869501"}`:        -284643869501,
		`{"$numberLong":"253402300800000"}`:      253402300800000,
		`"1970-01-01T00:00:00.000000001Z"`:       0,
		`"2000-02-29T00:00:00-00:00"`:            951782400000,
		`"2000-02-29T00:00:00.000000000Z"`:       951782400000,
		`"0001-01-01T00:00:00Z"`:                 -62135596800000,
		`"9999-12-31T23:59:59.999999999Z"`:       maxISODate,
		`{"$numberLong":"-9223372036854775808"}`: math.MinInt64,
	} {
		var back struct{ T DateTime }
		doc := `{"t":{"$date":` + in + `}}`
		if err := UnmarshalExtJSON([]byte(doc), &back); err != nil || int64(back.T) != want {
			t.Errorf("%s = %d, %v; want %d", doc, back.T, err, want)
		}
	}
}

func TestExtJSONStrings(t *testing.T) {
	s := "a\"\\/\x00\x01\x1f\b\f\n\r\t\u2028é😀"
	got, err := MarshalExtJSON(D{{Key: "k\x01", Value: s}}, true)
	want := `{"k\u0001":"a\"\\/\u0000\u0001\u001f\b\f\n\r\t` + "\u2028é😀" + `"}`
	if err != nil || string(got) != want {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	var back D
	if err := UnmarshalExtJSON(got, &back); err != nil || back[0].Key != "k\x01" || back[0].Value != s {
		t.Fatalf("read back as %q, %v", back, err)
	}
	// Escapes of every kind, and surrogates: a pair is one character, a lone
	// one becomes U+FFFD.
	in := `{"s":"\u0041\u00e9\u2606\ud83d\ude00\ud800x\udc00\/"}`
	if err := UnmarshalExtJSON([]byte(in), &back); err != nil || back[0].Value != "Aé☆😀\uFFFDx\uFFFD/" {
		t.Fatalf("%s read as %q, %v", in, back, err)
	}
	// A string that is not UTF-8 cannot be written.
	bad := Raw(mustMarshalD(t, D{{Key: "s", Value: "a\xffb"}}))
	var de *DecodeError
	if _, err := MarshalExtJSON(bad, false); !errors.As(err, &de) || de.Offset != 12 {
		t.Errorf("invalid UTF-8: got %v, want a *DecodeError at offset 12", err)
	}
}

func TestUnmarshalExtJSONErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth)
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "empty"},
		{`  `, 2, "empty"},
		{`[]`, 0, "must be an object"},
		{`"x"`, 0, "must be an object"},
		{`{}x`, 2, "after the top-level"},
		{`{"a":1,}`, 7, "expecting a key"},
		{`{"a" 1}`, 5, "expecting ':'"},
		{`{"a":1 "b":2}`, 7, "expecting ',' or '}'"},
		{`{"a":[1 2]}`, 8, "expecting ',' or ']'"},
		{`{"a":[1,]}`, 8, "expecting a value"},
		{`{"a":"x`, 7, "unterminated string"},
		{`{"a":"\q"}`, 6, "invalid escape"},
		{`{"a":"\u12"}`, 6, `invalid \u escape`},
		{"{\"a\":\"\x01\"}", 6, "control character"},
		{"{\"a\":\"\xff\"}", 6, "invalid UTF-8"},
		{`{"a":01}`, 5, "leading zero"},
		{`{"a":1.}`, 7, "after the decimal point"},
		{`{"a":1e}`, 7, "in the exponent"},
		{`{"a":-}`, 6, "digits expected"},
		{`{"a":+1}`, 5, "expecting a value"},
		{`{"a":tru}`, 5, "expecting true"},
		{`{"a":1e400}`, 5, "out of the range"},
		{`{"a\u0000":1}`, 1, "NUL"},
		{`{"a":{"$numberInt":"2147483648"}}`, 5, "$numberInt"},
		{`{"a":{"$numberLong":"1.5"}}`, 5, "$numberLong"},
		{`{"a":{"$numberDouble":"inf"}}`, 5, "$numberDouble"},
		{`{"a":{"$numberDouble":"0x10"}}`, 5, "$numberDouble"},
		{`{"a":{"$oid":"56e1fc72e0c917e9c471416"}}`, 5, "$oid"},
		{`{"a":{"x":1,"$oid":"56e1fc72e0c917e9c4714161"}}`, 5, "$oid"},
		{`{"a":{"$binary":{"base64":"AQ","subType":"00"}}}`, 5, "base64"},
		{`{"a":{"$binary":{"base64":"","subType":"100"}}}`, 5, "subtype"},
		{`{"a":{"$binary":"AQI="}}`, 5, "$binary"},
		{`{"a":{"$timestamp":{"t":-1,"i":0}}}`, 5, "$timestamp"},
		{`{"a":{"$timestamp":{"t":4294967296,"i":0}}}`, 5, "$timestamp"},
		{`{"a":{"$timestamp":{"t":1.0,"i":0}}}`, 5, "$timestamp"},
		{`{"a":{"$date":"2012-12-24"}}`, 5, "$date"},
		{`{"a":{"$date":{"$numberInt":"1"}}}`, 5, "$date"},
		{`{"a":{"$date":{"$numberLong":"1"},"$x":1}}`, 5, "$date"},
		{`{"a":{"$undefined":false}}`, 5, "$undefined"},
		{`{"a":{"$minKey":{"$numberInt":"1"}}}`, 5, "$minKey"},
		{`{"a":{"$scope":{}}}`, 5, "$scope"},
		{`{"a":{"$code":"x","$scope":{"$numberInt":"1"}}}`, 5, "$code"},
		{`{"a":{"$regex":"a\u0000","$options":""}}`, 5, "NUL"},
		{`{"a":{"$numberDecimal":"1x"}}`, 5, "$numberDecimal"},
		{`{"a":{"$uuid":"73ffd26444b34c6990e8e7d1dfc035d"}}`, 5, "$uuid"},
		{`{"a":{"b":{"$symbol":1}}}`, 10, "$symbol"},
		{deep[:len(deep)-1], len(deep) - 1, "expecting ',' or '}'"},
		{`{"x":` + deep + `}`, 5 * maxDepth, "nested too deeply"},
	}
	for _, tt := range tests {
		var raw Raw
		err := UnmarshalExtJSON([]byte(tt.in), &raw)
		var pe *ExtJSONError
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidExtJSON) {
			t.Errorf("%.60s: got %v, want an *ExtJSONError", tt.in, err)
			continue
		}
		if pe.Offset != tt.offset || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("%.60s: got %v; want offset %d and %q", tt.in, err, tt.offset, tt.msg)
		}
	}
	// The deepest nesting allowed parses.
	var raw Raw
	if err := UnmarshalExtJSON([]byte(deep), &raw); err != nil {
		t.Errorf("%d levels: %v", maxDepth, err)
	}
}

// TestUnmarshalExtJSONForms checks the relaxed number rules, the legacy
// forms, and the objects with $-keys that are not type wrappers.
func TestUnmarshalExtJSONForms(t *testing.T) {
	oid := ObjectID{0x56, 0xe1, 0xfc, 0x72, 0xe0, 0xc9, 0x17, 0xe9, 0xc4, 0x71, 0x41, 0x61}
	uuid := []byte{0x73, 0xff, 0xd2, 0x64, 0x44, 0xb3, 0x4c, 0x69, 0x90, 0xe8, 0xe7, 0xd1, 0xdf, 0xc0, 0x35, 0xd4}
	tests := []struct {
		in   string
		want D
	}{
		{`{"a":1,"b":-2147483648,"c":2147483648,"d":-9223372036854775808,"e":9223372036854775808,"f":-0,"g":1.5,"h":1e2,"i":-0.0}`,
			D{{"a", int32(1)}, {"b", int32(math.MinInt32)}, {"c", int64(2147483648)}, {"d", int64(math.MinInt64)},
				{"e", 9223372036854775808.0}, {"f", int32(0)}, {"g", 1.5}, {"h", 100.0}, {"i", math.Copysign(0, -1)}}},
		{` { "a" : [ true , false , null , { } , [ ] ] } `, D{{"a", A{true, false, nil, D{}, A{}}}}},
		{`{"a":{"$binary":"AQI=","$type":"80"},"b":{"$type":"80","$binary":"AQI="}}`,
			D{{"a", Binary{Subtype: 0x80, Data: []byte{1, 2}}}, {"b", Binary{Subtype: 0x80, Data: []byte{1, 2}}}}},
		{`{"a":{"$binary":{"base64":"AQI=","subType":"2"}}}`, D{{"a", Binary{Subtype: 2, Data: []byte{1, 2}}}}},
		{`{"a":{"$uuid":"73FFD264-44B3-4C69-90E8-E7D1DFC035D4"},"b":{"$uuid":"urn:uuid:73ffd26444b34c6990e8e7d1dfc035d4"}}`,
			D{{"a", Binary{Subtype: 4, Data: uuid}}, {"b", Binary{Subtype: 4, Data: uuid}}}},
		{`{"a":{"$regex":"^x","$options":"xmi"},"b":{"$options":"","$regex":"y"}}`,
			D{{"a", Regex{Pattern: "^x", Options: "imx"}}, {"b", Regex{Pattern: "y"}}}},
		{`{"a":{"$oid":"56E1FC72E0C917E9C4714161"}}`, D{{"a", oid}}},
		{`{"a":{"$scope":{"x":1},"$code":"f()"}}`, D{{"a", CodeWithScope{Code: "f()", Scope: D{{"x", int32(1)}}}}}},
		{`{"a":{"$timestamp":{"i":2,"t":4294967295}}}`, D{{"a", Timestamp{T: math.MaxUint32, I: 2}}}},
		// Not type wrappers: query operators, DBRefs and unknown $-keys.
		{`{"a":{"$regex":"x"},"b":{"$type":2},"c":{"$type":"string"},"d":{"$in":[1]},"e":{"$gt":{"$date":"1970-01-01T00:00:00Z"}}}`,
			D{{"a", D{{"$regex", "x"}}}, {"b", D{{"$type", int32(2)}}}, {"c", D{{"$type", "string"}}}, {"d", D{{"$in", A{int32(1)}}}},
				{"e", D{{"$gt", DateTime(0)}}}}},
		{`{"a":{"$regex":{"$regularExpression":{"pattern":"p","options":""}},"$options":"i"}}`,
			D{{"a", D{{"$regex", Regex{Pattern: "p"}}, {"$options", "i"}}}}},
		{`{"r":{"$ref":"c","$id":1,"$db":"d","x":{"$ref":2}}}`,
			D{{"r", D{{"$ref", "c"}, {"$id", int32(1)}, {"$db", "d"}, {"x", D{{"$ref", int32(2)}}}}}}},
		// The top level is never a type wrapper, and keys may repeat.
		{`{"$oid":"x","$oid":"y"}`, D{{"$oid", "x"}, {"$oid", "y"}}},
		{`{"a":"\u0000"}`, D{{"a", "\x00"}}},
	}
	for _, tt := range tests {
		var got D
		if err := UnmarshalExtJSON([]byte(tt.in), &got); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		g, _ := MarshalExtJSON(got, true)
		w, _ := MarshalExtJSON(tt.want, true)
		if string(g) != string(w) {
			t.Errorf("%s:\n  got  %s\n  want %s", tt.in, g, w)
		}
	}
}

func TestExtJSONStringMethods(t *testing.T) {
	d := D{{"s", "x\n"}, {"n", int64(7)}, {"t", DateTime(0)}, {"a", A{int32(1), 2.5, nil}}, {"o", D{{"k", true}}}}
	const want = `{"s":"x\n","n":7,"t":{"$date":"1970-01-01T00:00:00Z"},"a":[1,2.5,null],"o":{"k":true}}`
	if got := d.String(); got != want {
		t.Errorf("D.String() = %s, want %s", got, want)
	}
	raw := Raw(mustMarshalD(t, d))
	if got := raw.String(); got != want {
		t.Errorf("Raw.String() = %s, want %s", got, want)
	}
	for path, want := range map[string]string{
		"s": `"x\n"`, "n": "7", "t": `{"$date":"1970-01-01T00:00:00Z"}`, "a": "[1,2.5,null]", "o": `{"k":true}`,
	} {
		if got := raw.Lookup(path).String(); got != want {
			t.Errorf("Lookup(%q).String() = %s, want %s", path, got, want)
		}
	}
	if got := raw.Lookup("a").Array().String(); got != "[1,2.5,null]" {
		t.Errorf("RawArray.String() = %s", got)
	}
	for _, tt := range []struct{ name, got, prefix string }{
		{"zero RawValue", RawValue{}.String(), "<none>"},
		{"truncated Raw", raw[:10].String(), "<malformed: "},
		{"nil Raw", Raw(nil).String(), "<malformed: "},
		{"bad boolean", Raw{9, 0, 0, 0, 8, 'b', 0, 2, 0}.String(), "<malformed: offset 7: boolean"},
		{"bad type", RawValue{Type: 0x20, Value: []byte{1}}.String(), "<malformed: "},
		{"short int32", RawValue{Type: TypeInt32, Value: []byte{1}}.String(), "<malformed: "},
		{"long int32", RawValue{Type: TypeInt32, Value: []byte{1, 2, 3, 4, 5}}.String(), "<malformed: "},
		{"array", RawArray{5, 0, 0, 0, 1}.String(), "<malformed: "},
		{"unencodable D", D{{"c", make(chan int)}}.String(), "<bson: cannot encode"},
	} {
		if !strings.HasPrefix(tt.got, tt.prefix) {
			t.Errorf("%s: String() = %s, want %s...", tt.name, tt.got, tt.prefix)
		}
	}
}

func TestMarshalExtJSONAPI(t *testing.T) {
	type user struct {
		Name string `bson:"name"`
		Age  int32  `bson:"age"`
	}
	dst := []byte("prefix:")
	out, err := MarshalExtJSONAppend(dst, user{"ada", 36}, true)
	if err != nil || string(out) != `prefix:{"name":"ada","age":{"$numberInt":"36"}}` {
		t.Errorf("MarshalExtJSONAppend = %s, %v", out, err)
	}
	// On error dst comes back as it was.
	out, err = MarshalExtJSONAppend(dst, Raw{5, 0, 0, 0}, true)
	var de *DecodeError
	if !errors.As(err, &de) || string(out) != "prefix:" {
		t.Errorf("malformed Raw: %s, %v", out, err)
	}
	if _, err := MarshalExtJSON(42, true); err == nil {
		t.Error("MarshalExtJSON(42) succeeded; a top-level value must be a document")
	}
	r := Raw(mustMarshalD(t, D{{"x", int32(1)}}))
	for _, v := range []any{r, &r} {
		if out, err := MarshalExtJSON(v, false); err != nil || string(out) != `{"x":1}` {
			t.Errorf("MarshalExtJSON(%T) = %s, %v", v, out, err)
		}
	}

	var u user
	if err := UnmarshalExtJSON([]byte(`{"name":"bob","age":{"$numberLong":"40"}}`), &u); err != nil || u != (user{"bob", 40}) {
		t.Errorf("UnmarshalExtJSON into a struct = %+v, %v", u, err)
	}
	var m M
	if err := UnmarshalExtJSON([]byte(`{"a":1}`), &m); err != nil || m["a"] != int32(1) {
		t.Errorf("UnmarshalExtJSON into M = %v, %v", m, err)
	}
	var nilRaw *Raw
	if err := UnmarshalExtJSON([]byte(`{}`), nilRaw); !errors.Is(err, ErrNilValue) {
		t.Errorf("into a nil *Raw: %v", err)
	}
	if err := UnmarshalExtJSON([]byte(`{}`), u); !errors.Is(err, ErrNilValue) {
		t.Errorf("into a non-pointer: %v", err)
	}
	// The Raw does not share the parser's buffer.
	var r1, r2 Raw
	_ = UnmarshalExtJSON([]byte(`{"a":"first"}`), &r1)
	_ = UnmarshalExtJSON([]byte(`{"a":"other"}`), &r2)
	if r1.Lookup("a").StringValue() != "first" {
		t.Errorf("first Raw changed to %s", r1)
	}
}

func TestExtJSONAllocs(t *testing.T) {
	// Under the race detector pools drop buffers, which then grow again.
	pooled := 0.0
	if raceEnabled {
		pooled = 8
	}
	doc := benchDocument()
	raw := Raw(mustMarshalD(t, doc))
	canonical, _ := MarshalExtJSON(raw, true)
	buf := make([]byte, 0, 4096)
	// A *Raw, unlike a Raw, goes into the interface without an allocation.
	if n := testing.AllocsPerRun(100, func() { buf, _ = MarshalExtJSONAppend(buf[:0], &raw, true) }); n != 0 {
		t.Errorf("MarshalExtJSONAppend from *Raw: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = MarshalExtJSON(&raw, false) }); n < 1 || n > 1+pooled {
		t.Errorf("MarshalExtJSON from *Raw: %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = raw.String() }); n < 1 || n > 1+pooled {
		t.Errorf("Raw.String: %v allocations, want 1", n)
	}
	var out Raw
	if n := testing.AllocsPerRun(100, func() { _ = UnmarshalExtJSON(canonical, &out) }); n < 1 || n > 1+pooled {
		t.Errorf("UnmarshalExtJSON into Raw: %v allocations, want 1", n)
	}
}

// benchDocument is a representative document: an id, strings, numbers of
// each kind, a date, a nested document, arrays and binary data.
func benchDocument() D {
	avatar := make([]byte, 64)
	for i := range avatar {
		avatar[i] = byte(i * 7)
	}
	return D{
		{"_id", ObjectID{0x57, 0xe1, 0x93, 0xd7, 0xa9, 0xcc, 0x81, 0xb4, 0x02, 0x74, 0x98, 0xb5}},
		{"name", "Ada Lovelace"},
		{"email", "ada@example.com"},
		{"age", int32(36)},
		{"visits", int64(1) << 40},
		{"balance", 1234.56},
		{"active", true},
		{"created", DateTime(1356351330501)},
		{"tags", A{"math", "poetry", "engines", "notes"}},
		{"address", D{{"street", "12 St James's Square"}, {"city", "London"}, {"zip", "SW1Y 4JH"}, {"geo", A{-0.1337, 51.5074}}}},
		{"scores", A{int32(98), int32(87), 91.5, int64(100), int32(77), 66.25, int32(88), int32(93)}},
		{"avatar", Binary{Subtype: BinaryGeneric, Data: avatar}},
		{"note", "line one\nline \"two\"\t✓ — café"},
		{"updated", Timestamp{T: 1700000000, I: 3}},
		{"parent", nil},
	}
}

func BenchmarkMarshalExtJSON(b *testing.B) {
	raw := Raw(mustMarshalD(b, benchDocument()))
	for _, bc := range []struct {
		name      string
		canonical bool
	}{{"canonical", true}, {"relaxed", false}} {
		b.Run(bc.name, func(b *testing.B) {
			out, _ := MarshalExtJSON(raw, bc.canonical)
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			buf := make([]byte, 0, 2*len(out))
			for b.Loop() {
				var err error
				if buf, err = MarshalExtJSONAppend(buf[:0], &raw, bc.canonical); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("D/relaxed", func(b *testing.B) {
		doc := benchDocument()
		out, _ := MarshalExtJSON(doc, false)
		b.SetBytes(int64(len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := MarshalExtJSON(doc, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUnmarshalExtJSON(b *testing.B) {
	raw := Raw(mustMarshalD(b, benchDocument()))
	for _, bc := range []struct {
		name      string
		canonical bool
	}{{"canonical", true}, {"relaxed", false}} {
		in, _ := MarshalExtJSON(raw, bc.canonical)
		b.Run(bc.name+"/Raw", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			var out Raw
			for b.Loop() {
				if err := UnmarshalExtJSON(in, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/D", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				var out D
				if err := UnmarshalExtJSON(in, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
