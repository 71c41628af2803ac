package mongoerr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

func reply(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServerError(t *testing.T) {
	r := reply(t, bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: "E11000 duplicate key error collection: db.c"},
		{Key: "code", Value: int32(11000)}, {Key: "codeName", Value: "DuplicateKey"},
		{Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}})
	e := NewServerError("insert", r)
	if e.Code != 11000 || e.CodeName != "DuplicateKey" || !e.HasLabel("RetryableWriteError") || e.HasLabel("x") {
		t.Fatalf("parsed %+v", e)
	}
	r[len(r)-2] = 'X' // the error keeps its own copy of the reply
	if e.Raw.Validate() != nil || e.Raw.Lookup("codeName").StringValue() != "DuplicateKey" {
		t.Error("Raw aliases the reply")
	}
	wrapped := fmt.Errorf("insert failed: %w", e)
	if !errors.Is(wrapped, ErrDuplicateKey) || errors.Is(wrapped, ErrNamespaceNotFound) {
		t.Error("code sentinels do not match")
	}
	var se *ServerError
	if !errors.As(wrapped, &se) || se != e {
		t.Error("errors.As")
	}
	if !HasLabel(wrapped, "RetryableWriteError") {
		t.Error("HasLabel through wrapping")
	}
	want := "motor: insert: server error 11000 (DuplicateKey): E11000 duplicate key error collection: db.c"
	if e.Error() != want {
		t.Errorf("Error() = %q", e.Error())
	}
	// Another code, with the duplicate-key message, still matches.
	other := NewServerError("update", reply(t, bson.D{{Key: "code", Value: int32(16460)}, {Key: "errmsg", Value: "E11000 duplicate key"}}))
	if !errors.Is(other, ErrDuplicateKey) {
		t.Error("message match")
	}
}

func TestTimeoutAndNetwork(t *testing.T) {
	tests := []struct {
		err     error
		timeout bool
		network bool
	}{
		{nil, false, false},
		{io.EOF, false, false},
		{context.DeadlineExceeded, true, false},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), true, false},
		{&NetworkError{Address: "a:1", Op: "read", Err: io.EOF}, false, true},
		{&NetworkError{Address: "a:1", Op: "read", Err: context.DeadlineExceeded}, true, true},
		{NewServerError("find", reply(t, bson.D{{Key: "code", Value: int32(50)}})), true, false},
	}
	for i, tt := range tests {
		if got := IsTimeout(tt.err); got != tt.timeout {
			t.Errorf("%d: IsTimeout(%v) = %v", i, tt.err, got)
		}
		if got := IsNetworkError(tt.err); got != tt.network {
			t.Errorf("%d: IsNetworkError(%v) = %v", i, tt.err, got)
		}
	}
	ne := &NetworkError{Address: "h:27017", Op: "dial", Err: errors.New("refused")}
	if !strings.Contains(ne.Error(), "h:27017") || !strings.Contains(ne.Error(), "refused") {
		t.Errorf("message %q", ne.Error())
	}
}
