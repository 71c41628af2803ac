package unified

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

// val parses an Extended JSON value.
func val(t testing.TB, js string) bson.RawValue {
	t.Helper()
	if js == "" {
		return absent
	}
	var d bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(`{"v": `+js+`}`), &d); err != nil {
		t.Fatalf("bad test value %s: %v", js, err)
	}
	return d.Lookup("v")
}

// fakeEntities serves $$matchesEntity and $$sessionLsid in unit tests.
type fakeEntities struct {
	values map[string]bson.RawValue
	lsids  map[string]bson.Raw
}

func (f fakeEntities) bsonValue(name string) (bson.RawValue, error) {
	v, ok := f.values[name]
	if !ok {
		return absent, fmt.Errorf("no BSON entity %q", name)
	}
	return v, nil
}

func (f fakeEntities) sessionLsid(name string) (bson.Raw, error) {
	l, ok := f.lsids[name]
	if !ok {
		return nil, fmt.Errorf("no session entity %q", name)
	}
	return l, nil
}

type matchCase struct {
	name             string
	expected, actual string // Extended JSON; "" for an absent actual value
	root             bool
	want             string // "" for a match, "mismatch", or "error" (a bad test file)
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	lsid := val(t, `{"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}}`).Document()
	m := &matcher{entities: fakeEntities{
		values: map[string]bson.RawValue{
			"oid0":   val(t, `{"$oid": "0123456789abcdef01234567"}`),
			"doc0":   val(t, `{"a": 1}`),
			"count0": val(t, `5`),
		},
		lsids: map[string]bson.Raw{"session0": lsid},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := m.match("$", val(t, c.expected), val(t, c.actual), c.root)
			var me *MatchError
			got := ""
			switch {
			case err == nil:
			case errors.As(err, &me):
				got = "mismatch"
			default:
				got = "error"
			}
			if got != c.want {
				t.Errorf("match(%s, %s, root=%v) = %v; want %q", c.expected, c.actual, c.root, err, c.want)
			}
		})
	}
}

func TestMatchValues(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "int equal", expected: `1`, actual: `1`},
		{name: "int vs long", expected: `1`, actual: `{"$numberLong": "1"}`},
		{name: "int vs double", expected: `1`, actual: `1.0`},
		{name: "long vs double", expected: `{"$numberLong": "42"}`, actual: `42.0`},
		{name: "int vs fraction", expected: `1`, actual: `1.5`, want: "mismatch"},
		{name: "int vs string", expected: `1`, actual: `"1"`, want: "mismatch"},
		{name: "decimal is not flexible", expected: `{"$numberDecimal": "1"}`, actual: `1`, want: "mismatch"},
		{name: "decimal equal", expected: `{"$numberDecimal": "1.5"}`, actual: `{"$numberDecimal": "1.5"}`},
		{name: "NaN equals NaN", expected: `{"$numberDouble": "NaN"}`, actual: `{"$numberDouble": "NaN"}`},
		{name: "string", expected: `"a"`, actual: `"a"`},
		{name: "string differs", expected: `"a"`, actual: `"b"`, want: "mismatch"},
		{name: "null", expected: `null`, actual: `null`},
		{name: "null vs absent", expected: `null`, actual: ``, want: "mismatch"},
		{name: "bool", expected: `true`, actual: `false`, want: "mismatch"},
		{name: "objectId", expected: `{"$oid": "0123456789abcdef01234567"}`, actual: `{"$oid": "0123456789abcdef01234567"}`},
		{name: "date", expected: `{"$date": {"$numberLong": "0"}}`, actual: `{"$date": {"$numberLong": "1"}}`, want: "mismatch"},
		{name: "binary", expected: `{"$binary": {"base64": "AQI=", "subType": "00"}}`, actual: `{"$binary": {"base64": "AQI=", "subType": "00"}}`},
		{name: "binary subtype differs", expected: `{"$binary": {"base64": "AQI=", "subType": "00"}}`, actual: `{"$binary": {"base64": "AQI=", "subType": "04"}}`, want: "mismatch"},
		{name: "code with scope, keys in another order", expected: `{"$code": "f", "$scope": {"a": 1, "b": 2}}`, actual: `{"$code": "f", "$scope": {"b": 2, "a": 1}}`},
		{name: "code with scope, extra key", expected: `{"$code": "f", "$scope": {"a": 1}}`, actual: `{"$code": "f", "$scope": {"a": 1, "b": 2}}`, want: "mismatch"},
	})
}

func TestMatchDocumentsAndArrays(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "root allows extra keys", expected: `{"x": 1}`, actual: `{"x": 1, "y": 1}`, root: true},
		{name: "nested rejects extra keys", expected: `{"x": 1}`, actual: `{"x": 1, "y": 1}`, want: "mismatch"},
		{name: "nested document under root", expected: `{"x": {"y": 1}}`, actual: `{"x": {"y": 1, "z": 1}}`, root: true, want: "mismatch"},
		{name: "missing key", expected: `{"x": 1, "y": 1}`, actual: `{"x": 1}`, root: true, want: "mismatch"},
		{name: "key order does not matter", expected: `{"x": 1, "y": 1}`, actual: `{"y": 1, "x": 1}`},
		{name: "document vs scalar", expected: `{"x": 1}`, actual: `1`, want: "mismatch"},
		{name: "empty root matches any document", expected: `{}`, actual: `{"a": 1}`, root: true},
		{name: "empty nested matches empty only", expected: `{}`, actual: `{"a": 1}`, want: "mismatch"},
		{name: "array equal", expected: `[1, 2, 3]`, actual: `[1, 2, 3]`},
		{name: "array longer", expected: `[1, 2, 3]`, actual: `[1, 2, 3, 4]`, want: "mismatch"},
		{name: "array shorter", expected: `[1, 2]`, actual: `[1]`, want: "mismatch"},
		{name: "array order matters", expected: `[1, 2]`, actual: `[2, 1]`, want: "mismatch"},
		{name: "array elements are not root", expected: `[{"x": 1}]`, actual: `[{"x": 1, "y": 1}]`, want: "mismatch"},
		{name: "array vs document", expected: `[]`, actual: `{}`, want: "mismatch"},
		{name: "keys with dots are keys", expected: `{"a.b": 1}`, actual: `{"a.b": 1}`, root: true},
	})
}

func TestMatchRootArray(t *testing.T) {
	m := &matcher{}
	exp, act := val(t, `[{"x": 1}, {"x": 2}]`), val(t, `[{"x": 1, "y": 1}, {"x": 2, "y": 2}]`)
	if err := m.matchRootArray("$", exp, act); err != nil {
		t.Errorf("iterable results are root-level documents: %v", err)
	}
	if err := m.match("$", exp, act, true); err == nil {
		t.Errorf("an array of values (distinct) must not allow extra keys")
	}
	if err := m.matchRootArray("$", exp, val(t, `[{"x": 1}]`)); err == nil {
		t.Errorf("the number of documents must be equal")
	}
}

func TestMatchOperatorExists(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "true, present", expected: `{"x": {"$$exists": true}}`, actual: `{"x": null}`, root: true},
		{name: "true, absent", expected: `{"x": {"$$exists": true}}`, actual: `{"y": 1}`, root: true, want: "mismatch"},
		{name: "false, absent", expected: `{"x": {"$$exists": false}}`, actual: `{"y": 1}`, root: true},
		{name: "false, present", expected: `{"x": {"$$exists": false}}`, actual: `{"x": 1}`, root: true, want: "mismatch"},
		{name: "false in a nested document", expected: `{"a": {"x": {"$$exists": false}}}`, actual: `{"a": {}}`, root: true},
		{name: "not a boolean", expected: `{"x": {"$$exists": 1}}`, actual: `{"x": 1}`, root: true, want: "error"},
	})
}

func TestMatchOperatorType(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "int", expected: `{"$$type": "int"}`, actual: `1`},
		{name: "long", expected: `{"$$type": "long"}`, actual: `{"$numberLong": "1"}`},
		{name: "int is not long", expected: `{"$$type": "long"}`, actual: `1`, want: "mismatch"},
		{name: "list", expected: `{"$$type": ["int", "long"]}`, actual: `{"$numberLong": "1"}`},
		{name: "number alias", expected: `{"$$type": "number"}`, actual: `1.5`},
		{name: "number alias decimal", expected: `{"$$type": "number"}`, actual: `{"$numberDecimal": "1"}`},
		{name: "number alias string", expected: `{"$$type": "number"}`, actual: `"1"`, want: "mismatch"},
		{name: "string", expected: `{"$$type": "string"}`, actual: `"s"`},
		{name: "object", expected: `{"$$type": "object"}`, actual: `{"a": 1}`},
		{name: "array, elements not examined", expected: `{"$$type": "array"}`, actual: `[1, "a"]`},
		{name: "objectId", expected: `{"$$type": "objectId"}`, actual: `{"$oid": "0123456789abcdef01234567"}`},
		{name: "binData", expected: `{"$$type": "binData"}`, actual: `{"$binary": {"base64": "", "subType": "00"}}`},
		{name: "date", expected: `{"$$type": "date"}`, actual: `{"$date": {"$numberLong": "0"}}`},
		{name: "bool", expected: `{"$$type": "bool"}`, actual: `true`},
		{name: "null", expected: `{"$$type": "null"}`, actual: `null`},
		{name: "timestamp", expected: `{"$$type": "timestamp"}`, actual: `{"$timestamp": {"t": 1, "i": 1}}`},
		{name: "decimal", expected: `{"$$type": "decimal"}`, actual: `{"$numberDecimal": "1"}`},
		{name: "double", expected: `{"$$type": "double"}`, actual: `1.5`},
		{name: "regex", expected: `{"$$type": "regex"}`, actual: `{"$regularExpression": {"pattern": "a", "options": ""}}`},
		{name: "minKey", expected: `{"$$type": "minKey"}`, actual: `{"$minKey": 1}`},
		{name: "maxKey", expected: `{"$$type": "maxKey"}`, actual: `{"$maxKey": 1}`},
		{name: "javascript", expected: `{"$$type": "javascript"}`, actual: `{"$code": "f"}`},
		{name: "absent", expected: `{"x": {"$$type": "int"}}`, actual: `{}`, root: true, want: "mismatch"},
		{name: "unknown alias", expected: `{"$$type": "integer"}`, actual: `1`, want: "error"},
		{name: "bad argument", expected: `{"$$type": 1}`, actual: `1`, want: "error"},
	})
}

func TestMatchOperatorUnsetOrMatches(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "absent", expected: `{"x": {"$$unsetOrMatches": 2}}`, actual: `{}`, root: true},
		{name: "present and equal", expected: `{"x": {"$$unsetOrMatches": 2}}`, actual: `{"x": 2}`, root: true},
		{name: "present and different", expected: `{"x": {"$$unsetOrMatches": 2}}`, actual: `{"x": 3}`, root: true, want: "mismatch"},
		{name: "null is not unset", expected: `{"x": {"$$unsetOrMatches": 2}}`, actual: `{"x": null}`, root: true, want: "mismatch"},
		{name: "whole result keeps root", expected: `{"$$unsetOrMatches": {"insertedId": {"$$unsetOrMatches": 2}}}`, actual: `{"insertedId": 2, "extra": 1}`, root: true},
		{name: "whole result, nested", expected: `{"$$unsetOrMatches": {"a": 1}}`, actual: `{"a": 1, "extra": 1}`, want: "mismatch"},
		{name: "nested operators", expected: `{"x": {"$$unsetOrMatches": {"$$type": "int"}}}`, actual: `{"x": "s"}`, root: true, want: "mismatch"},
	})
}

func TestMatchOperatorMatchesEntity(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "equal", expected: `{"_id": {"$$matchesEntity": "oid0"}}`, actual: `{"_id": {"$oid": "0123456789abcdef01234567"}}`, root: true},
		{name: "different", expected: `{"_id": {"$$matchesEntity": "oid0"}}`, actual: `{"_id": {"$oid": "0123456789abcdef01234568"}}`, root: true, want: "mismatch"},
		{name: "number entity", expected: `{"$$matchesEntity": "count0"}`, actual: `{"$numberLong": "5"}`},
		{name: "document entity keeps root", expected: `{"$$matchesEntity": "doc0"}`, actual: `{"a": 1, "b": 2}`, root: true},
		{name: "document entity nested", expected: `{"$$matchesEntity": "doc0"}`, actual: `{"a": 1, "b": 2}`, want: "mismatch"},
		{name: "undefined entity", expected: `{"$$matchesEntity": "nope"}`, actual: `1`, want: "error"},
		{name: "bad argument", expected: `{"$$matchesEntity": 1}`, actual: `1`, want: "error"},
	})
}

func TestMatchOperatorMatchesHexBytes(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "string", expected: `{"$$matchesHexBytes": "12ab"}`, actual: `"\u0012\u00ab"`, want: "mismatch"}, // U+00AB is two UTF-8 bytes
		{name: "ascii string", expected: `{"$$matchesHexBytes": "6162"}`, actual: `"ab"`},
		{name: "upper case", expected: `{"$$matchesHexBytes": "6A6B"}`, actual: `"jk"`},
		{name: "empty", expected: `{"$$matchesHexBytes": ""}`, actual: `""`},
		{name: "binary", expected: `{"$$matchesHexBytes": "0102"}`, actual: `{"$binary": {"base64": "AQI=", "subType": "00"}}`},
		{name: "different", expected: `{"$$matchesHexBytes": "0102"}`, actual: `{"$binary": {"base64": "AQM=", "subType": "00"}}`, want: "mismatch"},
		{name: "not bytes", expected: `{"$$matchesHexBytes": "01"}`, actual: `1`, want: "mismatch"},
		{name: "odd length", expected: `{"$$matchesHexBytes": "123"}`, actual: `""`, want: "error"},
		{name: "not hex", expected: `{"$$matchesHexBytes": "zz"}`, actual: `""`, want: "error"},
	})
}

func TestMatchOperatorSessionLsid(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "equal", expected: `{"lsid": {"$$sessionLsid": "session0"}}`, actual: `{"lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}}}`, root: true},
		{name: "different", expected: `{"lsid": {"$$sessionLsid": "session0"}}`, actual: `{"lsid": {"id": {"$binary": {"base64": "AQAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}}}`, root: true, want: "mismatch"},
		{name: "absent", expected: `{"lsid": {"$$sessionLsid": "session0"}}`, actual: `{}`, root: true, want: "mismatch"},
		{name: "undefined session", expected: `{"$$sessionLsid": "session1"}`, actual: `{}`, want: "error"},
	})
}

func TestMatchOperatorLte(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "less", expected: `{"$$lte": 5}`, actual: `4`},
		{name: "equal", expected: `{"$$lte": 5}`, actual: `5`},
		{name: "greater", expected: `{"$$lte": 5}`, actual: `6`, want: "mismatch"},
		{name: "flexible 1 vs 1.0", expected: `{"$$lte": 1}`, actual: `1.0`},
		{name: "flexible 1 vs 0.0", expected: `{"$$lte": 1}`, actual: `0.0`},
		{name: "flexible 1 vs 1.1", expected: `{"$$lte": 1}`, actual: `1.1`, want: "mismatch"},
		{name: "long", expected: `{"$$lte": {"$numberLong": "10"}}`, actual: `{"$numberLong": "9"}`},
		{name: "not a number", expected: `{"$$lte": 5}`, actual: `"4"`, want: "mismatch"},
		{name: "absent", expected: `{"x": {"$$lte": 5}}`, actual: `{}`, root: true, want: "mismatch"},
		{name: "bad argument", expected: `{"$$lte": "5"}`, actual: `4`, want: "error"},
	})
}

func TestMatchOperatorMatchAsDocument(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "equal", expected: `{"$$matchAsDocument": {"x": 1}}`, actual: `"{\"x\": 1}"`},
		{name: "types kept", expected: `{"$$matchAsDocument": {"x": {"$$type": "long"}}}`, actual: `"{\"x\": {\"$numberLong\": \"1\"}}"`},
		{name: "not root", expected: `{"$$matchAsDocument": {"x": 1}}`, actual: `"{\"x\": 1, \"y\": 2}"`, want: "mismatch"},
		{name: "with matchAsRoot", expected: `{"$$matchAsDocument": {"$$matchAsRoot": {"x": 1}}}`, actual: `"{\"x\": 1, \"y\": 2}"`},
		{name: "not a string", expected: `{"$$matchAsDocument": {"x": 1}}`, actual: `{"x": 1}`, want: "mismatch"},
		{name: "not JSON", expected: `{"$$matchAsDocument": {"x": 1}}`, actual: `"x: 1"`, want: "mismatch"},
	})
}

func TestMatchOperatorMatchAsRoot(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "extra keys allowed", expected: `{"x": {"$$matchAsRoot": {"y": 2}}}`, actual: `{"x": {"y": 2, "z": 3}}`},
		{name: "values still compared", expected: `{"x": {"$$matchAsRoot": {"y": 3}}}`, actual: `{"x": {"y": 2, "z": 3}}`, root: true, want: "mismatch"},
		{name: "only one level", expected: `{"x": {"$$matchAsRoot": {"y": {"a": 1}}}}`, actual: `{"x": {"y": {"a": 1, "b": 2}}}`, want: "mismatch"},
		{name: "not a document", expected: `{"x": {"$$matchAsRoot": {"y": 2}}}`, actual: `{"x": 1}`, want: "mismatch"},
		{name: "bad argument", expected: `{"$$matchAsRoot": 1}`, actual: `{}`, want: "error"},
	})
}

func TestMatchUnknownOperator(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "unknown", expected: `{"$$nope": 1}`, actual: `1`, want: "error"},
		{name: "two keys are not an operator", expected: `{"$$type": "int", "a": 1}`, actual: `{"$$type": "int", "a": 1}`},
		{name: "single dollar is a key", expected: `{"$inc": {"x": 1}}`, actual: `{"$inc": {"x": 1}}`},
	})
}

func TestExactEqual(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{`{"a": 1, "b": {"c": 2}}`, `{"b": {"c": 2}, "a": 1}`, true},
		{`{"a": 1}`, `{"a": 1, "b": 2}`, false},
		{`{"a": {"b": 1}}`, `{"a": {"b": 1, "c": 1}}`, false},
		{`{"a": [1, 2]}`, `{"a": [2, 1]}`, false},
		{`{"a": 1}`, `{"a": {"$numberLong": "1"}}`, true},
		{`{"a": {"$$exists": true}}`, `{"a": 1}`, false}, // no operators in outcomes
	}
	for _, c := range cases {
		if got := exactEqual(val(t, c.a), val(t, c.b)); got != c.want {
			t.Errorf("exactEqual(%s, %s) = %v", c.a, c.b, got)
		}
	}
}

func TestMatchErrorNamesPath(t *testing.T) {
	m := &matcher{}
	err := m.match("$", val(t, `{"a": [{"b": 1}]}`), val(t, `{"a": [{"b": 2}]}`), true)
	if err == nil || !strings.Contains(err.Error(), "$.a[0].b") {
		t.Errorf("error %v does not name the path $.a[0].b", err)
	}
}
