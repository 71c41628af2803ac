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
		{dir: "run-command/unified"},
		{dir: "command-logging-and-monitoring/monitoring"},
		{dir: "command-logging-and-monitoring/logging"},
		{dir: "versioned-api"},
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
		{dir: "sessions"},
		{dir: "causal-consistency"},
		{dir: "gridfs"},
		{
			dir: "transactions/unified",
			notYet: map[string]string{
				"count.json":                         notCount,
				"backpressure-retryable-abort.json":  notBackpressure,
				"backpressure-retryable-commit.json": notBackpressure,
				"backpressure-retryable-reads.json":  notBackpressure,
				"backpressure-retryable-writes.json": notBackpressure,
				"run-command.json:run command fails with explicit secondary read preference": notRunCommandReadPref,
			},
		},
		{dir: "transactions-convenient-api/unified"},
		{dir: "change-streams/unified"},
	}
}

// ValidPassSuite returns the suite of the runner's own valid-pass tests,
// each of which must pass (TestUnifiedFormat runs it, with valid-fail).
func ValidPassSuite() Suite {
	return Suite{
		dir: "unified-test-format/valid-pass",
	}
}

// Dir returns the suite's directory below the specification tests
// directory, as "crud/unified".
func (s Suite) Dir() string { return s.dir }

// Reasons a test is not run: the public API it needs is not in Motor yet.
const (
	// notBackpressure: the retries of the Client Backpressure
	// specification (SystemOverloadedError, RetryableError).
	notBackpressure = "the client backpressure retry loop (Client Backpressure specification; a later issue)"
)

var retryableReadsNotYet = map[string]string{
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
	// notRunCommandReadPref: RunCommand runs with its Database's read
	// preference, which a transaction's overrides; Motor has no
	// per-operation read preference for the server to reject.
	notRunCommandReadPref = "RunCommand has no per-operation read preference in Motor (the Database's, which the transaction's overrides)"
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
