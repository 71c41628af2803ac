package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

// EnvURI names the environment variable that points the tests at a real
// server instead of FerretDB.
const EnvURI = "MOTOR_TEST_URI"

// shared holds the servers started by URI and Shared in this process, one
// per Options, with the error of a failed start so that it is not retried by
// every test.
var shared struct {
	sync.Mutex
	servers map[Options]*sharedServer
}

type sharedServer struct {
	once sync.Once
	s    *Server
	err  error
}

// URI returns the connection string of a server with opts for the test t.
//
// When MOTOR_TEST_URI is set, URI returns it, unless opts asks for something
// that connection string shows it lacks; then it skips t with the reason: no
// credentials in it for opts.Auth, no tls=true (or ssl=true) for opts.TLS, no
// tlsCertificateKeyFile for opts.RequireClientCert, no replicaSet for
// opts.ReplicaSet. One real server can offer only the variants it is
// configured for, and the others are covered by the FerretDB runs.
//
// Otherwise URI returns the URI of the FerretDB server that [Shared] starts.
func URI(t testing.TB, opts Options) string {
	t.Helper()
	if uri := os.Getenv(EnvURI); uri != "" {
		if reason := lacks(uri, opts); reason != "" {
			t.Skipf("%s=%s cannot serve this test: %s", EnvURI, redact(uri), reason)
		}
		return uri
	}
	return Shared(t, opts).URI
}

// Shared returns a FerretDB server with opts shared by all the tests of this
// test binary, starting it on first use; [Main] stops it at exit. It fails t
// if the server cannot start. Shared ignores MOTOR_TEST_URI: tests that need
// what only testenv knows (the users of each mechanism, the certificate files)
// call it directly.
func Shared(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.RequireClientCert {
		opts.TLS = true
	}
	shared.Lock()
	if shared.servers == nil {
		shared.servers = map[Options]*sharedServer{}
	}
	ss := shared.servers[opts]
	if ss == nil {
		ss = &sharedServer{}
		shared.servers[opts] = ss
	}
	shared.Unlock()
	ss.once.Do(func() {
		ss.s, ss.err = Start(context.Background(), opts)
	})
	if ss.err != nil {
		t.Fatalf("testenv: starting the shared FerretDB %+v: %v", opts, ss.err)
	}
	return ss.s
}

// Main runs the tests of m, then stops every server that [Shared] or [URI]
// started, and exits with the tests' status (or 1 if a server did not stop
// cleanly). Call it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// StopShared stops the shared servers started so far and forgets them.
func StopShared() error {
	shared.Lock()
	servers := shared.servers
	shared.servers = nil
	shared.Unlock()
	var errs []error
	for _, ss := range servers {
		ss.once.Do(func() {}) // wait for a start in progress
		if ss.s != nil {
			if err := ss.s.Stop(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// lacks returns why uri cannot serve a test that needs opts, or "". It
// reads the connection string loosely (net/url rejects several hosts), for
// the parts it needs: the user information and the options.
func lacks(uri string, opts Options) string {
	_, rest, _ := strings.Cut(uri, "://")
	authority, query, _ := strings.Cut(rest, "?")
	authority, _, _ = strings.Cut(authority, "/")
	q := url.Values{}
	if parsed, err := url.ParseQuery(query); err == nil {
		for k, v := range parsed {
			q[strings.ToLower(k)] = v
		}
	}
	hasUser := strings.Contains(authority, "@")
	switch {
	case opts.Auth && !hasUser:
		return "the test needs authentication and the URI has no credentials"
	case (opts.TLS || opts.RequireClientCert) && q.Get("tls") != "true" && q.Get("ssl") != "true":
		return "the test needs TLS and the URI has no tls=true"
	case opts.RequireClientCert && q.Get("tlscertificatekeyfile") == "":
		return "the test needs a client certificate and the URI has no tlsCertificateKeyFile"
	case opts.ReplicaSet != "" && q.Get("replicaset") == "":
		return "the test needs a replica set and the URI has no replicaSet"
	}
	return ""
}

// redact hides the user information of uri.
func redact(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = "xxxxx@" + authority[i+1:]
	}
	return scheme + "://" + authority + path
}
