package unified

import "strings"

// The skip list entries of the transaction tests. FerretDB has no
// transactions: it rejects the startTransaction field of a transaction's
// first command (or, for distinct, its txnNumber), has no
// commitTransaction command, and runs create and createIndexes at once
// whatever their transaction fields. Each entry quotes that answer; the
// driver's side of transactions is tested against scripted servers
// (session_txn*_scripted_test.go in the motor package) and, with fail
// points, against the topology simulator (TestUnifiedSimulatorTransactions).

// txnGapPrefix starts the reason of every gap of transactions.
const txnGapPrefix = "FerretDB has no transactions"

var (
	gapTxnStart  = serverGap{"FerretDB has no transactions: it rejects a transaction's first command", `unknown field "startTransaction"`}
	gapTxnNumber = serverGap{"FerretDB has no transactions: its distinct rejects txnNumber", `unknown field "txnNumber"`}
	gapTxnCommit = serverGap{"FerretDB has no transactions: it ignores the transaction fields of find and aggregate, and has no commitTransaction", `no such command: 'commitTransaction'`}
	gapTxnCreate = serverGap{"FerretDB has no transactions: it creates a collection at once, not at commit", `exists: true`}
	gapTxnIndex  = serverGap{"FerretDB has no transactions: it creates an index at once, not at commit", `exists: true`}
)

// txnEntries returns one entry per test of a file: fail point entries
// when g is nil, else server behavior entries with the gap g.
func txnEntries(file string, g *serverGap, tests ...string) []Skip {
	out := make([]Skip, 0, len(tests))
	for _, t := range tests {
		if g == nil {
			out = append(out, failPoint(file, t))
			continue
		}
		out = append(out, server(file, t, *g))
	}
	return out
}

// txnSkips are the entries of the transactions and
// transactions-convenient-api suites, and of the transaction tests of
// other suites.
var txnSkips = concatSkips(
	txnEntries("command-logging-and-monitoring/logging/command.json", &gapTxnStart,
		"A successful abortTransaction command",
		"A successful commitTransaction command"),
	txnEntries("run-command/unified/runCommand.json", &gapTxnStart,
		"attaches transaction fields to given command"),
	txnEntries("transactions-convenient-api/unified/callback-aborts.json", &gapTxnStart,
		"withTransaction still succeeds if callback aborts and runs extra op",
		"withTransaction succeeds if callback aborts"),
	txnEntries("transactions-convenient-api/unified/callback-commits.json", &gapTxnStart,
		"withTransaction still succeeds if callback commits and runs extra op",
		"withTransaction succeeds if callback commits"),
	txnEntries("transactions-convenient-api/unified/callback-retry.json", &gapTxnStart,
		"callback is not retried after non-transient error (DuplicateKeyError)"),
	txnEntries("transactions-convenient-api/unified/callback-retry.json", nil,
		"callback succeeds after multiple connection errors"),
	txnEntries("transactions-convenient-api/unified/commit-retry-errorLabels.json", nil,
		"commit is retried after commitTransaction UnknownTransactionCommitResult (NotWritablePrimary)"),
	txnEntries("transactions-convenient-api/unified/commit-retry.json", nil,
		"commit is not retried after MaxTimeMSExpired error",
		"commitTransaction retry only overwrites write concern w option",
		"commitTransaction succeeds after multiple connection errors"),
	txnEntries("transactions-convenient-api/unified/commit-transienttransactionerror-4.2.json", nil,
		"transaction is retried after commitTransaction TransientTransactionError (PreparedTransactionInProgress)"),
	txnEntries("transactions-convenient-api/unified/commit-transienttransactionerror.json", nil,
		"transaction is retried after commitTransaction TransientTransactionError (LockTimeout)",
		"transaction is retried after commitTransaction TransientTransactionError (NoSuchTransaction)",
		"transaction is retried after commitTransaction TransientTransactionError (SnapshotUnavailable)",
		"transaction is retried after commitTransaction TransientTransactionError (WriteConflict)"),
	txnEntries("transactions-convenient-api/unified/commit-writeconcernerror.json", nil,
		"commitTransaction is not retried after MaxTimeMSExpired error",
		"commitTransaction is not retried after UnknownReplWriteConcern error",
		"commitTransaction is not retried after UnsatisfiableWriteConcern error",
		"commitTransaction is retried after WriteConcernTimeout non-timeout error",
		"commitTransaction is retried after WriteConcernTimeout timeout error"),
	txnEntries("transactions-convenient-api/unified/commit.json", &gapTxnStart,
		"withTransaction commits after callback returns",
		"withTransaction commits after callback returns (second transaction)"),
	txnEntries("transactions-convenient-api/unified/transaction-options.json", &gapTxnStart,
		"withTransaction and no transaction options set",
		"withTransaction explicit transaction options",
		"withTransaction explicit transaction options override client options",
		"withTransaction explicit transaction options override defaultTransactionOptions",
		"withTransaction inherits transaction options from client",
		"withTransaction inherits transaction options from defaultTransactionOptions"),
	txnEntries("transactions/unified/abort.json", &gapTxnStart,
		"abort",
		"abort directly after commit",
		"abort does not apply writeConcern",
		"abort ignores TransactionAborted",
		"implicit abort",
		"two aborts"),
	txnEntries("transactions/unified/bulk.json", &gapTxnStart,
		"bulk"),
	txnEntries("transactions/unified/causal-consistency.json", &gapTxnStart,
		"causal consistency",
		"causal consistency disabled"),
	txnEntries("transactions/unified/commit.json", &gapTxnStart,
		"commit",
		"commit after abort",
		"multiple commits after empty transaction",
		"multiple commits in a row",
		"rerun commit after empty transaction",
		"reset session state abort",
		"reset session state commit",
		"write concern error on commit"),
	txnEntries("transactions/unified/create-collection.json", &gapTxnCreate,
		"explicitly create collection using create command"),
	txnEntries("transactions/unified/create-collection.json", &gapTxnStart,
		"implicitly create collection using insert"),
	txnEntries("transactions/unified/create-index.json", &gapTxnIndex,
		"create index on a collection created within the same transaction",
		"create index on a non-existing collection"),
	txnEntries("transactions/unified/delete.json", &gapTxnStart,
		"collection writeConcern ignored for delete",
		"delete"),
	txnEntries("transactions/unified/do-not-retry-read-in-transaction.json", nil,
		"find does not retry in a transaction"),
	txnEntries("transactions/unified/error-labels-blockConnection.json", nil,
		"add RetryableWriteError and UnknownTransactionCommitResult labels to connection errors"),
	txnEntries("transactions/unified/error-labels-errorLabels.json", nil,
		"add RetryableWriteError and UnknownTransactionCommitResult labels to retryable commit errors",
		"add RetryableWriteError and UnknownTransactionCommitResult labels to writeConcernError ShutdownInProgress"),
	txnEntries("transactions/unified/error-labels.json", &gapTxnStart,
		"DuplicateKey errors do not contain transient label"),
	txnEntries("transactions/unified/error-labels.json", nil,
		"NoSuchTransaction errors contain transient label",
		"NoSuchTransaction errors on commit contain transient label",
		"NotWritablePrimary errors contain transient label",
		"WriteConflict errors contain transient label",
		"add RetryableWriteError and UnknownTransactionCommitResult labels to connection errors",
		"add TransientTransactionError label to connection errors, but do not add RetryableWriteError label",
		"add UnknownTransactionCommitResult label to MaxTimeMSExpired",
		"add UnknownTransactionCommitResult label to writeConcernError MaxTimeMSExpired",
		"add UnknownTransactionCommitResult label to writeConcernError WriteConcernTimeout",
		"add UnknownTransactionCommitResult label to writeConcernError WriteConcernTimeout with wtimeout",
		"do not add RetryableWriteError label to writeConcernError ShutdownInProgress that occurs within transaction",
		"do not add UnknownTransactionCommitResult label to MaxTimeMSExpired inside transactions",
		"omit UnknownTransactionCommitResult label from writeConcernError UnknownReplWriteConcern",
		"omit UnknownTransactionCommitResult label from writeConcernError UnsatisfiableWriteConcern"),
	txnEntries("transactions/unified/errors-client.json", &gapTxnStart,
		"Client side error when transaction is in progress"),
	txnEntries("transactions/unified/errors.json", &gapTxnStart,
		"commit and start twice",
		"start insert start",
		"write conflict abort",
		"write conflict commit"),
	txnEntries("transactions/unified/findOneAndDelete.json", &gapTxnStart,
		"collection writeConcern ignored for findOneAndDelete",
		"findOneAndDelete"),
	txnEntries("transactions/unified/findOneAndReplace.json", &gapTxnStart,
		"collection writeConcern ignored for findOneAndReplace",
		"findOneAndReplace"),
	txnEntries("transactions/unified/findOneAndUpdate.json", &gapTxnStart,
		"collection writeConcern ignored for findOneAndUpdate",
		"findOneAndUpdate"),
	txnEntries("transactions/unified/insert.json", &gapTxnStart,
		"collection writeConcern ignored for insert",
		"insert",
		"insert with session1"),
	txnEntries("transactions/unified/isolation.json", &gapTxnStart,
		"one transaction",
		"two transactions"),
	txnEntries("transactions/unified/read-concern.json", &gapTxnCommit,
		"aggregate ignores collection readConcern",
		"countDocuments ignores collection readConcern",
		"find ignores collection readConcern",
		"only first aggregate includes readConcern",
		"only first countDocuments includes readConcern",
		"only first find includes readConcern",
		"only first runCommand includes readConcern",
		"runCommand ignores database readConcern"),
	txnEntries("transactions/unified/read-concern.json", &gapTxnNumber,
		"distinct ignores collection readConcern",
		"only first distinct includes readConcern"),
	txnEntries("transactions/unified/read-pref.json", &gapTxnStart,
		"default readPreference",
		"nearest readPreference",
		"primary readPreference",
		"primaryPreferred readPreference",
		"secondary readPreference",
		"secondary write only"),
	txnEntries("transactions/unified/reads.json", &gapTxnCommit,
		"aggregate",
		"find"),
	txnEntries("transactions/unified/reads.json", &gapTxnNumber,
		"distinct"),
	txnEntries("transactions/unified/retryable-abort-errorLabels.json", nil,
		"abortTransaction does not retry without RetryableWriteError label",
		"abortTransaction only retries once with RetryableWriteError from server",
		"abortTransaction succeeds after HostNotFound",
		"abortTransaction succeeds after HostUnreachable",
		"abortTransaction succeeds after InterruptedAtShutdown",
		"abortTransaction succeeds after InterruptedDueToReplStateChange",
		"abortTransaction succeeds after NetworkTimeout",
		"abortTransaction succeeds after NotPrimaryNoSecondaryOk",
		"abortTransaction succeeds after NotPrimaryOrSecondary",
		"abortTransaction succeeds after NotWritablePrimary",
		"abortTransaction succeeds after PrimarySteppedDown",
		"abortTransaction succeeds after ShutdownInProgress",
		"abortTransaction succeeds after SocketException",
		"abortTransaction succeeds after WriteConcernError InterruptedAtShutdown",
		"abortTransaction succeeds after WriteConcernError InterruptedDueToReplStateChange",
		"abortTransaction succeeds after WriteConcernError PrimarySteppedDown",
		"abortTransaction succeeds after WriteConcernError ShutdownInProgress"),
	txnEntries("transactions/unified/retryable-abort.json", nil,
		"abortTransaction does not retry after Interrupted",
		"abortTransaction does not retry after WriteConcernError Interrupted",
		"abortTransaction only performs a single retry",
		"abortTransaction succeeds after connection error"),
	txnEntries("transactions/unified/retryable-commit-errorLabels.json", nil,
		"commitTransaction does not retry error without RetryableWriteError label",
		"commitTransaction retries once with RetryableWriteError from server",
		"commitTransaction succeeds after HostNotFound",
		"commitTransaction succeeds after HostUnreachable",
		"commitTransaction succeeds after InterruptedAtShutdown",
		"commitTransaction succeeds after InterruptedDueToReplStateChange",
		"commitTransaction succeeds after NetworkTimeout",
		"commitTransaction succeeds after NotPrimaryNoSecondaryOk",
		"commitTransaction succeeds after NotPrimaryOrSecondary",
		"commitTransaction succeeds after NotWritablePrimary",
		"commitTransaction succeeds after PrimarySteppedDown",
		"commitTransaction succeeds after ShutdownInProgress",
		"commitTransaction succeeds after SocketException",
		"commitTransaction succeeds after WriteConcernError InterruptedAtShutdown",
		"commitTransaction succeeds after WriteConcernError InterruptedDueToReplStateChange",
		"commitTransaction succeeds after WriteConcernError PrimarySteppedDown",
		"commitTransaction succeeds after WriteConcernError ShutdownInProgress"),
	txnEntries("transactions/unified/retryable-commit.json", nil,
		"commitTransaction applies majority write concern on retries",
		"commitTransaction fails after Interrupted",
		"commitTransaction fails after two errors",
		"commitTransaction is not retried after UnsatisfiableWriteConcern error",
		"commitTransaction succeeds after connection error"),
	txnEntries("transactions/unified/retryable-writes.json", &gapTxnStart,
		"increment txnNumber"),
	txnEntries("transactions/unified/retryable-writes.json", nil,
		"writes are not retried"),
	txnEntries("transactions/unified/run-command.json", &gapTxnStart,
		"run command with default read preference",
		"run command with explicit primary read preference",
		"run command with secondary read preference in client option and primary read preference in transaction options"),
	txnEntries("transactions/unified/transaction-options-repl.json", &gapTxnStart,
		"readConcern snapshot in startTransaction options"),
	txnEntries("transactions/unified/transaction-options.json", &gapTxnStart,
		"client writeConcern ignored for bulk",
		"defaultTransactionOptions override client options",
		"no transaction options set",
		"readConcern local in defaultTransactionOptions",
		"readPreference inherited from client",
		"readPreference inherited from defaultTransactionOptions",
		"startTransaction options override defaults",
		"startTransaction overrides readPreference",
		"transaction options inherited from client",
		"transaction options inherited from defaultTransactionOptions"),
	txnEntries("transactions/unified/update.json", &gapTxnStart,
		"collections writeConcern ignored for update",
		"update"),
	txnEntries("transactions/unified/write-concern.json", &gapTxnStart,
		"abort with default",
		"abort with majority",
		"commit with default",
		"commit with majority",
		"unacknowledged write concern coll bulkWrite",
		"unacknowledged write concern coll deleteMany",
		"unacknowledged write concern coll deleteOne",
		"unacknowledged write concern coll findOneAndDelete",
		"unacknowledged write concern coll findOneAndReplace",
		"unacknowledged write concern coll findOneAndUpdate",
		"unacknowledged write concern coll insertMany",
		"unacknowledged write concern coll insertOne",
		"unacknowledged write concern coll updateMany",
		"unacknowledged write concern coll updateOne"),
	txnEntries("versioned-api/transaction-handling.json", &gapTxnStart,
		"All commands in a transaction declare an API version",
		"abortTransaction includes an API version"),
	txnEntries("unified-test-format/valid-pass/poc-transactions-convenient-api.json", &gapTxnStart,
		"withTransaction and no transaction options set",
		"withTransaction explicit transaction options",
		"withTransaction inherits transaction options from client",
		"withTransaction inherits transaction options from defaultTransactionOptions"),
	// Sharded: reached only by the sharded simulator pass, whose backend
	// is FerretDB.
	txnEntries("unified-test-format/valid-pass/poc-transactions-mongos-pin-auto.json", &gapTxnStart,
		"remain pinned after non-transient Interrupted error on insertOne",
		"unpin after transient error within a transaction"),
	txnEntries("unified-test-format/valid-pass/poc-transactions.json", &gapTxnCreate,
		"explicitly create collection using create command"),
	txnEntries("unified-test-format/valid-pass/poc-transactions.json", &gapTxnIndex,
		"create index on a non-existing collection"),
)

// TransactionSkips returns skips without the entries for FerretDB's lack
// of transactions, for a target that has them (the topology simulator,
// once it runs transactions in front of FerretDB).
func TransactionSkips(skips []Skip) []Skip {
	var out []Skip
	for _, s := range skips {
		if !strings.HasPrefix(s.Reason, txnGapPrefix) {
			out = append(out, s)
		}
	}
	return out
}

// UsesTransactions reports whether a test is about transactions: it is in
// a file of a transactions suite or named after them (as valid-pass's
// poc-transactions*.json), or it starts one. A filter for RunSuites.
func UsesTransactions(t *Test) bool {
	return strings.Contains(t.file.Path, "transaction") || t.uses(featureOps[Transactions]...)
}
