package simtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/unified"
	"github.com/motor-go/motor/testserver/sim"
)

// failPointSuites are the suites of unified.AllSuites that have tests
// configuring a fail point.
var failPointSuites = []string{
	"crud/unified",
	"command-logging-and-monitoring/monitoring",
	"command-logging-and-monitoring/logging",
	"server-discovery-and-monitoring/unified",
	"server-selection/logging",
	"retryable-reads/unified",
	"retryable-writes/unified",
	"sessions",
	"run-command/unified",
}

// TestUnifiedSimulatorSingle is TestUnifiedSimulator's pass against a
// standalone server of the simulator in front of FerretDB, for the tests
// whose runOnRequirements allow a single topology.
//
//	go test ./testserver/simtest -run TestUnifiedSimulatorSingle -v
func TestUnifiedSimulatorSingle(t *testing.T) {
	st := newStandalone(t)
	tg := openTarget(t, "sim-single", st.URI("heartbeatFrequencyMS=500"))
	runFailPointSuites(t, tg)
}

// TestUnifiedSimulatorSharded is TestUnifiedSimulator's pass against a
// sharded cluster of the simulator: two mongos routers in front of
// FerretDB. Only tests whose runOnRequirements allow a sharded topology
// run; fail points are set on whichever router a test targets, and turned
// off on every router after each test.
//
//	go test ./testserver/simtest -run TestUnifiedSimulatorSharded -v
func TestUnifiedSimulatorSharded(t *testing.T) {
	sh := newSharded(t, 2)
	tg := openTarget(t, "sim-sharded", sh.URI("heartbeatFrequencyMS=500"))
	runFailPointSuites(t, tg)
}

// TestUnifiedSimulator runs the unified tests that configure a fail point
// (the failPoint or targetedFailPoint operation), which FerretDB cannot run,
// against a three-member replica set of the simulator in front of FerretDB.
// The simulator has the failCommand and onPrimaryTransactionalWrite fail
// points, so the fail point entries of the skip list do not apply there; its
// other entries do, as the backend is the same FerretDB. The counts per
// suite are logged at the end:
//
//	go test ./testserver/simtest -run TestUnifiedSimulator -v
func TestUnifiedSimulator(t *testing.T) {
	rs := newRS(t, sim.Options{})
	tg := openTarget(t, "sim-replicaset", rs.URI("heartbeatFrequencyMS=500"))
	runFailPointSuites(t, tg)
}

// runFailPointSuites runs the tests of failPointSuites that configure a
// fail point against tg.
func runFailPointSuites(t *testing.T, tg *unified.Target) {
	var suites []unified.Suite
	for _, s := range unified.AllSuites(t) {
		if slices.Contains(failPointSuites, s.Dir()) {
			suites = append(suites, s)
		}
	}
	suites = append(suites, unified.ValidPassSuite())
	// The simulator runs transactions: FerretDB's transaction gaps do not
	// apply.
	unified.RunSuites(t, []*unified.Target{tg}, suites, simSkips, unified.UsesFailPoints)
}

// openTarget opens a target of the unified runner, closed at the end of
// the test, and checks that the probe found fail points.
func openTarget(t *testing.T, name, uri string) *unified.Target {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tg, err := unified.OpenTarget(ctx, name, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tg.Close(context.Background()); err != nil {
			t.Errorf("closing target %s: %v", name, err)
		}
	})
	if !tg.FailPoints {
		t.Fatalf("target %s: the probe found no fail points", tg)
	}
	tg.UseSkips = true
	return tg
}

// clusterTimeSuites are the suites TestUnifiedSimulatorClusterTime runs.
var clusterTimeSuites = []string{"sessions", "causal-consistency", "run-command/unified"}

// TestUnifiedSimulatorClusterTime runs the sessions, causal-consistency and
// run-command suites against a replica set of the simulator whose replies
// carry $clusterTime and operationTime (FerretDB's have neither): the tests
// of causal consistency and $clusterTime gossip that the FerretDB runs skip
// pass here. The skip list applies without its entries for those missing
// fields, and with entries for the writes FerretDB rejects once they carry
// afterClusterTime (see unified.ClusterTimeSkips); the fail point entries
// do not apply (the simulator has fail points).
//
//	go test ./testserver/simtest -run TestUnifiedSimulatorClusterTime -v
func TestUnifiedSimulatorClusterTime(t *testing.T) {
	var suites []unified.Suite
	for _, s := range unified.AllSuites(t) {
		if slices.Contains(clusterTimeSuites, s.Dir()) {
			suites = append(suites, s)
		}
	}
	rs := newRS(t, sim.Options{ClusterTime: true})
	tg := openTarget(t, "sim-replicaset-clustertime", rs.URI("heartbeatFrequencyMS=500"))
	unified.RunSuites(t, []*unified.Target{tg}, suites, unified.ClusterTimeSkips(simSkips), nil)
}

// simSkips is the skip list of the simulator's targets: FerretDB's, without
// its entries for FerretDB's lack of transactions and change streams, which
// the simulator has (its fail point entries do not apply either: the
// simulator's probe finds fail points).
var simSkips = unified.WithoutChangeStreamSkips(unified.TransactionSkips(unified.FerretDBSkips))

// txnSuites are the suites TestUnifiedSimulatorTransactions runs, with the
// transaction files of valid-pass.
var txnSuites = []string{"transactions/unified", "transactions-convenient-api/unified"}

// TestUnifiedSimulatorTransactions runs the transaction suites, and the
// transaction tests of valid-pass, against a replica set and a sharded
// cluster (two mongos) of the simulator, which runs transactions in front
// of FerretDB, with $clusterTime and operationTime from the simulator's
// logical clock (the tests check afterClusterTime). The skip list applies
// without its entries for FerretDB's lack of transactions
// (unified.TransactionSkips).
//
//	go test ./testserver/simtest -run TestUnifiedSimulatorTransactions -v
func TestUnifiedSimulatorTransactions(t *testing.T) {
	var suites []unified.Suite
	for _, s := range unified.AllSuites(t) {
		if slices.Contains(txnSuites, s.Dir()) {
			suites = append(suites, s)
		}
	}
	suites = append(suites, unified.ValidPassSuite())
	skips := simSkips
	t.Run("replicaset", func(t *testing.T) {
		rs := newRS(t, sim.Options{ClusterTime: true})
		tg := openTarget(t, "sim-replicaset-txn", rs.URI("heartbeatFrequencyMS=500"))
		unified.RunSuites(t, []*unified.Target{tg}, suites, skips, unified.UsesTransactions)
	})
	t.Run("sharded", func(t *testing.T) {
		sh := newShardedWith(t, sim.ShardedOptions{Routers: 2, ClusterTime: true})
		tg := openTarget(t, "sim-sharded-txn", sh.URI("heartbeatFrequencyMS=500"))
		unified.RunSuites(t, []*unified.Target{tg}, suites, skips, unified.UsesTransactions)
	})
}

// csSuites are the suites TestUnifiedSimulatorChangeStreams runs, with
// valid-pass's poc-change-streams.json.
var csSuites = []string{"change-streams/unified", "retryable-reads/unified"}

// TestUnifiedSimulatorChangeStreams runs the change stream tests
// (change-streams/unified, the changeStreams files of retryable-reads and
// valid-pass's poc-change-streams.json: the tests that open a change
// stream) against a replica set and a sharded cluster (two mongos) of the
// simulator, with its logical clock. The skip list applies without its
// entries for FerretDB's lack of change streams
// (unified.WithoutChangeStreamSkips).
//
//	go test ./testserver/simtest -run TestUnifiedSimulatorChangeStreams -v
func TestUnifiedSimulatorChangeStreams(t *testing.T) {
	var suites []unified.Suite
	for _, s := range unified.AllSuites(t) {
		if slices.Contains(csSuites, s.Dir()) {
			suites = append(suites, s)
		}
	}
	suites = append(suites, unified.ValidPassSuite())
	skips := simSkips
	t.Run("replicaset", func(t *testing.T) {
		rs := newRS(t, sim.Options{ClusterTime: true})
		tg := openTarget(t, "sim-replicaset-cs", rs.URI("heartbeatFrequencyMS=500"))
		unified.RunSuites(t, []*unified.Target{tg}, suites, skips, unified.UsesChangeStreams)
	})
	t.Run("sharded", func(t *testing.T) {
		sh := newShardedWith(t, sim.ShardedOptions{Routers: 2, ClusterTime: true})
		tg := openTarget(t, "sim-sharded-cs", sh.URI("heartbeatFrequencyMS=500"))
		unified.RunSuites(t, []*unified.Target{tg}, suites, skips, unified.UsesChangeStreams)
	})
}
