package motor_test

// Runners for the connection string tests of the Auth and the Read and
// Write Concern specifications.

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/motor-go/motor/internal/spectest"
)

type authTest struct {
	Description string `json:"description"`
	URI         string `json:"uri"`
	Valid       bool   `json:"valid"`
	Credential  *struct {
		Username            *string        `json:"username"`
		Password            *string        `json:"password"`
		Source              *string        `json:"source"`
		Mechanism           *string        `json:"mechanism"`
		MechanismProperties map[string]any `json:"mechanism_properties"`
	} `json:"credential"`
}

// staleAuthTests are auth tests that contradict the current Auth
// specification. Since 2025-09-30 (DRIVERS-3131) it says of MONGODB-AWS: "If
// credentials are provided in the URI or client options, the driver MUST
// raise an error", and the same file gained tests that expect exactly that
// for "mongodb://user:pass@localhost.com/?authMechanism=MONGODB-AWS"; these
// two older tests, which expect the same kind of URI to be accepted, were
// not removed. Motor follows the specification text and the newer tests.
var staleAuthTests = map[string]string{
	"should use username and password if specified (MONGODB-AWS)":                "contradicts 'should throw an exception if username and password provided (MONGODB-AWS)' and the Auth spec since DRIVERS-3131: MONGODB-AWS credentials in the URI are an error",
	"should use username, password and session token if specified (MONGODB-AWS)": "contradicts the Auth spec since DRIVERS-3131: MONGODB-AWS credentials and AWS_SESSION_TOKEN in the URI are an error",
}

func TestSpecAuth(t *testing.T) {
	file := filepath.Join(spectest.Dir(t, "auth", "legacy"), "connection-string.json")
	var f struct{ Tests []authTest }
	spectest.Load(t, file, &f)
	for _, tc := range f.Tests {
		t.Run(tc.Description, func(t *testing.T) {
			t.Parallel()
			if reason, ok := staleAuthTests[tc.Description]; ok {
				if res := parseURI(t, tc.URI, false); res.err == nil {
					t.Errorf("the stale test's URI is now accepted; remove it from staleAuthTests")
				}
				t.Skip(reason)
			}
			runAuthTest(t, tc)
		})
	}
}

func runAuthTest(t *testing.T, tc authTest) {
	res := parseURI(t, tc.URI, false)
	if !tc.Valid {
		if res.err == nil {
			t.Fatalf("ParseURI(%q) succeeded, want an error", tc.URI)
		}
		if lenient := parseURI(t, tc.URI, true); lenient.err == nil {
			t.Fatalf("lenient ParseURI(%q) succeeded, want an error", tc.URI)
		}
		return
	}
	if res.err != nil {
		t.Fatalf("unexpected error: %v", res.err)
	}
	if len(res.warnings) > 0 {
		t.Errorf("unexpected warnings: %q", res.warnings)
	}
	want, c := tc.Credential, res.cfg.Auth
	if want == nil {
		if c != nil {
			t.Fatalf("credential = %v, want none", c)
		}
		return
	}
	if c == nil {
		t.Fatal("no credential")
	}
	// A key given as null must be uninitialized.
	str := func(name, got string, want *string) {
		t.Helper()
		if w := deref(want); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	str("username", c.Username, want.Username)
	if want.Password == nil {
		if c.PasswordSet {
			t.Error("a password is set, want none")
		}
	} else if !c.PasswordSet || c.Password != *want.Password {
		t.Error("password does not match")
	}
	str("source", c.Source, want.Source)
	str("mechanism", c.Mechanism, want.Mechanism)
	if want.MechanismProperties == nil {
		if len(c.Properties) > 0 {
			t.Errorf("properties = %v, want none", c.Properties)
		}
	}
	for k, v := range want.MechanismProperties {
		if got, ok := c.Properties[k]; !ok || got != v {
			t.Errorf("property %s = %q, want %v", k, got, v)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type concernTest struct {
	Description  string         `json:"description"`
	URI          string         `json:"uri"`
	Valid        bool           `json:"valid"`
	Warning      *bool          `json:"warning"`
	ReadConcern  map[string]any `json:"readConcern"`
	WriteConcern map[string]any `json:"writeConcern"`
}

// TestSpecReadWriteConcern runs the read-write-concern/connection-string
// tests. Where they expect an invalid value to be an error ("w=-2",
// "wtimeoutMS=-500"), Motor's default mode agrees; the uri-options tests
// expect the lenient mode's warning for the same kind of value.
func TestSpecReadWriteConcern(t *testing.T) {
	dir := spectest.Dir(t, "read-write-concern", "connection-string")
	for _, file := range spectest.Files(t, dir) {
		var f struct{ Tests []concernTest }
		spectest.Load(t, file, &f)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			for _, tc := range f.Tests {
				t.Run(tc.Description, func(t *testing.T) {
					t.Parallel()
					runConcernTest(t, tc)
				})
			}
		})
	}
}

func runConcernTest(t *testing.T, tc concernTest) {
	res := parseURI(t, tc.URI, false)
	if !tc.Valid {
		if res.err == nil {
			t.Fatalf("ParseURI(%q) succeeded, want an error", tc.URI)
		}
		return
	}
	if res.err != nil {
		t.Fatalf("unexpected error: %v", res.err)
	}
	if len(res.warnings) > 0 {
		t.Errorf("unexpected warnings: %q", res.warnings)
	}
	if tc.ReadConcern != nil {
		level := ""
		if rc := res.cfg.ReadConcern; rc != nil {
			level = rc.Level
		}
		if want, _ := tc.ReadConcern["level"].(string); level != want {
			t.Errorf("read concern level = %q, want %q", level, want)
		}
	}
	if tc.WriteConcern != nil {
		if len(tc.WriteConcern) == 0 && res.cfg.WriteConcern != nil {
			t.Errorf("write concern = %+v, want none", *res.cfg.WriteConcern)
		}
		for k, want := range tc.WriteConcern {
			if got := writeConcernValue(res.cfg.WriteConcern, k); got != want {
				t.Errorf("%s = %#v, want %#v", k, got, want)
			}
		}
	}
}
