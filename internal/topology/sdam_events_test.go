package topology

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/motor-go/motor/event"
)

// wantServer is a server description in an expected event.
type wantServer struct {
	Address  string   `json:"address"`
	Type     string   `json:"type"`
	Hosts    []string `json:"hosts"`
	Passives []string `json:"passives"`
	Arbiters []string `json:"arbiters"`
	Primary  *string  `json:"primary"`
	SetName  *string  `json:"setName"`
}

// wantTopology is a topology description in an expected event.
type wantTopology struct {
	TopologyType string       `json:"topologyType"`
	SetName      *string      `json:"setName"`
	Servers      []wantServer `json:"servers"`
}

type wantEvent struct {
	Address             string          `json:"address"`
	PreviousDescription json.RawMessage `json:"previousDescription"`
	NewDescription      json.RawMessage `json:"newDescription"`
}

// checkEvents compares the events of a monitoring test's phase with the
// ones recorded. Topology ids are not compared: the files use a
// placeholder.
func checkEvents(t *testing.T, phase int, raw json.RawMessage, got []recorded) {
	t.Helper()
	var want []map[string]wantEvent
	mustJSON(t, raw, &want)
	if len(got) != len(want) {
		names := make([]string, len(got))
		for i, r := range got {
			names[i] = r.name
		}
		t.Fatalf("phase %d: %d events %v, want %d: %s", phase, len(got), names, len(want), raw)
	}
	for i, w := range want {
		if len(w) != 1 {
			t.Fatalf("phase %d: event %d: want one key, have %v", phase, i, w)
		}
		for name, we := range w {
			if got[i].name != name {
				t.Errorf("phase %d: event %d is %s, want %s", phase, i, got[i].name, name)
				continue
			}
			checkEvent(t, phase, i, got[i].e, &we)
		}
	}
}

func checkEvent(t *testing.T, phase, i int, e any, want *wantEvent) {
	t.Helper()
	switch e := e.(type) {
	case event.TopologyOpeningEvent, event.TopologyClosedEvent:
	case event.ServerOpeningEvent:
		if e.Address != want.Address {
			t.Errorf("phase %d: event %d: address %s, want %s", phase, i, e.Address, want.Address)
		}
	case event.ServerClosedEvent:
		if e.Address != want.Address {
			t.Errorf("phase %d: event %d: address %s, want %s", phase, i, e.Address, want.Address)
		}
	case event.ServerDescriptionChangedEvent:
		if e.Address != want.Address {
			t.Errorf("phase %d: event %d: address %s, want %s", phase, i, e.Address, want.Address)
		}
		var prev, next wantServer
		mustJSON(t, want.PreviousDescription, &prev)
		mustJSON(t, want.NewDescription, &next)
		checkEventServer(t, phase, i, "previous", &e.PreviousDescription, &prev)
		checkEventServer(t, phase, i, "new", &e.NewDescription, &next)
	case event.TopologyDescriptionChangedEvent:
		var prev, next wantTopology
		mustJSON(t, want.PreviousDescription, &prev)
		mustJSON(t, want.NewDescription, &next)
		checkEventTopology(t, phase, i, "previous", &e.PreviousDescription, &prev)
		checkEventTopology(t, phase, i, "new", &e.NewDescription, &next)
	default:
		t.Errorf("phase %d: event %d: unexpected %T", phase, i, e)
	}
}

func checkEventTopology(t *testing.T, phase, i int, which string, got *event.TopologyDescription, want *wantTopology) {
	t.Helper()
	if string(got.Type) != want.TopologyType {
		t.Errorf("phase %d: event %d: %s topology type %s, want %s", phase, i, which, got.Type, want.TopologyType)
	}
	if want.SetName != nil && got.SetName != *want.SetName {
		t.Errorf("phase %d: event %d: %s set name %q, want %q", phase, i, which, got.SetName, *want.SetName)
	}
	if len(got.Servers) != len(want.Servers) {
		t.Errorf("phase %d: event %d: %s topology has %d servers, want %d", phase, i, which, len(got.Servers), len(want.Servers))
		return
	}
	for j := range want.Servers {
		k := slices.IndexFunc(got.Servers, func(s event.ServerDescription) bool { return s.Address == want.Servers[j].Address })
		if k < 0 {
			t.Errorf("phase %d: event %d: %s topology lacks %s", phase, i, which, want.Servers[j].Address)
			continue
		}
		checkEventServer(t, phase, i, which+" topology's", &got.Servers[k], &want.Servers[j])
	}
}

func checkEventServer(t *testing.T, phase, i int, which string, got *event.ServerDescription, want *wantServer) {
	t.Helper()
	if got.Address != want.Address || string(got.Type) != want.Type {
		t.Errorf("phase %d: event %d: %s server %s (%s), want %s (%s)", phase, i, which, got.Address, got.Type, want.Address, want.Type)
	}
	for _, l := range []struct {
		name      string
		got, want []string
	}{{"hosts", got.Hosts, want.Hosts}, {"passives", got.Passives, want.Passives}, {"arbiters", got.Arbiters, want.Arbiters}} {
		if !sameSet(l.got, l.want) {
			t.Errorf("phase %d: event %d: %s server %s: %s %v, want %v", phase, i, which, got.Address, l.name, l.got, l.want)
		}
	}
	if want.Primary != nil && got.Primary != *want.Primary {
		t.Errorf("phase %d: event %d: %s server %s: primary %q, want %q", phase, i, which, got.Address, got.Primary, *want.Primary)
	}
	if want.SetName != nil && got.SetName != *want.SetName {
		t.Errorf("phase %d: event %d: %s server %s: set name %q, want %q", phase, i, which, got.Address, got.SetName, *want.SetName)
	}
}
