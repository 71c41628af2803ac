package topology

import (
	"errors"
	"testing"
	"time"
)

func TestReadPrefValidate(t *testing.T) {
	ny := []TagSet{{{Name: "dc", Value: "ny"}}}
	for _, tc := range []struct {
		name string
		rp   ReadPref
		kind TopologyType
		hb   time.Duration
		ok   bool
	}{
		{"primary", ReadPref{}, ReplicaSetWithPrimary, 10 * time.Second, true},
		{"primary with empty tag set", ReadPref{TagSets: []TagSet{{}}}, ReplicaSetWithPrimary, 10 * time.Second, true},
		{"primary with tags", ReadPref{TagSets: ny}, Sharded, 10 * time.Second, false},
		{"primary with staleness", ReadPref{MaxStaleness: 120 * time.Second, HasMaxStaleness: true}, Sharded, 10 * time.Second, false},
		{"primary with hedge", ReadPref{Hedge: HedgeEnabled}, Sharded, 10 * time.Second, false},
		{"unknown mode", ReadPref{Mode: 7}, Sharded, 10 * time.Second, false},
		{"staleness 90s", ReadPref{Mode: Nearest, MaxStaleness: 90 * time.Second, HasMaxStaleness: true}, ReplicaSetNoPrimary, 10 * time.Second, true},
		{"staleness 89s", ReadPref{Mode: Nearest, MaxStaleness: 89 * time.Second, HasMaxStaleness: true}, ReplicaSetNoPrimary, 10 * time.Second, false},
		{"staleness below heartbeat+idle", ReadPref{Mode: Nearest, MaxStaleness: 129 * time.Second, HasMaxStaleness: true}, ReplicaSetWithPrimary, 120 * time.Second, false},
		{"staleness at heartbeat+idle", ReadPref{Mode: Nearest, MaxStaleness: 130 * time.Second, HasMaxStaleness: true}, ReplicaSetWithPrimary, 120 * time.Second, true},
		{"small staleness, sharded", ReadPref{Mode: Secondary, MaxStaleness: time.Second, HasMaxStaleness: true}, Sharded, 10 * time.Second, true},
		{"zero staleness, replica set", ReadPref{Mode: Secondary, HasMaxStaleness: true}, ReplicaSetNoPrimary, 10 * time.Second, false},
	} {
		err := tc.rp.Validate(tc.kind, tc.hb)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidReadPref)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestReadPrefDocument(t *testing.T) {
	tags := []TagSet{{{Name: "dc", Value: "ny"}, {Name: "rack", Value: "1"}}, {}}
	for _, tc := range []struct {
		name   string
		rp     ReadPref
		kind   TopologyType
		server ServerType
		want   string // relaxed Extended JSON, "" for no document
	}{
		{"primary to mongos", ReadPref{}, Sharded, Mongos, ""},
		{"secondary to mongos", ReadPref{Mode: Secondary}, Sharded, Mongos, `{"mode":"secondary"}`},
		{"full", ReadPref{Mode: Nearest, TagSets: tags, MaxStaleness: 120 * time.Second, HasMaxStaleness: true, Hedge: HedgeEnabled}, Sharded, Mongos,
			`{"mode":"nearest","tags":[{"dc":"ny","rack":"1"},{}],"maxStalenessSeconds":120,"hedge":{"enabled":true}}`},
		{"hedge off", ReadPref{Mode: SecondaryPreferred, Hedge: HedgeDisabled}, LoadBalanced, LoadBalancer, `{"mode":"secondaryPreferred","hedge":{"enabled":false}}`},
		{"only an empty tag set", ReadPref{Mode: Secondary, TagSets: []TagSet{{}}}, ReplicaSetNoPrimary, RSSecondary, `{"mode":"secondary"}`},
		{"direct to standalone", ReadPref{Mode: Secondary}, Single, Standalone, ""},
		{"direct to secondary", ReadPref{}, Single, RSSecondary, `{"mode":"primaryPreferred"}`},
		{"direct to mongos", ReadPref{}, Single, Mongos, ""},
		{"direct to mongos, nearest", ReadPref{Mode: Nearest}, Single, Mongos, `{"mode":"nearest"}`},
		{"primary in a replica set", ReadPref{}, ReplicaSetWithPrimary, RSPrimary, ""},
	} {
		doc, err := ReadPrefDocument(tc.rp, tc.kind, tc.server)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := ""
		if doc != nil {
			got = compactJSON(t, doc.String())
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if _, err := ReadPrefDocument(ReadPref{Mode: Nearest, TagSets: []TagSet{{{Name: "a\x00b", Value: "x"}}}}, Sharded, Mongos); !errors.Is(err, ErrInvalidReadPref) {
		t.Errorf("a tag name with a NUL byte: %v", err)
	}
}

func compactJSON(t *testing.T, s string) string {
	t.Helper()
	out := make([]byte, 0, len(s))
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && (i == 0 || s[i-1] != '\\') {
			inString = !inString
		}
		if !inString && (c == ' ' || c == '\n' || c == '\t') {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

func TestReadPrefString(t *testing.T) {
	rp := ReadPref{Mode: Secondary, TagSets: []TagSet{{{Name: "dc", Value: "ny"}}, {}}, MaxStaleness: 90 * time.Second, HasMaxStaleness: true}
	if got, want := rp.String(), "secondary with tag sets [{dc:ny}, {}] and max staleness 1m30s"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (ReadPref{}).String(); got != "primary" {
		t.Errorf("String() = %q", got)
	}
	for m := Primary; m <= Nearest; m++ {
		if got, ok := ParseMode(m.String()); !ok || got != m {
			t.Errorf("mode %v does not round-trip", m)
		}
	}
	if _, ok := ParseMode("closest"); ok {
		t.Error("ParseMode accepted closest")
	}
}
