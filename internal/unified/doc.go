// Package unified runs the test files of the MongoDB Unified Test Format
// specification against a Motor client.
//
// A test file is a JSON document (read as Extended JSON, so that values such
// as {"$numberLong": "1"} keep their BSON types) holding entities to create,
// data to load, and tests: operations with their expected results, errors
// and monitoring events. The runner loads a file (Load), rejects files that
// do not follow the format (Validate) or whose schemaVersion it does not
// support, checks each test's runOnRequirements against the servers it can
// use (Targets), and runs the tests that can run (Runner.Run).
//
// # Operations
//
// Operations call the public API of package motor: clients, databases and
// collections are the entities of the file (and buckets, of package
// gridfs), and the test runner's special
// operations (failPoint, waitForEvent, runOnThread, ...) use a Client of
// their own for data set-up and checks. An operation, entity type, argument
// or matching operator that the runner does not know fails the test with an
// error that names it: nothing is silently skipped.
//
// # Matching
//
// Expected values follow the rules of the specification's "Evaluating
// Matches" section: extra keys are allowed in root-level documents only,
// numbers compare by value whatever their BSON type, and the special
// operators $$exists, $$type, $$unsetOrMatches, $$matchesEntity,
// $$matchesHexBytes, $$sessionLsid, $$lte, $$matchAsDocument and
// $$matchAsRoot are evaluated as the specification defines them.
//
// # Results
//
// Runner.Run returns a Result per test: passed, skipped (with the reason:
// unmet runOnRequirements, the file's skipReason, or an entry of the skip
// list that names a feature the server under test lacks) or failed (with the
// error). Tests of package unified drive the specification suites with it
// and print the counts per suite.
package unified
