package topology

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/spectest"
)

// selServer is a server of a selection test's topology_description.
type selServer struct {
	Address        string            `json:"address"`
	AvgRTTMS       float64           `json:"avg_rtt_ms"`
	Type           string            `json:"type"`
	Tags           map[string]string `json:"tags"`
	LastUpdateTime int64             `json:"lastUpdateTime"`
	MaxWireVersion int32             `json:"maxWireVersion"`
	LastWrite      *struct {
		LastWriteDate json.RawMessage `json:"lastWriteDate"`
	} `json:"lastWrite"`
}

// selFile is a test file of the server-selection and max-staleness
// specifications.
type selFile struct {
	Heartbeat   *int64 `json:"heartbeatFrequencyMS"`
	TopologyDef struct {
		Type    string      `json:"type"`
		Servers []selServer `json:"servers"`
	} `json:"topology_description"`
	Operation string `json:"operation"`
	ReadPref  struct {
		Mode         string              `json:"mode"`
		TagSets      []map[string]string `json:"tag_sets"`
		MaxStaleness *int64              `json:"maxStalenessSeconds"`
	} `json:"read_preference"`
	Suitable      []selServer `json:"suitable_servers"`
	InWindow      []selServer `json:"in_latency_window"`
	Deprioritized []selServer `json:"deprioritized_servers"`
	Error         bool        `json:"error"`

	// in_window tests
	Mocked []struct {
		Address        string `json:"address"`
		OperationCount int64  `json:"operation_count"`
	} `json:"mocked_topology_state"`
	Iterations int `json:"iterations"`
	Outcome    struct {
		Tolerance float64            `json:"tolerance"`
		Expected  map[string]float64 `json:"expected_frequencies"`
	} `json:"outcome"`
}

func (f *selFile) description(t testing.TB) Description {
	t.Helper()
	kind, ok := ParseTopologyType(f.TopologyDef.Type)
	if !ok {
		t.Fatalf("unknown topology type %q", f.TopologyDef.Type)
	}
	d := Description{Kind: kind}
	for _, s := range f.TopologyDef.Servers {
		st, ok := ParseServerType(s.Type)
		if !ok {
			t.Fatalf("unknown server type %q", s.Type)
		}
		sd := ServerDescription{
			Addr: s.Address, Kind: st, Tags: s.Tags,
			RTT:            time.Duration(math.Round(s.AvgRTTMS * float64(time.Millisecond))),
			LastUpdateTime: time.UnixMilli(s.LastUpdateTime),
			MaxWireVersion: s.MaxWireVersion,
		}
		if s.LastWrite != nil {
			lw := extJSON(t, json.RawMessage(`{"d":`+string(s.LastWrite.LastWriteDate)+`}`)).Lookup("d")
			ms, ok := lw.AsInt64OK()
			if !ok {
				t.Fatalf("bad lastWriteDate %s", s.LastWrite.LastWriteDate)
			}
			sd.LastWriteDate = time.UnixMilli(ms)
		}
		d.set(sd)
	}
	return d
}

func (f *selFile) criteria(t testing.TB) Criteria {
	t.Helper()
	c := Criteria{Write: f.Operation == "write"}
	if f.ReadPref.Mode != "" {
		m, ok := ParseMode(f.ReadPref.Mode)
		if !ok {
			t.Fatalf("unknown mode %q", f.ReadPref.Mode)
		}
		c.ReadPref.Mode = m
	}
	for _, set := range f.ReadPref.TagSets {
		ts := TagSet{}
		for _, k := range sortedKeys(set) {
			ts = append(ts, Tag{Name: k, Value: set[k]})
		}
		c.ReadPref.TagSets = append(c.ReadPref.TagSets, ts)
	}
	if f.ReadPref.MaxStaleness != nil && *f.ReadPref.MaxStaleness != -1 {
		c.ReadPref.MaxStaleness = time.Duration(*f.ReadPref.MaxStaleness) * time.Second
		c.ReadPref.HasMaxStaleness = true
	}
	for _, s := range f.Deprioritized {
		c.Deprioritized = append(c.Deprioritized, s.Address)
	}
	return c
}

func (f *selFile) heartbeat() time.Duration {
	if f.Heartbeat != nil {
		return time.Duration(*f.Heartbeat) * time.Millisecond
	}
	return 10 * time.Second
}

// runSelectionFile checks Suitable and Select against a selection or max
// staleness test file.
func runSelectionFile(t *testing.T, f *selFile) {
	d := f.description(t)
	c := f.criteria(t)
	hb := f.heartbeat()
	suitable, err := Suitable(&d, &c, hb)
	window, err2 := Select(&d, &c, 15*time.Millisecond, hb)
	if f.Error {
		if err == nil || err2 == nil {
			t.Fatalf("selection succeeded with %v, want an error", addrsOf(suitable))
		}
		return
	}
	if err != nil || err2 != nil {
		t.Fatalf("selection failed: %v / %v", err, err2)
	}
	if got, want := addrsOf(suitable), addrsOfSel(f.Suitable); !slices.Equal(got, want) {
		t.Errorf("suitable servers %v, want %v", got, want)
	}
	if got, want := addrsOf(window), addrsOfSel(f.InWindow); !slices.Equal(got, want) {
		t.Errorf("servers in the latency window %v, want %v", got, want)
	}
}

func addrsOf(servers []*ServerDescription) []string {
	out := []string{}
	for _, sd := range servers {
		out = append(out, sd.Addr)
	}
	slices.Sort(out)
	return out
}

func addrsOfSel(servers []selServer) []string {
	out := []string{}
	for _, s := range servers {
		out = append(out, s.Address)
	}
	slices.Sort(out)
	return out
}

// walkJSON runs fn as a subtest for each .json file under dir, named by
// its path relative to dir, and logs the counts.
func walkJSON(t *testing.T, dir string, fn func(t *testing.T, path string)) {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(path, ".json") {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test files under %s: %v", dir, err)
	}
	passed := 0
	for _, path := range paths {
		rel, _ := filepath.Rel(dir, path)
		if t.Run(strings.TrimSuffix(rel, ".json"), func(t *testing.T) { fn(t, path) }) {
			passed++
		}
	}
	t.Logf("%s: %d of %d files passed", filepath.Base(dir), passed, len(paths))
}

func TestServerSelectionSpec(t *testing.T) {
	root := spectest.Dir(t, "server-selection")
	t.Run("server_selection", func(t *testing.T) {
		walkJSON(t, filepath.Join(root, "server_selection"), func(t *testing.T, path string) {
			var f selFile
			spectest.Load(t, path, &f)
			runSelectionFile(t, &f)
		})
	})
	t.Run("rtt", func(t *testing.T) {
		walkJSON(t, filepath.Join(root, "rtt"), func(t *testing.T, path string) {
			var f struct {
				Avg    json.RawMessage `json:"avg_rtt_ms"`
				New    float64         `json:"new_rtt_ms"`
				NewAvg float64         `json:"new_avg_rtt"`
			}
			spectest.Load(t, path, &f)
			var s RTTStats
			if string(f.Avg) != `"NULL"` {
				var avg float64
				mustJSON(t, f.Avg, &avg)
				s = NewRTTStats(ms(avg))
			}
			s.Add(ms(f.New))
			if got, ok := s.Average(); !ok || got != ms(f.NewAvg) {
				t.Errorf("average %v (%v), want %v", got, ok, ms(f.NewAvg))
			}
		})
	})
	t.Run("in_window", func(t *testing.T) {
		walkJSON(t, filepath.Join(root, "in_window"), func(t *testing.T, path string) {
			var f selFile
			spectest.Load(t, path, &f)
			runInWindowFile(t, &f)
		})
	})
}

func ms(f float64) time.Duration { return time.Duration(math.Round(f * float64(time.Millisecond))) }

// runInWindowFile selects a server iterations times with the mocked
// operation counts, which selection does not change here, and compares
// the frequencies. The random source is seeded, so the test is repeatable.
func runInWindowFile(t *testing.T, f *selFile) {
	d := f.description(t)
	counts := make(map[string]int64)
	for _, m := range f.Mocked {
		counts[m.Address] = m.OperationCount
	}
	c := Criteria{ReadPref: ReadPref{Mode: Nearest}}
	window, err := Select(&d, &c, 15*time.Millisecond, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	chosen := make(map[string]int)
	for range f.Iterations {
		sd := Choose(window, func(addr string) int64 { return counts[addr] }, r)
		if sd == nil {
			t.Fatal("no server chosen")
		}
		chosen[sd.Addr]++
	}
	for addr, want := range f.Outcome.Expected {
		got := float64(chosen[addr]) / float64(f.Iterations)
		if want == 0 || want == 1 {
			if got != want {
				t.Errorf("%s chosen with frequency %v, want exactly %v", addr, got, want)
			}
		} else if math.Abs(got-want) > f.Outcome.Tolerance {
			t.Errorf("%s chosen with frequency %v, want %v ± %v", addr, got, want, f.Outcome.Tolerance)
		}
	}
}
