package motor_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	motor "github.com/motor-go/motor"
	"github.com/motor-go/motor/internal/spectest"
)

// FuzzParseURI checks that no input makes the parser panic, that errors are
// *ConfigErrors, and that a parsed Config survives a round trip through its
// unredacted connection string: parsing that string gives a Config whose
// string is the same. The corpus is every URI of the specification tests.
// DNS comes from the test zone and TLS files are never read.
func FuzzParseURI(f *testing.F) {
	for _, uri := range specURIs(f) {
		f.Add(uri)
	}
	for _, uri := range []string{
		"mongodb://u%40x:p%3Aw@h1:1,[fe80::1%25eth0]:2,%2Ftmp%2Fm.sock/d%3Fb?appName=a%26b&readPreference=nearest&readPreferenceTags=dc:ny,rack:1&readPreferenceTags=",
		"mongodb://h/?proxyHost=p&proxyPort=1081&proxyUsername=u&proxyPassword=p%26w&tlsCertificateKeyFilePassword=x&compressors=zstd,zlib",
		"mongodb://h/?authMechanism=MONGODB-OIDC&authMechanismProperties=ENVIRONMENT:azure,TOKEN_RESOURCE:api%3A%2F%2Fx&w=tag%20set&timeoutMS=0",
		"mongodb+srv://test1.test.build.10gen.cc/?srvMaxHosts=1&tls=false&uuidRepresentation=standard",
	} {
		f.Add(uri)
	}
	noFiles := func(name string) ([]byte, error) { return nil, os.ErrNotExist }
	parse := func(uri string, lenient bool) (*motor.Config, error) {
		opts := motor.ParseOptions{Resolver: testZone, Lenient: lenient, Warn: func(string) {}}
		return motor.ParseURIWith(context.Background(), uri, motor.WithReadFile(opts, noFiles))
	}
	f.Fuzz(func(t *testing.T, uri string) {
		for _, lenient := range []bool{false, true} {
			cfg, err := parse(uri, lenient)
			if err != nil {
				var ce *motor.ConfigError
				if !errors.As(err, &ce) || cfg != nil {
					t.Fatalf("ParseURI(%q) = %v, %v; want nil and a *ConfigError", uri, cfg, err)
				}
				continue
			}
			_ = cfg.String()
			s1 := motor.UnredactedString(cfg)
			cfg2, err := parse(s1, false)
			if err != nil {
				t.Fatalf("ParseURI(%q) succeeded but its string %q fails: %v", uri, s1, err)
			}
			if s2 := motor.UnredactedString(cfg2); s2 != s1 {
				t.Fatalf("round trip of %q is unstable:\n%s\n%s", uri, s1, s2)
			}
			if cfg.SRVHost == "" && strings.Join(cfg.Hosts, ",") != strings.Join(cfg2.Hosts, ",") {
				t.Fatalf("round trip of %q changes the hosts: %q, %q", uri, cfg.Hosts, cfg2.Hosts)
			}
		}
	})
}

// specURIs returns the uri of every test in the spec files the parser's
// tests use.
func specURIs(tb testing.TB) []string {
	var uris []string
	for _, dir := range []string{"connection-string", "uri-options", "auth/legacy", "read-write-concern/connection-string"} {
		for _, file := range spectest.Files(tb, spectest.Dir(tb, filepath.FromSlash(dir))) {
			var f struct {
				Tests []struct {
					URI string `json:"uri"`
				} `json:"tests"`
			}
			spectest.Load(tb, file, &f)
			for _, tc := range f.Tests {
				uris = append(uris, tc.URI)
			}
		}
	}
	root := spectest.Dir(tb, "initial-dns-seedlist-discovery")
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	for _, file := range files {
		var tc struct {
			URI string `json:"uri"`
		}
		data, err := os.ReadFile(file)
		if err == nil && json.Unmarshal(data, &tc) == nil {
			uris = append(uris, tc.URI)
		}
	}
	return uris
}
