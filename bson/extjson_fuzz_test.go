package bson

import (
	"bytes"
	"testing"
)

// extJSONSeeds returns the Extended JSON strings of the BSON corpus (valid
// forms and parse errors) and a few of this package's own.
func extJSONSeeds(tb testing.TB) []string {
	names, files := loadCorpus(tb)
	var seeds []string
	for _, name := range names {
		f := files[name]
		for _, c := range f.Valid {
			seeds = append(seeds, c.CanonicalExtJSON)
			for _, s := range []*string{c.RelaxedExtJSON, c.DegenerateExtJSON, c.ConvertedExtJSON} {
				if s != nil {
					seeds = append(seeds, *s)
				}
			}
		}
		for _, c := range f.ParseErrors {
			seeds = append(seeds, c.String)
		}
	}
	return append(seeds,
		`{"a":{"$date":"2012-12-24T12:15:30.501+01:00"},"b":[1,2.5,-0.0,1E+300,"\ud83d\ude00"]}`,
		`{"a":{"$binary":"AQI=","$type":"80"},"b":{"$uuid":"73ffd264-44b3-4c69-90e8-e7d1dfc035d4"}}`,
		`{"q":{"$regex":"^a","$options":"mi"},"r":{"$in":[1,2]},"t":{"$type":"string"}}`,
		`{"a":{"b":{"c":[[[{"$numberLong":"9223372036854775807"}]]]}}}`,
	)
}

// FuzzExtJSON checks that no input makes the Extended JSON parser panic,
// that what it accepts is valid BSON, that the canonical Extended JSON of
// that BSON parses back to the same bytes (unless it holds values that
// Extended JSON cannot carry exactly: decimal128 NaNs with a sign or
// payload), and that relaxed Extended JSON is a fixed point after one round.
func FuzzExtJSON(f *testing.F) {
	for _, s := range extJSONSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d D
		_ = UnmarshalExtJSON(data, &d)
		var raw Raw
		if err := UnmarshalExtJSON(data, &raw); err != nil {
			return
		}
		if err := raw.Validate(); err != nil {
			t.Fatalf("parsed BSON does not validate: %v\n%X", err, []byte(raw))
		}
		_ = raw.String()

		canon, err := MarshalExtJSON(raw, true)
		if err != nil {
			t.Fatalf("MarshalExtJSON(canonical) of parsed BSON: %v\n%X", err, []byte(raw))
		}
		var raw2 Raw
		if err := UnmarshalExtJSON(canon, &raw2); err != nil {
			t.Fatalf("canonical output does not parse: %v\n%s", err, canon)
		}
		if !bytes.Equal(raw, raw2) && !hasInexactValue(raw) {
			t.Fatalf("canonical round trip changed the bytes:\n%X\n%X\n%s", []byte(raw), []byte(raw2), canon)
		}

		relaxed, err := MarshalExtJSON(raw, false)
		if err != nil {
			t.Fatalf("MarshalExtJSON(relaxed) of parsed BSON: %v", err)
		}
		var raw3 Raw
		if err := UnmarshalExtJSON(relaxed, &raw3); err != nil {
			t.Fatalf("relaxed output does not parse: %v\n%s", err, relaxed)
		}
		relaxed2, err := MarshalExtJSON(raw3, false)
		if err != nil || !bytes.Equal(relaxed, relaxed2) {
			t.Fatalf("relaxed round trip not stable: %v\n%s\n%s", err, relaxed, relaxed2)
		}
	})
}

// hasInexactValue reports whether doc holds a value that canonical Extended
// JSON does not represent exactly: a decimal128 NaN other than the one
// ParseDecimal128("NaN") returns.
func hasInexactValue(doc Raw) bool {
	nan, _ := ParseDecimal128("NaN")
	for _, v := range doc.Elements() {
		switch v.Type {
		case TypeDecimal128:
			if d := v.Decimal128(); d.IsNaN() && d != nan {
				return true
			}
		case TypeDocument, TypeArray:
			if hasInexactValue(Raw(v.Value)) {
				return true
			}
		case TypeCodeWithScope:
			if _, scope, ok := v.CodeWithScopeOK(); ok && hasInexactValue(scope) {
				return true
			}
		}
	}
	return false
}
