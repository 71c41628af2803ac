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
			// Both files define a session entity for all their tests.
			// Run with a session entity, two tests of runCursorCommand.json
			// meet FerretDB gaps that need skip list entries then:
			// "supports configuring getMore comment" (gapComment: a
			// document comment) and "does not close the cursor when
			// receiving an empty batch" (FerretDB closes a tailable cursor
			// whose first batch holds all the data: no getMore, no
			// killCursors; "4 command event(s) observed, want 6").
			dir: "run-command/unified",
			notYet: map[string]string{
				"runCommand.json": needsSessions,
				"runCursorCommand.json:successfully executes checkMetadataConsistency cursor creating command": needsSessionEntity,
				"runCursorCommand.json:errors if the command response is not a cursor":                         needsSessionEntity,
				"runCursorCommand.json:creates an implicit session that is reused across getMores":             needsSessionEntity,
				"runCursorCommand.json:accepts an explicit session that is reused across getMores":             needsSessions,
				"runCursorCommand.json:returns pinned connections to the pool when the cursor is exhausted":    needsSessions,
				"runCursorCommand.json:returns pinned connections to the pool when the cursor is closed":       needsSessionEntity,
				"runCursorCommand.json:supports configuring getMore batchSize":                                 needsSessionEntity,
				"runCursorCommand.json:supports configuring getMore maxTimeMS":                                 needsSessionEntity,
				"runCursorCommand.json:supports configuring getMore comment":                                   needsSessionEntity,
				"runCursorCommand.json:does not close the cursor when receiving an empty batch":                needsSessionEntity,
			},
		},
		{dir: "command-logging-and-monitoring/monitoring"},
		{
			dir: "command-logging-and-monitoring/logging",
			notYet: map[string]string{
				// The file creates a session entity for its transaction tests.
				"command.json": needsSessions,
			},
		},
		{
			dir: "versioned-api",
			notYet: map[string]string{
				"transaction-handling.json": needsSessions,
			},
		},
		{dir: "server-discovery-and-monitoring/unified"},
		{
			dir: "connection-monitoring-and-pooling/logging",
			notYet: map[string]string{
				"connection-logging.json:Create a client, run a command, and close the client":                                        needsEndSessions,
				"connection-pool-options.json:waitQueueSize should be included in connection pool created message when specified":     notWaitQueueSize,
				"connection-pool-options.json:waitQueueMultiple should be included in connection pool created message when specified": notWaitQueueSize,
			},
		},
		{dir: "server-selection/logging"},
		{dir: "retryable-reads/unified", notYet: retryableReadsNotYet},
		{dir: "retryable-writes/unified"},
		{dir: "gridfs"},
	}
}

// Dir returns the suite's directory below the specification tests
// directory, as "crud/unified".
func (s Suite) Dir() string { return s.dir }

// Reasons a test is not run yet: the public API it needs does not exist in
// Motor yet. They are driver gaps, reported as "not run", never skipped.
const (
	needsSessions = "sessions (Client.StartSession)"
	// needsSessionEntity is for the tests that use no session but are in
	// a file whose createEntities defines one: they run once session
	// entities exist.
	needsSessionEntity = "session entities (Client.StartSession): the file's createEntities defines one, which the test does not use"
)

// Reasons a test is not run: the public API it needs is not in Motor yet.
const (
	needsChangeStreams = "change streams (Watch; a later issue)"
	needsEndSessions   = "Client.Close sending endSessions for the pooled implicit sessions (the sessions work): the test expects that command's check-out and check-in"
)

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
