package op

import (
	"context"
	"errors"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/mongoerr"
)

func TestReadConcernOfSession(t *testing.T) {
	x := &Executor{}
	opTime := bson.Timestamp{T: 9, I: 1}
	causal := func() *session.Client {
		cs := x.StartSession(true, false)
		cs.AdvanceOperationTime(opTime)
		return cs
	}
	snap := func(at bool) *session.Client {
		cs := x.StartSession(false, true)
		if at {
			cs.SetSnapshotTime(bson.Timestamp{T: 4, I: 2})
		}
		return cs
	}
	runCmdBody, _ := bson.Marshal(bson.D{{Key: "ping", Value: 1}})
	withRC, _ := bson.Marshal(bson.D{{Key: "find", Value: "c"}, {Key: "readConcern", Value: bson.D{{Key: "level", Value: "local"}}}})
	for _, tc := range []struct {
		name string
		cmd  Command
		cs   *session.Client
		want string
	}{
		{"no read concern, no session", Command{Name: "ping", Body: runCmdBody}, nil, "{}"},
		{"level, no session", Command{Name: "find", ReadConcern: &ReadConcern{Level: "majority"}}, nil, `{"level":"majority"}`},
		{"empty level, no session", Command{Name: "find", ReadConcern: &ReadConcern{}}, nil, "{}"},
		{"causal, first operation", Command{Name: "find", ReadConcern: &ReadConcern{}}, x.StartSession(true, false), "{}"},
		{"causal", Command{Name: "insert", ReadConcern: &ReadConcern{}}, causal(), `{"afterClusterTime":{"$timestamp":{"t":9,"i":1}}}`},
		{"causal with level", Command{Name: "find", ReadConcern: &ReadConcern{Level: "majority"}}, causal(), `{"level":"majority","afterClusterTime":{"$timestamp":{"t":9,"i":1}}}`},
		{"causal RunCommand", Command{Name: "ping", Body: runCmdBody}, causal(), "{}"},
		{"not causal", Command{Name: "find", ReadConcern: &ReadConcern{}}, func() *session.Client {
			cs := x.StartSession(false, false)
			cs.AdvanceOperationTime(opTime)
			return cs
		}(), "{}"},
		{"snapshot, first read", Command{Name: "find", ReadConcern: &ReadConcern{Level: "majority"}}, snap(false), `{"level":"snapshot"}`},
		{"snapshot", Command{Name: "distinct", ReadConcern: &ReadConcern{}}, snap(true), `{"level":"snapshot","atClusterTime":{"$timestamp":{"t":4,"i":2}}}`},
		{"snapshot RunCommand", Command{Name: "ping", Body: runCmdBody}, snap(true), `{"level":"snapshot","atClusterTime":{"$timestamp":{"t":4,"i":2}}}`},
		{"snapshot RunCommand with its own", Command{Name: "find", Body: withRC}, snap(true), "{}"},
		{"snapshot getMore", Command{Name: "getMore"}, snap(true), "{}"},
		{"snapshot killCursors", Command{Name: "killCursors"}, snap(true), "{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := attempt{x: x, cmd: &tc.cmd, explicit: tc.cs}
			if got := a.readConcern().String(); got != tc.want {
				t.Errorf("readConcern = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCheckExplicit(t *testing.T) {
	x, other := &Executor{}, &Executor{}
	ended := x.StartSession(true, false)
	x.EndClientSession(ended)
	for _, tc := range []struct {
		name string
		cmd  Command
		cs   *session.Client
		want error
	}{
		{"ok", Command{Name: "find"}, x.StartSession(true, false), nil},
		{"other client", Command{Name: "find"}, other.StartSession(true, false), ErrSessionOtherClient},
		{"ended", Command{Name: "find"}, ended, mongoerr.ErrSessionEnded},
		{"w: 0", Command{Name: "insert", Unacknowledged: true, NoSession: true}, x.StartSession(true, false), ErrSessionUnacknowledged},
	} {
		a := attempt{x: x, cmd: &tc.cmd, explicit: tc.cs}
		if err := a.checkExplicit(); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Run refuses before selecting a server (the executor has no cluster).
	ctx := WithSession(context.Background(), Ref{Session: ended})
	if _, err := x.Run(ctx, &Command{Name: "find"}); !errors.Is(err, mongoerr.ErrSessionEnded) {
		t.Errorf("Run with an ended session: %v", err)
	}
	if SessionFrom(context.Background()) != nil {
		t.Error("a session in a context without one")
	}
}

func TestEndAllClientSessions(t *testing.T) {
	x := &Executor{Sessions: &session.Pool{}}
	a, b := x.StartSession(true, false), x.StartSession(false, false)
	x.EndAllClientSessions()
	if !a.Ended() || !b.Ended() {
		t.Error("sessions left open")
	}
}
