package motor_test

import (
	"context"
	"errors"
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

// Helpers of the index and collection management tests (admin_*_test.go).

// admEnv is a client on the test server, with the commands it sends
// recorded, and a database of the test's own, dropped before and after.
type admEnv struct {
	client *motor.Client
	db     *motor.Database
	ctx    context.Context
	// ferret says the server is FerretDB, whose gaps the tests assert
	// precisely (a real MongoDB, through MOTOR_TEST_URI, takes the other
	// branch of each such test).
	ferret bool

	mu   sync.Mutex
	cmds []admCmd
}

// admCmd is a command the client sent.
type admCmd struct {
	name, db string
	body     bson.Raw
}

func newAdmEnv(t *testing.T) *admEnv {
	t.Helper()
	e := &admEnv{}
	mon := &event.CommandMonitor{Started: func(ev event.CommandStartedEvent) {
		e.mu.Lock()
		e.cmds = append(e.cmds, admCmd{name: ev.CommandName, db: ev.DatabaseName, body: append(bson.Raw(nil), ev.Command...)})
		e.mu.Unlock()
	}}
	e.client = connect(t, testenv.URI(t, testenv.Options{}), func(c *motor.Config) { c.CommandMonitor = mon })
	e.ctx = ctxTimeout(t, 60*time.Second)
	name := "motor_adm_" + strings.NewReplacer("/", "_", " ", "_", ".", "_").Replace(strings.TrimPrefix(t.Name(), "Test"))
	if len(name) > 60 {
		name = name[:60]
	}
	e.db = e.client.Database(name)
	if err := e.db.Drop(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.db.Drop(ctx); err != nil {
			t.Errorf("dropping %s: %v", e.db.Name(), err)
		}
	})
	raw, err := e.client.Database("admin").RunCommand(e.ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	e.ferret = raw.Lookup("ferretdbVersion").Type != 0
	e.reset()
	return e
}

// reset forgets the commands sent so far.
func (e *admEnv) reset() {
	e.mu.Lock()
	e.cmds = nil
	e.mu.Unlock()
}

// sent returns the commands sent since the last reset.
func (e *admEnv) sent() []admCmd {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.cmds)
}

// last returns the last command named name sent since the last reset.
func (e *admEnv) last(t *testing.T, name string) bson.Raw {
	t.Helper()
	cmds := e.sent()
	for i := len(cmds) - 1; i >= 0; i-- {
		if cmds[i].name == name {
			return cmds[i].body
		}
	}
	t.Fatalf("no %s command sent; sent %v", name, cmds)
	return nil
}

// run runs a command on the test database and returns its reply.
func (e *admEnv) run(t *testing.T, cmd bson.D) bson.Raw {
	t.Helper()
	raw, err := e.db.RunCommand(e.ctx, cmd).Raw()
	if err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	return raw
}

// admWantServerError fails the test unless err is a *ServerError with the code.
func admWantServerError(t *testing.T, err error, code int32) {
	t.Helper()
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != code {
		t.Fatalf("err = %v (%#v), want a server error with code %d", err, err, code)
	}
}

// wantClientError fails the test unless err is a client-side error
// containing msg and nothing was sent since the last reset.
func (e *admEnv) wantClientError(t *testing.T, err error, msg string) {
	t.Helper()
	var se *motor.ServerError
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), msg) || !strings.HasPrefix(err.Error(), "motor: ") {
		t.Errorf("err = %v, want a client error containing %q", err, msg)
	}
	if cmds := e.sent(); len(cmds) != 0 {
		t.Errorf("commands were sent: %v", cmds)
	}
	e.reset()
}

// admDocEqual compares two documents by their Extended JSON, numbers by value
// whatever their types (int32 1 and int64 1 are equal).
func admDocEqual(a, b any) bool {
	return admNormJSON(a) == admNormJSON(b)
}

func admNormJSON(v any) string {
	b, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
	if err != nil {
		return "error: " + err.Error()
	}
	var m any
	if err := bson.Unmarshal(b, &m); err != nil {
		return "error: " + err.Error()
	}
	j, err := bson.MarshalExtJSON(admNormNumbers(m), false)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(j)
}

// admNormNumbers turns every number into a float64.
func admNormNumbers(v any) any {
	switch x := v.(type) {
	case bson.D:
		out := make(bson.D, len(x))
		for i, e := range x {
			out[i] = bson.E{Key: e.Key, Value: admNormNumbers(e.Value)}
		}
		return out
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = admNormNumbers(e)
		}
		return out
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case int:
		return float64(x)
	}
	return v
}
