package op

import (
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
)

func TestRetryableReply(t *testing.T) {
	doc := func(d bson.D) bson.Raw {
		b, err := bson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	labelled := doc(bson.D{{Key: "ok", Value: 1}, {Key: "n", Value: 1},
		{Key: "writeConcernError", Value: bson.D{{Key: "code", Value: 64}}},
		{Key: "errorLabels", Value: bson.A{"RetryableWriteError"}}})
	oldServer := doc(bson.D{{Key: "ok", Value: 1}, {Key: "writeConcernError", Value: bson.D{{Key: "code", Value: 189}}}})
	notRetryable := doc(bson.D{{Key: "ok", Value: 1}, {Key: "writeConcernError", Value: bson.D{{Key: "code", Value: 64}}}})
	plain := doc(bson.D{{Key: "ok", Value: 1}, {Key: "n", Value: 1}})
	writeError := doc(bson.D{{Key: "ok", Value: 1}, {Key: "writeErrors", Value: bson.A{bson.D{{Key: "index", Value: 0}, {Key: "code", Value: 189}}}}})
	tests := []struct {
		name  string
		retry Retry
		txn   bool
		reply bson.Raw
		want  bool
	}{
		{"labelled", RetryWrite, true, labelled, true},
		{"retryable code in writeConcernError", RetryWrite, true, oldServer, true},
		{"other code", RetryWrite, true, notRetryable, false},
		{"no error", RetryWrite, true, plain, false},
		{"write errors are never retried", RetryWrite, true, writeError, false},
		{"no txnNumber sent", RetryWrite, false, labelled, false},
		{"not a retryable write", NoRetry, true, labelled, false},
		{"a read", RetryRead, true, labelled, false},
		{"empty reply", RetryWrite, true, nil, false},
	}
	for _, tt := range tests {
		a := attempt{cmd: &Command{Retry: tt.retry}, txn: tt.txn}
		if got := a.retryableReply(tt.reply); got != tt.want {
			t.Errorf("%s: retryableReply = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLimitsOf(t *testing.T) {
	l := limitsOf(conn.Description{MaxWireVersion: 25, MaxBSONObjectSize: 1 << 24, MaxMessageSize: 48_000_000, MaxWriteBatchSize: 100_000})
	want := Limits{MaxWireVersion: 25, MaxBSONObjectSize: 1 << 24, MaxMessageSize: 48_000_000, MaxWriteBatchSize: 100_000}
	if l != want {
		t.Fatalf("limitsOf = %+v, want %+v", l, want)
	}
}
