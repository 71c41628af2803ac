// Package spectest finds the MongoDB specification test files for the tests
// of other packages. It is imported by tests only.
//
// The files live outside the repository, in the shared specs directory: the
// directory named by $MOTOR_SPEC_DIR, or else ../shared/specs beside the
// repository root (the directory holding go.work, or the outermost go.mod).
// A missing directory fails the test: spec tests are never silently skipped.
package spectest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Dir returns the directory of the specification tests, joined with the
// given path elements, failing tb if it does not exist.
func Dir(tb testing.TB, elem ...string) string {
	tb.Helper()
	root := os.Getenv("MOTOR_SPEC_DIR")
	if root == "" {
		repo, err := repoRoot()
		if err != nil {
			tb.Fatalf("spectest: cannot find the repository root: %v", err)
		}
		root = filepath.Join(repo, "..", "shared", "specs")
	}
	dir := filepath.Join(append([]string{root}, elem...)...)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		tb.Fatalf("spectest: specification tests not found at %s (set MOTOR_SPEC_DIR): %v", dir, err)
	}
	return dir
}

// repoRoot walks up from the working directory (a test's package
// directory) to the directory holding go.work, or else the outermost one
// holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	found := ""
	for {
		if exists(filepath.Join(dir, "go.work")) {
			return dir, nil
		}
		if exists(filepath.Join(dir, "go.mod")) {
			found = dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if found == "" {
		return "", os.ErrNotExist
	}
	return found, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Files returns the sorted paths of the .json files directly in dir,
// failing tb if there is none.
func Files(tb testing.TB, dir string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("spectest: no JSON files in %s: %v", dir, err)
	}
	sort.Strings(files)
	return files
}

// Load decodes the JSON file at path into v, failing tb on error.
func Load(tb testing.TB, path string, v any) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("spectest: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("spectest: %s: %v", path, err)
	}
}
