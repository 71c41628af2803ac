package unified

import (
	"fmt"
	"strconv"
	"strings"
)

// version is a version string of the format: major, minor and patch. The
// unified format uses it for schemaVersion and for server versions.
type version [3]int

// SupportedSchema is the newest schema version the runner supports. It runs
// files whose schemaVersion has the same major version and is not newer.
// Features of the format that Motor lacks (client-side encryption, log
// messages, tracing spans) make the tests that use them fail with an error
// that names the feature.
var SupportedSchema = version{1, 28, 0}

// parseVersion parses "major", "major.minor" or "major.minor.patch".
// Components after the patch, and anything after a '-' (a pre-release
// suffix of a server version), are not part of the comparison.
func parseVersion(s string) (version, error) {
	var v version
	core, _, _ := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if core == "" || len(parts) == 0 {
		return v, fmt.Errorf("invalid version %q", s)
	}
	for i, p := range parts {
		if i == len(v) {
			break
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || strings.TrimLeft(p, "0123456789") != "" {
			return v, fmt.Errorf("invalid version %q", s)
		}
		v[i] = n
	}
	return v, nil
}

// compare returns -1, 0 or 1 as v is older than, equal to or newer than w.
func (v version) compare(w version) int {
	for i := range v {
		switch {
		case v[i] < w[i]:
			return -1
		case v[i] > w[i]:
			return 1
		}
	}
	return 0
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// schemaSupported reports whether a file of schema version v can run: same
// major version as SupportedSchema, and not newer.
func schemaSupported(v version) bool {
	return v[0] == SupportedSchema[0] && v.compare(SupportedSchema) <= 0
}
