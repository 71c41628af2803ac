package session

import (
	"errors"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
)

func ct(t *testing.T, ts uint32, inc uint32) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(bson.D{{Key: "clusterTime", Value: bson.Timestamp{T: ts, I: inc}}, {Key: "signature", Value: bson.D{{Key: "keyId", Value: int64(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompareAndGreater(t *testing.T) {
	for _, tc := range []struct {
		a, b bson.Timestamp
		want int
	}{
		{bson.Timestamp{T: 1, I: 1}, bson.Timestamp{T: 1, I: 1}, 0},
		{bson.Timestamp{T: 1, I: 2}, bson.Timestamp{T: 1, I: 1}, 1},
		{bson.Timestamp{T: 1, I: 9}, bson.Timestamp{T: 2, I: 0}, -1},
		{bson.Timestamp{T: 3, I: 0}, bson.Timestamp{T: 2, I: 9}, 1},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	a, b := ct(t, 5, 1), ct(t, 5, 2)
	for _, tc := range []struct {
		name       string
		x, y, want bson.Raw
	}{
		{"greater second", a, b, b},
		{"greater first", b, a, b},
		{"equal keeps first", a, a, a},
		{"nil first", nil, a, a},
		{"nil second", a, nil, a},
		{"both nil", nil, nil, nil},
		{"not a cluster time", bson.Raw{5, 0, 0, 0, 0}, a, a},
		{"invalid", bson.Raw{1, 2}, nil, bson.Raw{1, 2}},
	} {
		if got := Greater(tc.x, tc.y); string(got) != string(tc.want) {
			t.Errorf("%s: Greater = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestClockAdvancesOnly(t *testing.T) {
	var c Clock
	if c.Get() != nil {
		t.Fatal("a new clock has a time")
	}
	c.Advance(bson.Raw{5, 0, 0, 0, 0}) // no clusterTime: ignored
	if c.Get() != nil {
		t.Fatal("a document without clusterTime was kept")
	}
	src := ct(t, 10, 1)
	c.Advance(src)
	src[len(src)-2] = 0xff // the clock keeps a copy
	if tm, _ := TimeOf(c.Get()); tm.T != 10 {
		t.Fatalf("time %v", tm)
	}
	c.Advance(ct(t, 9, 5))
	if tm, _ := TimeOf(c.Get()); tm.T != 10 {
		t.Errorf("moved back to %v", tm)
	}
	c.Advance(ct(t, 10, 2))
	if tm, _ := TimeOf(c.Get()); tm != (bson.Timestamp{T: 10, I: 2}) {
		t.Errorf("did not advance: %v", tm)
	}
}

func TestClientSession(t *testing.T) {
	cs := &Client{Causal: true}
	if cs.CurrentServer() != nil {
		t.Fatal("a server session before the first use")
	}
	var p Pool
	n := 0
	checkOut := func() *Server { n++; return p.CheckOut(time.Minute, time.Now()) }
	s1, err := cs.Server(checkOut)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := cs.Server(checkOut)
	if s1 != s2 || n != 1 {
		t.Errorf("the server session was checked out %d times", n)
	}
	if err := cs.AdvanceClusterTime(bson.Raw{5, 0, 0, 0, 0}); !errors.Is(err, ErrNotClusterTime) {
		t.Errorf("AdvanceClusterTime took a document without clusterTime: %v", err)
	}
	if err := cs.AdvanceClusterTime(ct(t, 4, 0)); err != nil {
		t.Fatal(err)
	}
	_ = cs.AdvanceClusterTime(ct(t, 3, 0))
	if tm, _ := TimeOf(cs.ClusterTime()); tm.T != 4 {
		t.Errorf("cluster time %v, want 4", tm)
	}
	if _, ok := cs.OperationTime(); ok {
		t.Error("an operation time before any")
	}
	cs.AdvanceOperationTime(bson.Timestamp{T: 7})
	cs.AdvanceOperationTime(bson.Timestamp{T: 6})
	if op, _ := cs.OperationTime(); op.T != 7 {
		t.Errorf("operation time %v, want 7", op)
	}
	cs.SetSnapshotTime(bson.Timestamp{T: 2})
	cs.SetSnapshotTime(bson.Timestamp{T: 3})
	if st, ok := cs.SnapshotTime(); !ok || st.T != 2 {
		t.Errorf("snapshot time %v %v, want the first, 2", st, ok)
	}
	if got := cs.End(); got != s1 {
		t.Error("End did not return the server session")
	}
	if got := cs.End(); got != nil {
		t.Error("a second End returned a server session")
	}
	if !cs.Ended() {
		t.Error("not ended")
	}
	if _, err := cs.Server(checkOut); !errors.Is(err, ErrEnded) {
		t.Errorf("Server after End: %v", err)
	}
}
