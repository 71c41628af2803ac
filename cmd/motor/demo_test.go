package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sharedURI returns the URI of the test server shared by this package's
// tests (MOTOR_TEST_URI when set).
func sharedURI(t *testing.T) string {
	t.Helper()
	return testenv.URI(t, testenv.Options{})
}

// serverVersion asks the server of uri for its version, without the demo.
func serverVersion(t *testing.T, uri string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := motor.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	info, err := c.ServerInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" {
		t.Fatal("buildInfo reported no version")
	}
	return info.Version
}

// runCmd runs the command line args and returns the exit status and the
// standard output and error.
func runCmd(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = redactURI(a)
	}
	t.Logf("motor %s: exit %d\n--- stdout:\n%s--- stderr:\n%s", strings.Join(shown, " "), code, stdout.String(), stderr.String())
	return code, stdout.String(), stderr.String()
}

// checkDemoOutput checks what every successful demo prints: the server's
// version, the three documents inserted, the two found again in order, the
// count, the update read back, the duplicate key error, and the drop of the
// demo database, whose name it returns.
func checkDemoOutput(t *testing.T, out, version string) string {
	t.Helper()
	for _, want := range []string{
		"server version " + version + " ",
		"round trips: ",
		"inserted 3 documents; the driver generated their _id values: ObjectID(",
		"for p, err := range cur.All(ctx):\n",
		"2 people born before 1910, oldest first",
		"3 documents in the collection",
		"matched 1, modified 1",
		`p.Field == "computer science"`,
		`created the unique index "name_1"`,
		"errors.Is(err, motor.ErrDuplicateKey) == true",
		"demo: done in ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if strings.Contains(out, "no collection methods") {
		t.Error("the output still says the driver has no collection methods")
	}
	// Each document given to InsertMany shows once without an _id; those
	// the server returns show with the _id the driver generated: the two
	// born before 1910 found by Find, and Alan Turing's read back after the
	// update.
	const id = `\{"_id":\{"\$oid":"[0-9a-f]{24}"\},`
	for _, tt := range []struct {
		doc string
		n   int
	}{
		{`\{"name":"Ada Lovelace","born":1815,"field":"mathematics"\}`, 1},
		{`\{"name":"Grace Hopper","born":1906,"field":"compilers"\}`, 1},
		{`\{"name":"Alan Turing","born":1912,"field":"computability"\}`, 1},
		{id + `"name":"Ada Lovelace","born":1815,"field":"mathematics"\}`, 1},
		{id + `"name":"Grace Hopper","born":1906,"field":"compilers"\}`, 1},
		{id + `"name":"Alan Turing","born":1912,"field":"computer science"\}`, 1},
		{id + `"name":"Alan Turing","born":1912,"field":"computability"\}`, 0},
	} {
		if got := len(regexp.MustCompile(tt.doc).FindAllString(out, -1)); got != tt.n {
			t.Errorf("%s shows %d times in the output, want %d", tt.doc, got, tt.n)
		}
	}
	// Find's documents come sorted by birth: Ada Lovelace, then Grace Hopper.
	_, found, _ := strings.Cut(out, "for p, err := range cur.All(ctx):\n")
	found, _, _ = strings.Cut(found, "people born before 1910")
	if ada, grace := strings.Index(found, "Ada Lovelace"), strings.Index(found, "Grace Hopper"); ada < 0 || grace < ada {
		t.Errorf("Find's documents are not Ada Lovelace's then Grace Hopper's:\n%s", found)
	}
	m := regexp.MustCompile(`\[\d+\] client\.Database\("(motor_demo_[0-9a-f]{8})"\)\.Drop\(ctx\)\n    dropped the database (motor_demo_[0-9a-f]{8}) `).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] {
		t.Fatal("the output shows no drop of the demo database")
	}
	return m[1]
}

// TestDemoStartsServer runs the README's first command: the demo with no
// --uri starts a test server, runs against it and stops it.
func TestDemoStartsServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testenv.BuildTimeout+time.Minute)
	defer cancel()
	version := serverVersion(t, testenv.Shared(t, testenv.Options{}).URI) // the same FerretDB build
	code, out, errOut := runCmd(t, ctx, "demo")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	checkDemoOutput(t, out, version)
	m := regexp.MustCompile(`Started in \S+: pid (\d+), listening at (mongodb://127\.0\.0\.1:\d+/)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the output does not say which server it started")
	}
	pid, _ := strconv.Atoi(m[1])
	if !strings.Contains(out, "Stopped the test server (pid "+m[1]+")") {
		t.Error("the output does not say the server was stopped")
	}
	checkGone(t, pid)
}

// checkGone checks that no process pid exists any more.
func checkGone(t *testing.T, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatalf("bad pid %d", pid)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still exists after the demo (kill 0: %v)", pid, err)
	}
}

// TestDemoURI runs the demo against the shared FerretDB servers, plain,
// with SCRAM authentication, and with TLS and a client certificate: it
// starts nothing, leaves no database behind, and never prints the password.
func TestDemoURI(t *testing.T) {
	tests := []struct {
		name string
		opts testenv.Options
	}{
		{"plain", testenv.Options{}},
		{"auth", testenv.Options{Auth: true}},
		{"tls client certificate", testenv.Options{TLS: true, RequireClientCert: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testenv.Shared(t, tt.opts)
			uri := srv.URI
			version := serverVersion(t, uri)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			code, out, errOut := runCmd(t, ctx, "demo", "--uri", uri, "--timeout", "20s")
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if strings.Contains(out, "starting a FerretDB") || strings.Contains(out, "Stopped the test server") {
				t.Error("with --uri the demo started or stopped a server")
			}
			if !strings.Contains(out, "Using the server of --uri ") {
				t.Error("the output does not name the server used")
			}
			if srv.Password != "" && strings.Contains(out, srv.Password) {
				t.Error("the output shows the password")
			}
			dbName := checkDemoOutput(t, out, version)
			checkNoDatabase(t, ctx, uri, dbName)
		})
	}
}

// checkNoDatabase checks that the server of uri has no database name.
func checkNoDatabase(t *testing.T, ctx context.Context, uri, name string) {
	t.Helper()
	c, err := motor.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var reply struct {
		Databases []struct {
			Name string `bson:"name"`
		} `bson:"databases"`
	}
	err = c.Database("admin").RunCommand(ctx, bson.D{{Key: "listDatabases", Value: 1}, {Key: "nameOnly", Value: true}}).Decode(&reply)
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range reply.Databases {
		if db.Name == name {
			t.Errorf("the demo left its database %s behind", name)
		}
	}
}

// closedPortURI returns a URI of a loopback port where nothing listens: a
// free port that was open a moment ago.
func closedPortURI(t *testing.T, userinfo string) (uri, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	return "mongodb://" + userinfo + addr + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300", addr
}

// TestDemoFailures checks that a demo that cannot run exits with status 1
// and says why on standard error, and that mistakes in the command line
// exit with status 2.
func TestDemoFailures(t *testing.T) {
	down, downAddr := closedPortURI(t, "")
	downWithPassword, _ := closedPortURI(t, "demo:hunter2@")
	tests := []struct {
		name string
		args []string
		code int
		// want are substrings of standard error.
		want []string
	}{
		{"scheme", []string{"demo", "--uri", "http://localhost"}, exitFail, []string{"motor demo: ", "mongodb://"}},
		{"no host", []string{"demo", "--uri", "mongodb://"}, exitFail, []string{"motor demo: ", "no host"}},
		{"unreachable", []string{"demo", "--uri", down}, exitFail,
			[]string{"motor demo: ", "server selection", downAddr, "connection refused"}},
		{"timeout", []string{"demo", "--uri", strings.Replace(down, "300&", "30000&", 1), "--timeout", "400ms"}, exitFail,
			[]string{"server selection", downAddr, "--timeout of 400ms ended"}},
		{"password hidden", []string{"demo", "--uri", downWithPassword}, exitFail, []string{"server selection"}},
		{"zero timeout", []string{"demo", "--timeout", "0s"}, exitUsage, []string{"--timeout must be positive"}},
		{"extra argument", []string{"demo", "now"}, exitUsage, []string{`unexpected arguments ["now"]`}},
		{"unknown flag", []string{"demo", "--url", down}, exitUsage, []string{"flag provided but not defined: -url\nUsage: motor demo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			began := time.Now()
			code, out, errOut := runCmd(t, ctx, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q", w)
				}
			}
			if strings.Contains(out+errOut, "hunter2") {
				t.Error("the output shows the password")
			}
			if strings.Contains(out, "demo: done") || strings.Contains(out, "starting a FerretDB") {
				t.Error("a failed demo claims success, or started a server")
			}
			if d := time.Since(began); d > 10*time.Second {
				t.Errorf("the failure took %s", d)
			}
		})
	}
}

// TestDemoInterrupted cancels the demo's context once its test server runs,
// as Ctrl-C does: the demo fails with status 1, says it was interrupted, and
// stops the server.
func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testenv.BuildTimeout+time.Minute)
	defer cancel()
	dctx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	var out bytes.Buffer
	pid := 0
	d := &demo{out: &out, timeout: 30 * time.Second, started: func(s *testenv.Server) {
		pid = s.PID
		interrupt()
	}}
	err := d.execute(dctx)
	t.Logf("output:\n%s", out.String())
	if err == nil {
		t.Fatal("an interrupted demo succeeded")
	}
	if !strings.HasPrefix(err.Error(), "interrupted: ") || !errors.Is(err, context.Canceled) {
		t.Errorf("error %q, want an interruption wrapping context.Canceled", err)
	}
	if !strings.Contains(out.String(), "Stopped the test server (pid "+strconv.Itoa(pid)+")") {
		t.Error("the output does not say the server was stopped")
	}
	checkGone(t, pid)

	// Interrupted before the server started: nothing is left either.
	out.Reset()
	done, stop := context.WithCancel(ctx)
	stop()
	d = &demo{out: &out, timeout: 30 * time.Second, started: func(s *testenv.Server) {
		t.Errorf("a server (pid %d) started under a canceled context", s.PID)
	}}
	if err := d.execute(done); err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want one wrapping context.Canceled", err)
	}
}
