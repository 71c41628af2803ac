package motor_test

import (
	"errors"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

// Tests of change stream resumes against scripted servers (the helpers are
// in change_stream_scripted_test.go).

func TestChangeStreamResumes(t *testing.T) {
	opTime := bson.Timestamp{T: 77, I: 3}
	for _, tc := range []struct {
		name   string
		wire   int32
		opts   motor.ChangeStreamOptions
		first  []wiretest.Reply
		fail   []wiretest.Reply
		resume map[string]string // fields of the second aggregate's $changeStream
		// kill is whether the old cursor is killed: not after errors
		// that leave its server unknown (SDAM), where the killCursors,
		// which must go to that server, fails.
		kill bool
	}{
		{name: "network error", wire: 21, first: csBatch(7, "firstBatch", nil, nil, csEv(1)),
			fail:   []wiretest.Reply{{Close: true}},
			resume: map[string]string{"resumeAfter._data": "1", "startAtOperationTime": "<absent>"}},
		{name: "labelled error", wire: 21, first: csBatch(7, "firstBatch", csTok(4), nil, csEv(1)),
			fail:   csErr(6, "ResumableChangeStreamError"),
			resume: map[string]string{"resumeAfter._data": "4"}, kill: true},
		{name: "code before 4.4", wire: 8, first: csBatch(7, "firstBatch", nil, nil, csEv(1)),
			fail:   csErr(189),
			resume: map[string]string{"resumeAfter._data": "1"}},
		{name: "cursor not found", wire: 21, first: csBatch(7, "firstBatch", nil, nil, csEv(1)),
			fail:   csErr(43),
			resume: map[string]string{"resumeAfter._data": "1"}},
		{name: "operation time", wire: 21, first: csBatch(7, "firstBatch", nil, &opTime),
			fail:   csErr(6, "ResumableChangeStreamError"),
			resume: map[string]string{"resumeAfter": "<absent>", "startAtOperationTime": `{"$timestamp":{"t":77,"i":3}}`}, kill: true},
		{name: "start after", wire: 21, opts: motor.ChangeStreamOptions{StartAfter: csTok(0)}, first: csBatch(7, "firstBatch", nil, nil),
			fail:   csErr(6, "ResumableChangeStreamError"),
			resume: map[string]string{"resumeAfter": "<absent>", "startAfter._data": "0"}, kill: true},
		{name: "start after, then an event", wire: 21, opts: motor.ChangeStreamOptions{StartAfter: csTok(0)}, first: csBatch(7, "firstBatch", nil, nil, csEv(1)),
			fail:   csErr(6, "ResumableChangeStreamError"),
			resume: map[string]string{"resumeAfter._data": "1", "startAfter": "<absent>"}, kill: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newRdFake(t, tc.wire, csScript(
				[][]wiretest.Reply{tc.first, csBatch(8, "firstBatch", nil, nil, csEv(9))},
				[][]wiretest.Reply{tc.fail}))
			cs := csWatch(t, c, tc.opts)
			ctx := ctxTimeout(t, 20*time.Second)
			for i := 0; ; i++ { // the first batch's event, if any, then the resumed stream's
				if i == 2 || !cs.Next(ctx) {
					t.Fatalf("no event from the resumed stream: %v", cs.Err())
				}
				if cs.Current.Lookup("_id", "_data").String() == "9" {
					break
				}
			}
			aggs := f.requests("aggregate")
			if len(aggs) != 2 {
				t.Fatalf("%d aggregates, want 2", len(aggs))
			}
			want := map[string]string{}
			for k, v := range tc.resume {
				want["pipeline.0.$changeStream."+k] = v
			}
			wantFields(t, aggs[1].Body, want)
			if lsid0, lsid1 := aggs[0].Body.Lookup("lsid").String(), aggs[1].Body.Lookup("lsid").String(); lsid0 != lsid1 {
				t.Errorf("the resume used another session: %s, then %s", lsid0, lsid1)
			}
			kills := f.requests("killCursors")
			if tc.kill && (len(kills) == 0 || kills[0].Body.Lookup("cursors", "0").String() != "7") {
				t.Errorf("killCursors of the old cursor: %v", kills)
			}
			if !tc.kill && len(kills) != 0 {
				t.Errorf("killCursors of a cursor the server no longer holds: %v", kills)
			}
			if cs.ID() != 8 {
				t.Errorf("ID = %d, want the new cursor's", cs.ID())
			}
		})
	}
}

func TestChangeStreamNoResume(t *testing.T) {
	for _, tc := range []struct {
		name string
		wire int32
		fail []wiretest.Reply
	}{
		{"not resumable", 21, csErr(2)},
		{"code without the label on 4.4", 21, csErr(189)},
		{"label ignored before 4.4", 8, csErr(2, "ResumableChangeStreamError")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newRdFake(t, tc.wire, csScript([][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil)}, [][]wiretest.Reply{tc.fail}))
			cs := csWatch(t, c)
			ctx := ctxTimeout(t, 20*time.Second)
			if cs.Next(ctx) {
				t.Fatal("Next returned an event")
			}
			var se *mongoerr.ServerError
			if !errors.As(cs.Err(), &se) {
				t.Fatalf("Err = %v, want the server's error", cs.Err())
			}
			if cs.Next(ctx) || cs.Err() == nil {
				t.Fatal("the stream went on after its error")
			}
			if n := len(f.requests("aggregate")); n != 1 {
				t.Fatalf("%d aggregates: resumed after %v", n, cs.Err())
			}
		})
	}
}

func TestChangeStreamResumeFailsOnce(t *testing.T) {
	f, c := newRdFake(t, 21, csScript(
		[][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil), csErr(2)},
		[][]wiretest.Reply{csErr(6, "ResumableChangeStreamError")}))
	cs := csWatch(t, c)
	if cs.Next(ctxTimeout(t, 20*time.Second)) {
		t.Fatal("Next returned an event")
	}
	var se *mongoerr.ServerError
	if !errors.As(cs.Err(), &se) || len(f.requests("aggregate")) != 2 {
		t.Fatalf("Err = %v after %d aggregates; want the resume's error after 2", cs.Err(), len(f.requests("aggregate")))
	}
}

func TestChangeStreamMissingResumeToken(t *testing.T) {
	f, c := newRdFake(t, 21, csScript([][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil, bson.D{{Key: "operationType", Value: "insert"}})}, nil))
	cs := csWatch(t, c)
	if cs.Next(ctxTimeout(t, 20*time.Second)) || !errors.Is(cs.Err(), motor.ErrMissingResumeToken) {
		t.Fatalf("Err = %v", cs.Err())
	}
	if len(f.requests("killCursors")) != 1 || cs.ID() != 0 {
		t.Errorf("the stream was not closed: %d killCursors, id %d", len(f.requests("killCursors")), cs.ID())
	}
}

// A stream opened in an explicit session runs its getMores and its resume
// in that session, whatever the context of Next.
func TestChangeStreamExplicitSession(t *testing.T) {
	f, c := newRdFake(t, 21, csScript(
		[][]wiretest.Reply{csBatch(7, "firstBatch", nil, nil, csEv(1)), csBatch(8, "firstBatch", nil, nil, csEv(2))},
		[][]wiretest.Reply{csErr(6, "ResumableChangeStreamError")}))
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	cs, err := c.Database("db").Collection("c").Watch(motor.WithSession(ctx, s), bson.A{}, motor.ChangeStreamOptions{Prefetch: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close(ctx)
	for range 2 {
		if !cs.Next(ctx) {
			t.Fatal(cs.Err())
		}
	}
	want := s.ID().Lookup("id").String()
	for _, name := range []string{"aggregate", "getMore"} {
		for i, r := range f.requests(name) {
			if got := r.Body.Lookup("lsid", "id").String(); got != want {
				t.Errorf("%s %d: lsid %s, want the session's %s", name, i, got, want)
			}
		}
	}
	if n := len(f.requests("aggregate")); n != 2 {
		t.Errorf("%d aggregates, want 2", n)
	}
}
