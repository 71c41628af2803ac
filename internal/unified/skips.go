package unified

// FerretDBSkips is the skip list of the test server (FerretDB v1.24): the
// tests that cannot pass against it because it lacks a server feature, each
// with the reason. It is not used against a real MongoDB (MOTOR_TEST_URI).
//
// It is checked: an entry that skips nothing fails the run; an entry that
// claims fail points, transactions or change streams must name tests that
// use them; and the tests of a server behavior entry still run, and are
// skipped only when they fail with the server's answer the entry quotes
// (ServerSays). No entry covers a driver bug or a missing driver feature:
// those are the "not run" and "known failure" lists of the tests.
var FerretDBSkips = concatSkips(formatSkips, crudSkips, failPointSkips, otherSkips, adminSkips, sessionSkips, txnSkips, changeStreamSkips)

func concatSkips(lists ...[]Skip) []Skip {
	var out []Skip
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// The reasons of the entries that name a feature.
const (
	reasonFailPoints = "needs failCommand: the test server lacks fail points (these tests run against the topology simulator, testserver/simtest)"
)

// serverGap is a command, option or behavior FerretDB lacks, with the text
// of its answer that shows it.
type serverGap struct {
	reason, says string
}

// The gaps of FerretDB v1.24 that the suites run into.
var (
	gapLet             = serverGap{"FerretDB does not implement the let option (NotImplemented)", `support for field "let"`}
	gapCollation       = serverGap{"FerretDB does not implement collation (NotImplemented)", `support for field "collation"`}
	gapArrayFilters    = serverGap{"FerretDB does not implement arrayFilters (NotImplemented)", `support for field "arrayFilters"`}
	gapFAMProjection   = serverGap{"FerretDB's findAndModify does not implement fields, the projection (NotImplemented)", `support for field "fields"`}
	gapFAMPipeline     = serverGap{"FerretDB's findAndModify does not take an update pipeline (NotImplemented)", `Aggregation pipelines are not supported yet`}
	gapUpdatePipeline  = serverGap{"FerretDB's update does not take an update pipeline (TypeMismatch on updates.u)", `'update.updates.u' is the wrong type 'array'`}
	gapOut             = serverGap{"FerretDB does not implement the $out stage", `stage "$out" is not implemented`}
	gapMerge           = serverGap{"FerretDB does not implement the $merge stage", `stage "$merge" is not implemented`}
	gapDBAggregate     = serverGap{"FerretDB has no database-level aggregate ({aggregate: 1})", `the 'aggregate' field must specify a collection name or 1`}
	gapComment         = serverGap{"FerretDB accepts only a string comment (TypeMismatch for a document)", `is the wrong type 'object', expected type 'string'`}
	gapDots            = serverGap{"FerretDB rejects field names containing '.', which MongoDB 5.0+ stores", `key must not contain '.' sign`}
	gapDollars         = serverGap{"FerretDB rejects field names starting with '$', which MongoDB 5.0+ stores", `key must not start with '$' sign`}
	gapViews           = serverGap{"FerretDB has no views (create's viewOn is NotImplemented)", `support for field "viewOn"`}
	gapKeyPattern      = serverGap{"FerretDB's duplicate key error has no keyPattern", `$errorResponse.keyPattern: missing`}
	gapDecimal128      = serverGap{"FerretDB has no Decimal128: it drops the connection on one (its log: invalid BSON type wirebson.Decimal128)", `reading message header: EOF`}
	gapCollStatsProj   = serverGap{"FerretDB panics on $project after $collStats (its log: key not found: _id) and drops the connection", `reading message header: EOF`}
	gapMatchResult     = serverGap{"FerretDB answers a find with an unknown query operator on an empty collection with no documents instead of an error", `expected an error, got the result array []`}
	gapClusteredIndex  = serverGap{"FerretDB accepts clusteredIndex in create but does not keep it (listCollections has no clusteredIndex)", `$result[0].options.clusteredIndex: missing`}
	gapClusteredIndex2 = serverGap{"FerretDB accepts clusteredIndex in create but does not keep it (listIndexes shows _id_)", `expected string "test index", got string "_id_"`}
	gapTimeSeries      = serverGap{"FerretDB has no time series collections (NotImplemented)", `support for field "timeseries"`}
	gapReturnKey       = serverGap{"FerretDB does not implement find's returnKey (NotImplemented)", `support for field "returnKey"`}
	gapUpdateReplyN    = serverGap{"FerretDB's reply to an update with write errors has no n", `.reply.n: missing`}
	gapAPIStrict       = serverGap{"FerretDB does not enforce apiStrict (it runs distinct, which API version 1 leaves out)", `expected an error, got the result`}
	gapStreaming       = serverGap{"FerretDB's hello has no topologyVersion, so monitors cannot stream (awaited heartbeats) and poll", `awaited: expected true, got false`}
	gapUpsertIndex     = serverGap{"FerretDB gives the wrong index for an upsert that is not the first statement of an update (upserted[].index is 0)", `$result.upsertedIds.`}
)

// server is a server behavior entry for one test.
func server(file, test string, g serverGap) Skip {
	return Skip{File: file, Test: test, Needs: ServerBehavior, Reason: g.reason, ServerSays: g.says}
}

// formatSkips are the entries of the runner's own tests.
var formatSkips = []Skip{
	{File: "unified-test-format/valid-pass/expectedError-isClientError.json", Test: "*", Needs: FailPoints, Reason: reasonFailPoints},
	{File: "unified-test-format/valid-pass/poc-retryable-reads.json", Test: "*", Needs: FailPoints, Reason: reasonFailPoints},
	{File: "unified-test-format/valid-pass/poc-retryable-writes.json", Test: "*", Needs: FailPoints, Reason: reasonFailPoints},
	server("unified-test-format/valid-pass/collectionData-createOptions.json", "collection is created with the correct options", gapCollStatsProj),
	server("unified-test-format/valid-pass/expectedError-errorResponse.json", "Unsupported query operator", gapMatchResult),
	server("unified-test-format/valid-pass/operator-type-number_alias.json", "type number alias matches decimal128", gapDecimal128),
	server("unified-test-format/valid-pass/poc-crud.json", "readConcern majority with out stage", gapOut),
	server("unified-test-format/valid-pass/poc-crud.json", "Aggregate with $listLocalSessions", gapDBAggregate),
	{File: "unified-test-format/valid-fail/operation-failure.json", Test: "Unsupported query operator", Needs: ServerAccepts,
		Reason: "FerretDB answers a find with an unknown query operator on an empty collection with no documents; MongoDB rejects the filter"},
}
