package unified

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motor-go/motor/internal/spectest"
)

// TestInvalidFilesRejected loads every file of unified-test-format/invalid:
// each must be rejected, by the structural checks or for its schemaVersion.
func TestInvalidFilesRejected(t *testing.T) {
	files := spectest.Files(t, spectest.Dir(t, "unified-test-format", "invalid"))
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := Load(path)
			var ve *ValidationError
			var se *SchemaVersionError
			switch {
			case errors.As(err, &ve):
				t.Logf("rejected: %v", err)
				if want := intendedProblem(filepath.Base(path)); !strings.Contains(err.Error(), want) {
					t.Errorf("rejected, but the error does not mention %q, what the file name says is wrong", want)
				}
			case errors.As(err, &se):
				t.Logf("rejected: %v", err)
			case err == nil:
				t.Errorf("accepted an invalid file")
			default:
				t.Errorf("rejected for another reason: %v", err)
			}
		})
	}
	t.Logf("%d invalid files rejected", len(files))
}

// unifiedDirs are the directories of the specification tests that hold
// unified test files.
func unifiedDirs(t *testing.T) []string {
	root := spectest.Dir(t)
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(rel, "unified-test-format") {
			if rel == filepath.Join("unified-test-format", "valid-pass") || rel == filepath.Join("unified-test-format", "valid-fail") {
				dirs = append(dirs, p)
			}
			return nil
		}
		matches, _ := filepath.Glob(filepath.Join(p, "*.json"))
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err == nil && strings.Contains(string(data), `"schemaVersion"`) {
				dirs = append(dirs, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestValidFilesAccepted loads every unified test file of the
// specification tests (valid-pass, valid-fail and the suites of every
// specification): the structural checks must accept them all, except the
// valid-fail file whose schemaVersion is unsupported on purpose.
func TestValidFilesAccepted(t *testing.T) {
	root := spectest.Dir(t)
	n := 0
	for _, dir := range unifiedDirs(t) {
		for _, path := range spectest.Files(t, dir) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), `"schemaVersion"`) {
				continue // a file of an older, non-unified format
			}
			rel, _ := filepath.Rel(root, path)
			n++
			_, err = Parse(path, data)
			if rel == filepath.Join("unified-test-format", "valid-fail", "schemaVersion-unsupported.json") {
				var se *SchemaVersionError
				if !errors.As(err, &se) {
					t.Errorf("%s: want a SchemaVersionError, got %v", rel, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			}
		}
	}
	if n < 500 {
		t.Errorf("only %d unified test files found", n)
	}
	t.Logf("%d unified test files accepted", n)
}

// intendedProblem reads what an invalid file breaks from its name, as
// "<definition>-<property>-<constraint>.json": the error must mention the
// property (or, for additionalProperties, say that a key is unknown). Files
// named otherwise are listed with what their error must say.
func intendedProblem(name string) string {
	special := map[string]string{
		// Stream entities were removed from the format: every file about
		// them is invalid because "stream" is not an entity type.
		"entity-stream-additionalProperties.json": `unknown key "stream"`,
		"entity-stream-hexBytes-pattern.json":     `unknown key "stream"`,
		"entity-stream-hexBytes-required.json":    `unknown key "stream"`,
		"entity-stream-hexBytes-type.json":        `unknown key "stream"`,
		"entity-stream-id-required.json":          `unknown key "stream"`,
		"entity-stream-id-type.json":              `unknown key "stream"`,
		"entity-maxProperties.json":               "at most 1 key",
		"entity-minProperties.json":               "at least 1 key",
		"expectedCommandEvent-maxProperties.json": "at most 1 key",
		"expectedCommandEvent-minProperties.json": "at least 1 key",
		"expectedError-minProperties.json":        "at least 1 key",
		"runOnRequirement-minProperties.json":     "at least 1 key",
		"schemaVersion-pattern.json":              "is not a version",
		// The tracing files describe spans with "tags", which the format
		// names "attributes": the schema rejects them all for that first.
		"expectedTracingSpans-additionalProperties.json":              `"attributes"`,
		"expectedTracingSpans-emptyNestedSpan.json":                   `"attributes"`,
		"expectedTracingSpans-invalidNestedSpan.json":                 `"attributes"`,
		"expectedTracingSpans-spanMalformedAdditionalProperties.json": `"attributes"`,
		"expectedTracingSpans-spanMalformedMissingTags.json":          `"attributes"`,
		"expectedTracingSpans-spanMalformedNestedMustBeArray.json":    `"attributes"`,
		"expectedTracingSpans-spanMalformedTagsMustBeObject.json":     `"attributes"`,
		"expectedTracingSpans-clientType.json":                        "client",
		"expectedTracingSpans-missingPropertyClient.json":             `"client"`,
		"expectedTracingSpans-missingPropertySpans.json":              `"spans"`,
		"expectedTracingSpans-spanMalformedMissingName.json":          `"name"`,
	}
	if s, ok := special[name]; ok {
		return s
	}
	parts := strings.Split(strings.TrimSuffix(name, ".json"), "-")
	last := parts[len(parts)-1]
	switch {
	case last == "additionalProperties":
		return "unknown "
	case strings.HasPrefix(last, "conflicts_with_"):
		return "mutually exclusive"
	case len(parts) >= 2:
		return parts[len(parts)-2]
	}
	return name
}
