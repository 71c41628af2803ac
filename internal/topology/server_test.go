package topology

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

func TestNewServerDescriptionTypes(t *testing.T) {
	for _, tc := range []struct {
		reply string
		want  ServerType
	}{
		{`{"ok":1,"isWritablePrimary":true}`, Standalone},
		{`{"ok":1,"ismaster":true}`, Standalone},
		{`{"ok":1.0,"ismaster":true,"msg":"isdbgrid"}`, Mongos},
		{`{"ok":1,"isWritablePrimary":true,"setName":"rs"}`, RSPrimary},
		{`{"ok":1,"ismaster":true,"setName":"rs"}`, RSPrimary},
		{`{"ok":1,"isWritablePrimary":false,"ismaster":true,"setName":"rs"}`, RSOther},
		{`{"ok":1,"secondary":true,"setName":"rs"}`, RSSecondary},
		{`{"ok":1,"secondary":true,"hidden":true,"setName":"rs"}`, RSOther},
		{`{"ok":1,"arbiterOnly":true,"setName":"rs"}`, RSArbiter},
		{`{"ok":1,"setName":"rs"}`, RSOther},
		{`{"ok":1,"isreplicaset":true}`, RSGhost},
		{`{"ok":0,"errmsg":"no"}`, ServerUnknown},
		{`{"isWritablePrimary":true}`, ServerUnknown},
		{`{"ok":true,"isWritablePrimary":true}`, Standalone},
	} {
		sd := NewServerDescription("a:27017", helloReply(t, tc.reply), time.Millisecond, time.Now())
		if sd.Kind != tc.want {
			t.Errorf("%s: type %v, want %v", tc.reply, sd.Kind, tc.want)
		}
		if (sd.Kind == ServerUnknown) != (sd.Err != nil) {
			t.Errorf("%s: error %v for type %v", tc.reply, sd.Err, sd.Kind)
		}
	}
}

func TestNewServerDescriptionFields(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	reply := helloReply(t, `{
		"ok": 1, "secondary": true, "setName": "rs", "setVersion": {"$numberLong": "7"},
		"electionId": {"$oid": "000000000000000000000009"},
		"me": "B:27017", "primary": "A:27017",
		"hosts": ["A:27017", "b:27017"], "passives": ["C"], "arbiters": ["[::1]:27018"],
		"tags": {"dc": "ny", "rack": "1", "bad": 1},
		"minWireVersion": 0, "maxWireVersion": 21, "logicalSessionTimeoutMinutes": 30,
		"lastWrite": {"lastWriteDate": {"$date": "2023-01-02T03:04:05Z"}, "opTime": {"ts": {"$timestamp": {"t": 1, "i": 2}}, "t": 3}},
		"topologyVersion": {"processId": {"$oid": "000000000000000000000001"}, "counter": {"$numberLong": "4"}},
		"serviceId": {"$oid": "00000000000000000000000a"}, "helloOk": true
	}`)
	sd := NewServerDescription("b:27017", reply, 2*time.Millisecond, now)
	clear(reply) // the description must not refer to the reply
	if sd.Kind != RSSecondary || sd.SetName != "rs" || sd.SetVersion != Some[int64](7) {
		t.Errorf("kind/set: %+v", sd)
	}
	if sd.ElectionID.V.Hex() != "000000000000000000000009" || sd.ServiceID.V.Hex() != "00000000000000000000000a" {
		t.Errorf("ids %v %v", sd.ElectionID, sd.ServiceID)
	}
	if sd.Me != "b:27017" || sd.Primary != "a:27017" {
		t.Errorf("me %q primary %q", sd.Me, sd.Primary)
	}
	if !slices.Equal(sd.Hosts, []string{"a:27017", "b:27017"}) || !slices.Equal(sd.Passives, []string{"c:27017"}) ||
		!slices.Equal(sd.Arbiters, []string{"[::1]:27018"}) {
		t.Errorf("members %v %v %v", sd.Hosts, sd.Passives, sd.Arbiters)
	}
	if len(sd.Tags) != 2 || sd.Tags["dc"] != "ny" || sd.Tags["rack"] != "1" {
		t.Errorf("tags %v", sd.Tags)
	}
	if sd.MaxWireVersion != 21 || sd.SessionTimeoutMinutes != Some[int64](30) || !sd.HelloOK {
		t.Errorf("wire %d, session timeout %v, helloOk %v", sd.MaxWireVersion, sd.SessionTimeoutMinutes, sd.HelloOK)
	}
	if !sd.LastWriteDate.Equal(time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)) || sd.OpTime.Lookup("t").Int32() != 3 {
		t.Errorf("lastWrite %v %v", sd.LastWriteDate, sd.OpTime)
	}
	if sd.TopologyVersion.V.Counter != 4 || !sd.LastUpdateTime.Equal(now) || sd.RTT != 2*time.Millisecond {
		t.Errorf("tv %v, update %v, rtt %v", sd.TopologyVersion, sd.LastUpdateTime, sd.RTT)
	}
}

func TestNewServerDescriptionMalformed(t *testing.T) {
	// Garbage must give an Unknown description, never a panic.
	for _, b := range [][]byte{nil, {1, 2, 3}, {5, 0, 0, 0, 0}, {0xff, 0xff, 0xff, 0x7f, 0}} {
		sd := NewServerDescription("a:27017", bson.Raw(b), 0, time.Now())
		if sd.Kind != ServerUnknown || sd.Err == nil {
			t.Errorf("%x: %v %v", b, sd.Kind, sd.Err)
		}
	}
}

func TestNormalizeAddr(t *testing.T) {
	for in, want := range map[string]string{
		"A":                  "a:27017",
		"a:1":                "a:1",
		"Example.COM:27018":  "example.com:27018",
		"[::1]":              "[::1]:27017",
		"[::1]:5":            "[::1]:5",
		"/tmp/Mongodb.sock":  "/tmp/mongodb.sock",
		"%2Ftmp%2Fm.sock":    "%2ftmp%2fm.sock",
		"10.0.0.1":           "10.0.0.1:27017",
		"host.example:27017": "host.example:27017",
	} {
		if got := NormalizeAddr(in); got != want {
			t.Errorf("NormalizeAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServerDescriptionEqual(t *testing.T) {
	a := NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],"tags":{"x":"1"}}`), time.Millisecond, time.Now())
	b := NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["b:27017","a:27017"],"tags":{"x":"1"}}`), 9*time.Millisecond, time.Now().Add(time.Hour))
	if !a.Equal(&b) {
		t.Error("descriptions differing in host order, RTT and update time are not equal")
	}
	for name, change := range map[string]func(*ServerDescription){
		"type":     func(s *ServerDescription) { s.Kind = RSSecondary },
		"error":    func(s *ServerDescription) { s.Err = errors.New("x") },
		"hosts":    func(s *ServerDescription) { s.Hosts = []string{"a:27017"} },
		"tags":     func(s *ServerDescription) { s.Tags = map[string]string{"x": "2"} },
		"version":  func(s *ServerDescription) { s.SetVersion = Some[int64](1) },
		"election": func(s *ServerDescription) { s.ElectionID = Some(bson.ObjectID{1}) },
		"tv":       func(s *ServerDescription) { s.TopologyVersion = Some(TopologyVersion{Counter: 1}) },
		"session":  func(s *ServerDescription) { s.SessionTimeoutMinutes = Some[int64](0) },
		"primary":  func(s *ServerDescription) { s.Primary = "b:27017" },
		"wire":     func(s *ServerDescription) { s.MaxWireVersion = 1 },
	} {
		c := b
		change(&c)
		if a.Equal(&c) {
			t.Errorf("a change of %s is not seen", name)
		}
	}
	e1, e2 := NewUnknownServer("a:27017", errors.New("refused")), NewUnknownServer("a:27017", errors.New("refused"))
	if !e1.Equal(&e2) {
		t.Error("Unknown descriptions with the same error message are not equal")
	}
}

func TestCompareTopologyVersion(t *testing.T) {
	p1, p2 := bson.ObjectID{1}, bson.ObjectID{2}
	tv := func(p bson.ObjectID, c int64) Nullable[TopologyVersion] { return Some(TopologyVersion{p, c}) }
	none := Nullable[TopologyVersion]{}
	for _, tc := range []struct {
		cur, in Nullable[TopologyVersion]
		want    int
	}{
		{none, tv(p1, 1), -1}, {tv(p1, 1), none, -1}, {none, none, -1},
		{tv(p1, 1), tv(p2, 0), -1}, {tv(p1, 1), tv(p1, 2), -1}, {tv(p1, 2), tv(p1, 2), 0}, {tv(p1, 3), tv(p1, 2), 1},
	} {
		if got := CompareTopologyVersion(tc.cur, tc.in); got != tc.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tc.cur, tc.in, got, tc.want)
		}
	}
}

func TestRTTStats(t *testing.T) {
	var s RTTStats
	if _, ok := s.Average(); ok || s.Min() != 0 {
		t.Fatal("zero stats have a value")
	}
	s.Add(10 * time.Millisecond)
	if avg, _ := s.Average(); avg != 10*time.Millisecond || s.Min() != 0 {
		t.Errorf("after one sample: avg %v min %v", avg, s.Min())
	}
	s.Add(-time.Second) // counted as 0
	if avg, _ := s.Average(); avg != 8*time.Millisecond || s.Min() != 0 {
		t.Errorf("after two samples: avg %v min %v", avg, s.Min())
	}
	for i := range 12 {
		s.Add(time.Duration(20+i) * time.Millisecond)
	}
	if s.Min() != 22*time.Millisecond {
		t.Errorf("min of the last 10 samples %v, want 22ms", s.Min())
	}
	s.Reset()
	s.Add(3 * time.Millisecond)
	if avg, _ := s.Average(); avg != 3*time.Millisecond {
		t.Errorf("after reset: avg %v", avg)
	}
}

func TestTypeNames(t *testing.T) {
	for st := ServerUnknown; st <= LoadBalancer; st++ {
		if got, ok := ParseServerType(st.String()); !ok || got != st {
			t.Errorf("server type %v does not round-trip", st)
		}
	}
	for tt := TopologyUnknown; tt <= LoadBalanced; tt++ {
		if got, ok := ParseTopologyType(tt.String()); !ok || got != tt {
			t.Errorf("topology type %v does not round-trip", tt)
		}
	}
	if ServerType(99).String() != "ServerType(99)" || TopologyType(99).String() != "TopologyType(99)" || Mode(9).String() != "Mode(9)" {
		t.Error("out of range names")
	}
}

func TestFailedHelloError(t *testing.T) {
	reply := helloReply(t, `{"ok":0,"code":18,"codeName":"AuthenticationFailed","errmsg":"bad","errorLabels":["x"]}`)
	sd := NewServerDescription("a:27017", reply, 0, time.Now())
	clear(reply)
	var se *mongoerr.ServerError
	if !errors.As(sd.Err, &se) || se.Code != 18 || se.CodeName != "AuthenticationFailed" || se.Message != "bad" ||
		!se.HasLabel("x") || se.Command != "hello" || se.Raw.Lookup("code").Int32() != 18 {
		t.Fatalf("error %#v", sd.Err)
	}
	if !errors.Is(sd.Err, mongoerr.ErrAuthenticationFailed) {
		t.Error("the hello error does not match ErrAuthenticationFailed")
	}
}
