package testenv

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLacks checks which variants a MOTOR_TEST_URI can serve.
func TestLacks(t *testing.T) {
	const (
		plain  = "mongodb://localhost:27017/"
		auth   = "mongodb://u:p@localhost:27017/?authSource=admin"
		tlsURI = "mongodb://u:p@h1:27017,h2:27018/db?TLS=true&tlsCertificateKeyFile=/x.pem&replicaSet=rs"
		srv    = "mongodb+srv://u:p@cluster.example.com/?ssl=true"
	)
	for _, tc := range []struct {
		uri  string
		opts Options
		want string // a word of the reason, or "" when the URI serves
	}{
		{plain, Options{}, ""},
		{plain, Options{Auth: true}, "credentials"},
		{plain, Options{TLS: true}, "TLS"},
		{plain, Options{ReplicaSet: "rs0"}, "replica set"},
		{auth, Options{Auth: true}, ""},
		{auth, Options{RequireClientCert: true}, "TLS"},
		{tlsURI, Options{Auth: true, RequireClientCert: true, ReplicaSet: "rs0"}, ""},
		{srv, Options{Auth: true, TLS: true}, ""},
		{srv, Options{RequireClientCert: true}, "client certificate"},
		{"mongodb://h:1/?tls=false", Options{TLS: true}, "TLS"},
	} {
		got := lacks(tc.uri, tc.opts)
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("lacks(%q, %+v) = %q, want %q", tc.uri, tc.opts, got, tc.want)
		}
	}
}

// TestRedact checks that passwords do not reach skip messages.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://u:secret@h:1/?tls=true": "mongodb://xxxxx@h:1/?tls=true",
		"mongodb://u:se@cr@et@h1,h2":       "mongodb://xxxxx@h1,h2",
		"mongodb://h:1/":                   "mongodb://h:1/",
		"not a uri":                        "not a uri",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSharedAndURI checks that URI falls back to a shared FerretDB server
// when MOTOR_TEST_URI is unset, that the server is reused, that it answers,
// and that URI passes MOTOR_TEST_URI through when set.
func TestSharedAndURI(t *testing.T) {
	t.Setenv(EnvURI, "")
	uri := URI(t, Options{})
	s := Shared(t, Options{})
	if uri != s.URI || Shared(t, Options{}) != s {
		t.Errorf("URI %q and Shared %q differ, or Shared started a second server", uri, s.URI)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}

	t.Setenv(EnvURI, "mongodb://elsewhere:27017/")
	if got := URI(t, Options{}); got != "mongodb://elsewhere:27017/" {
		t.Errorf("URI with %s set = %q", EnvURI, got)
	}
}
