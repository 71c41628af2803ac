package motor_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/testenv"
)

// Helpers of the read, cursor and future tests (crud_*_test.go), named rd*.

// rdSent is a command the client sent, as the monitor saw it.
type rdSent struct {
	Name string
	Cmd  bson.Raw
}

// rdEnv is a client on the test server whose commands are recorded, and a
// collection of its own in the database motor_reads.
type rdEnv struct {
	client *motor.Client
	db     *motor.Database
	coll   *motor.Collection[bson.D]
	ctx    context.Context

	ferret bool // the server is FerretDB, which lacks some options

	mu      sync.Mutex
	sent    []rdSent
	replies map[string][]bson.Raw
}

var rdNameRE = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// newRdEnv connects a recording client and drops the test's collection.
func newRdEnv(t *testing.T, edit func(*motor.Config)) *rdEnv {
	t.Helper()
	e := &rdEnv{replies: map[string][]bson.Raw{}}
	e.client = connect(t, testenv.URI(t, testenv.Options{}), func(cfg *motor.Config) {
		cfg.CommandMonitor = &event.CommandMonitor{
			Started: func(ev event.CommandStartedEvent) {
				e.mu.Lock()
				e.sent = append(e.sent, rdSent{Name: ev.CommandName, Cmd: append(bson.Raw(nil), ev.Command...)})
				e.mu.Unlock()
			},
			Succeeded: func(ev event.CommandSucceededEvent) {
				e.mu.Lock()
				e.replies[ev.CommandName] = append(e.replies[ev.CommandName], append(bson.Raw(nil), ev.Reply...))
				e.mu.Unlock()
			},
		}
		if edit != nil {
			edit(cfg)
		}
	})
	e.ctx = ctxTimeout(t, 60*time.Second)
	e.db = e.client.Database("motor_reads")
	name := rdNameRE.ReplaceAllString(t.Name(), "_")
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	e.coll = e.db.Collection(name)
	e.run(t, bson.D{{Key: "drop", Value: name}}, true)
	info := e.run(t, bson.D{{Key: "buildInfo", Value: 1}})
	e.ferret = info.Lookup("ferretdbVersion").Type != 0
	e.reset()
	return e
}

// run runs a command on the test database; with okIfFails, errors are
// ignored.
func (e *rdEnv) run(t *testing.T, cmd bson.D, okIfFails ...bool) bson.Raw {
	t.Helper()
	raw, err := e.db.RunCommand(e.ctx, cmd).Raw()
	if err != nil && len(okIfFails) == 0 {
		t.Fatalf("%v: %v", cmd, err)
	}
	return raw
}

// insert inserts docs into the test collection, through the insert command
// so that these tests do not depend on the write operations.
func (e *rdEnv) insert(t *testing.T, docs ...bson.D) {
	t.Helper()
	for chunk := range slices.Chunk(docs, 500) {
		arr := make(bson.A, len(chunk))
		for i, d := range chunk {
			arr[i] = d
		}
		e.run(t, bson.D{{Key: "insert", Value: e.coll.Name()}, {Key: "documents", Value: arr}})
	}
}

// seed inserts n documents {_id: "d0007", i: 7, g: i%3, s: "..."}.
func (e *rdEnv) seed(t *testing.T, n int) {
	t.Helper()
	docs := make([]bson.D, n)
	for i := range docs {
		docs[i] = bson.D{{Key: "_id", Value: rdID(i)}, {Key: "i", Value: int32(i)}, {Key: "g", Value: int32(i % 3)}, {Key: "s", Value: fmt.Sprintf("doc %d", i)}}
	}
	e.insert(t, docs...)
	e.reset()
}

func rdID(i int) string { return fmt.Sprintf("d%04d", i) }

func (e *rdEnv) reset() {
	e.mu.Lock()
	e.sent = nil
	e.replies = map[string][]bson.Raw{}
	e.mu.Unlock()
}

// commands returns the commands sent since the last reset, named name (all
// when name is "").
func (e *rdEnv) commands(name string) []bson.Raw {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []bson.Raw
	for _, s := range e.sent {
		if name == "" || s.Name == name {
			out = append(out, s.Cmd)
		}
	}
	return out
}

// names returns the names of the commands sent since the last reset.
func (e *rdEnv) names() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.sent {
		out = append(out, s.Name)
	}
	return out
}

// only returns the one command named name, failing the test otherwise.
func (e *rdEnv) only(t *testing.T, name string) bson.Raw {
	t.Helper()
	cmds := e.commands(name)
	if len(cmds) != 1 {
		t.Fatalf("%d %s commands sent, want 1; sent %v", len(cmds), name, e.names())
	}
	return cmds[0]
}

// ids returns the _id of each document.
func rdIDs(docs []bson.D) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		for _, el := range d {
			if el.Key == "_id" {
				out[i], _ = el.Value.(string)
			}
		}
	}
	return out
}

// rdRange returns the ids rdID(from) ... rdID(to-1).
func rdRange(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, rdID(i))
	}
	return out
}

// rdJSON renders a value of a command as relaxed Extended JSON, for
// comparisons.
func rdJSON(v bson.RawValue) string {
	if v.Type == 0 {
		return "<absent>"
	}
	return v.String()
}

// wantFields checks that cmd has the fields of want, each rendered as
// relaxed Extended JSON ("<absent>" for a field that must not be there).
func wantFields(t *testing.T, cmd bson.Raw, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got := rdJSON(cmd.Lookup(strings.Split(k, ".")...)); got != w {
			t.Errorf("%s = %s, want %s\nin %v", k, got, w, cmd)
		}
	}
}

// unsupported checks the outcome of an operation with an option FerretDB
// lacks: on FerretDB, an error naming the option (which proves it was
// sent), and the result is true; on MongoDB, success.
func (e *rdEnv) unsupported(t *testing.T, err error, field string) bool {
	t.Helper()
	if !e.ferret {
		if err != nil {
			t.Fatalf("with %s: %v", field, err)
		}
		return false
	}
	wantNotImplemented(t, err, field)
	return true
}

// wantNotImplemented checks that the server refused a field, naming it.
func wantNotImplemented(t *testing.T, err error, field string) {
	t.Helper()
	var se *motor.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a server error refusing %q", err, field)
	}
	if !strings.Contains(se.Message, field) {
		t.Fatalf("err = %v, want one naming %q", err, field)
	}
}
