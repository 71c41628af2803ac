package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
)

// TestCommandLine checks the commands that need no server: their exit
// status and what they print.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		noStdout   bool
		noStderr   bool
		stdoutLike string
	}{
		{name: "no command", args: nil, code: exitUsage, stderr: []string{"Usage:", "demo", "ping", "version"}, noStdout: true},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: []string{"Usage:", "demo", "ping", "version", "Exit status"}, noStderr: true},
		{name: "--help", args: []string{"--help"}, code: exitOK, stdout: []string{"Commands:"}, noStderr: true},
		{name: "unknown", args: []string{"serve"}, code: exitUsage, stderr: []string{`unknown command "serve"`, "Commands:"}, noStdout: true},
		{name: "version", args: []string{"version"}, code: exitOK, noStderr: true,
			stdout: []string{conn.DriverName + " " + conn.DriverVersion}, stdoutLike: `^motor: driver \S+ \S+, go\S+ \w+/\w+\n`},
		{name: "version extra", args: []string{"version", "-v"}, code: exitUsage, stderr: []string{"-v"}, noStdout: true},
		{name: "demo -h", args: []string{"demo", "-h"}, code: exitOK, stderr: []string{"Usage: motor demo", "-uri", "-timeout"}, noStdout: true},
		{name: "ping -h", args: []string{"ping", "-h"}, code: exitOK, stderr: []string{"Usage: motor ping", "-count"}, noStdout: true},
		{name: "ping without uri", args: []string{"ping"}, code: exitUsage, stderr: []string{"motor ping: --uri is required"}, noStdout: true},
		{name: "ping count 0", args: []string{"ping", "--uri", "mongodb://127.0.0.1", "--count", "0"}, code: exitUsage, stderr: []string{"--count must be at least 1"}, noStdout: true},
		{name: "ping bad scheme", args: []string{"ping", "--uri", "postgres://x"}, code: exitFail, stderr: []string{"motor ping: ", "mongodb://"}, noStdout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, context.Background(), tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q", w)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q", w)
				}
			}
			if tt.noStdout && out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if tt.noStderr && errOut != "" {
				t.Errorf("stderr %q, want nothing", errOut)
			}
			if tt.stdoutLike != "" && !regexp.MustCompile(tt.stdoutLike).MatchString(out) {
				t.Errorf("stdout %q does not match %s", out, tt.stdoutLike)
			}
		})
	}
}

// TestPing pings the shared server.
func TestPing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, out, errOut := runCmd(t, ctx, "ping", "--uri", sharedURI(t), "--count", "2")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if n := len(regexp.MustCompile(`(?m)^  ok in \d+(\.\d+)?(µs|ms|s)`).FindAllString(out, -1)); n != 2 {
		t.Errorf("%d ping lines, want 2", n)
	}
}

// TestPingUnreachable pings a port where nothing listens.
func TestPingUnreachable(t *testing.T) {
	uri, addr := closedPortURI(t, "")
	code, _, errOut := runCmd(t, context.Background(), "ping", "--uri", uri)
	if code != exitFail || !strings.Contains(errOut, "server selection") || !strings.Contains(errOut, addr) {
		t.Errorf("exit %d, stderr %q: want 1 and a server selection error naming %s", code, errOut, addr)
	}
}

func TestSummarizeHello(t *testing.T) {
	limits := bson.D{
		{Key: "maxBsonObjectSize", Value: int32(16777216)},
		{Key: "maxMessageSizeBytes", Value: int32(48000000)},
		{Key: "maxWriteBatchSize", Value: int32(100000)},
		{Key: "minWireVersion", Value: int32(0)},
		{Key: "maxWireVersion", Value: int32(21)},
	}
	with := func(extra ...bson.E) bson.D { return append(append(bson.D{}, extra...), limits...) }
	tests := []struct {
		name  string
		hello bson.D
		want  []string
	}{
		{"standalone", with(
			bson.E{Key: "isWritablePrimary", Value: true},
			bson.E{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
			bson.E{Key: "connectionId", Value: int32(7)},
		), []string{
			"role: standalone",
			"wire versions 0 to 21",
			"limits: maxBsonObjectSize 16777216, maxMessageSizeBytes 48000000, maxWriteBatchSize 100000",
			"sessions: supported, logicalSessionTimeoutMinutes 30",
			"this connection's id on the server: 7",
		}},
		{"primary", with(
			bson.E{Key: "isWritablePrimary", Value: true},
			bson.E{Key: "setName", Value: "rs0"},
			bson.E{Key: "hosts", Value: bson.A{"a:27017", "b:27017"}},
		), []string{
			`role: primary of replica set "rs0"`,
			"replica set hosts: a:27017, b:27017",
			"wire versions 0 to 21",
			"limits: maxBsonObjectSize 16777216, maxMessageSizeBytes 48000000, maxWriteBatchSize 100000",
			"sessions: not supported (no logicalSessionTimeoutMinutes)",
		}},
		{"secondary", with(bson.E{Key: "secondary", Value: true}, bson.E{Key: "setName", Value: "rs0"}), nil},
		{"arbiter", with(bson.E{Key: "arbiterOnly", Value: true}, bson.E{Key: "setName", Value: "rs0"}), nil},
		{"other", with(bson.E{Key: "hidden", Value: true}, bson.E{Key: "setName", Value: "rs0"}), nil},
		{"ghost", with(bson.E{Key: "isreplicaset", Value: true}), nil},
		{"mongos", with(bson.E{Key: "msg", Value: "isdbgrid"}), nil},
		{"load balanced", with(bson.E{Key: "msg", Value: "isdbgrid"}, bson.E{Key: "serviceId", Value: bson.NewObjectID()}), nil},
		{"empty", bson.D{}, []string{
			"role: standalone",
			"wire versions 0 to 0",
			"sessions: not supported (no logicalSessionTimeoutMinutes)",
		}},
	}
	roles := map[string]string{
		"secondary":     `role: secondary of replica set "rs0"`,
		"arbiter":       `role: arbiter of replica set "rs0"`,
		"other":         `role: member of replica set "rs0" that is neither primary nor secondary (RSOther)`,
		"ghost":         "role: replica set member not yet initiated (RSGhost)",
		"mongos":        "role: mongos, the router of a sharded cluster",
		"load balanced": "role: behind a load balancer (the reply has a serviceId)",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := bson.Marshal(tt.hello)
			if err != nil {
				t.Fatal(err)
			}
			got := summarizeHello(raw)
			if tt.want == nil {
				if got[0] != roles[tt.name] {
					t.Errorf("first line %q, want %q", got[0], roles[tt.name])
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestRedactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/"},
		{"mongodb://user:pw@host/db?authSource=admin", "mongodb://user:xxxxx@host/db?authSource=admin"},
		{"mongodb+srv://user:p%40ss@cluster0.example.net/", "mongodb+srv://user:xxxxx@cluster0.example.net/"},
		{"mongodb://user:a/b@c@host/", "mongodb://user:xxxxx@host/"},
		{"mongodb://user@host/?authMechanism=MONGODB-X509", "mongodb://user@host/?authMechanism=MONGODB-X509"},
		{"mongodb://host/?tlsCAFile=/x@y/ca.pem", "mongodb://host/?tlsCAFile=/x@y/ca.pem"},
		{"not a uri", "not a uri"},
	}
	for _, tt := range tests {
		if got := redactURI(tt.in); got != tt.want {
			t.Errorf("redactURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
