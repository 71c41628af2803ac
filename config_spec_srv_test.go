package motor_test

// Runner for the Initial DNS Seedlist Discovery specification tests, with
// testZone answering the DNS queries.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	motor "github.com/motor-go/motor"
	"github.com/motor-go/motor/internal/spectest"
)

type seedlistTest struct {
	URI           string            `json:"uri"`
	Seeds         []string          `json:"seeds"`
	NumSeeds      *int              `json:"numSeeds"`
	Hosts         []string          `json:"hosts"`
	NumHosts      *int              `json:"numHosts"`
	Options       map[string]any    `json:"options"`
	ParsedOptions map[string]string `json:"parsed_options"`
	Error         bool              `json:"error"`
	Comment       string            `json:"comment"`
	Ping          *bool             `json:"ping"`
}

// hostFieldTests counts the tests whose hosts or numHosts fields, the
// topology after discovery, are left to the topology layer's tests;
// pingTests those that ask for a ping against a live deployment.
var hostFieldTests, pingTests atomic.Int32

func TestSpecSeedlistDiscovery(t *testing.T) {
	root := spectest.Dir(t, "initial-dns-seedlist-discovery")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	dirs := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dirs++
		t.Run(e.Name(), func(t *testing.T) {
			for _, file := range spectest.Files(t, filepath.Join(root, e.Name())) {
				var tc seedlistTest
				spectest.Load(t, file, &tc)
				t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
					t.Parallel()
					runSeedlistTest(t, tc)
				})
			}
		})
	}
	if dirs == 0 {
		t.Fatalf("no test directories in %s", root)
	}
	t.Logf("left to the topology tests: %d tests' hosts/numHosts fields (the topology after discovery), %d tests' ping",
		hostFieldTests.Load(), pingTests.Load())
}

// runSeedlistTest checks seeds, numSeeds, options, parsed_options and
// error. The hosts, numHosts and ping fields describe the topology after
// discovery against a live deployment, which this layer does not have.
func runSeedlistTest(t *testing.T, tc seedlistTest) {
	if len(tc.Hosts) > 0 || tc.NumHosts != nil {
		hostFieldTests.Add(1)
	}
	if !tc.Error && (tc.Ping == nil || *tc.Ping) {
		pingTests.Add(1)
	}
	if tc.Error {
		for _, lenient := range []bool{false, true} {
			if res := parseURI(t, tc.URI, lenient); res.err == nil {
				t.Fatalf("ParseURI(%q) (lenient %v) succeeded with hosts %q, want an error (%s)", tc.URI, lenient, res.cfg.Hosts, tc.Comment)
			}
		}
		return
	}
	// srvMaxHosts selects at random: draw several times.
	runs := 1
	if tc.NumSeeds != nil {
		runs = 20
	}
	for range runs {
		res := parseURI(t, tc.URI, false)
		if res.err != nil {
			t.Fatalf("unexpected error: %v", res.err)
		}
		if len(res.warnings) > 0 {
			t.Errorf("unexpected warnings: %q", res.warnings)
		}
		checkSeeds(t, res.cfg, tc)
		checkOptions(t, res.cfg, tc.Options)
		checkParsedOptions(t, res.cfg, tc.ParsedOptions)
	}
}

func checkSeeds(t *testing.T, cfg *motor.Config, tc seedlistTest) {
	t.Helper()
	got := slices.Clone(cfg.Hosts)
	slices.Sort(got)
	if tc.Seeds != nil && tc.NumSeeds == nil || tc.Seeds != nil && *tc.NumSeeds == len(tc.Seeds) {
		want := slices.Clone(tc.Seeds)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("seeds = %q, want %q", got, want)
		}
	}
	if tc.NumSeeds != nil {
		if len(got) != *tc.NumSeeds {
			t.Errorf("%d seeds %q, want %d", len(got), got, *tc.NumSeeds)
		}
		records := testZone.seedsOf("_" + cfg.SRVServiceName + "._tcp." + cfg.SRVHost)
		for i, s := range got {
			if !slices.Contains(records, s) {
				t.Errorf("seed %q is not one of the SRV records %q", s, records)
			}
			if i > 0 && got[i-1] == s {
				t.Errorf("seed %q is chosen twice", s)
			}
		}
	}
}

func checkParsedOptions(t *testing.T, cfg *motor.Config, want map[string]string) {
	t.Helper()
	for k, v := range want {
		var got string
		switch k {
		case "user":
			if cfg.Auth != nil {
				got = cfg.Auth.Username
			}
		case "password":
			if cfg.Auth != nil {
				got = cfg.Auth.Password
			}
		case "db", "auth_database", "defaultDatabase":
			got = cfg.Database
		default:
			t.Errorf("parsed option %q: the test runner does not know it", k)
			continue
		}
		if got != v {
			t.Errorf("parsed option %s = %q, want %q", k, got, v)
		}
	}
}
