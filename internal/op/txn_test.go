package op

import (
	"errors"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

func TestMajorityWC(t *testing.T) {
	tests := []struct {
		in       bson.D
		wtimeout int64
		j        bool
		n        int // fields
	}{
		{nil, 10000, false, 2},
		{bson.D{{Key: "w", Value: int32(1)}}, 10000, false, 2},
		{bson.D{{Key: "w", Value: int32(2)}, {Key: "j", Value: true}, {Key: "wtimeout", Value: int64(500)}}, 500, true, 3},
	}
	for _, tt := range tests {
		b, err := bson.Marshal(majorityWC(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		got := bson.Raw(b)
		wt, _ := got.Lookup("wtimeout").AsInt64OK()
		j, _ := got.Lookup("j").BooleanOK()
		if got.Lookup("w").StringValue() != "majority" || wt != tt.wtimeout || j != tt.j || got.Len() != tt.n {
			t.Errorf("majorityWC(%v) = %v", tt.in, got)
		}
	}
}

func TestWithoutField(t *testing.T) {
	doc, _ := bson.Marshal(bson.D{{Key: "insert", Value: "c"}, {Key: "writeConcern", Value: bson.D{{Key: "w", Value: 1}}}, {Key: "ordered", Value: true}})
	got := bson.Raw(withoutField(doc, "writeConcern"))
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	if got.Lookup("writeConcern").Type != 0 || got.Lookup("insert").StringValue() != "c" || !got.Lookup("ordered").Boolean() {
		t.Errorf("withoutField = %v", got)
	}
	if same := withoutField(got, "writeConcern"); &same[0] != &got[0] {
		t.Error("a document without the field is copied")
	}
}

func TestLabelCommit(t *testing.T) {
	wcErr := func(code int32) error {
		reply, _ := bson.Marshal(bson.D{{Key: "ok", Value: 1}})
		d, _ := bson.Marshal(bson.D{{Key: "code", Value: code}})
		return writeConcernServerError("commitTransaction", reply, d)
	}
	tests := []struct {
		name    string
		err     error
		unknown bool
	}{
		{"network", &mongoerr.NetworkError{Err: errors.New("reset")}, true},
		{"selection", errors.Join(mongoerr.ErrServerSelection, errors.New("timeout")), true},
		{"MaxTimeMSExpired", &mongoerr.ServerError{Code: 50}, true},
		{"retryable label", &mongoerr.ServerError{Code: 91, Labels: []string{"RetryableWriteError"}}, true},
		{"write concern timeout", wcErr(64), true},
		{"UnknownReplWriteConcern", wcErr(79), false},
		{"UnsatisfiableWriteConcern", wcErr(100), false},
		{"NoSuchTransaction", &mongoerr.ServerError{Code: 251, Labels: []string{TransientTxnLabel}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labelCommit(tt.err)
			if mongoerr.HasLabel(got, UnknownCommitLabel) != tt.unknown {
				t.Errorf("labelCommit(%v): UnknownTransactionCommitResult %v, want %v", tt.err, !tt.unknown, tt.unknown)
			}
			if !errors.Is(got, tt.err) && got != tt.err {
				t.Errorf("labelCommit lost the error: %v", got)
			}
		})
	}
}
