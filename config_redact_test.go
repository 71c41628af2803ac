package motor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	motor "github.com/motor-go/motor"
)

// secret is the password of the URIs below; no message may contain it, or
// a piece of it.
const secret = "Sup3rS3cr3tPw"

// secretPieces are fragments that badly escaped URIs split the secret into.
var secretPieces = []string{secret, "Sup3rS", "3cr3tPw", "Sup3r", "S3cr3t"}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, p := range secretPieces {
		if strings.Contains(s, p) {
			t.Errorf("%s contains %q: %s", what, p, s)
		}
	}
}

// TestErrorsHidePassword parses connection strings whose user information is
// wrong in the ways users get it wrong, and checks that no error or warning
// shows the password.
func TestErrorsHidePassword(t *testing.T) {
	uris := []string{
		"mongodb://user:" + secret + "@host:bad",
		"mongodb://user:Sup3rS/3cr3tPw@host/db",
		"mongodb://user:Sup3rS?3cr3tPw@host/db",
		"mongodb://user:Sup3rS?3cr3tPw=x@host/db",
		"mongodb://user:Sup3rS:3cr3tPw@host",
		"mongodb://user:Sup3rS@3cr3tPw@host",
		"mongodb://user:Sup3rS%3cr3tPw@host",
		"mongodb://user:Sup3rS%zz3cr3tPw@host",
		"mongodb://user:Sup3rS#3cr3tPw@host",
		"mongodb://user:Sup3rS/3cr3tPw@host:1/db?w=bad",
		"mongodb://user:Sup3rS/3cr3tPw@host/?foo=bar",
		"mongodb://user:Sup3rS?3cr3tPw@host/?w=1&appName=x",
		"mongodb://user:Sup3rS/3cr3tPw@h%zz/db",
		"mongodb://user:" + secret + "@host/?authMechanism=MONGODB-X509",
		"mongodb://user:" + secret + "@host/?authMechanism=MONGODB-AWS",
		"mongodb://user:" + secret + "@host/?authMechanism=bogus",
		"mongodb+srv://user:" + secret + "@test4.test.build.10gen.cc",
		"mongodb+srv://user:" + secret + "@test1.test.build.10gen.cc/?loadBalanced=true",
		"mongodb://host/?proxyHost=p&proxyUsername=u&proxyPassword=" + secret + "&proxyPassword=" + secret,
		"mongodb://host/?proxyHost=p&proxyUsername=u&proxyPassword=" + secret + strings.Repeat("x", 300),
		"mongodb://host/?tlsCertificateKeyFilePassword=" + secret + "&tlsCertificateKeyFilePassword=" + secret,
		"mongodb://host/?authMechanism=MONGODB-OIDC&authMechanismProperties=ENVIRONMENT:azure,TOKEN_RESOURCE:res," + secret,
		"mongodb://host/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:" + secret,
	}
	for _, uri := range uris {
		for _, lenient := range []bool{false, true} {
			res := parseURI(t, uri, lenient)
			if res.err != nil {
				assertNoSecret(t, "error", res.err.Error())
			}
			for _, w := range res.warnings {
				assertNoSecret(t, "warning", w)
			}
			if res.cfg != nil {
				assertNoSecret(t, "String", res.cfg.String())
			}
		}
	}
}

// TestFormattingHidesSecrets prints a Config in every way fmt can.
func TestFormattingHidesSecrets(t *testing.T) {
	cfg := mustParse(t, "mongodb://user:"+secret+"@host/?proxyHost=p&proxyUsername=u&proxyPassword="+secret+
		"&tlsCertificateKeyFilePassword="+secret)
	if cfg.Auth.Password != secret || cfg.Proxy.Password != secret || cfg.TLSOptions.CertificateKeyFilePassword != secret {
		t.Fatal("the secrets were not parsed")
	}
	cfg.Auth.Properties = map[string]string{"CUSTOM_TOKEN": secret}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{cfg, *cfg, cfg.Auth, *cfg.Auth, cfg.Proxy, *cfg.Proxy, cfg.TLSOptions} {
			assertNoSecret(t, fmt.Sprintf("%s of %T", format, v), fmt.Sprintf(format, v))
		}
	}
	if s := cfg.String(); !strings.Contains(s, "user:REDACTED@") || !strings.Contains(s, "proxyPassword=REDACTED") ||
		!strings.Contains(s, "CUSTOM_TOKEN:REDACTED") {
		t.Errorf("String = %s", s)
	}
	if s := motor.UnredactedString(cfg); strings.Count(s, secret) != 4 {
		t.Errorf("unredacted string = %s, want the secret 4 times", s)
	}
}

// TestErrorMessages checks a few messages in full, as users read them.
func TestErrorMessages(t *testing.T) {
	tests := map[string]string{
		"":                           "motor: invalid connection string: empty connection string",
		"mongodb://h/?maxPoolSize=x": `motor: invalid connection string: maxPoolSize: invalid value "x": must be an integer`,
		"mongodb://h:99999":          `motor: invalid connection string: port "99999" is not a number from 1 to 65535`,
		"mongodb://u:p/q@h":          "motor: invalid connection string: port (not shown, as it may hold part of the password: percent-encode any '@', ':', '/' or '?' in the user name and password) is not a number from 1 to 65535",
		"mongodb://h/?tlsInsecure=true&tlsAllowInvalidHostnames=true": "motor: invalid connection string: tlsAllowInvalidHostnames: cannot be given together with tlsInsecure",
		"mongodb+srv://test4.test.build.10gen.cc": "motor: invalid connection string: cannot resolve the mongodb+srv host: " +
			"SRV lookup of _mongodb._tcp.test4.test.build.10gen.cc: no usable records: lookup _mongodb._tcp.test4.test.build.10gen.cc: no such host",
		"mongodb://h/?directConnection=true&loadBalanced=true": "motor: invalid connection string: loadBalanced: loadBalanced=true cannot be used with directConnection=true",
	}
	for uri, want := range tests {
		res := parseURI(t, uri, false)
		if res.err == nil || res.err.Error() != want {
			t.Errorf("ParseURI(%q):\n got %v\nwant %s", uri, res.err, want)
		}
	}
	var ce *motor.ConfigError
	res := parseURI(t, "mongodb+srv://test4.test.build.10gen.cc", false)
	if !errors.As(res.err, &ce) || ce.Err == nil {
		t.Errorf("a DNS error has no cause: %#v", res.err)
	}
}
