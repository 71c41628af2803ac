package motor

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestWriteExceptionFromReply(t *testing.T) {
	reply := bson.Raw(mustMarshal(t, bson.D{
		{Key: "ok", Value: 1}, {Key: "n", Value: 1},
		{Key: "writeErrors", Value: bson.A{
			bson.D{{Key: "index", Value: 0}, {Key: "code", Value: 11000}, {Key: "errmsg", Value: "E11000 duplicate key error"},
				{Key: "errInfo", Value: bson.D{{Key: "k", Value: 1}}}},
		}},
		{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: 64}, {Key: "codeName", Value: "WriteConcernFailed"},
			{Key: "errmsg", Value: "waiting for replication timed out"}, {Key: "errInfo", Value: bson.D{{Key: "wtimeout", Value: true}}}}},
		{Key: "errorLabels", Value: bson.A{"Custom"}},
	}))
	we := writeException("insert", reply)
	if we == nil || len(we.WriteErrors) != 1 || we.WriteConcernError == nil {
		t.Fatalf("%+v", we)
	}
	w := we.WriteErrors[0]
	if w.Code != 11000 || w.Index != 0 || w.Details.Lookup("k").Type == 0 {
		t.Errorf("write error %+v", w)
	}
	wce := we.WriteConcernError
	if wce.Code != 64 || wce.CodeName != "WriteConcernFailed" || !wce.Details.Lookup("wtimeout").Boolean() {
		t.Errorf("write concern error %+v", wce)
	}
	var err error = we
	if !errors.Is(err, ErrDuplicateKey) || !IsDuplicateKeyError(err) || errors.Is(err, ErrNamespaceNotFound) {
		t.Error("errors.Is does not see the duplicate key")
	}
	var got WriteError
	if !errors.As(err, &got) || got.Code != 11000 {
		t.Errorf("errors.As WriteError: %+v", got)
	}
	var gotWCE *WriteConcernError
	if !errors.As(err, &gotWCE) || gotWCE.Code != 64 {
		t.Errorf("errors.As WriteConcernError: %+v", gotWCE)
	}
	if !HasErrorLabel(err, "Custom") || HasErrorLabel(err, "Other") {
		t.Error("labels")
	}
	msg := err.Error()
	for _, want := range []string{"motor: insert", "index 0", "11000", "WriteConcernFailed", "timed out"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if writeException("insert", bson.Raw(mustMarshal(t, bson.D{{Key: "ok", Value: 1}, {Key: "n", Value: 1}}))) != nil {
		t.Error("a clean reply gave an exception")
	}
}

func TestWriteErrorIndexMapping(t *testing.T) {
	reply := bson.Raw(mustMarshal(t, bson.D{{Key: "writeErrors", Value: bson.A{
		bson.D{{Key: "index", Value: 1}, {Key: "code", Value: 2}},
		bson.D{{Key: "index", Value: 3}, {Key: "code", Value: 11001}, {Key: "errmsg", Value: "dup"}},
		"not a document",
	}}}))
	wes := parseWriteErrors(reply, func(i int) int { return i + 100 })
	if len(wes) != 2 || wes[0].Index != 101 || wes[1].Index != 103 || wes[1].Message != "dup" {
		t.Fatalf("%+v", wes)
	}
	if !errors.Is(wes[1], ErrDuplicateKey) || errors.Is(wes[0], ErrDuplicateKey) {
		t.Error("Is on WriteError")
	}
	// The duplicate key message alone is enough, for servers that use
	// another code.
	if !errors.Is(WriteError{Code: 1, Message: "E11000 duplicate key error collection"}, ErrDuplicateKey) {
		t.Error("message match")
	}
}

func TestBulkWriteException(t *testing.T) {
	cause := &ServerError{Code: 91, Message: "shutting down", Labels: []string{"RetryableWriteError"}}
	e := &BulkWriteException{
		WriteErrors:        []WriteError{{Index: 4, Code: 11000, Message: "dup"}, {Index: 9, Code: 121, Message: "validation"}},
		WriteConcernErrors: []WriteConcernError{{Code: 100, Message: "wc", Labels: []string{"WCLabel"}}},
		PartialResult:      &BulkWriteResult{InsertedCount: 3},
		Err:                cause,
	}
	var err error = e
	if !IsDuplicateKeyError(err) {
		t.Error("duplicate key not found")
	}
	var se *ServerError
	if !errors.As(err, &se) || se.Code != 91 {
		t.Error("the cause is not reachable")
	}
	if !HasErrorLabel(err, "RetryableWriteError") || !HasErrorLabel(err, "WCLabel") || HasErrorLabel(err, "x") {
		t.Error("labels")
	}
	msg := err.Error()
	for _, want := range []string{"index 4", "1 more write error", "wc", "shutting down"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if IsDuplicateKeyError(&BulkWriteException{WriteErrors: []WriteError{{Code: 121}}}) {
		t.Error("a validation error counted as a duplicate key")
	}
	if IsDuplicateKeyError(nil) {
		t.Error("nil is a duplicate key")
	}
}

func TestClientBulkWriteException(t *testing.T) {
	e := &ClientBulkWriteException{
		WriteErrors:        map[int]WriteError{7: {Index: 7, Code: 11000, Message: "dup"}, 2: {Index: 2, Code: 5, Message: "first"}},
		WriteConcernErrors: []WriteConcernError{{Code: 64, Message: "slow"}},
	}
	if !IsDuplicateKeyError(e) {
		t.Error("duplicate key not found")
	}
	if msg := e.Error(); !strings.Contains(msg, "index 2") || !strings.Contains(msg, "slow") {
		t.Errorf("message %q", msg)
	}
	wrapped := &ClientBulkWriteException{Err: &ServerError{Code: 8, Labels: []string{"L"}}}
	if !HasErrorLabel(wrapped, "L") {
		t.Error("label of Err")
	}
}

func TestErrUnacknowledgedWrite(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", ErrUnacknowledgedWrite)
	if !errors.Is(err, ErrUnacknowledgedWrite) || !errors.Is(err, ErrNoDocuments) || errors.Is(ErrNoDocuments, ErrUnacknowledgedWrite) {
		t.Error("ErrUnacknowledgedWrite matching")
	}
	if IsDuplicateKeyError(err) || !strings.Contains(err.Error(), "unacknowledged") {
		t.Error(err)
	}
}

func TestIsNilValue(t *testing.T) {
	var ip *int
	var iface any = ip
	for _, v := range []any{nil, bson.D(nil), bson.M(nil), bson.A(nil), bson.Raw(nil), ip, []int(nil), map[string]any(nil), iface} {
		if !isNilValue(v) {
			t.Errorf("%#v is not nil", v)
		}
	}
	for _, v := range []any{bson.D{}, bson.M{}, 0, "", struct{}{}, new(int), []int{}} {
		if isNilValue(v) {
			t.Errorf("%#v is nil", v)
		}
	}
}
