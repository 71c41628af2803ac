package unified

import (
	"os"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/spectest"
)

// FuzzParse feeds the loader arbitrary bytes, seeded with the test files of
// the format itself: it must return a file or an error, never panic.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid-pass", "valid-fail", "invalid"} {
		for _, path := range spectest.Files(f, spectest.Dir(f, "unified-test-format", dir)) {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		for _, test := range file.Tests {
			test.uses("failPoint")
		}
	})
}

// FuzzMatch matches arbitrary Extended JSON values against each other, with
// and without the root-level rule: the matcher must answer, never panic.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{`{"x": 1}`, `{"x": 1, "y": 2}`},
		{`{"x": {"$$type": ["int", "long"]}}`, `{"x": {"$numberLong": "1"}}`},
		{`{"x": {"$$unsetOrMatches": {"$$lte": 5}}}`, `{}`},
		{`{"a": [{"$$exists": true}]}`, `{"a": [1]}`},
		{`{"j": {"$$matchAsDocument": {"$$matchAsRoot": {"x": 1}}}}`, `{"j": "{\"x\": 1, \"y\": 2}"}`},
		{`{"h": {"$$matchesHexBytes": "0102"}}`, `{"h": {"$binary": {"base64": "AQI=", "subType": "00"}}}`},
		{`{"e": {"$$matchesEntity": "e0"}, "s": {"$$sessionLsid": "s0"}}`, `{"e": 1, "s": {}}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], true)
	}
	m := &matcher{entities: newEntityMap()}
	f.Fuzz(func(t *testing.T, expected, actual string, root bool) {
		var e, a bson.Raw
		if bson.UnmarshalExtJSON([]byte(expected), &e) != nil || bson.UnmarshalExtJSON([]byte(actual), &a) != nil {
			return
		}
		_ = m.match("$", docValue(e), docValue(a), root)
		_ = exactEqual(docValue(e), docValue(a))
	})
}
