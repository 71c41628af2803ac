package unified

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/motor-go/motor/internal/spectest"
)

// AllSuites returns the suites TestUnified runs, with their lists of what
// is not run (what the driver lacks) and of known failures, for
// RunSuites:
//
//	go test ./internal/unified -run 'TestUnified$' -v
//
// docs/spec-compliance.md records the counts and what each list holds.
func AllSuites(tb testing.TB) []Suite {
	return []Suite{
		{
			dir:    "crud/unified",
			notYet: crudNotYet(tb),
		},
		{
			dir: "collection-management",
			notYet: map[string]string{
				"listCollections-rawdata.json": notRawData,
			},
		},
		{
			dir: "index-management",
			notYet: map[string]string{
				"index-rawdata.json": notRawData,
			},
		},
		{
			dir: "run-command/unified",
			notYet: map[string]string{
				"runCommand.json:attaches transaction fields to given command": needsTransactions,
			},
		},
		{dir: "command-logging-and-monitoring/monitoring"},
		{
			dir: "command-logging-and-monitoring/logging",
			notYet: map[string]string{
				"command.json:A successful commitTransaction command": needsTransactions,
				"command.json:A successful abortTransaction command":  needsTransactions,
			},
		},
		{
			dir: "versioned-api",
			notYet: map[string]string{
				"transaction-handling.json": needsTransactions,
			},
		},
		{dir: "server-discovery-and-monitoring/unified"},
		{
			dir: "connection-monitoring-and-pooling/logging",
			notYet: map[string]string{
				"connection-pool-options.json:waitQueueSize should be included in connection pool created message when specified":     notWaitQueueSize,
				"connection-pool-options.json:waitQueueMultiple should be included in connection pool created message when specified": notWaitQueueSize,
			},
		},
		{dir: "server-selection/logging"},
		{dir: "retryable-reads/unified", notYet: retryableReadsNotYet},
		{dir: "retryable-writes/unified"},
		{dir: "sessions", notYet: sessionsNotYet},
		{dir: "causal-consistency"},
		{dir: "gridfs"},
	}
}

// ValidPassSuite returns the suite of the runner's own valid-pass tests,
// each of which must pass (TestUnifiedFormat runs it, with valid-fail).
func ValidPassSuite() Suite {
	return Suite{
		dir: "unified-test-format/valid-pass",
		notYet: map[string]string{
			"poc-change-streams.json":               needsChangeStreams,
			"poc-transactions.json":                 needsTransactions,
			"poc-transactions-convenient-api.json":  needsTransactions,
			"poc-transactions-mongos-pin-auto.json": needsTransactions,
		},
	}
}

// Dir returns the suite's directory below the specification tests
// directory, as "crud/unified".
func (s Suite) Dir() string { return s.dir }

// Reasons a test is not run yet: the public API it needs does not exist in
// Motor yet. They are driver gaps, reported as "not run", never skipped.
const (
	needsTransactions = "transactions (Session.StartTransaction; a later issue)"
)

// Reasons a test is not run: the public API it needs is not in Motor yet.
const (
	needsChangeStreams = "change streams (Watch; a later issue)"
)

// sessionsNotYet are the tests of the sessions suite that need
// transactions.
var sessionsNotYet = map[string]string{
	"snapshot-sessions.json:StartTransaction fails in snapshot session": needsTransactions,
}

var retryableReadsNotYet = map[string]string{
	"changeStreams-client.watch.json":               needsChangeStreams,
	"changeStreams-client.watch-serverErrors.json":  needsChangeStreams,
	"changeStreams-db.coll.watch.json":              needsChangeStreams,
	"changeStreams-db.coll.watch-serverErrors.json": needsChangeStreams,
	"changeStreams-db.watch.json":                   needsChangeStreams,
	"changeStreams-db.watch-serverErrors.json":      needsChangeStreams,
	"count.json":                              notCount,
	"count-serverErrors.json":                 notCount,
	"listCollectionObjects.json":              notObjects,
	"listCollectionObjects-serverErrors.json": notObjects,
	"listDatabaseObjects.json":                notObjects,
	"listDatabaseObjects-serverErrors.json":   notObjects,
	"mapReduce.json":                          notMapReduce,
}

// Reasons for tests not run that are choices of Motor's API rather than
// missing work.
const (
	notRawData   = "the rawData option, which the CRUD specification says drivers SHOULD NOT implement unless asked"
	notCount     = "Collection.Count: the deprecated count helper is not in Motor's API (CountDocuments and EstimatedDocumentCount replace it)"
	notObjects   = "listCollectionObjects/listDatabaseObjects: Motor's ListCollections and ListDatabases return specification structs; there is no second helper"
	notMapReduce = "mapReduce: deprecated, not in Motor's API"
	// notWaitQueueSize: the CMAP specification deprecates both options,
	// and only drivers that support them log them.
	notWaitQueueSize = "waitQueueSize and waitQueueMultiple: deprecated pool options Motor does not support"
)

// crudNotYet lists the tests of crud/unified the driver cannot run.
func crudNotYet(tb testing.TB) map[string]string {
	m := map[string]string{}
	dir := spectest.Dir(tb, "crud", "unified")
	for _, path := range spectest.Files(tb, dir) {
		name := filepath.Base(path)
		if strings.HasSuffix(name, "-rawdata.json") {
			m[name] = notRawData
			continue
		}
		f, err := Load(path)
		if err != nil {
			tb.Fatal(err)
		}
		for _, test := range f.Tests {
			if test.uses("count") {
				m[name+":"+test.Description] = notCount
			}
		}
	}
	return m
}
