package testenv

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// startTimeout bounds each start in these tests after the binary exists.
const startTimeout = time.Minute

// TestBuild builds (or finds) the FerretDB binary and checks its version.
// The first build on a machine takes minutes; its time is logged.
func TestBuild(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout)
	defer cancel()
	start := time.Now()
	bin, err := Binary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("binary %s ready in %s", bin, time.Since(start).Round(time.Millisecond))
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	if !strings.Contains(string(out), "version: "+FerretDBVersion+"\n") || !strings.Contains(string(out), "debugBuild: false") {
		t.Errorf("%s --version printed:\n%s", bin, out)
	}
	again, err := Binary(ctx)
	if err != nil || again != bin {
		t.Errorf("second Binary = %q, %v; want %q", again, err, bin)
	}
}

// command runs cmd on a new connection to s.
func command(ctx context.Context, t *testing.T, s *Server, cmd doc) (doc, error) {
	t.Helper()
	c, err := s.Dial(ctx)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	defer c.Close()
	return roundTrip(ctx, c, cmd)
}

// startServer starts a server with opts and registers its stop, which checks
// that the process and the directory are gone.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout+startTimeout)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started %+v in %s: pid %d, %s, RSS %s", opts, s.StartTime.Round(time.Millisecond), s.PID, s.URI, rss(s.PID))
	t.Cleanup(func() { checkStop(t, s) })
	return s
}

func checkStop(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if err := syscall.Kill(s.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, kill(%d, 0) = %v, want ESRCH", s.PID, err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Stop, %s: %v, want it removed", s.Dir, err)
	}
}

// rss reads the resident set size of pid from /proc, where there is one.
func rss(pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "unknown"
}

// TestPlain checks what FerretDB's hello says about a standalone server.
func TestPlain(t *testing.T) {
	s := startServer(t, Options{})
	if !strings.HasPrefix(s.URI, "mongodb://127.0.0.1:") || !strings.HasSuffix(s.URI, "/") {
		t.Errorf("URI = %q", s.URI)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	hello, err := command(ctx, t, s, doc{{"hello", int32(1)}, {"$db", "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hello: %v", hello)
	if hello.get("isWritablePrimary") != true || hello.get("setName") != nil || hello.get("maxWireVersion") != int32(21) {
		t.Errorf("hello = %v, want a writable standalone with maxWireVersion 21", hello)
	}
	// Without authentication, any command runs.
	if _, err := command(ctx, t, s, doc{{"listDatabases", int32(1)}, {"$db", "admin"}}); err != nil {
		t.Errorf("listDatabases: %v", err)
	}
}

// TestReplicaSet checks that hello reports a one-member replica set whose
// member is the URI's host.
func TestReplicaSet(t *testing.T) {
	s := startServer(t, Options{ReplicaSet: "rs0"})
	if !strings.Contains(s.URI, "replicaSet=rs0") {
		t.Errorf("URI = %q, want replicaSet=rs0", s.URI)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	hello, err := command(ctx, t, s, doc{{"hello", int32(1)}, {"$db", "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("hello: %v", hello)
	if hello.str("setName") != "rs0" || !slices.Equal(hello.strings("hosts"), []string{s.Addr}) || hello.get("isWritablePrimary") != true {
		t.Errorf("hello = %v, want setName rs0, hosts [%s], isWritablePrimary", hello, s.Addr)
	}
}

// TestAuth checks the users and mechanisms of a server with authentication.
func TestAuth(t *testing.T) {
	s := startServer(t, Options{Auth: true})
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if !strings.HasPrefix(s.URI, "mongodb://"+AdminUser+":"+s.Password+"@127.0.0.1:") || !strings.Contains(s.URI, "authSource=admin") {
		t.Errorf("URI = %q", s.URI)
	}
	if _, err := command(ctx, t, s, doc{{"ping", int32(1)}, {"$db", "admin"}}); err != nil {
		t.Errorf("unauthenticated ping: %v", err)
	}
	_, err := command(ctx, t, s, doc{{"listDatabases", int32(1)}, {"$db", "admin"}})
	var ce *commandError
	if !errors.As(err, &ce) || ce.Code != 13 {
		t.Errorf("unauthenticated listDatabases: %v, want code 13 (Unauthorized)", err)
	} else {
		t.Logf("unauthenticated listDatabases: %v", err)
	}

	for _, u := range s.Users {
		hello, err := command(ctx, t, s, doc{{"hello", int32(1)}, {"saslSupportedMechs", "admin." + u.Name}, {"$db", "admin"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := hello.strings("saslSupportedMechs"); !reflect.DeepEqual(got, u.Mechanisms) {
			t.Errorf("saslSupportedMechs for %s = %q, want %q", u.Name, got, u.Mechanisms)
		}
		for _, mech := range []string{ScramSHA1, ScramSHA256} {
			c, err := s.Dial(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = authenticate(ctx, c, mech, u.Source, u.Name, u.Password)
			if slices.Contains(u.Mechanisms, mech) {
				if err != nil {
					t.Errorf("%s with %s: %v", u.Name, mech, err)
				} else if _, err := roundTrip(ctx, c, doc{{"listDatabases", int32(1)}, {"$db", "admin"}}); err != nil {
					t.Errorf("%s with %s: listDatabases: %v", u.Name, mech, err)
				}
			} else if !errors.As(err, &ce) || ce.Code != 334 {
				t.Errorf("%s with %s: %v, want code 334 (MechanismUnavailable)", u.Name, mech, err)
			}
			c.Close()
		}
		c, _ := s.Dial(ctx)
		err = authenticate(ctx, c, u.Mechanisms[0], u.Source, u.Name, u.Password+"x")
		c.Close()
		if !errors.As(err, &ce) || ce.Code != 18 {
			t.Errorf("%s with a wrong password: %v, want code 18 (AuthenticationFailed)", u.Name, err)
		}
	}
	hello, err := command(ctx, t, s, doc{{"hello", int32(1)}, {"saslSupportedMechs", "admin.nobody"}, {"$db", "admin"}})
	if err != nil || hello.get("saslSupportedMechs") != nil {
		t.Errorf("hello for an unknown user = %v, %v; want no saslSupportedMechs", hello, err)
	}
}

// TestTLS checks that a TLS server accepts TLS only, and that with
// RequireClientCert it rejects a handshake without the client certificate.
func TestTLS(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"tls", Options{TLS: true}},
		{"tls+clientcert", Options{RequireClientCert: true}},
		{"auth+tls+clientcert", Options{Auth: true, RequireClientCert: true}},
	} {
		opts := tc.opts
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, opts)
			if !strings.Contains(s.URI, "tls=true") || !strings.Contains(s.URI, "tlsCAFile=") ||
				strings.Contains(s.URI, "tlsCertificateKeyFile=") != opts.RequireClientCert {
				t.Errorf("URI = %q", s.URI)
			}
			ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
			defer cancel()
			if _, err := command(ctx, t, s, doc{{"ping", int32(1)}, {"$db", "admin"}}); err != nil {
				t.Fatalf("ping over TLS: %v", err)
			}

			// A plain connection gets no OP_MSG reply.
			c, err := net.DialTimeout("tcp", s.Addr, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
			_, err = roundTrip(short, c, doc{{"ping", int32(1)}, {"$db", "admin"}})
			cancelShort()
			c.Close()
			if err == nil {
				t.Error("a plain OP_MSG ping on the TLS port succeeded")
			} else {
				t.Logf("plain ping on the TLS port: %v", err)
			}

			cfg, err := s.ClientTLSConfig()
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = nil
			tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", s.Addr, cfg)
			if err == nil {
				short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
				_, err = roundTrip(short, tc, doc{{"ping", int32(1)}, {"$db", "admin"}})
				cancelShort()
				tc.Close()
			}
			if opts.RequireClientCert && err == nil {
				t.Error("a TLS ping without a client certificate succeeded")
			}
			if !opts.RequireClientCert && err != nil {
				t.Errorf("a TLS ping without a client certificate failed: %v", err)
			}
			if opts.RequireClientCert {
				t.Logf("TLS ping without a client certificate: %v", err)
			}
		})
	}
}

// TestStartRejects checks the option combination Start refuses.
func TestStartRejects(t *testing.T) {
	if _, err := Start(context.Background(), Options{TLS: true, ReplicaSet: "rs0"}); err == nil {
		t.Error("Start accepted TLS with ReplicaSet")
	}
}

// TestStopAfterCrash checks that Stop reports a process that died on its own.
func TestStopAfterCrash(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout+startTimeout)
	defer cancel()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(s.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.proc.exited
	err = s.Stop()
	if err == nil || !strings.Contains(err.Error(), "had already exited") {
		t.Errorf("Stop after SIGKILL = %v, want an error", err)
	}
	if err2 := s.Stop(); err2 != err {
		t.Errorf("second Stop = %v, want the first result", err2)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s not removed: %v", s.Dir, err)
	}
}

func TestStartCancelledCleansUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, err := Start(ctx, Options{})
	if err == nil {
		s.Stop()
		t.Fatal("Start with a cancelled context succeeded")
	}
}
