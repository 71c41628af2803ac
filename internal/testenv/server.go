package testenv

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Options chooses the variant of a test server. The zero value is a plain
// standalone server without authentication or TLS.
type Options struct {
	// Auth turns on SCRAM authentication and creates the users listed in
	// [Server.Users].
	Auth bool
	// TLS makes the server accept TLS connections only, with a certificate
	// for 127.0.0.1, ::1 and localhost signed by a CA generated at start.
	TLS bool
	// RequireClientCert makes the server require and verify a client
	// certificate signed by the same CA. It implies TLS.
	RequireClientCert bool
	// ReplicaSet, when not empty, makes the server answer hello as the
	// primary of a one-member replica set of that name. FerretDB reports its
	// plain TCP address as the member, so it cannot be combined with TLS.
	ReplicaSet string
}

// User is an account created on a server started with Options.Auth.
type User struct {
	Name     string
	Password string
	// Source is the authentication database.
	Source string
	// Mechanisms lists the SCRAM mechanisms the user has credentials for.
	Mechanisms []string
}

// The users that Start creates with Options.Auth, all in the admin database.
const (
	AdminUser     = "motor-admin"  // SCRAM-SHA-1 and SCRAM-SHA-256; created by FerretDB's --setup-username
	SHA1User      = "motor-sha1"   // SCRAM-SHA-1 only
	SHA256User    = "motor-sha256" // SCRAM-SHA-256 only
	authSourceDB  = "admin"
	startAttempts = 3
)

// Server is a FerretDB process started by [Start].
type Server struct {
	// URI is the connection string: mongodb://127.0.0.1:PORT/ with the
	// administrator's credentials and authSource when Options.Auth is set,
	// tls=true and tlsCAFile when Options.TLS is, tlsCertificateKeyFile with
	// Options.RequireClientCert, and replicaSet with Options.ReplicaSet.
	URI string
	// Addr is the listening address, 127.0.0.1:PORT.
	Addr string
	// PID is the FerretDB process's id.
	PID int
	// Dir is the temporary directory holding the data, the state, the
	// certificates and the log. Stop removes it.
	Dir string
	// LogFile is FerretDB's standard output and error.
	LogFile string
	// CAFile is the CA certificate (PEM), when TLS is on.
	CAFile string
	// ClientCertFile is the client certificate followed by its private key
	// (PEM, usable as tlsCertificateKeyFile), when RequireClientCert is set.
	ClientCertFile string
	// Username and Password are the administrator's, when Auth is set.
	Username, Password string
	// Users are all the accounts created, the administrator first, when Auth
	// is set.
	Users []User
	// Options are the options the server was started with.
	Options Options
	// StartTime is how long Start took after the binary was ready.
	StartTime time.Duration

	proc *process
	stop sync.Once
	err  error
}

// Start builds the FerretDB binary if needed (see [Binary]; the build is
// bounded by [BuildTimeout] and by ctx), then starts FerretDB with the SQLite
// backend and a new temporary directory on a free loopback port, waits until
// it answers ping, and creates the users that opts asks for. ctx bounds the
// whole start; without a deadline the part after the build is bounded by one
// minute. The caller must call [Server.Stop].
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.RequireClientCert {
		opts.TLS = true
	}
	if opts.TLS && opts.ReplicaSet != "" {
		return nil, errors.New("testenv: FerretDB reports --listen-addr as the replica set member, so ReplicaSet needs a plain TCP listener and cannot be combined with TLS")
	}
	bctx, cancel := context.WithTimeout(ctx, BuildTimeout)
	bin, err := Binary(bctx)
	cancel()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	began := time.Now()
	s, err := start(ctx, bin, opts)
	if err != nil {
		return nil, err
	}
	s.StartTime = time.Since(began)
	return s, nil
}

func start(ctx context.Context, bin string, opts Options) (s *Server, err error) {
	dir, err := os.MkdirTemp("", "motor-ferretdb-*")
	if err != nil {
		return nil, err
	}
	s = &Server{Dir: dir, LogFile: filepath.Join(dir, "ferretdb.log"), Options: opts}
	// The returns below set the named result s to nil on failure: stop the
	// server through its own variable, so that a process already spawned is
	// stopped and its directory removed.
	srv := s
	defer func() {
		if err != nil {
			_ = srv.Stop()
		}
	}()
	for _, sub := range []string{"data", "state"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	var certs certFiles
	if opts.TLS {
		if certs, err = writeCerts(dir); err != nil {
			return nil, fmt.Errorf("testenv: generating certificates: %w", err)
		}
		s.CAFile = certs.CA
		if opts.RequireClientCert {
			s.ClientCertFile = certs.Client
		}
	}
	if opts.Auth {
		s.Username, s.Password = AdminUser, randomPassword()
		s.Users = []User{
			{AdminUser, s.Password, authSourceDB, []string{ScramSHA1, ScramSHA256}},
			{SHA1User, randomPassword(), authSourceDB, []string{ScramSHA1}},
			{SHA256User, randomPassword(), authSourceDB, []string{ScramSHA256}},
		}
	}

	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		args, env := ferretdbArgs(dir, s.Addr, opts, certs, s.Password)
		s.proc, err = spawn(bin, args, env, s.LogFile)
		if err != nil {
			return nil, err
		}
		s.PID = s.proc.pid()
		err = s.waitReady(ctx)
		if err == nil {
			break
		}
		if attempt < startAttempts && s.proc.exitedWithAddrInUse() {
			continue // another process took the port between our check and FerretDB's listen
		}
		return nil, err
	}
	if opts.Auth {
		if err := s.createUsers(ctx); err != nil {
			return nil, fmt.Errorf("testenv: creating users: %w\n%s", err, s.proc.logTail())
		}
	}
	s.URI = s.uri(s.Username, s.Password, "")
	return s, nil
}

// ferretdbArgs returns the command line and the extra environment of one
// FerretDB process. The setup password goes through the environment so that
// it does not show in process listings.
func ferretdbArgs(dir, addr string, opts Options, certs certFiles, password string) (args, env []string) {
	args = []string{
		"--handler=sqlite",
		"--sqlite-url=file:" + filepath.Join(dir, "data") + "/",
		"--state-dir=" + filepath.Join(dir, "state"),
		"--debug-addr=-",      // no debug HTTP listener (its default is a fixed port)
		"--telemetry=disable", // no reports to FerretDB's beacon
		"--log-level=info",    // the default of debug builds is debug
		"--log-format=text",   // one line per record, for the log tail in errors
	}
	env = []string{"DO_NOT_TRACK=1"}
	if opts.TLS {
		args = append(args,
			"--listen-addr=", // no plain TCP listener (its default is 127.0.0.1:27017)
			"--listen-tls="+addr,
			"--listen-tls-cert-file="+certs.ServerCert,
			"--listen-tls-key-file="+certs.ServerKey,
		)
		if opts.RequireClientCert {
			// With a CA file FerretDB requires and verifies client certificates.
			args = append(args, "--listen-tls-ca-file="+certs.CA)
		}
	} else {
		args = append(args, "--listen-addr="+addr)
	}
	if opts.Auth {
		args = append(args,
			"--test-enable-new-auth",
			"--setup-database="+authSourceDB,
			"--setup-username="+AdminUser,
		)
		env = append(env, "FERRETDB_SETUP_PASSWORD="+password)
	}
	if opts.ReplicaSet != "" {
		args = append(args, "--repl-set-name="+opts.ReplicaSet)
	}
	return args, env
}

// waitReady waits until the server answers ping, the process exits, or ctx
// ends.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		last := s.ping(ctx)
		if last == nil {
			return nil
		}
		select {
		case <-s.proc.exited:
			return fmt.Errorf("testenv: FerretDB exited during start: %v\n%s", s.proc.waitErr, s.proc.logTail())
		case <-ctx.Done():
			return fmt.Errorf("testenv: FerretDB did not answer ping on %s: %w (last error: %v)\n%s",
				s.Addr, ctx.Err(), last, s.proc.logTail())
		case <-tick.C:
		}
	}
}

// ping runs one ping on a new connection.
func (s *Server) ping(ctx context.Context) error {
	c, err := s.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = roundTrip(ctx, c, doc{{"ping", int32(1)}, {"$db", "admin"}})
	return err
}

// Dial opens a connection to the server, with TLS (and the client
// certificate) when the server needs it.
func (s *Server) Dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	cfg, err := s.ClientTLSConfig()
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return d.DialContext(ctx, "tcp", s.Addr)
	}
	td := tls.Dialer{NetDialer: &d, Config: cfg}
	return td.DialContext(ctx, "tcp", s.Addr)
}

// createUsers logs in as the administrator and creates the other users.
func (s *Server) createUsers(ctx context.Context) error {
	c, err := s.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := authenticate(ctx, c, ScramSHA256, authSourceDB, s.Username, s.Password); err != nil {
		return err
	}
	for _, u := range s.Users[1:] {
		_, err := roundTrip(ctx, c, doc{
			{"createUser", u.Name},
			{"pwd", u.Password},
			{"roles", []any{}}, // FerretDB v1 accepts only an empty list
			{"mechanisms", u.Mechanisms},
			{"$db", u.Source},
		})
		if err != nil {
			return fmt.Errorf("createUser %s: %w", u.Name, err)
		}
	}
	return nil
}

// URIFor returns the server's connection string with user's credentials
// and, when mechanism is not empty, authMechanism set to it.
func (s *Server) URIFor(user User, mechanism string) string {
	return s.uri(user.Name, user.Password, mechanism)
}

func (s *Server) uri(user, password, mechanism string) string {
	u := url.URL{Scheme: "mongodb", Host: s.Addr, Path: "/"}
	q := url.Values{}
	if user != "" {
		u.User = url.UserPassword(user, password)
		q.Set("authSource", authSourceDB)
	}
	if mechanism != "" {
		q.Set("authMechanism", mechanism)
	}
	if s.CAFile != "" {
		q.Set("tls", "true")
		q.Set("tlsCAFile", s.CAFile)
	}
	if s.ClientCertFile != "" {
		q.Set("tlsCertificateKeyFile", s.ClientCertFile)
	}
	if s.Options.ReplicaSet != "" {
		q.Set("replicaSet", s.Options.ReplicaSet)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Stop sends SIGTERM to the server's process (by its PID, nothing else),
// waits up to ten seconds for it to exit, then kills it, and removes its
// directory. It returns an error if the process did not exit cleanly. Stop
// may be called more than once; later calls return the first result.
func (s *Server) Stop() error {
	s.stop.Do(func() {
		if s.proc != nil {
			s.err = s.proc.terminate(10 * time.Second)
		}
		if s.Dir != "" {
			if err := os.RemoveAll(s.Dir); err != nil && s.err == nil {
				s.err = err
			}
		}
	})
	return s.err
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// randomPassword returns 24 random hexadecimal digits: ASCII, so SASLprep
// leaves it unchanged.
func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
