package unified

// The reasons of the skip list.
const (
	reasonFailPoints    = "needs failCommand (test server lacks fail points; simulator integration pending)"
	reasonTransactions  = "FerretDB has no transactions"
	reasonChangeStreams = "FerretDB has no change streams"
)

// FerretDBSkips is the skip list of the test server (FerretDB): the tests
// that cannot pass against it because it lacks a server feature, each with
// the reason. It is not used against a real MongoDB (MOTOR_TEST_URI). An
// entry that skips nothing fails the run, and an entry that claims a
// feature (fail points, transactions, change streams) must name tests that
// use it. Entries name files below the specification tests directory.
var FerretDBSkips = []Skip{
	// unified-test-format/valid-pass
	{File: "unified-test-format/valid-pass/expectedError-isClientError.json", Test: "*", Needs: FailPoints, Reason: reasonFailPoints},
	{File: "unified-test-format/valid-pass/poc-change-streams.json", Test: "*", Needs: ChangeStreams, Reason: reasonChangeStreams},
	{File: "unified-test-format/valid-pass/poc-retryable-reads.json", Test: "*", Needs: FailPoints, Reason: reasonFailPoints},
	{File: "unified-test-format/valid-pass/poc-retryable-writes.json", Test: "*", Needs: FailPoints, Reason: reasonFailPoints},
	{File: "unified-test-format/valid-pass/poc-transactions.json", Test: "*", Needs: Transactions, Reason: reasonTransactions},
	{File: "unified-test-format/valid-pass/poc-transactions-convenient-api.json", Test: "*", Needs: Transactions, Reason: reasonTransactions},
}
