package motor_test

import (
	"errors"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// Snapshot sessions against a scripted server that returns atClusterTime
// (the server of session_scripted_test.go).

func TestSnapshotSession(t *testing.T) {
	f, c := newSSFake(t, 21, 10, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "find", "aggregate":
			return ssReply(true, 60, 60, ssCursor(0, "firstBatch", 40, bson.D{{Key: "a", Value: 1}}))
		case "distinct":
			return ssReply(true, 60, 60, bson.E{Key: "values", Value: bson.A{1}}, bson.E{Key: "atClusterTime", Value: bson.Timestamp{T: 45, I: 1}})
		}
		return ssReply(false, 60, 60)
	})
	ctx := ctxTimeout(t, 20*time.Second)
	coll := c.Database("db").Collection("c")

	yes := true
	if _, err := c.StartSession(motor.SessionOptions{Snapshot: true, CausalConsistency: &yes}); err == nil {
		t.Error("a session both snapshot and causally consistent was started")
	}
	if _, err := c.StartSession(motor.SessionOptions{SnapshotTime: &bson.Timestamp{T: 1}}); err == nil {
		t.Error("SnapshotTime without Snapshot was accepted")
	}
	s, err := c.StartSession(motor.SessionOptions{Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	sctx := motor.WithSession(ctx, s)
	if _, err := coll.Find(sctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"snapshot"`, "readConcern.atClusterTime": "<absent>", "readConcern.afterClusterTime": "<absent>"})
	if st, ok := s.SnapshotTime(); !ok || st.T != 40 {
		t.Fatalf("snapshot time %v %v, want 40 from the first find's cursor", st, ok)
	}
	if _, err := coll.Distinct(sctx, "a", bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"snapshot"`, "readConcern.atClusterTime": `{"$timestamp":{"t":40,"i":1}}`})
	if st, _ := s.SnapshotTime(); st.T != 40 {
		t.Errorf("the snapshot time changed to %v", st)
	}
	if _, err := coll.Aggregate(sctx, bson.A{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.atClusterTime": `{"$timestamp":{"t":40,"i":1}}`})
	// Writes are sent with the snapshot level, which the server rejects.
	if _, err := coll.InsertOne(sctx, bson.D{{Key: "a", Value: 1}}); err == nil {
		t.Error("the scripted server's error was lost")
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.level": `"snapshot"`})

	// A snapshot time given at the start is sent from the first read.
	s2, err := c.StartSession(motor.SessionOptions{Snapshot: true, SnapshotTime: &bson.Timestamp{T: 33, I: 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.EndSession(ctx)
	if _, err := coll.Distinct(motor.WithSession(ctx, s2), "a", bson.D{}); err != nil {
		t.Fatal(err)
	}
	wantFields(t, f.last(t), map[string]string{"readConcern.atClusterTime": `{"$timestamp":{"t":33,"i":3}}`})
	if st, _ := s2.SnapshotTime(); st.T != 33 {
		t.Errorf("snapshot time %v, want the one given", st)
	}
}

func TestSnapshotNeedsWireVersion13(t *testing.T) {
	f, c := newSSFake(t, 12, 10, func(req wiretest.Request) []wiretest.Reply {
		return ssReply(true, 0, 0, ssCursor(0, "firstBatch", 0))
	})
	ctx := ctxTimeout(t, 20*time.Second)
	s, err := c.StartSession(motor.SessionOptions{Snapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.EndSession(ctx)
	_, err = c.Database("db").Collection("c").Find(motor.WithSession(ctx, s), bson.D{})
	if !errors.Is(err, motor.ErrSnapshotNotSupported) {
		t.Fatalf("got %v, want ErrSnapshotNotSupported", err)
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d commands were sent", n)
	}
}
