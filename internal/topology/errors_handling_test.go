package topology

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

func TestParseCommandFailure(t *testing.T) {
	for _, tc := range []struct {
		reply string
		ok    bool
		want  CommandFailure
	}{
		{`{"ok":1}`, false, CommandFailure{}},
		{`{"ok":1,"writeErrors":[{"code":10107,"errmsg":"not primary"}]}`, false, CommandFailure{}},
		{`{"ok":0,"code":10107,"errmsg":"not primary","errorLabels":["RetryableWriteError"]}`, true,
			CommandFailure{Code: 10107, Message: "not primary", Labels: []string{"RetryableWriteError"}}},
		{`{"ok":0,"errmsg":"node is recovering"}`, true, CommandFailure{Message: "node is recovering"}},
		{`{"$err":"not master","code":10058}`, true, CommandFailure{Code: 10058, Message: "not master"}},
		{`{"ok":1,"writeConcernError":{"code":91,"errmsg":"shutting down","errorLabels":["SystemOverloadedError"]}}`, true,
			CommandFailure{Code: 91, Message: "shutting down", Labels: []string{"SystemOverloadedError"}}},
		{`{"ok":1,"writeConcernError":{"code":11602,"errmsg":"interrupted"},"errorLabels":["x"],
			"topologyVersion":{"processId":{"$oid":"000000000000000000000001"},"counter":{"$numberLong":"3"}}}`, true,
			CommandFailure{Code: 11602, Message: "interrupted", Labels: []string{"x"},
				TopologyVersion: Some(TopologyVersion{ProcessID: bson.ObjectID{11: 1}, Counter: 3})}},
	} {
		got, ok := ParseCommandFailure(helloReply(t, tc.reply))
		if ok != tc.ok || got.Code != tc.want.Code || got.Message != tc.want.Message ||
			got.TopologyVersion != tc.want.TopologyVersion || !slices.Equal(got.Labels, tc.want.Labels) {
			t.Errorf("%s: %+v %v, want %+v %v", tc.reply, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStateChangeClassification(t *testing.T) {
	for _, tc := range []struct {
		code                           int32
		msg                            string
		recovering, notPrimary, change bool
	}{
		{11600, "", true, false, true},
		{91, "", true, false, true},
		{189, "", true, false, true},
		{10107, "", false, true, true},
		{13435, "", false, true, true},
		{1, "not master", false, false, false}, // a code wins over the message
		{0, "not master", false, true, true},
		{0, "not master or secondary", true, false, true},
		{0, "node is recovering", true, false, true},
		{0, "something else", false, false, false},
	} {
		if IsRecovering(tc.code, tc.msg) != tc.recovering || IsNotWritablePrimary(tc.code, tc.msg) != tc.notPrimary ||
			IsStateChange(tc.code, tc.msg) != tc.change {
			t.Errorf("code %d %q: recovering %v, not primary %v, change %v", tc.code, tc.msg,
				IsRecovering(tc.code, tc.msg), IsNotWritablePrimary(tc.code, tc.msg), IsStateChange(tc.code, tc.msg))
		}
	}
	if !IsShutdown(91) || !IsShutdown(11600) || IsShutdown(189) {
		t.Error("IsShutdown")
	}
}

// primaryTopology returns a replica set with the primary a:27017.
func primaryTopology(t *testing.T) Description {
	t.Helper()
	d := NewDescription(Config{Seeds: []string{"a:27017"}, SetName: "rs"})
	d = Apply(d, NewServerDescription("a:27017", helloReply(t,
		`{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017"],"maxWireVersion":21}`), time.Millisecond, time.Now()))
	if d.Kind != ReplicaSetWithPrimary {
		t.Fatalf("setup: %v", d.Kind)
	}
	return d
}

func TestHandleErrorRules(t *testing.T) {
	authErr := errors.New("auth failed")
	for _, tc := range []struct {
		name    string
		e       AppError
		gen     uint64
		unknown bool
		out     ErrorOutcome
	}{
		{"network after handshake", AppError{Kind: NetworkErr, HandshakeDone: true}, 0, true,
			ErrorOutcome{MarkedUnknown: true, ClearPool: true, CancelCheck: true}},
		{"timeout after handshake", AppError{Kind: TimeoutErr, HandshakeDone: true}, 0, false, ErrorOutcome{Ignored: true}},
		{"timeout during authentication", AppError{Kind: TimeoutErr}, 0, true,
			ErrorOutcome{MarkedUnknown: true, ClearPool: true, CancelCheck: true}},
		{"overloaded network error while connecting", AppError{Kind: NetworkErr, Overloaded: true}, 0, false, ErrorOutcome{Ignored: true}},
		{"authentication failure", AppError{Kind: CommandErr, Failure: CommandFailure{Code: 18, Message: "auth failed"}, Err: authErr}, 0, true,
			ErrorOutcome{MarkedUnknown: true, ClearPool: true, CancelCheck: true}},
		{"labeled command error while connecting", AppError{Kind: CommandErr, Failure: CommandFailure{Code: 18, Labels: []string{OverloadedLabel}}}, 0, false,
			ErrorOutcome{Ignored: true}},
		{"other command error", AppError{Kind: CommandErr, HandshakeDone: true, Failure: CommandFailure{Code: 11000}}, 0, false, ErrorOutcome{Ignored: true}},
		{"not primary", AppError{Kind: CommandErr, HandshakeDone: true, Failure: CommandFailure{Code: 10107}}, 0, true,
			ErrorOutcome{MarkedUnknown: true, RequestCheck: true}},
		{"shutdown", AppError{Kind: CommandErr, HandshakeDone: true, Failure: CommandFailure{Code: 91}}, 0, true,
			ErrorOutcome{MarkedUnknown: true, ClearPool: true, RequestCheck: true}},
		{"stale generation", AppError{Kind: NetworkErr, HandshakeDone: true, Generation: 1}, 2, false, ErrorOutcome{Ignored: true}},
		{"removed server", AppError{Addr: "z:27017", Kind: NetworkErr, HandshakeDone: true}, 0, false, ErrorOutcome{Ignored: true}},
	} {
		d := primaryTopology(t)
		if tc.e.Addr == "" {
			tc.e.Addr = "a:27017"
		}
		n, out := HandleError(d, tc.e, tc.gen)
		if out != tc.out {
			t.Errorf("%s: outcome %+v, want %+v", tc.name, out, tc.out)
		}
		sd, _ := n.Server("a:27017")
		if (sd.Kind == ServerUnknown) != tc.unknown {
			t.Errorf("%s: server became %v", tc.name, sd.Kind)
		}
		if tc.unknown && n.Kind != ReplicaSetNoPrimary {
			t.Errorf("%s: topology %v, want ReplicaSetNoPrimary", tc.name, n.Kind)
		}
		if tc.unknown && tc.e.Err != nil && !errors.Is(sd.Err, tc.e.Err) {
			t.Errorf("%s: description error %v, want %v", tc.name, sd.Err, tc.e.Err)
		}
		if cur, _ := d.Server("a:27017"); cur.Kind != RSPrimary {
			t.Errorf("%s: HandleError changed its input", tc.name)
		}
	}
}

func FuzzNewServerDescription(f *testing.F) {
	for _, s := range []string{
		`{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017"],"tags":{"a":"b"},"lastWrite":{"lastWriteDate":{"$date":"2020-01-01T00:00:00Z"},"opTime":{"t":1}}}`,
		`{"ok":1,"msg":"isdbgrid","topologyVersion":{"processId":{"$oid":"000000000000000000000001"},"counter":{"$numberLong":"1"}}}`,
		`{"ok":0,"errmsg":"x","code":91}`,
		`{"ok":1,"writeConcernError":{"code":91,"errmsg":"x"}}`,
	} {
		f.Add([]byte(helloReply(f, s)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		reply := bson.Raw(b)
		sd := NewServerDescription("a:27017", reply, time.Millisecond, time.Unix(0, 0))
		if sd.Kind != ServerUnknown && sd.Err != nil {
			t.Fatalf("type %v with error %v", sd.Kind, sd.Err)
		}
		d := Apply(NewDescription(Config{Seeds: []string{"a:27017", "b:27017"}}), sd)
		if _, ok := d.Server("a:27017"); !ok && sd.Kind == ServerUnknown {
			t.Fatal("an Unknown outcome removed its server")
		}
		if f, ok := ParseCommandFailure(reply); ok {
			_, _ = HandleError(d, AppError{Addr: "a:27017", Kind: CommandErr, HandshakeDone: true, Failure: f}, 0)
		}
	})
}

func TestNewAppError(t *testing.T) {
	svc := Some(bson.ObjectID{1})
	reply := helloReply(t, `{"ok":0,"code":91,"errmsg":"shutting down","topologyVersion":{"processId":{"$oid":"000000000000000000000001"},"counter":{"$numberLong":"2"}}}`)
	e := NewAppError("a:27017", mongoerr.NewServerError("find", reply), 3, true, svc)
	if e.Kind != CommandErr || e.Failure.Code != 91 || e.Failure.TopologyVersion.V.Counter != 2 || e.Generation != 3 || e.ServiceID != svc || !e.HandshakeDone {
		t.Errorf("server error: %+v", e)
	}
	e = NewAppError("a:27017", &mongoerr.ServerError{Code: 10107, Labels: []string{OverloadedLabel}}, 0, false, Nullable[bson.ObjectID]{})
	if e.Kind != CommandErr || e.Failure.Code != 10107 || !e.Overloaded {
		t.Errorf("server error without reply: %+v", e)
	}
	e = NewAppError("a:27017", &mongoerr.NetworkError{Op: "read", Err: os.ErrDeadlineExceeded}, 0, true, Nullable[bson.ObjectID]{})
	if e.Kind != TimeoutErr || e.Overloaded {
		t.Errorf("timeout: %+v", e)
	}
	e = NewAppError("a:27017", &mongoerr.NetworkError{Op: "dial", Err: errNetwork, Labels: []string{OverloadedLabel}}, 0, false, Nullable[bson.ObjectID]{})
	if e.Kind != NetworkErr || !e.Overloaded {
		t.Errorf("labeled network error: %+v", e)
	}
	if e = NewAppError("a:27017", context.DeadlineExceeded, 0, true, Nullable[bson.ObjectID]{}); e.Kind != TimeoutErr {
		t.Errorf("context deadline: %+v", e)
	}
	if e = NewAppError("a:27017", errors.New("tls: bad certificate"), 0, false, Nullable[bson.ObjectID]{}); e.Kind != NetworkErr || e.Overloaded {
		t.Errorf("other error: %+v", e)
	}
}
