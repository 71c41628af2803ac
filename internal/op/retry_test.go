package op

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/mongoerr"
)

func serverError(t *testing.T, code int32, labels ...string) error {
	t.Helper()
	d := bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: code}}
	if labels != nil {
		a := bson.A{}
		for _, l := range labels {
			a = append(a, l)
		}
		d = append(d, bson.E{Key: "errorLabels", Value: a})
	}
	raw, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return mongoerr.NewServerError("insert", raw)
}

func TestRetryableErrors(t *testing.T) {
	network := &mongoerr.NetworkError{Address: "a:1", Op: "read", Err: io.EOF}
	cancelled := &mongoerr.NetworkError{Address: "a:1", Op: "read", Err: context.Canceled}
	cleared := fmt.Errorf("check-out: %w", pool.ErrPoolCleared)
	tests := []struct {
		name        string
		err         error
		read        bool
		write44     bool // server 4.4+ (labels)
		writeBefore bool // server 4.2 (codes)
	}{
		{"network error", network, true, true, true},
		{"cancelled mid-read", cancelled, false, false, false},
		{"pool cleared", cleared, true, true, true},
		{"NotWritablePrimary without label", serverError(t, 10107), true, false, true},
		{"NotWritablePrimary labelled", serverError(t, 10107, "RetryableWriteError"), true, true, true},
		{"ReadConcernMajorityNotAvailableYet", serverError(t, 134), true, false, false},
		{"labelled, any code", serverError(t, 2, "RetryableWriteError"), false, true, true},
		{"DuplicateKey", serverError(t, 11000), false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryableRead(tt.err); got != tt.read {
				t.Errorf("retryableRead = %v", got)
			}
			if got := retryableWrite(tt.err, 9); got != tt.write44 {
				t.Errorf("retryableWrite(4.4) = %v", got)
			}
			if got := retryableWrite(tt.err, 8); got != tt.writeBefore {
				t.Errorf("retryableWrite(4.2) = %v", got)
			}
		})
	}
}

func TestLabelRetryable(t *testing.T) {
	a := &attempt{cmd: &Command{Retry: RetryWrite}, canRetryWrite: true}
	ne := &mongoerr.NetworkError{Address: "a:1", Op: "read", Err: io.EOF}
	if err := a.labelRetryable(ne); !mongoerr.HasLabel(err, retryableWriteLabel) {
		t.Errorf("network error not labelled: %v", err)
	}
	cleared := fmt.Errorf("check-out: %w", pool.ErrPoolCleared)
	err := a.labelRetryable(cleared)
	if !mongoerr.HasLabel(err, retryableWriteLabel) || !errors.Is(err, pool.ErrPoolCleared) || err.Error() != cleared.Error() {
		t.Errorf("pool cleared: %v", err)
	}
	se := serverError(t, 11000)
	if err := a.labelRetryable(se); mongoerr.HasLabel(err, retryableWriteLabel) {
		t.Error("a server error got the driver's label")
	}
	read := &attempt{cmd: &Command{Retry: RetryRead}}
	if err := read.labelRetryable(&mongoerr.NetworkError{Err: io.EOF}); mongoerr.HasLabel(err, retryableWriteLabel) {
		t.Error("a read got the write label")
	}
	// A write on a server without retryable writes (a standalone) gets none.
	standalone := &attempt{cmd: &Command{Retry: RetryWrite}}
	if err := standalone.labelRetryable(&mongoerr.NetworkError{Err: io.EOF}); mongoerr.HasLabel(err, retryableWriteLabel) {
		t.Error("a write that cannot be retried got the label")
	}
}
