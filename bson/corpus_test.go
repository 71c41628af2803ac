package bson

import (
	"github.com/motor-go/motor/internal/spectest"

	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// This file runs the BSON corpus of the specifications
// (bson-corpus/*.json) as its test plan describes, for a codec with a native
// representation (D) and for the direct BSON <-> Extended JSON conversions.

type corpusFile struct {
	Description  string        `json:"description"`
	BSONType     string        `json:"bson_type"`
	TestKey      string        `json:"test_key"`
	Deprecated   bool          `json:"deprecated"`
	Valid        []corpusValid `json:"valid"`
	DecodeErrors []struct {
		Description string `json:"description"`
		BSON        string `json:"bson"`
	} `json:"decodeErrors"`
	ParseErrors []struct {
		Description string `json:"description"`
		String      string `json:"string"`
	} `json:"parseErrors"`
}

type corpusValid struct {
	Description       string  `json:"description"`
	CanonicalBSON     string  `json:"canonical_bson"`
	CanonicalExtJSON  string  `json:"canonical_extjson"`
	RelaxedExtJSON    *string `json:"relaxed_extjson"`
	DegenerateBSON    string  `json:"degenerate_bson"`
	DegenerateExtJSON *string `json:"degenerate_extjson"`
	ConvertedBSON     string  `json:"converted_bson"`
	ConvertedExtJSON  *string `json:"converted_extjson"`
	Lossy             bool    `json:"lossy"`
}

// loadCorpus returns the corpus files by name, sorted by name.
func loadCorpus(tb testing.TB) ([]string, map[string]corpusFile) {
	tb.Helper()
	dir := spectest.Dir(tb, "bson-corpus")
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no corpus files in %s: %v", dir, err)
	}
	sort.Strings(paths)
	files := make(map[string]corpusFile, len(paths))
	names := make([]string, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var f corpusFile
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		name := filepath.Base(p)
		names = append(names, name)
		files[name] = f
	}
	return names, files
}

func TestBSONCorpus(t *testing.T) {
	names, files := loadCorpus(t)
	totalPass, totalFail := 0, 0
	var summary []string
	for _, name := range names {
		f := files[name]
		pass, fail := 0, 0
		count := func(ok bool) {
			if ok {
				pass++
			} else {
				fail++
			}
		}
		for _, c := range f.Valid {
			count(t.Run(name+"/"+c.Description, func(t *testing.T) { runValid(t, c) }))
		}
		for _, c := range f.DecodeErrors {
			count(t.Run(name+"/"+c.Description, func(t *testing.T) { runDecodeError(t, c.BSON) }))
		}
		for _, c := range f.ParseErrors {
			count(t.Run(name+"/"+c.Description, func(t *testing.T) { runParseError(t, f.BSONType, c.String) }))
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
	t.Logf("BSON corpus: %d files, %d passed, %d failed, 0 skipped", len(names), totalPass, totalFail)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func runValid(t *testing.T, c corpusValid) {
	cB := mustHex(t, c.CanonicalBSON)
	cEJ := c.CanonicalExtJSON

	// cB: native_to_bson(bson_to_native(cB)) = cB, and its Extended JSON,
	// both from the native value and straight from the bytes.
	var native D
	if err := Unmarshal(cB, &native); err != nil {
		t.Fatalf("Unmarshal(cB): %v", err)
	}
	checkBSON(t, "native_to_bson(bson_to_native(cB))", mustMarshalD(t, native), cB)
	checkExtJSON(t, "native_to_canonical_extjson(bson_to_native(cB))", native, true, cEJ)
	checkExtJSON(t, "bson_to_canonical_extjson(cB)", Raw(cB), true, cEJ)
	if c.RelaxedExtJSON != nil {
		checkExtJSON(t, "native_to_relaxed_extjson(bson_to_native(cB))", native, false, *c.RelaxedExtJSON)
		checkExtJSON(t, "bson_to_relaxed_extjson(cB)", Raw(cB), false, *c.RelaxedExtJSON)
	}

	// cEJ: json_to_bson(cEJ) = cB unless lossy, and back to cEJ.
	checkJSONInput(t, "cEJ", cEJ, cB, c.Lossy, true, cEJ)

	// dB: it decodes, and encodes as cB; written as Extended JSON it is cEJ.
	if c.DegenerateBSON != "" {
		dB := mustHex(t, c.DegenerateBSON)
		var d D
		if err := Unmarshal(dB, &d); err != nil {
			t.Fatalf("Unmarshal(dB): %v", err)
		}
		checkBSON(t, "native_to_bson(bson_to_native(dB))", mustMarshalD(t, d), cB)
		checkExtJSON(t, "bson_to_canonical_extjson(dB)", Raw(dB), true, cEJ)
		if c.RelaxedExtJSON != nil {
			checkExtJSON(t, "bson_to_relaxed_extjson(dB)", Raw(dB), false, *c.RelaxedExtJSON)
		}
	}

	// dEJ: json_to_bson(dEJ) = cB unless lossy, and it writes as cEJ.
	if c.DegenerateExtJSON != nil {
		checkJSONInput(t, "dEJ", *c.DegenerateExtJSON, cB, c.Lossy, true, cEJ)
	}

	// rEJ: it round-trips to itself through BSON and through D.
	if c.RelaxedExtJSON != nil {
		checkJSONInput(t, "rEJ", *c.RelaxedExtJSON, nil, true, false, *c.RelaxedExtJSON)
	}

	// Deprecated types: the converted forms (symbol to string, DBPointer to
	// a DBRef document, undefined to null).
	if c.ConvertedBSON != "" {
		convB := mustHex(t, c.ConvertedBSON)
		conv := convertDeprecated(native).(D)
		checkBSON(t, "native_to_bson(convert(bson_to_native(cB)))", mustMarshalD(t, conv), convB)
		if c.ConvertedExtJSON != nil {
			checkExtJSON(t, "bson_to_canonical_extjson(convertedB)", Raw(convB), true, *c.ConvertedExtJSON)
			checkJSONInput(t, "converted_extjson", *c.ConvertedExtJSON, convB, false, true, *c.ConvertedExtJSON)
		}
	}
}

// checkJSONInput parses the Extended JSON in, both to Raw and to D. Unless
// lossy, both must encode to wantB. Both must write back as wantEJ in the
// given mode.
func checkJSONInput(t *testing.T, what, in string, wantB []byte, lossy, canonical bool, wantEJ string) {
	t.Helper()
	var raw Raw
	if err := UnmarshalExtJSON([]byte(in), &raw); err != nil {
		t.Errorf("json_to_bson(%s): %v\n  input: %s", what, err, in)
		return
	}
	if err := raw.Validate(); err != nil {
		t.Errorf("json_to_bson(%s) is not valid BSON: %v\n  %X", what, err, []byte(raw))
	}
	var native D
	if err := UnmarshalExtJSON([]byte(in), &native); err != nil {
		t.Errorf("json_to_native(%s): %v", what, err)
		return
	}
	if !lossy {
		checkBSON(t, "json_to_bson("+what+")", raw, wantB)
		checkBSON(t, "native_to_bson(json_to_native("+what+"))", mustMarshalD(t, native), wantB)
	}
	mode := "canonical"
	if !canonical {
		mode = "relaxed"
	}
	checkExtJSON(t, "bson_to_"+mode+"_extjson(json_to_bson("+what+"))", raw, canonical, wantEJ)
	checkExtJSON(t, "native_to_"+mode+"_extjson(json_to_native("+what+"))", native, canonical, wantEJ)
}

func mustMarshalD(t testing.TB, d D) []byte {
	t.Helper()
	b, err := Marshal(d)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", d, err)
	}
	return b
}

func checkBSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n  got  %X\n  want %X", what, got, want)
	}
}

// checkExtJSON writes v as Extended JSON and compares it with want, after
// normalizing both (whitespace and escapes; key order and number literals
// count). It also checks the output is compact: no space outside strings.
func checkExtJSON(t *testing.T, what string, v any, canonical bool, want string) {
	t.Helper()
	got, err := MarshalExtJSON(v, canonical)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	g, err := normalizeJSON(got)
	if err != nil {
		t.Errorf("%s: output is not JSON: %v\n  %s", what, err, got)
		return
	}
	w, err := normalizeJSON([]byte(want))
	if err != nil {
		t.Fatalf("corpus JSON %s: %v", want, err)
	}
	if g != w {
		t.Errorf("%s:\n  got  %s\n  want %s", what, got, want)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err == nil && !bytes.Equal(compact.Bytes(), got) {
		t.Errorf("%s: output is not compact: %s", what, got)
	}
}

// normalizeJSON returns the JSON tokens of data, with strings decoded and
// numbers as written, one per line.
func normalizeJSON(data []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var sb strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		switch x := tok.(type) {
		case json.Delim:
			sb.WriteString(x.String())
		case string:
			sb.WriteString("s" + strconv.Quote(x))
		case json.Number:
			sb.WriteString("n" + string(x))
		case bool:
			sb.WriteString(strconv.FormatBool(x))
		case nil:
			sb.WriteString("null")
		}
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}

// convertDeprecated returns v with the deprecated types converted as the
// corpus does: a symbol to a string, a DBPointer to a DBRef document, and
// undefined to null.
func convertDeprecated(v any) any {
	switch x := v.(type) {
	case D:
		out := make(D, len(x))
		for i, e := range x {
			out[i] = E{Key: e.Key, Value: convertDeprecated(e.Value)}
		}
		return out
	case A:
		out := make(A, len(x))
		for i, e := range x {
			out[i] = convertDeprecated(e)
		}
		return out
	case Symbol:
		return string(x)
	case DBPointer:
		return D{{Key: "$ref", Value: x.DB}, {Key: "$id", Value: x.Pointer}}
	case Undefined:
		return nil
	}
	return v
}

func runDecodeError(t *testing.T, h string) {
	b := mustHex(t, h)
	var de *DecodeError
	var d D
	if err := Unmarshal(b, &d); !errors.As(err, &de) {
		t.Errorf("Unmarshal into D: got %v (%T), want a *DecodeError", err, err)
	}
	if err := Raw(b).Validate(); !errors.As(err, &de) {
		t.Errorf("Raw.Validate: got %v (%T), want a *DecodeError", err, err)
	}
	for _, canonical := range []bool{true, false} {
		if out, err := MarshalExtJSON(Raw(b), canonical); !errors.As(err, &de) {
			t.Errorf("MarshalExtJSON(canonical=%v): got %v (%T), want a *DecodeError; output %s", canonical, err, err, out)
		}
	}
	if s := Raw(b).String(); !strings.HasPrefix(s, "<malformed: ") {
		t.Errorf("Raw.String: got %s, want <malformed: ...>", s)
	}
}

func runParseError(t *testing.T, bsonType, s string) {
	if bsonType == "0x13" {
		if d, err := ParseDecimal128(s); err == nil {
			t.Errorf("ParseDecimal128(%q) = %v, want an error", s, d)
		}
		// The same string in a $numberDecimal wrapper fails to parse too.
		q, _ := json.Marshal(s)
		doc := `{"d":{"$numberDecimal":` + string(q) + `}}`
		var raw Raw
		if err := UnmarshalExtJSON([]byte(doc), &raw); err == nil {
			t.Errorf("UnmarshalExtJSON(%s) = %X, want an error", doc, []byte(raw))
		}
		return
	}
	if !json.Valid([]byte(s)) {
		t.Errorf("corpus input is not even JSON: %s", s)
	}
	var raw Raw
	err := UnmarshalExtJSON([]byte(s), &raw)
	var pe *ExtJSONError
	if !errors.As(err, &pe) {
		t.Errorf("UnmarshalExtJSON(%s): got %v (%X), want an *ExtJSONError", s, err, []byte(raw))
		return
	}
	if pe.Offset < 0 || pe.Offset > len(s) {
		t.Errorf("error offset %d out of the input (length %d)", pe.Offset, len(s))
	}
}
