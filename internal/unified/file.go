package unified

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/motor-go/motor/bson"
)

// File is a loaded unified test file.
type File struct {
	// Path is the file's path, Name its base name.
	Path, Name string
	// Description is the file's description.
	Description string
	// SchemaVersion is the file's schemaVersion, as written.
	SchemaVersion string
	// Tests are the file's tests, in order.
	Tests []*Test

	runOn          []bson.Raw
	createEntities []bson.Raw
	initialData    []bson.Raw
	raw            bson.Raw
}

// Test is one test of a file.
type Test struct {
	// Description is the test's description.
	Description string
	// SkipReason is the test's skipReason, "" when it has none.
	SkipReason string

	file              *File
	runOn             []bson.Raw
	operations        []bson.Raw
	expectEvents      []bson.Raw
	expectLogMessages []bson.Raw
	expectTracing     bson.RawValue
	outcome           []bson.Raw
}

// File returns the file the test belongs to.
func (t *Test) File() *File { return t.file }

// A SchemaVersionError reports a file whose schemaVersion the runner does
// not support.
type SchemaVersionError struct {
	Path    string
	Version string
}

func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("unified: %s: schemaVersion %s is not supported (the runner supports %d.x up to %d.%d)",
		e.Path, e.Version, SupportedSchema[0], SupportedSchema[0], SupportedSchema[1])
}

// Load reads the test file at path as Extended JSON, checks its structure
// with Validate and its schemaVersion against SupportedSchema, and returns
// it. It returns a *ValidationError for a malformed file and a
// *SchemaVersionError for an unsupported one.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unified: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for a file already read; path names it in errors.
func Parse(path string, data []byte) (*File, error) {
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON(data, &raw); err != nil {
		return nil, fmt.Errorf("unified: %s: %w", path, err)
	}
	// The schema version is checked before the structure, as the
	// specification requires: a file of another major version may have
	// another structure.
	if sv, ok := raw.Lookup("schemaVersion").StringValueOK(); ok && versionPattern.MatchString(sv) {
		v, err := parseVersion(sv)
		if err != nil || !schemaSupported(v) {
			return nil, &SchemaVersionError{Path: path, Version: sv}
		}
	}
	if err := Validate(raw); err != nil {
		if ve, ok := err.(*ValidationError); ok {
			ve.Path = filepath.Base(path) + ": " + ve.Path
		}
		return nil, err
	}
	f := &File{
		Path:           path,
		Name:           filepath.Base(path),
		Description:    raw.Lookup("description").StringValue(),
		SchemaVersion:  raw.Lookup("schemaVersion").StringValue(),
		runOn:          docs(raw.Lookup("runOnRequirements")),
		createEntities: docs(raw.Lookup("createEntities")),
		initialData:    docs(raw.Lookup("initialData")),
		raw:            raw,
	}
	for _, v := range raw.Lookup("tests").Array().Values() {
		d := v.Document()
		t := &Test{
			file:              f,
			Description:       d.Lookup("description").StringValue(),
			SkipReason:        d.Lookup("skipReason").StringValue(),
			runOn:             docs(d.Lookup("runOnRequirements")),
			operations:        docs(d.Lookup("operations")),
			expectEvents:      docs(d.Lookup("expectEvents")),
			expectLogMessages: docs(d.Lookup("expectLogMessages")),
			expectTracing:     d.Lookup("expectTracingMessages"),
			outcome:           docs(d.Lookup("outcome")),
		}
		f.Tests = append(f.Tests, t)
	}
	return f, nil
}

// docs returns the documents of an array value (nil for a missing value).
func docs(v bson.RawValue) []bson.Raw {
	a, ok := v.ArrayOK()
	if !ok {
		return nil
	}
	var out []bson.Raw
	for _, e := range a.Values() {
		out = append(out, e.Document())
	}
	return out
}
