package bson

import (
	"github.com/motor-go/motor/internal/spectest"

	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestParseDecimal128Bits(t *testing.T) {
	tests := []struct {
		in     string
		hi, lo uint64
	}{
		{"0", 0x3040000000000000, 0},
		{"-0", 0xB040000000000000, 0},
		{"+0", 0x3040000000000000, 0},
		{"1", 0x3040000000000000, 1},
		{"-1.5", 0xB03E000000000000, 15},
		{"0.0", 0x303E000000000000, 0},
		{"Infinity", 0x7800000000000000, 0},
		{"+inf", 0x7800000000000000, 0},
		{"-INFINITY", 0xF800000000000000, 0},
		{"-Inf", 0xF800000000000000, 0},
		{"NaN", 0x7C00000000000000, 0},
		{"nan", 0x7C00000000000000, 0},
		{"-NaN", 0xFC00000000000000, 0},
		{"+nAn", 0x7C00000000000000, 0},
		{"1E-6176", 0, 1},
		{"10E-6177", 0, 1},
		{"-1E-6176", 0x8000000000000000, 1},
		{"9999999999999999999999999999999999", 0x3041ED09BEAD87C0, 0x378D8E63FFFFFFFF},
		{"9.999999999999999999999999999999999E+6144", 0x5FFFED09BEAD87C0, 0x378D8E63FFFFFFFF},
		{"1E+6144", 0x5FFE314DC6448D93, 0x38C15B0A00000000}, // clamped: 10^33 × 10^6111
		{"1E+6111", 0x5FFE000000000000, 1},
		{"1E+6112", 0x5FFE000000000000, 10},
		{"0E+6112", 0x5FFE000000000000, 0},
		{"0E+99999999999999999999999999", 0x5FFE000000000000, 0},
		{"-0E-99999999999999999999999999", 0x8000000000000000, 0},
		{"18446744073709551616", 0x3040000000000001, 0}, // 2^64
		{"18446744073709551615", 0x3040000000000000, math.MaxUint64},
	}
	for _, tt := range tests {
		d, err := ParseDecimal128(tt.in)
		if err != nil {
			t.Errorf("ParseDecimal128(%q): %v", tt.in, err)
			continue
		}
		if hi, lo := d.GetBytes(); hi != tt.hi || lo != tt.lo {
			t.Errorf("ParseDecimal128(%q) = %#016x %#016x, want %#016x %#016x", tt.in, hi, lo, tt.hi, tt.lo)
		}
	}
}

func TestParseDecimal128Value(t *testing.T) {
	// Inputs and the string of the parsed value: the representation is kept
	// except where the format forces an exact change.
	tests := []struct{ in, want string }{
		{"2.000", "2.000"},
		{"2.0", "2.0"},
		{"017.", "17"},
		{".5", "0.5"},
		{"-.0", "-0.0"},
		{"4E+9", "4E+9"},
		{"0.73e-7", "7.3E-8"},
		{"+0.003", "0.003"},
		{"12.70", "12.70"},
		{"0.000001", "0.000001"},
		{"0.0000001", "1E-7"},
		{"123e-2", "1.23"},
		{"123E+0", "123"},
		{"00000000000000000000000000000000000000000000000000001", "1"},
		{"0.00000000000000000000000000000000000000000000000000000", "0E-53"},
		{"1" + strings.Repeat("0", 40), "1.000000000000000000000000000000000E+40"},
		{"1" + strings.Repeat("0", 40) + "E-6214", "1.00E-6174"},
		{"1.0000000000000000000000000000000000000", "1.000000000000000000000000000000000"},
		{"123456789012345678901234567890123400000E-6181", "1.234567890123456789012345678901234E-6143"},
		{"1E+6120", "1.000000000E+6120"},
		{"0E-8000", "0E-6176"},
		{"-0E+8000", "-0E+6111"},
		{"10000000000000000000", "10000000000000000000"},
		{"99999999999999999999999999999999990", "9.999999999999999999999999999999999E+34"},
	}
	for _, tt := range tests {
		d, err := ParseDecimal128(tt.in)
		if err != nil {
			t.Errorf("ParseDecimal128(%q): %v", tt.in, err)
			continue
		}
		if got := d.String(); got != tt.want {
			t.Errorf("ParseDecimal128(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDecimal128Errors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "invalid syntax"},
		{"+", "invalid syntax"},
		{"-", "invalid syntax"},
		{".", "invalid syntax"},
		{"-.", "invalid syntax"},
		{"1e", "invalid syntax"},
		{"1e+", "invalid syntax"},
		{"e1", "invalid syntax"},
		{"1.2.3", "invalid syntax"},
		{" 1", "invalid syntax"},
		{"1 ", "invalid syntax"},
		{"1_000", "invalid syntax"},
		{"0x10", "invalid syntax"},
		{"NaN1", "invalid syntax"},
		{"sNaN", "invalid syntax"},
		{"Infinit", "invalid syntax"},
		{"Infinityy", "invalid syntax"},
		{"Inf0", "invalid syntax"},
		{"++1", "invalid syntax"},
		{"\u0661", "invalid syntax"}, // ARABIC-INDIC DIGIT ONE
		{"1\x00", "invalid syntax"},
		{"ınf", "invalid syntax"}, // dotless i does not fold to i here
		{"99999999999999999999999999999999999", "inexact"},
		{"1.0000000000000000000000000000000001", "inexact"},
		{"1" + strings.Repeat("0", 100) + "1", "inexact"},
		{"1E+6145", "overflow"},
		{"-10E+6144", "overflow"},
		{"1234567890123456789012345678901234E+6112", "overflow"},
		{"7e99999999999999999999999", "overflow"},
		{"1E-6177", "underflow"},
		{"15E-6177", "underflow"},
		{"1E-99999999999999999999999", "underflow"},
	}
	for _, tt := range tests {
		d, err := ParseDecimal128(tt.in)
		if err == nil {
			t.Errorf("ParseDecimal128(%q) = %v, want error", tt.in, d)
			continue
		}
		quoted := strconv.Quote(tt.in)
		if len(tt.in) > 64 {
			quoted = strconv.Quote(tt.in[:64] + "...")
		}
		if msg := err.Error(); !strings.Contains(msg, tt.reason) || !strings.Contains(msg, quoted) {
			t.Errorf("ParseDecimal128(%q) error %q, want the reason %q and the input", tt.in, msg, tt.reason)
		}
		if d != (Decimal128{}) {
			t.Errorf("ParseDecimal128(%q) returned %v with its error, want the zero value", tt.in, d)
		}
	}

	long := strings.Repeat("1", 1000) + "x"
	_, err := ParseDecimal128(long)
	if err == nil || len(err.Error()) > 200 || !strings.Contains(err.Error(), strings.Repeat("1", 64)+"...") {
		t.Errorf("ParseDecimal128(long input) error %v, want one that quotes the start of the input", err)
	}
}

func TestDecimal128String(t *testing.T) {
	tests := []struct {
		hi, lo uint64
		want   string
	}{
		{0x3040000000000000, 0, "0"},
		{0, 0, "0E-6176"}, // the zero value
		{0xB040000000000000, 0, "-0"},
		{0x3040000000000000, 1, "1"},
		{0x3040000000000000, 10_000_000_000_000_000_000, "10000000000000000000"},
		{0x3040000000000001, 0, "18446744073709551616"},
		{0x303E000000000000, 5, "0.5"},
		{0x302E000000000000, 1234, "0.000001234"}, // adjusted exponent -6: plain
		{0x302C000000000000, 1234, "1.234E-7"},    // adjusted exponent -7: scientific
		{0x3042000000000000, 1, "1E+1"},
		{0x3042000000000000, 0, "0E+1"},
		{0x3046000000000000, 123, "1.23E+5"},
		{0xB03A000000000000, 1000, "-1.000"},
		{0x303A000000000000, 1, "0.001"},
		{0x3020000000000000, 12345, "1.2345E-12"},
		{0, 1, "1E-6176"},
		{0x5FFFED09BEAD87C0, 0x378D8E63FFFFFFFF, "9.999999999999999999999999999999999E+6144"},
		{0x3041ED09BEAD87C0, 0x378D8E63FFFFFFFF, "9999999999999999999999999999999999"},
		{0x0001ED09BEAD87C0, 0x378D8E63FFFFFFFF, "9.999999999999999999999999999999999E-6143"},
		{0x8000000000000000, 0x1E240, "-1.23456E-6171"},
		// Specials: every NaN prints as NaN; infinity ignores the low bits.
		{0x7C00000000000000, 0, "NaN"},
		{0xFC00000000000000, 0, "NaN"},
		{0x7E00000000000000, 0, "NaN"},
		{0xFE00000000000000, 0, "NaN"},
		{0x7E00000000000000, 0x12, "NaN"},
		{0x7800000000000000, 0, "Infinity"},
		{0xF800000000000000, 0, "-Infinity"},
		{0x7A00000000000000, 0xFF, "Infinity"},
		// Non-canonical coefficients are zero.
		{0x3041ED09BEAD87C0, 0x378D8E6400000000, "0"},    // 10^34
		{0x3041FFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, "0"},    // 2^113-1
		{0x6C10000000000000, 0, "0"},                     // 11 form, exponent 0
		{0xEC10000000000000, 0, "-0"},                    // 11 form, negative
		{0x6C11FFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, "0E+3"}, // 11 form, exponent 3
		{0x6000000000000000, 0, "0E-6176"},               // 11 form, smallest exponent
		{0x77FFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, "0E+6111"},
	}
	for _, tt := range tests {
		d := NewDecimal128(tt.hi, tt.lo)
		if got := d.String(); got != tt.want {
			t.Errorf("NewDecimal128(%#x, %#x).String() = %q, want %q", tt.hi, tt.lo, got, tt.want)
		}
		if got := string(appendDecimal128([]byte("x="), d)); got != "x="+tt.want {
			t.Errorf("appendDecimal128(x=, %#x %#x) = %q, want %q", tt.hi, tt.lo, got, "x="+tt.want)
		}
		if hi, lo := d.GetBytes(); hi != tt.hi || lo != tt.lo {
			t.Errorf("GetBytes() = %#x %#x, want %#x %#x", hi, lo, tt.hi, tt.lo)
		}
	}
}

func TestDecimal128Predicates(t *testing.T) {
	tests := []struct {
		hi, lo uint64
		nan    bool
		inf    int
		zero   bool
	}{
		{0x3040000000000000, 0, false, 0, true},
		{0xB040000000000000, 0, false, 0, true},
		{0, 0, false, 0, true},
		{0x3040000000000000, 1, false, 0, false},
		{0x6C10000000000000, 0, false, 0, true},
		{0x3041ED09BEAD87C0, 0x378D8E6400000000, false, 0, true},
		{0x7C00000000000000, 0, true, 0, false},
		{0xFE00000000000000, 5, true, 0, false},
		{0x7800000000000000, 0, false, 1, false},
		{0xF800000000000000, 0, false, -1, false},
	}
	for _, tt := range tests {
		d := NewDecimal128(tt.hi, tt.lo)
		if d.IsNaN() != tt.nan || d.IsInf() != tt.inf || d.IsZero() != tt.zero {
			t.Errorf("%#x %#x: IsNaN %v IsInf %d IsZero %v, want %v %d %v",
				tt.hi, tt.lo, d.IsNaN(), d.IsInf(), d.IsZero(), tt.nan, tt.inf, tt.zero)
		}
	}
}

func TestDecimal128BigInt(t *testing.T) {
	tests := []struct {
		in    string
		coeff string
		exp   int
	}{
		{"0", "0", 0},
		{"-0.00", "0", -2},
		{"-12.50", "-1250", -2},
		{"1E+6144", "1" + strings.Repeat("0", 33), 6111},
		{"9999999999999999999999999999999999E-6176", strings.Repeat("9", 34), -6176},
	}
	for _, tt := range tests {
		d := decMustParse(t, tt.in)
		bi, exp, err := d.BigInt()
		if err != nil || bi.String() != tt.coeff || exp != tt.exp {
			t.Errorf("ParseDecimal128(%q).BigInt() = %v, %d, %v; want %s, %d", tt.in, bi, exp, err, tt.coeff, tt.exp)
		}
	}
	for _, s := range []string{"NaN", "Infinity", "-Infinity"} {
		if bi, _, err := decMustParse(t, s).BigInt(); err == nil || bi != nil {
			t.Errorf("%s.BigInt() = %v, %v; want an error", s, bi, err)
		}
	}
	if bi, exp, err := NewDecimal128(0x6C11FFFFFFFFFFFF, 0).BigInt(); err != nil || bi.Sign() != 0 || exp != 3 {
		t.Errorf("non-canonical BigInt() = %v, %d, %v; want 0, 3", bi, exp, err)
	}
}

func TestParseDecimal128FromBigInt(t *testing.T) {
	pow10 := func(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }
	tests := []struct {
		bi   *big.Int
		exp  int
		want string // "" for not ok
	}{
		{big.NewInt(0), 0, "0"},
		{big.NewInt(0), math.MaxInt32, "0E+6111"},
		{big.NewInt(0), math.MinInt32, "0E-6176"},
		{big.NewInt(-5), -1, "-0.5"},
		{big.NewInt(1250), -2, "12.50"},
		{pow10(40), 0, "1.000000000000000000000000000000000E+40"},
		{new(big.Int).Add(pow10(40), big.NewInt(1)), 0, ""},
		{new(big.Int).Neg(pow10(34)), 0, "-1.000000000000000000000000000000000E+34"},
		{new(big.Int).Sub(pow10(34), big.NewInt(1)), 0, strings.Repeat("9", 34)},
		{big.NewInt(1), 6112, "1.0E+6112"},
		{big.NewInt(1), 6144, "1.000000000000000000000000000000000E+6144"},
		{big.NewInt(1), 6145, ""},
		{pow10(34), 6111, ""},
		{big.NewInt(10), -6177, "1E-6176"},
		{big.NewInt(1), -6177, ""},
		{pow10(5000), -5000, "1.000000000000000000000000000000000"},
		{pow10(100000), 0, ""},
		{pow10(100), math.MaxInt32, ""},
		{nil, 0, ""},
	}
	for i, tt := range tests {
		var before string
		if tt.bi != nil {
			before = tt.bi.String()
		}
		d, ok := ParseDecimal128FromBigInt(tt.bi, tt.exp)
		if tt.want == "" {
			if ok {
				t.Errorf("%d: ParseDecimal128FromBigInt(%.20v…, %d) = %v, want not ok", i, tt.bi, tt.exp, d)
			}
		} else if !ok || d.String() != tt.want {
			t.Errorf("%d: ParseDecimal128FromBigInt(%.20v…, %d) = %v, %v; want %s", i, tt.bi, tt.exp, d, ok, tt.want)
		}
		if tt.bi != nil && tt.bi.String() != before {
			t.Errorf("%d: ParseDecimal128FromBigInt modified its argument", i)
		}
	}
}

func TestDecimal128Text(t *testing.T) {
	type doc struct {
		D Decimal128
		P *Decimal128
	}
	in := doc{D: decMustParse(t, "-1.50E+3"), P: new(Decimal128)}
	*in.P = decMustParse(t, "NaN")
	b, err := json.Marshal(in)
	if err != nil || string(b) != `{"D":"-1.50E+3","P":"NaN"}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out.D != in.D || out.P == nil || !out.P.IsNaN() {
		t.Fatalf("json.Unmarshal(%s) = %+v, %v", b, out, err)
	}

	d := decMustParse(t, "7")
	if err := d.UnmarshalText([]byte("7.x")); err == nil || !strings.Contains(err.Error(), `"7.x"`) {
		t.Errorf("UnmarshalText(7.x) error = %v", err)
	}
	if d.String() != "7" {
		t.Errorf("failed UnmarshalText changed the value to %v", d)
	}
}

func TestDecimal128Allocs(t *testing.T) {
	d := decMustParse(t, "-1.234567890123456789012345678901234E-6000")
	buf := make([]byte, 0, 64)
	var s string
	if n := testing.AllocsPerRun(100, func() { s = d.String() }); n > 1 {
		t.Errorf("String allocates %v times, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf = appendDecimal128(buf[:0], d) }); n != 0 {
		t.Errorf("appendDecimal128 allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { d, _ = ParseDecimal128(s) }); n != 0 {
		t.Errorf("ParseDecimal128 allocates %v times, want 0", n)
	}
}

// decCorpusFile is one file of the BSON corpus.
type decCorpusFile struct {
	Description string `json:"description"`
	BSONType    string `json:"bson_type"`
	TestKey     string `json:"test_key"`
	Valid       []struct {
		Description       string `json:"description"`
		CanonicalBSON     string `json:"canonical_bson"`
		CanonicalExtJSON  string `json:"canonical_extjson"`
		RelaxedExtJSON    string `json:"relaxed_extjson"`
		DegenerateBSON    string `json:"degenerate_bson"`
		DegenerateExtJSON string `json:"degenerate_extjson"`
		Lossy             bool   `json:"lossy"`
	} `json:"valid"`
	ParseErrors []struct {
		Description string `json:"description"`
		String      string `json:"string"`
	} `json:"parseErrors"`
}

// decCorpus loads every decimal128-*.json file of the BSON corpus, failing
// the test when there are none.
func decCorpus(tb testing.TB) map[string]decCorpusFile {
	dir := spectest.Dir(tb, "bson-corpus")
	names, err := filepath.Glob(filepath.Join(dir, "decimal128-*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(names) == 0 {
		tb.Fatalf("no decimal128-*.json files in %s", dir)
	}
	files := make(map[string]decCorpusFile)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		var f decCorpusFile
		if err := json.Unmarshal(b, &f); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if f.BSONType != "0x13" || f.TestKey != "d" {
			tb.Fatalf("%s: bson_type %q, test_key %q; want 0x13, d", name, f.BSONType, f.TestKey)
		}
		files[filepath.Base(name)] = f
	}
	return files
}

// decFromCorpusBSON decodes a corpus document {"d": <decimal128>} given in hex.
func decFromCorpusBSON(tb testing.TB, h string) Decimal128 {
	tb.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", h, err)
	}
	if len(b) != 24 || binary.LittleEndian.Uint32(b) != 24 || b[4] != 0x13 || string(b[5:7]) != "d\x00" || b[23] != 0 {
		tb.Fatalf("%s is not a document {d: decimal128}", h)
	}
	return NewDecimal128(binary.LittleEndian.Uint64(b[15:23]), binary.LittleEndian.Uint64(b[7:15]))
}

// decFromCorpusJSON returns the $numberDecimal string of an Extended JSON
// document {"d": {"$numberDecimal": "..."}}.
func decFromCorpusJSON(tb testing.TB, ej string) string {
	tb.Helper()
	var doc struct {
		D struct {
			N *string `json:"$numberDecimal"`
		} `json:"d"`
	}
	if err := json.Unmarshal([]byte(ej), &doc); err != nil || doc.D.N == nil {
		tb.Fatalf("%s is not a document {d: {$numberDecimal: string}} (%v)", ej, err)
	}
	return *doc.D.N
}

func TestDecimal128Corpus(t *testing.T) {
	files := decCorpus(t)
	var valid, parseErrors int
	for name, f := range files {
		for _, c := range f.Valid {
			t.Run(name+"/"+c.Description, func(t *testing.T) {
				want := decFromCorpusBSON(t, c.CanonicalBSON)
				cs := decFromCorpusJSON(t, c.CanonicalExtJSON)

				// cB -> native -> cEJ and cB.
				if got := want.String(); got != cs {
					t.Errorf("String() = %q, want %q", got, cs)
				}
				if text, _ := want.MarshalText(); string(text) != cs {
					t.Errorf("MarshalText() = %q, want %q", text, cs)
				}
				if hi, lo := want.GetBytes(); NewDecimal128(hi, lo) != want {
					t.Errorf("GetBytes/NewDecimal128 do not round-trip")
				}

				// cEJ -> native -> cB (unless lossy) and cEJ.
				decCheckParse(t, cs, cs, want, c.Lossy)
				if c.DegenerateExtJSON != "" {
					decCheckParse(t, decFromCorpusJSON(t, c.DegenerateExtJSON), cs, want, c.Lossy)
				}
				if c.RelaxedExtJSON != "" {
					rs := decFromCorpusJSON(t, c.RelaxedExtJSON)
					decCheckParse(t, rs, rs, want, true)
				}
				if c.DegenerateBSON != "" {
					if got := decFromCorpusBSON(t, c.DegenerateBSON).String(); got != cs {
						t.Errorf("degenerate BSON String() = %q, want %q", got, cs)
					}
				}

				// The big.Int form round-trips too, except for what it
				// cannot hold: the sign of -0 and non-canonical encodings.
				if bi, exp, err := want.BigInt(); err == nil && !c.Lossy && !(want.IsZero() && strings.HasPrefix(cs, "-")) {
					if got, ok := ParseDecimal128FromBigInt(bi, exp); !ok || got != want {
						t.Errorf("ParseDecimal128FromBigInt(%v, %d) = %v, %v; want %v", bi, exp, got, ok, cs)
					}
				}
				if !t.Failed() {
					valid++
				}
			})
		}
		for _, c := range f.ParseErrors {
			t.Run(name+"/parseError/"+c.Description, func(t *testing.T) {
				if d, err := ParseDecimal128(c.String); err == nil {
					t.Errorf("ParseDecimal128(%q) = %v, want an error", c.String, d)
				} else {
					parseErrors++
				}
			})
		}
	}
	t.Logf("%d files: %d valid cases and %d parse errors passed", len(files), valid, parseErrors)
}

// decCheckParse checks that s parses, to want's bytes unless lossy, and
// that the result prints as str.
func decCheckParse(t *testing.T, s, str string, want Decimal128, lossy bool) {
	t.Helper()
	got, err := ParseDecimal128(s)
	if err != nil {
		t.Errorf("ParseDecimal128(%q): %v", s, err)
		return
	}
	if !lossy && got != want {
		gh, gl := got.GetBytes()
		wh, wl := want.GetBytes()
		t.Errorf("ParseDecimal128(%q) = %016X%016X, want %016X%016X", s, gh, gl, wh, wl)
	}
	if got.String() != str {
		t.Errorf("ParseDecimal128(%q).String() = %q, want %q", s, got.String(), str)
	}
}

func decMustParse(tb testing.TB, s string) Decimal128 {
	tb.Helper()
	d, err := ParseDecimal128(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// decSyntax is the grammar of numeric strings in the BSON Decimal128
// specification, as an independent check of the parser.
var decSyntax = regexp.MustCompile(`^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))$`)

// decReference works out, with string arithmetic alone, the value of a
// finite numeric string: its sign, its significant digits without leading or
// trailing zeros ("" for zero), the exponent that goes with them, the
// exponent as written (natural), and whether the exponents are exact (false
// when the written exponent does not fit an int64).
func decReference(s string) (neg bool, sig string, exp, natural int64, exact bool) {
	neg = strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	mant, ex, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	exact = true
	if hasExp {
		var err error
		if natural, err = strconv.ParseInt(ex, 10, 64); err != nil || natural > 1<<50 || natural < -1<<50 {
			exact = false
		}
	}
	natural -= int64(len(frac))
	sig = strings.TrimLeft(intPart+frac, "0")
	trimmed := strings.TrimRight(sig, "0")
	exp = natural + int64(len(sig)-len(trimmed))
	return neg, trimmed, exp, natural, exact
}

// decSeeds returns every string in the corpus, for the fuzz targets.
func decSeeds(tb testing.TB) []string {
	var seeds []string
	for _, f := range decCorpus(tb) {
		for _, c := range f.Valid {
			for _, ej := range []string{c.CanonicalExtJSON, c.RelaxedExtJSON, c.DegenerateExtJSON} {
				if ej != "" {
					seeds = append(seeds, decFromCorpusJSON(tb, ej))
				}
			}
		}
		for _, c := range f.ParseErrors {
			seeds = append(seeds, c.String)
		}
	}
	return seeds
}

func FuzzParseDecimal128(f *testing.F) {
	for _, s := range decSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal128(s)
		syntaxOK := decSyntax.MatchString(s)
		if err != nil {
			if !strings.Contains(err.Error(), "Decimal128") {
				t.Fatalf("ParseDecimal128(%q) error %q does not say what failed", s, err)
			}
			if !syntaxOK {
				return
			}
			// The syntax is right, so the value must be unrepresentable.
			_, sig, exp, _, exact := decReference(s)
			if sig == "" || exact && len(sig) <= 34 && exp >= decMinExp && exp+int64(len(sig)) <= decMaxExp+34 {
				t.Fatalf("ParseDecimal128(%q) = %v, but the value is representable", s, err)
			}
			return
		}
		if !syntaxOK {
			t.Fatalf("ParseDecimal128(%q) accepted a string outside the grammar", s)
		}

		// String reparses to the same value and prints the same again.
		str := d.String()
		d2, err := ParseDecimal128(str)
		if err != nil {
			t.Fatalf("ParseDecimal128(%q).String() = %q does not parse: %v", s, str, err)
		}
		if d.IsNaN() != d2.IsNaN() || !d.IsNaN() && d2 != d {
			t.Fatalf("ParseDecimal128(%q) = %v (%#v), but its string parses to %#v", s, str, d, d2)
		}
		if str2 := d2.String(); str2 != str {
			t.Fatalf("String not stable: %q then %q", str, str2)
		}
		if d.IsNaN() || d.IsInf() != 0 {
			return
		}

		// The value, sign and (where it fits) exponent agree with a
		// reference worked out on the digits.
		neg, sig, exp, natural, exact := decReference(s)
		hi, _ := d.GetBytes()
		if (hi>>63 == 1) != neg {
			t.Fatalf("ParseDecimal128(%q) = %v has the wrong sign", s, str)
		}
		bi, dexp, err := d.BigInt()
		if err != nil {
			t.Fatal(err)
		}
		coeff := strings.TrimLeft(bi.String(), "-")
		dsig := strings.TrimRight(coeff, "0")
		if dsig != sig {
			t.Fatalf("ParseDecimal128(%q) = %v: significant digits %q, want %q", s, str, dsig, sig)
		}
		if sig == "" {
			if exact && int64(dexp) != max(decMinExp, min(natural, decMaxExp)) {
				t.Fatalf("ParseDecimal128(%q) = %v: zero exponent %d, want %d clamped", s, str, dexp, natural)
			}
			return
		}
		if !exact || int64(dexp)+int64(len(coeff)-len(dsig)) != exp {
			t.Fatalf("ParseDecimal128(%q) = %v: wrong magnitude", s, str)
		}
		if mant := strings.TrimLeft(strings.Split(strings.ToLower(strings.TrimLeft(s, "+-")), "e")[0], "0."); len(strings.ReplaceAll(mant, ".", "")) <= 34 && natural >= decMinExp && natural <= decMaxExp && int64(dexp) != natural {
			t.Fatalf("ParseDecimal128(%q) = %v: exponent %d, want the exponent as written, %d", s, str, dexp, natural)
		}
	})
}

func FuzzDecimal128String(f *testing.F) {
	for _, s := range decSeeds(f) {
		if d, err := ParseDecimal128(s); err == nil {
			hi, lo := d.GetBytes()
			f.Add(hi, lo)
		}
	}
	f.Add(uint64(0x6C11FFFFFFFFFFFF), uint64(math.MaxUint64))
	f.Add(uint64(0x7E00000000000000), uint64(0x12))
	f.Fuzz(func(t *testing.T, hi, lo uint64) {
		d := NewDecimal128(hi, lo)
		str := d.String()
		if len(str) > 42 {
			t.Fatalf("%#x %#x: String() = %q is longer than 42 bytes", hi, lo, str)
		}
		d2, err := ParseDecimal128(str)
		if err != nil {
			t.Fatalf("%#x %#x: String() = %q does not parse: %v", hi, lo, str, err)
		}
		if d2.String() != str {
			t.Fatalf("%#x %#x: String() = %q reparses to %q", hi, lo, str, d2.String())
		}
		n1, k1, h1, l1, e1 := d.decUnpack()
		n2, k2, h2, l2, e2 := d2.decUnpack()
		if k1 != k2 || k1 != decNaN && (n1 != n2 || h1 != h2 || l1 != l2 || e1 != e2) {
			t.Fatalf("%#x %#x: String() = %q reparses to a different value %#v", hi, lo, str, d2)
		}
	})
}

var (
	decBenchSink       Decimal128
	decBenchStringSink string
)

func decBenchInputs() []string {
	return []string{"0", "-12.50", "1234567890.123456789", "9.999999999999999999999999999999999E+6144", "NaN"}
}

func BenchmarkDecimal128String(b *testing.B) {
	for _, s := range decBenchInputs() {
		d, _ := ParseDecimal128(s)
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				decBenchStringSink = d.String()
			}
		})
	}
}

func BenchmarkAppendDecimal128(b *testing.B) {
	d, _ := ParseDecimal128("-1234567890.123456789")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendDecimal128(buf[:0], d)
	}
}

func BenchmarkParseDecimal128(b *testing.B) {
	for _, s := range decBenchInputs() {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				decBenchSink, _ = ParseDecimal128(s)
			}
		})
	}
}
