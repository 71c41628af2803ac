package unified

// The skip list entries of the tests of sessions, causal consistency and
// snapshot reads: FerretDB returns neither $clusterTime nor operationTime
// nor atClusterTime, and ignores the snapshot read concern. The driver's
// handling of those fields is tested against scripted servers instead
// (session_scripted_test.go in the motor package).

const (
	sessDir = "sessions/"
	ccDir   = "causal-consistency/"
)

var (
	gapOperationTime = serverGap{"FerretDB returns no operationTime, so a causally consistent session has no afterClusterTime to send",
		`readConcern: missing; expected object {"afterClusterTime"`}
	gapClusterTime = serverGap{"FerretDB returns no $clusterTime, so the client has none to gossip",
		`command.$clusterTime: key missing`}
	gapSnapshotAccepted = serverGap{"FerretDB accepts readConcern level snapshot on every command and ignores it (MongoDB rejects it where unsupported)",
		`expected an error, got the result`}
	gapSnapshotTime = serverGap{"FerretDB ignores readConcern level snapshot: its replies have no atClusterTime, so the session has no snapshot time",
		`no read in it has returned an atClusterTime`}
	gapSnapshotAtClusterTime = serverGap{"FerretDB ignores readConcern level snapshot: its replies have no atClusterTime to send back",
		`readConcern.atClusterTime: key missing`}
	gapSnapshotReads = serverGap{"FerretDB ignores readConcern level snapshot: a read after a write sees the write",
		`expected number 11, got number 1`}
	gapSnapshotDistinct = serverGap{"FerretDB ignores readConcern level snapshot: a read after a write sees the write",
		`expected 1 element(s), got 2`}
)

// causalWriteTests are the tests of causal-consistency-write-commands.json
// that need an operationTime from the first command.
// (The first eleven are insert, update, delete and findAndModify.)
var causalWriteTests = []string{
	"insertOne", "insertMany", "updateOne", "updateMany", "replaceOne", "deleteOne", "deleteMany",
	"findOneAndUpdate", "findOneAndDelete", "findOneAndReplace", "bulkWrite", "create", "createIndexes",
	"drop", "dropDatabase", "dropIndexes",
}

// sessionSkips are the entries of the sessions, causal-consistency and
// run-command suites and of poc-sessions.json.
var sessionSkips = func() []Skip {
	s := []Skip{
		failPoint(sessDir+"driver-sessions-dirty-session-errors.json", "*"),
		failPoint(sessDir+"implicit-sessions-default-causal-consistency.json", "*"),
		failPoint("unified-test-format/valid-pass/poc-sessions.json", "Dirty explicit session is discarded"),
		failPoint("run-command/unified/runCommand.json", "does not retry retryable errors on given command"),
		server("run-command/unified/runCommand.json", "always gossips the $clusterTime on the sent command", gapClusterTime),
	}
	for _, op := range causalWriteTests {
		s = append(s, server(ccDir+"causal-consistency-write-commands.json", op+" includes afterClusterTime in causally consistent session", gapOperationTime))
	}
	for _, op := range []string{"find", "aggregate", "distinct"} {
		s = append(s, server(sessDir+"snapshot-sessions-not-supported-server-error.json", "Server returns an error on "+op+" with snapshot", gapSnapshotAccepted))
	}
	for _, op := range []string{"listDatabases", "listCollections", "listIndexes", "runCommand"} {
		s = append(s, server(sessDir+"snapshot-sessions-unsupported-ops.json", "Server returns an error on "+op+" with snapshot", gapSnapshotAccepted))
	}
	for _, op := range []string{"Find", "Distinct", "Aggregate", "countDocuments", "Mixed"} {
		name := op + " operation with snapshot and snapshot time"
		if op == "Mixed" {
			name = "Mixed operation with snapshot and snapshotTime"
		}
		s = append(s, server(sessDir+"snapshot-sessions.json", name, gapSnapshotTime))
	}
	return append(s,
		server(sessDir+"snapshot-sessions.json", "Find operation with snapshot", gapSnapshotReads),
		server(sessDir+"snapshot-sessions.json", "Distinct operation with snapshot", gapSnapshotDistinct),
		server(sessDir+"snapshot-sessions.json", "Aggregate operation with snapshot", gapSnapshotReads),
		server(sessDir+"snapshot-sessions.json", "countDocuments operation with snapshot", gapSnapshotAtClusterTime),
		server(sessDir+"snapshot-sessions.json", "Mixed operation with snapshot", gapSnapshotReads),
		server(sessDir+"snapshot-sessions.json", "Write commands with snapshot session do not affect snapshot reads", gapSnapshotReads),
	)
}()

// ClusterTimeSkips returns skips for a deployment in front of FerretDB that
// adds $clusterTime and operationTime to its replies (the simulator with
// its ClusterTime option, a replica set): without the entries for those
// missing fields nor those of a file for standalone servers. (The
// simulator takes the readConcern.afterClusterTime of its own clock off
// the writes of causally consistent sessions, which FerretDB would
// reject.)
func ClusterTimeSkips(skips []Skip) []Skip {
	var out []Skip
	for _, s := range skips {
		if s.Reason != gapOperationTime.reason && s.Reason != gapClusterTime.reason &&
			s.File != sessDir+"snapshot-sessions-not-supported-server-error.json" {
			out = append(out, s)
		}
	}
	return out
}
