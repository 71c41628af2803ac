package motor_test

// Runners for the Connection String and URI Options specification tests.

import (
	"errors"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	motor "github.com/motor-go/motor"
	"github.com/motor-go/motor/internal/spectest"
)

// uriTest is one test of the connection-string and uri-options files.
type uriTest struct {
	Description string `json:"description"`
	URI         string `json:"uri"`
	Valid       bool   `json:"valid"`
	Warning     *bool  `json:"warning"`
	Hosts       []struct {
		Type string   `json:"type"`
		Host string   `json:"host"`
		Port *float64 `json:"port"`
	} `json:"hosts"`
	Auth *struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
		DB       *string `json:"db"`
	} `json:"auth"`
	Options map[string]any `json:"options"`
}

func TestSpecConnectionString(t *testing.T) {
	runURITests(t, spectest.Dir(t, "connection-string"))
}

func TestSpecURIOptions(t *testing.T) {
	runURITests(t, spectest.Dir(t, "uri-options"))
}

func runURITests(t *testing.T, dir string) {
	for _, file := range spectest.Files(t, dir) {
		var f struct{ Tests []uriTest }
		spectest.Load(t, file, &f)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			for _, tc := range f.Tests {
				t.Run(tc.Description, func(t *testing.T) {
					t.Parallel()
					runURITest(t, tc)
				})
			}
		})
	}
}

// runURITest parses the URI in the default (strict) mode and in lenient
// mode. A "warning" test is one where the specification wants an invalid
// value ignored with a warning: lenient mode must do exactly that, and the
// default mode must either warn too (unknown or repeated options, empty
// values) or fail with an error naming the option.
func runURITest(t *testing.T, tc uriTest) {
	strict := parseURI(t, tc.URI, false)
	lenient := parseURI(t, tc.URI, true)
	if !tc.Valid {
		if strict.err == nil {
			t.Fatalf("ParseURI(%q) succeeded, want an error", tc.URI)
		}
		if lenient.err == nil {
			t.Fatalf("lenient ParseURI(%q) succeeded, want an error", tc.URI)
		}
		return
	}
	res := strict
	if tc.Warning != nil && *tc.Warning {
		if lenient.err != nil {
			t.Fatalf("lenient: unexpected error: %v", lenient.err)
		}
		if len(lenient.warnings) == 0 {
			t.Fatalf("lenient: no warning")
		}
		if strict.err != nil {
			var ce *motor.ConfigError
			if !errors.As(strict.err, &ce) || ce.Option == "" {
				t.Fatalf("strict: error %v does not name an option", strict.err)
			}
		} else if len(strict.warnings) == 0 {
			t.Fatalf("strict: neither an error nor a warning")
		}
		res = lenient
	} else {
		for _, r := range []result{strict, lenient} {
			if r.err != nil {
				t.Fatalf("unexpected error: %v", r.err)
			}
			if len(r.warnings) > 0 {
				t.Fatalf("unexpected warnings: %q", r.warnings)
			}
		}
	}
	checkHosts(t, res.cfg, tc)
	if a := tc.Auth; a != nil {
		c := res.cfg.Auth
		if a.Username != nil && (c == nil || c.Username != *a.Username) {
			t.Errorf("username: got credential %v, want %q", c, *a.Username)
		}
		if a.Password != nil && (c == nil || c.Password != *a.Password || !c.PasswordSet) {
			t.Errorf("password does not match")
		}
		if a.DB != nil && res.cfg.Database != *a.DB {
			t.Errorf("database = %q, want %q", res.cfg.Database, *a.DB)
		}
	}
	checkOptions(t, res.cfg, tc.Options)
}

// checkHosts compares cfg.Hosts with the test's host list. A null port is
// not checked (Motor fills in 27017).
func checkHosts(t *testing.T, cfg *motor.Config, tc uriTest) {
	t.Helper()
	if tc.Hosts == nil {
		return
	}
	if len(cfg.Hosts) != len(tc.Hosts) {
		t.Fatalf("hosts = %q, want %d hosts", cfg.Hosts, len(tc.Hosts))
	}
	for i, want := range tc.Hosts {
		got := cfg.Hosts[i]
		if want.Type == "unix" {
			if got != want.Host {
				t.Errorf("host %d = %q, want socket %q", i, got, want.Host)
			}
			continue
		}
		host, port, err := net.SplitHostPort(got)
		if err != nil {
			t.Errorf("host %d = %q: %v", i, got, err)
			continue
		}
		if host != want.Host {
			t.Errorf("host %d = %q, want %q", i, host, want.Host)
		}
		if want.Port != nil && port != strconv.Itoa(int(*want.Port)) {
			t.Errorf("host %d port = %s, want %v", i, port, *want.Port)
		}
		addr, ipErr := netip.ParseAddr(host)
		var kind string
		switch {
		case ipErr == nil && addr.Is4():
			kind = "ipv4"
		case ipErr == nil:
			kind = "ip_literal"
		default:
			kind = "hostname"
		}
		if want.Type != "" && kind != want.Type {
			t.Errorf("host %d %q is a %s, want %s", i, host, kind, want.Type)
		}
	}
}
