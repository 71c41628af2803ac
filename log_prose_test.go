package motor_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The prose tests of the Command Logging and Monitoring specification
// (tests/README.md, "Prose Tests"). Motor measures the maximum document
// length in bytes, cut on a UTF-8 boundary.

// commandLogs returns the command messages of h with the message msg.
func commandLogs(h *logRecorder, msg string) []logRec {
	var out []logRec
	for _, r := range h.of("command") {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

func TestLogProseDefaultTruncation(t *testing.T) {
	levels := allOff
	levels.Command = motor.LogDebug
	c, h := logClient(t, levels, nil)
	ctx := context.Background()
	db := c.Database("logprose")
	coll := motor.CollectionOf[bson.D](db, "default_truncation")
	if err := db.RunCommand(ctx, bson.D{{Key: "drop", Value: coll.Name()}}).Err(); err != nil && !strings.Contains(err.Error(), "ns not found") {
		t.Fatal(err)
	}
	docs := make([]bson.D, 100)
	for i := range docs {
		docs[i] = bson.D{{Key: "x", Value: "y"}}
	}
	h.mu.Lock()
	h.recs = nil
	h.mu.Unlock()
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	started := commandLogs(h, "Command started")
	succeeded := commandLogs(h, "Command succeeded")
	if len(started) != 1 || len(succeeded) != 1 {
		t.Fatalf("%d started and %d succeeded messages", len(started), len(succeeded))
	}
	if cmd := started[0].attrs["command"].String(); len(cmd) != 1000+3 || !strings.HasSuffix(cmd, "...") {
		t.Errorf("command of %d bytes: %q", len(cmd), cmd)
	}
	if reply := succeeded[0].attrs["reply"].String(); len(reply) > 1000+3 {
		t.Errorf("reply of %d bytes", len(reply))
	}
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for cur.Next(ctx) {
	}
	if err := cur.Close(ctx); err != nil {
		t.Fatal(err)
	}
	succeeded = commandLogs(h, "Command succeeded")
	if reply := succeeded[1].attrs["reply"].String(); len(reply) != 1000+3 || !strings.HasSuffix(reply, "...") {
		t.Errorf("find reply of %d bytes", len(reply))
	}
}

func TestLogProseExplicitTruncation(t *testing.T) {
	levels := allOff
	levels.Command = motor.LogDebug
	c, h := logClient(t, levels, func(cfg *motor.Config) { cfg.MaxDocumentLength = 5 })
	ctx := context.Background()
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: true}}).Err(); err != nil {
		t.Fatal(err)
	}
	if cmd := commandLogs(h, "Command started")[0].attrs["command"].String(); cmd != `{"hel...` {
		t.Errorf("command %q", cmd)
	}
	if reply := commandLogs(h, "Command succeeded")[0].attrs["reply"].String(); len(reply) != 5+3 || !strings.HasSuffix(reply, "...") {
		t.Errorf("reply %q", reply)
	}
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "notARealCommand", Value: true}}).Err(); err == nil {
		t.Fatal("notARealCommand succeeded")
	}
	if f := commandLogs(h, "Command failed")[0].attrs["failure"].String(); len(f) != 5+3 || !strings.HasSuffix(f, "...") {
		t.Errorf("failure %q", f)
	}
}

func TestLogProseMultiByteTruncation(t *testing.T) {
	levels := allOff
	levels.Command = motor.LogDebug
	for max := 20; max <= 31; max++ {
		c, h := logClient(t, levels, func(cfg *motor.Config) { cfg.MaxDocumentLength = max })
		ctx := context.Background()
		// {"ping":1,"comment":"日本語…"}: the three-byte characters start
		// at byte 21, so these limits cut before them, inside and between.
		cmd := bson.D{{Key: "ping", Value: 1}, {Key: "comment", Value: strings.Repeat("日本語", 20)}}
		for range 2 {
			if err := c.Database("admin").RunCommand(ctx, cmd).Err(); err != nil {
				t.Fatal(err)
			}
			cmd = bson.D{{Key: "ping", Value: 1}}
		}
		for _, r := range commandLogs(h, "Command started") {
			got := r.attrs["command"].String()
			kept, cut := strings.CutSuffix(got, "...")
			if !utf8.ValidString(got) || cut && (len(kept) > max || len(kept) < max-2) {
				t.Errorf("max %d: command %q", max, got)
			}
		}
		c.Close(ctx)
	}
	// A limit inside the multi-byte characters of the comment.
	c, h := logClient(t, levels, func(cfg *motor.Config) { cfg.MaxDocumentLength = 32 })
	if err := c.Database("admin").RunCommand(context.Background(), bson.D{{Key: "ping", Value: 1}, {Key: "comment", Value: strings.Repeat("日本語", 20)}}).Err(); err != nil {
		t.Fatal(err)
	}
	got := commandLogs(h, "Command started")[0].attrs["command"].String()
	if want := `{"ping":1,"comment":"日本語...`; got != want {
		t.Errorf("command %q, want %q (cut back to the character boundary at 30 bytes)", got, want)
	}
}
