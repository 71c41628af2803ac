package conn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/internal/testenv"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/mongoerr"
)

// TestMain stops the FerretDB servers the integration tests start.
func TestMain(m *testing.M) { testenv.Main(m) }

// run sends cmd to db and returns a copy of the reply.
func run(t *testing.T, c *Conn, db string, cmd bson.D, seqs ...wire.Sequence) (bson.Raw, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.RoundTrip(ctx, &Command{DB: db, Body: marshal(t, cmd), Sequences: seqs})
	if err != nil {
		return nil, err
	}
	defer r.Release()
	return append(bson.Raw(nil), r.Body...), nil
}

func mustRun(t *testing.T, c *Conn, db string, cmd bson.D, seqs ...wire.Sequence) bson.Raw {
	t.Helper()
	reply, err := run(t, c, db, cmd, seqs...)
	if err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	return reply
}

func TestFerretDBPlain(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{})
	c := dial(t, srv.Addr, &Config{AppName: "conn-integration", Compressors: []string{"zstd", "snappy", "zlib"}, ZlibLevel: -1, ConnectTimeout: 10 * time.Second})
	d := c.Description()
	if !d.HelloOK || d.MaxWireVersion < 6 || d.MaxBSONObjectSize <= 0 || d.MaxMessageSize <= 0 || d.Hello.Lookup("ok").Type == 0 {
		t.Errorf("Description %+v", d)
	}
	mustRun(t, c, "admin", pingCmd)

	coll := fmt.Sprintf("conn_%d", time.Now().UnixNano())
	t.Cleanup(func() { _, _ = run(t, c, "conntest", bson.D{{Key: "drop", Value: coll}}) })

	// An insert with its documents in a document sequence.
	var docs []byte
	for i := range 3 {
		docs = append(docs, marshal(t, bson.D{{Key: "_id", Value: int32(i)}})...)
	}
	reply := mustRun(t, c, "conntest", bson.D{{Key: "insert", Value: coll}}, wire.Sequence{Identifier: "documents", Docs: docs})
	if n := reply.Lookup("n").Int32(); n != 3 {
		t.Errorf("inserted %d: %v", n, reply)
	}

	// Unacknowledged writes: FerretDB replies to them all the same, and
	// those replies must not reach the next command.
	for i := 3; i < 6; i++ {
		cmd := marshal(t, bson.D{{Key: "insert", Value: coll}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: int32(i)}}}},
			{Key: "writeConcern", Value: bson.D{{Key: "w", Value: int32(0)}}}})
		if err := c.Send(context.Background(), &Command{DB: "conntest", Body: cmd}); err != nil {
			t.Fatal(err)
		}
	}
	reply = mustRun(t, c, "conntest", bson.D{{Key: "count", Value: coll}})
	// FerretDB did answer the three, and their replies were dropped.
	if c.discarded != 3 {
		t.Errorf("%d replies to w:0 writes discarded, want 3", c.discarded)
	}
	if n, _ := reply.Lookup("n").AsInt64OK(); n != 6 || reply.Lookup("cursor").Type != 0 {
		t.Errorf("count after the w:0 inserts: %v", reply)
	}
	reply = mustRun(t, c, "conntest", bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: bson.D{{Key: "_id", Value: int32(4)}}}})
	if got := reply.Lookup("cursor", "firstBatch").Array().Index(0).Document().Lookup("_id").Int32(); got != 4 {
		t.Errorf("find: %v", reply)
	}

	// A server error leaves the connection usable.
	_, err := run(t, c, "conntest", bson.D{{Key: "noSuchCommand", Value: 1}})
	var se *mongoerr.ServerError
	if !errors.As(err, &se) || c.Err() != nil {
		t.Errorf("unknown command: %v, connection err %v", err, c.Err())
	}
	mustRun(t, c, "admin", pingCmd)
}

func TestFerretDBCancel(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{})
	c := dial(t, srv.Addr, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.RoundTrip(ctx, &Command{DB: "admin", Body: marshal(t, pingCmd)}); !errors.Is(err, context.Canceled) || c.Err() != nil {
		t.Errorf("RoundTrip with a cancelled context: %v (conn err %v)", err, c.Err())
	}
	mustRun(t, c, "admin", pingCmd)
}

func authenticator(t *testing.T, mech string, u testenv.User, password string) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(auth.Credential{Mechanism: mech, Username: u.Name, Password: password, PasswordSet: true, Source: u.Source})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestFerretDBAuth(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{Auth: true})
	for _, u := range srv.Users {
		for _, mech := range append([]string{""}, u.Mechanisms...) {
			t.Run(u.Name+"/"+mech, func(t *testing.T) {
				c := dial(t, srv.Addr, &Config{Authenticator: authenticator(t, mech, u, u.Password)})
				reply := mustRun(t, c, "admin", bson.D{{Key: "listDatabases", Value: 1}, {Key: "nameOnly", Value: true}})
				if reply.Lookup("databases").Type != bson.TypeArray {
					t.Errorf("listDatabases: %v", reply)
				}
				if c.Description().Hello.Lookup("speculativeAuthenticate").Type != 0 {
					t.Error("Description.Hello keeps speculativeAuthenticate")
				}
			})
		}
	}

	user := func(name string) testenv.User {
		for _, u := range srv.Users {
			if u.Name == name {
				return u
			}
		}
		t.Fatalf("no user %s", name)
		return testenv.User{}
	}
	const wrong = "not-the-password-0123"
	for _, tc := range []struct {
		name     string
		mech     string
		user     testenv.User
		password string
	}{
		{"wrong password", "", user(testenv.AdminUser), wrong},
		{"wrong password SCRAM-SHA-1", auth.SCRAMSHA1, user(testenv.AdminUser), wrong},
		{"SHA-1 user with SCRAM-SHA-256", auth.SCRAMSHA256, user(testenv.SHA1User), user(testenv.SHA1User).Password},
		{"SHA-256 user with SCRAM-SHA-1", auth.SCRAMSHA1, user(testenv.SHA256User), user(testenv.SHA256User).Password},
		{"unknown user", "", testenv.User{Name: "nobody", Source: "admin"}, wrong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &recordingDialer{}
			_, err := Dial(context.Background(), srv.Addr, &Config{Dialer: d, Authenticator: authenticator(t, tc.mech, tc.user, tc.password)})
			var ae *auth.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Dial: %v (%T), want an *auth.Error", err, err)
			}
			t.Logf("Dial: %v", err)
			if msg := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(msg, tc.password) {
				t.Errorf("the error shows the password: %s", msg)
			}
			if !d.allClosed() {
				t.Error("the connection was left open")
			}
		})
	}

	t.Run("no credentials", func(t *testing.T) {
		c := dial(t, srv.Addr, nil)
		mustRun(t, c, "admin", pingCmd)
		_, err := run(t, c, "admin", bson.D{{Key: "listDatabases", Value: 1}})
		var se *mongoerr.ServerError
		if !errors.As(err, &se) {
			t.Errorf("listDatabases without credentials: %v", err)
		}
	})
}

// caPool reads the server's CA certificate.
func caPool(t *testing.T, srv *testenv.Server) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no CA certificate")
	}
	return pool
}

// allowInvalidHostnames makes conf check the chain but not the host name,
// as the layer above builds tlsAllowInvalidHostnames.
func allowInvalidHostnames(conf *tls.Config) *tls.Config {
	roots := conf.RootCAs
	conf.InsecureSkipVerify = true
	conf.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
	return conf
}

func TestFerretDBTLS(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{TLS: true})
	_, port, _ := net.SplitHostPort(srv.Addr)
	pool := caPool(t, srv)
	ok := []struct {
		name string
		addr string
		conf *tls.Config
	}{
		{"CA verification", srv.Addr, &tls.Config{RootCAs: pool}},
		{"CA verification by host name", net.JoinHostPort("localhost", port), &tls.Config{RootCAs: pool}},
		{"tlsInsecure", srv.Addr, &tls.Config{InsecureSkipVerify: true}},
		{"tlsAllowInvalidCertificates with another name", srv.Addr, &tls.Config{InsecureSkipVerify: true, ServerName: "db.example.com"}},
		{"tlsAllowInvalidHostnames", srv.Addr, allowInvalidHostnames(&tls.Config{RootCAs: pool, ServerName: "db.example.com"})},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.conf.ServerName
			c := dial(t, tc.addr, &Config{TLSConfig: tc.conf})
			mustRun(t, c, "admin", pingCmd)
			if tc.conf.ServerName != name {
				t.Error("Dial changed the caller's tls.Config")
			}
		})
	}

	fail := []struct {
		name string
		conf *tls.Config
		want func(error) bool
	}{
		{"unknown CA", &tls.Config{}, func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{"wrong host name", &tls.Config{RootCAs: pool, ServerName: "db.example.com"}, func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
		{"tlsAllowInvalidHostnames still checks the chain", allowInvalidHostnames(&tls.Config{RootCAs: x509.NewCertPool(), ServerName: "db.example.com"}),
			func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
	}
	for _, tc := range fail {
		t.Run(tc.name, func(t *testing.T) {
			d := &recordingDialer{}
			_, err := Dial(context.Background(), srv.Addr, &Config{Dialer: d, TLSConfig: tc.conf})
			t.Logf("Dial: %v", err)
			ne := networkError(t, err)
			if ne.Op != "tls" || !tc.want(err) {
				t.Errorf("Dial: %v (op %q)", err, ne.Op)
			}
			if !d.allClosed() {
				t.Error("the connection was left open")
			}
		})
	}

	t.Run("plain TCP to a TLS server", func(t *testing.T) {
		_, err := Dial(context.Background(), srv.Addr, &Config{ConnectTimeout: 10 * time.Second})
		if ne := networkError(t, err); ne.Op != "handshake" {
			t.Errorf("Dial: %v", err)
		}
	})
}

func TestFerretDBClientCertificate(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{RequireClientCert: true})
	conf, err := srv.ClientTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv.Addr, &Config{TLSConfig: conf})
	mustRun(t, c, "admin", pingCmd)

	// Without the certificate the server refuses: during the TLS handshake,
	// or (TLS 1.3) at the first read that follows it.
	d := &recordingDialer{}
	_, err = Dial(context.Background(), srv.Addr, &Config{Dialer: d, TLSConfig: &tls.Config{RootCAs: caPool(t, srv)}, ConnectTimeout: 10 * time.Second})
	t.Logf("Dial: %v", err)
	ne := networkError(t, err)
	if ne.Op != "tls" && ne.Op != "handshake" {
		t.Errorf("Dial without a client certificate: %v", err)
	}
	if !d.allClosed() {
		t.Error("the connection was left open")
	}
}
