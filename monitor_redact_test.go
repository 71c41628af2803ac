package motor_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// TestSensitiveFailureRedacted: the CommandFailedEvent of a sensitive
// command that the server refused keeps only the code, code name and error
// labels of the server's error, as the command monitoring specification
// requires; the server's message is redacted too.
func TestSensitiveFailureRedacted(t *testing.T) {
	var mu sync.Mutex
	var failures []error
	_, c := newAdmFakeWith(t, admHello(21), "directConnection=true", func(cfg *motor.Config) {
		cfg.CommandMonitor = &event.CommandMonitor{Failed: func(e event.CommandFailedEvent) {
			mu.Lock()
			failures = append(failures, e.Failure)
			mu.Unlock()
		}}
	}, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "createUser" {
			r := admErrorReply(51003, "Location51003", "user secret-name already exists")
			r[0].Doc = append(r[0].Doc.(bson.D), bson.E{Key: "errorLabels", Value: bson.A{"SomeLabel"}})
			return r
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "createUser", Value: "u"}, {Key: "pwd", Value: "p"}, {Key: "roles", Value: bson.A{}}}).Err()
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code != 51003 {
		t.Fatalf("createUser: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) != 1 {
		t.Fatalf("%d failed events, want 1", len(failures))
	}
	if !errors.As(failures[0], &se) {
		t.Fatalf("the event's failure %v is not a server error", failures[0])
	}
	if se.Code != 51003 || se.CodeName != "Location51003" || len(se.Labels) != 1 || se.Labels[0] != "SomeLabel" {
		t.Errorf("code, code name or labels lost: %+v", se)
	}
	if strings.Contains(failures[0].Error(), "secret") || se.Message != "" || se.Raw != nil {
		t.Errorf("the sensitive failure is not redacted: %q, %+v", failures[0].Error(), se)
	}
}
