package unified

import (
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The argument readers of runCursorCommand, the search index operations
// and modifyCollection: what they take, and that what they do not take
// fails loudly.

func extDoc(t *testing.T, s string) bson.Raw {
	t.Helper()
	var d bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(s), &d); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return d
}

func TestCursorCommandArgs(t *testing.T) {
	a := newArgs("runCursorCommand", extDoc(t, `{"commandName": "find", "command": {"find": "c", "batchSize": 1},
		"batchSize": 5, "maxTimeMS": 300, "comment": {"a": 1}, "cursorType": "tailableAwait", "readPreference": {"mode": "secondaryPreferred"}}`))
	cmd, o, err := cursorCommandArgs(nil, a)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Lookup("find").StringValue() != "c" || o.BatchSize != 5 || o.MaxAwaitTime != 300*time.Millisecond ||
		o.CursorType != motor.TailableAwait || o.ReadPreference == nil || o.ReadPreference.Mode != "secondaryPreferred" {
		t.Errorf("cmd %s, options %+v", cmd, o)
	}
	if c, ok := o.Comment.(bson.RawValue); !ok || c.Document().Lookup("a").Int32() != 1 {
		t.Errorf("comment %v", o.Comment)
	}
	for _, c := range []struct{ args, msg string }{
		{`{"commandName": "ping"}`, `required argument "command" is missing`},
		{`{"command": {"ping": 1}}`, `required argument "commandName" is missing`},
		{`{"commandName": "find", "command": {"find": "c"}, "cursorType": "sometimes"}`, `unknown cursorType "sometimes"`},
		{`{"commandName": "find", "command": {"find": "c"}, "timeoutMode": "iteration"}`, "timeoutMode"},
		{`{"commandName": "find", "command": {"find": "c"}, "limit": 1}`, "unsupported argument(s) limit"},
	} {
		if _, _, err := cursorCommandArgs(nil, newArgs("runCursorCommand", extDoc(t, c.args))); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want %q", c.args, err, c.msg)
		}
	}
}

func TestSearchIndexModelArgs(t *testing.T) {
	m, err := searchIndexModel("createSearchIndex", extDoc(t, `{"definition": {"mappings": {}}, "name": "n", "type": "vectorSearch"}`))
	if err != nil || m.Name != "n" || m.Type != "vectorSearch" || m.Definition.(bson.Raw).Lookup("mappings").Type != bson.TypeDocument {
		t.Errorf("model %+v, %v", m, err)
	}
	for doc, msg := range map[string]string{
		`{"name": "n"}`:                                `required argument "definition" is missing`,
		`{"definition": {}, "options": {}}`:            "unsupported argument(s) options",
		`{"definition": {}, "name": 3}`:                `argument "name" must be`,
		`{"definition": [], "name": "n"}`:              `argument "definition" must be`,
		`{"definition": {}, "type": "search", "x": 1}`: "unsupported argument(s) x",
	} {
		if _, err := searchIndexModel("createSearchIndex", extDoc(t, doc)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: err = %v, want %q", doc, err, msg)
		}
	}
}

func TestIndexModificationArgs(t *testing.T) {
	m, err := indexModification("modifyCollection", extDoc(t, `{"keyPattern": {"x": 1}, "prepareUnique": true, "hidden": false, "expireAfterSeconds": 60, "unique": true}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Keys.(bson.Raw).Lookup("x").Int32() != 1 || m.Name != "" || !*m.PrepareUnique || *m.Hidden || *m.ExpireAfterSeconds != 60 || !*m.Unique {
		t.Errorf("modification %+v", m)
	}
	m, err = indexModification("modifyCollection", extDoc(t, `{"name": "x_1", "hidden": true}`))
	if err != nil || m.Name != "x_1" || m.Keys != nil || !*m.Hidden {
		t.Errorf("by name: %+v, %v", m, err)
	}
	if _, err := indexModification("modifyCollection", extDoc(t, `{"name": "x_1", "collation": {}}`)); err == nil || !strings.Contains(err.Error(), "unsupported argument(s) collation") {
		t.Errorf("unknown field: %v", err)
	}
}
