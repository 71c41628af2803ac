package motor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// TestRunCursorCommandBadReplyLoadBalanced checks that a RunCursorCommand
// in an explicit session behind a load balancer whose reply opens a cursor
// the driver refuses (a namespace that is not database.collection, a
// cursor document without firstBatch) gives the connection pinned to that
// cursor back to the pool.
func TestRunCursorCommandBadReplyLoadBalanced(t *testing.T) {
	f, c := newLBFake(t, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "badNS":
			return admCursorReply(5, "nodot", "firstBatch")
		case "noBatch":
			return []wiretest.Reply{{Doc: bson.D{
				{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(6)}, {Key: "ns", Value: "d.c"}}},
				{Key: "ok", Value: 1.0},
			}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	for _, tc := range []struct{ cmd, msg string }{
		{"badNS", "not database.collection"},
		{"noBatch", "firstBatch"},
	} {
		cur, err := c.Database("d").RunCursorCommand(sctx, bson.D{{Key: tc.cmd, Value: int32(1)}})
		if err == nil || cur != nil || !strings.Contains(err.Error(), tc.msg) {
			t.Fatalf("%s: cursor %v, err %v", tc.cmd, cur, err)
		}
		f.check(t, tc.cmd)
	}
}
