package simtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/testserver/sim"
)

// rsTypes returns the server types of a replica set whose primary is
// member primary, by address; members in down are Unknown.
func rsTypes(rs *sim.ReplicaSet, primary int, down ...int) map[string]event.ServerType {
	m := map[string]event.ServerType{}
	for i, a := range rs.Addrs() {
		m[a] = event.ServerRSSecondary
		if i == primary {
			m[a] = event.ServerRSPrimary
		}
	}
	for _, i := range down {
		m[rs.Addr(i)] = event.ServerUnknown
	}
	return m
}

func TestDiscoveryFromSingleSeed(t *testing.T) {
	rs := newRS(t, sim.Options{})
	rec := newRecorder()
	start := time.Now()
	// The seed is a secondary, and no replicaSet option is given: the
	// client learns the set's name, its members and its primary from it.
	c := connect(t, parse(t, rs.SeedURI(2, "heartbeatFrequencyMS=500", "serverSelectionTimeoutMS=10000"), motor.ParseOptions{}), rec)
	topo := rec.waitTopology(t, 10*time.Second, "the whole set discovered", func(d event.TopologyDescription) bool {
		return d.Type == event.TopologyReplicaSetWithPrimary && hasTypes(d, rsTypes(rs, 0))
	})
	t.Logf("discovered %s from one seed in %v", describe(topo), time.Since(start))
	if topo.SetName != rs.Name() {
		t.Errorf("set name %q, want %q", topo.SetName, rs.Name())
	}

	db := c.Database(testDB())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := insert(ctx, db, "c", 1); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if n0, n1, n2 := rs.Received(0, "insert"), rs.Received(1, "insert"), rs.Received(2, "insert"); n0 != 1 || n1 != 0 || n2 != 0 {
		t.Errorf("inserts received by the members: %d, %d, %d; want the primary's only", n0, n1, n2)
	}
}

func TestReadPreferenceRouting(t *testing.T) {
	rs := newRS(t, sim.Options{Tags: []map[string]string{{"dc": "ny"}, {"dc": "sf"}, {"dc": "ny", "rack": "2"}}})
	rec := newRecorder()
	// A wide latency window, so that every suitable member is a candidate
	// whatever the round trip times on a loaded machine.
	c := connect(t, parse(t, rs.URI("heartbeatFrequencyMS=500", "localThresholdMS=1000"), motor.ParseOptions{}), rec)
	rec.waitTopology(t, 10*time.Second, "the set discovered", func(d event.TopologyDescription) bool {
		return hasTypes(d, rsTypes(rs, 0))
	})
	tags := func(kv ...string) motor.TagSet {
		var ts motor.TagSet
		for i := 0; i+1 < len(kv); i += 2 {
			ts = append(ts, motor.Tag{Name: kv[i], Value: kv[i+1]})
		}
		return ts
	}
	const reads = 30
	for _, tc := range []struct {
		name    string
		rp      motor.ReadPreference
		allowed []int // the members that may serve
		all     bool  // each allowed member serves some of the reads
	}{
		{"primary", motor.ReadPreference{}, []int{0}, true},
		{"primaryPreferred", motor.ReadPreference{Mode: motor.ReadPrimaryPreferred}, []int{0}, true},
		{"secondary", motor.ReadPreference{Mode: motor.ReadSecondary}, []int{1, 2}, true},
		{"secondary dc:sf", motor.ReadPreference{Mode: motor.ReadSecondary, TagSets: []motor.TagSet{tags("dc", "sf")}}, []int{1}, true},
		{"secondary dc:la then rack:2", motor.ReadPreference{Mode: motor.ReadSecondary, TagSets: []motor.TagSet{tags("dc", "la"), tags("rack", "2")}}, []int{2}, true},
		{"secondaryPreferred dc:la", motor.ReadPreference{Mode: motor.ReadSecondaryPreferred, TagSets: []motor.TagSet{tags("dc", "la")}}, []int{0}, true},
		{"nearest dc:ny", motor.ReadPreference{Mode: motor.ReadNearest, TagSets: []motor.TagSet{tags("dc", "ny")}}, []int{0, 2}, true},
		{"nearest", motor.ReadPreference{Mode: motor.ReadNearest}, []int{0, 1, 2}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := c.Database(testDB()).WithReadPreference(tc.rp)
			if err != nil {
				t.Fatal(err)
			}
			before := make([]int, rs.Len())
			for i := range before {
				before[i] = rs.Received(i, "find")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for range reads {
				if err := find(ctx, db, "c"); err != nil {
					t.Fatalf("find: %v", err)
				}
			}
			served := make([]int, rs.Len())
			total := 0
			for i := range served {
				served[i] = rs.Received(i, "find") - before[i]
				total += served[i]
			}
			allowed := map[int]bool{}
			for _, i := range tc.allowed {
				allowed[i] = true
				if tc.all && served[i] == 0 {
					t.Errorf("member %d served none of %d reads: %v", i, reads, served)
				}
			}
			for i, n := range served {
				if n > 0 && !allowed[i] {
					t.Errorf("member %d served %d reads: %v", i, n, served)
				}
			}
			if total != reads {
				t.Errorf("%d reads served, want %d: %v", total, reads, served)
			}
			t.Logf("reads served by members 0, 1, 2: %v", served)
		})
	}
}

// TestFailoverUnderConcurrentWrites steps the primary down while 32
// goroutines write, then elects another member. Every write must end,
// successfully or with an error, within its context; the client must see
// the new primary within two heartbeats of the election; and once it has,
// no write may be refused as sent to a member that is not primary, and
// writes must succeed again. (On a saturated machine some writes may
// reach their deadline while the new primary's pool fills up, two
// connections at a time: that is an error in time, not a hang.)
func TestFailoverUnderConcurrentWrites(t *testing.T) {
	for _, mode := range []string{"stream", "poll"} {
		t.Run(mode, func(t *testing.T) {
			rs := newRS(t, sim.Options{})
			rec := newRecorder()
			c := connect(t, parse(t, rs.URI("heartbeatFrequencyMS=500", "serverSelectionTimeoutMS=5000", "serverMonitoringMode="+mode), motor.ParseOptions{}), rec)
			rec.waitTopology(t, 10*time.Second, "the set discovered", func(d event.TopologyDescription) bool {
				return hasTypes(d, rsTypes(rs, 0))
			})
			db := c.Database(testDB())

			const (
				workers   = 32
				runFor    = 4 * time.Second
				opTimeout = 3 * time.Second
				slack     = 500 * time.Millisecond // scheduling on a loaded machine
			)
			type opResult struct {
				start time.Time
				dur   time.Duration
				err   error
			}
			results := make([][]opResult, workers)
			start := time.Now()
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; time.Since(start) < runFor; i++ {
						ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
						t0 := time.Now()
						err := insert(ctx, db, "c", w*100000+i)
						results[w] = append(results[w], opResult{t0, time.Since(t0), err})
						cancel()
					}
				}()
			}

			time.Sleep(800 * time.Millisecond)
			if err := rs.StepDown(0); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // no primary meanwhile
			electedAt := time.Now()
			if err := rs.Elect(1); err != nil {
				t.Fatal(err)
			}

			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(runFor + opTimeout + 5*time.Second):
				t.Fatal("writers still running: an operation hangs")
			}

			foundAt, ok := rec.firstChange(rs.Addr(1), event.ServerRSPrimary, electedAt)
			if !ok {
				t.Fatalf("the client never saw member 1 become primary")
			}
			detect := foundAt.Sub(electedAt)
			var total, failed, okAfter int
			var longest time.Duration
			kinds := map[string]int{}
			for w, ops := range results {
				for _, r := range ops {
					total++
					longest = max(longest, r.dur)
					if r.dur > opTimeout+slack {
						t.Errorf("worker %d: a write took %v, outliving its %v context", w, r.dur, opTimeout)
					}
					if r.err == nil {
						if r.start.After(foundAt) {
							okAfter++
						}
						continue
					}
					failed++
					kinds[errKind(r.err)]++
					var se *motor.ServerError
					if r.start.After(foundAt) && errors.As(r.err, &se) {
						t.Errorf("worker %d: write started %v after the new primary was seen failed: %v", w, r.start.Sub(foundAt), r.err)
					}
				}
			}
			t.Logf("%s: %d writes, %d failed %v, %d succeeded after the failover; longest %v; new primary seen %v after the election",
				mode, total, failed, kinds, okAfter, longest, detect)
			if detect > 2*heartbeat {
				t.Errorf("new primary seen %v after the election, more than 2 × heartbeatFrequencyMS", detect)
			}
			if okAfter == 0 || rs.Received(1, "insert") == 0 {
				t.Errorf("no write succeeded on the new primary")
			}
		})
	}
}

// errKind names an error for the failover summary.
func errKind(err error) string {
	var se *motor.ServerError
	switch {
	case errors.As(err, &se):
		return se.CodeName
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case errors.Is(err, motor.ErrServerSelection):
		return "selection"
	case motor.IsNetworkError(err):
		return "network"
	}
	return err.Error()
}

func TestMemberKilledAndRestarted(t *testing.T) {
	rs := newRS(t, sim.Options{})
	rec := newRecorder()
	c := connect(t, parse(t, rs.URI("heartbeatFrequencyMS=500", "serverSelectionTimeoutMS=5000"), motor.ParseOptions{}), rec)
	rec.waitTopology(t, 10*time.Second, "the set discovered", func(d event.TopologyDescription) bool {
		return hasTypes(d, rsTypes(rs, 0))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := c.Database(testDB())

	// A secondary dies: it becomes Unknown, and reads go to the other one.
	at := time.Now()
	if err := rs.Kill(2); err != nil {
		t.Fatal(err)
	}
	rec.waitTopology(t, 3*time.Second, "member 2 Unknown", func(d event.TopologyDescription) bool {
		return hasTypes(d, rsTypes(rs, 0, 2))
	})
	t.Logf("killed secondary seen Unknown after %v", time.Since(at))
	sdb, err := db.WithReadPreference(motor.ReadPreference{Mode: motor.ReadSecondary})
	if err != nil {
		t.Fatal(err)
	}
	before := rs.Received(1, "find")
	for range 10 {
		if err := find(ctx, sdb, "c"); err != nil {
			t.Fatalf("read from the remaining secondary: %v", err)
		}
	}
	if n := rs.Received(1, "find") - before; n != 10 {
		t.Errorf("member 1 served %d of 10 reads", n)
	}

	at = time.Now()
	if err := rs.Restart(2); err != nil {
		t.Fatal(err)
	}
	rec.waitTopology(t, 3*time.Second, "member 2 back", func(d event.TopologyDescription) bool {
		return hasTypes(d, rsTypes(rs, 0))
	})
	t.Logf("restarted secondary rediscovered after %v", time.Since(at))

	// The primary dies; another member is elected; the old primary comes
	// back as a secondary.
	at = time.Now()
	if err := rs.Kill(0); err != nil {
		t.Fatal(err)
	}
	if err := rs.Elect(1); err != nil {
		t.Fatal(err)
	}
	rec.waitTopology(t, 3*time.Second, "member 1 primary, member 0 Unknown", func(d event.TopologyDescription) bool {
		return d.Type == event.TopologyReplicaSetWithPrimary && hasTypes(d, rsTypes(rs, 1, 0))
	})
	t.Logf("killed primary replaced after %v", time.Since(at))
	if err := insert(ctx, db, "c", 1); err != nil {
		t.Fatalf("insert after the failover: %v", err)
	}
	if rs.Received(1, "insert") != 1 {
		t.Errorf("the insert did not go to the new primary")
	}
	at = time.Now()
	if err := rs.Restart(0); err != nil {
		t.Fatal(err)
	}
	rec.waitTopology(t, 3*time.Second, "member 0 back as a secondary", func(d event.TopologyDescription) bool {
		return hasTypes(d, rsTypes(rs, 1))
	})
	t.Logf("restarted former primary rediscovered after %v", time.Since(at))
}
