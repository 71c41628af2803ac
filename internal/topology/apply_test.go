package topology

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/mongoerr"
)

func TestNewDescriptionKinds(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want TopologyType
	}{
		{Config{Seeds: []string{"a", "A:27017", "b"}}, TopologyUnknown},
		{Config{Seeds: []string{"a"}, Direct: true}, Single},
		{Config{Seeds: []string{"a"}, Direct: true, SetName: "rs"}, Single},
		{Config{Seeds: []string{"a"}, SetName: "rs"}, ReplicaSetNoPrimary},
		{Config{Seeds: []string{"a"}, LoadBalanced: true}, LoadBalanced},
	} {
		d := NewDescription(tc.cfg)
		if d.Kind != tc.want || d.SetName != tc.cfg.SetName {
			t.Errorf("%+v: %v %q", tc.cfg, d.Kind, d.SetName)
		}
	}
	d := NewDescription(Config{Seeds: []string{"b", "A:27017", "a"}})
	if got := d.Addrs(); !slices.Equal(got, []string{"a:27017", "b:27017"}) {
		t.Errorf("seeds %v", got)
	}
}

func TestApplyIgnores(t *testing.T) {
	d := primaryTopology(t)
	if n := Apply(d, NewUnknownServer("z:27017", nil)); !n.Equal(&d) {
		t.Error("an outcome from a server not in the topology changed it")
	}
	cur, _ := d.Server("a:27017")
	cur.TopologyVersion = Some(TopologyVersion{Counter: 5})
	d.set(cur)
	old := NewUnknownServer("a:27017", errors.New("old"))
	old.TopologyVersion = Some(TopologyVersion{Counter: 4})
	if n := Apply(d, old); !n.Equal(&d) {
		t.Error("an outcome with an older topologyVersion changed the topology")
	}
}

func TestApplyErrorsInDescriptions(t *testing.T) {
	// Direct connection to a member of another set.
	d := NewDescription(Config{Seeds: []string{"a"}, Direct: true, SetName: "rs"})
	d = Apply(d, NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"setName":"other","maxWireVersion":21}`), 0, time.Now()))
	if sd, _ := d.Server("a:27017"); sd.Kind != ServerUnknown || !errors.Is(sd.Err, ErrWrongSetName) {
		t.Errorf("wrong set name: %v %v", sd.Kind, sd.Err)
	}

	// A stale primary names both tuples.
	d = NewDescription(Config{Seeds: []string{"a", "b"}, SetName: "rs"})
	d = Apply(d, NewServerDescription("a:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],
		"setVersion":2,"electionId":{"$oid":"000000000000000000000002"},"maxWireVersion":21}`), 0, time.Now()))
	d = Apply(d, NewServerDescription("b:27017", helloReply(t, `{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],
		"setVersion":3,"electionId":{"$oid":"000000000000000000000001"},"maxWireVersion":21}`), 0, time.Now()))
	sd, _ := d.Server("b:27017")
	var stale *StalePrimaryError
	if !errors.As(sd.Err, &stale) || !errors.Is(sd.Err, ErrStalePrimary) ||
		!strings.Contains(sd.Err.Error(), "(electionId 000000000000000000000001, setVersion 3) is stale compared to (electionId 000000000000000000000002, setVersion 2)") {
		t.Errorf("stale primary error: %v", sd.Err)
	}
	if a, _ := d.Server("a:27017"); a.Kind != RSPrimary {
		t.Errorf("the newer primary became %v", a.Kind)
	}
}

func TestDiff(t *testing.T) {
	d := NewDescription(Config{Seeds: []string{"a", "b", "c"}})
	n := Apply(d, NewServerDescription("a:27017", helloReply(t,
		`{"ok":1,"secondary":true,"setName":"rs","hosts":["a:27017","b:27017","d:27017"],"primary":"b:27017","maxWireVersion":21}`), 0, time.Now()))
	c := Diff(&d, &n, "a:27017")
	if len(c.Changed) != 1 || c.Changed[0].New.Addr != "a:27017" {
		t.Errorf("changed %v: the PossiblePrimary must not count", c.Changed)
	}
	if !slices.Equal(c.Added, []string{"d:27017"}) || len(c.Removed) != 0 || !c.Topology {
		t.Errorf("diff %+v", c)
	}
	if b, _ := n.Server("b:27017"); b.Kind != PossiblePrimary {
		t.Errorf("b is %v", b.Kind)
	}
	// A new primary invalidates the old one: both are listed, the cause first.
	p1 := Apply(n, NewServerDescription("b:27017", helloReply(t,
		`{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],"maxWireVersion":21}`), 0, time.Now()))
	p2 := Apply(p1, NewServerDescription("a:27017", helloReply(t,
		`{"ok":1,"isWritablePrimary":true,"setName":"rs","hosts":["a:27017","b:27017"],"maxWireVersion":21}`), 0, time.Now()))
	c = Diff(&p1, &p2, "a:27017")
	if len(c.Changed) != 2 || c.Changed[0].New.Addr != "a:27017" || !errors.Is(c.Changed[1].New.Err, ErrNewerPrimary) {
		t.Errorf("changes %+v", c.Changed)
	}
	if same := Diff(&p2, &p2, ""); same.Topology || len(same.Changed)+len(same.Added)+len(same.Removed) != 0 {
		t.Errorf("a description differs from itself: %+v", same)
	}
}

func TestSessionTimeout(t *testing.T) {
	d := NewDescription(Config{Seeds: []string{"a", "b", "c"}})
	mongos := func(addr, extra string) ServerDescription {
		return NewServerDescription(addr, helloReply(t, `{"ok":1,"msg":"isdbgrid","maxWireVersion":21`+extra+`}`), 0, time.Now())
	}
	d = Apply(d, mongos("a:27017", `,"logicalSessionTimeoutMinutes":30`))
	d = Apply(d, mongos("b:27017", `,"logicalSessionTimeoutMinutes":20`))
	if d.SessionTimeoutMinutes != Some[int64](20) {
		t.Errorf("session timeout %v, want 20", d.SessionTimeoutMinutes)
	}
	d = Apply(d, mongos("c:27017", ``))
	if d.SessionTimeoutMinutes.Valid {
		t.Errorf("session timeout %v, want null", d.SessionTimeoutMinutes)
	}
}

func TestApplySRV(t *testing.T) {
	d := NewDescription(Config{Seeds: []string{"a", "b"}})
	n := ApplySRV(d, []string{"B:27017", "c:27017"})
	if got := n.Addrs(); !slices.Equal(got, []string{"b:27017", "c:27017"}) {
		t.Errorf("hosts %v", got)
	}
	if got := d.Addrs(); !slices.Equal(got, []string{"a:27017", "b:27017"}) {
		t.Errorf("ApplySRV changed its input: %v", got)
	}
	rs := NewDescription(Config{Seeds: []string{"a"}, SetName: "rs"})
	if n := ApplySRV(rs, []string{"x:1"}); !n.Equal(&rs) {
		t.Error("a replica set took SRV hosts")
	}
	if SRVRescanInterval(true, time.Second) != 60*time.Second || SRVRescanInterval(false, time.Second) != time.Second {
		t.Error("SRVRescanInterval")
	}
}

func TestSelectionUnits(t *testing.T) {
	d := NewDescription(Config{Seeds: []string{"a", "b", "c"}})
	for i, addr := range []string{"a:27017", "b:27017", "c:27017"} {
		sd := NewServerDescription(addr, helloReply(t, `{"ok":1,"msg":"isdbgrid","maxWireVersion":21}`), time.Duration(10+i*10)*time.Millisecond, time.Now())
		d = Apply(d, sd)
	}
	c := Criteria{Deprioritized: []string{"a:27017"}}
	window, err := Select(&d, &c, 15*time.Millisecond, 10*time.Second)
	if err != nil || !slices.Equal(addrsOf(window), []string{"b:27017", "c:27017"}) {
		t.Errorf("deprioritized a: %v %v", addrsOf(window), err)
	}
	c.Deprioritized = []string{"a:27017", "b:27017", "c:27017"}
	if window, _ := Select(&d, &c, 15*time.Millisecond, 10*time.Second); !slices.Equal(addrsOf(window), []string{"a:27017", "b:27017"}) {
		t.Errorf("all deprioritized: %v", addrsOf(window))
	}
	if got := InWindow(nil, time.Second); got != nil {
		t.Errorf("InWindow(nil) = %v", got)
	}
	r := rand.New(rand.NewPCG(3, 4))
	if Choose(nil, nil, r) != nil || Choose(window[:1], nil, r) != window[0] {
		t.Error("Choose of zero or one server")
	}
	if c.String() != "read with read preference primary" || (&Criteria{Write: true}).String() != "write" {
		t.Error("Criteria.String")
	}
	unknown := NewDescription(Config{Seeds: []string{"a"}})
	if s, err := Suitable(&unknown, &Criteria{Write: true}, time.Second); err != nil || len(s) != 0 {
		t.Errorf("Unknown topology: %v %v", s, err)
	}
	se := &SelectionError{Criteria: Criteria{Write: true}, Err: ErrClosed}
	if got := se.Error(); got != "motor: server selection failed for write: motor: client is closed; topology Unknown has no server" ||
		se.Timeout() || !errors.Is(se, mongoerr.ErrServerSelection) || !errors.Is(se, mongoerr.ErrClientClosed) {
		t.Errorf("SelectionError: %q", got)
	}
}
