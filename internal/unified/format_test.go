package unified

import "testing"

// Reasons a test is not run yet: the public API it needs does not exist in
// Motor yet. They are driver gaps, reported as "not run", never skipped.
const (
	needsInsert      = "Collection.InsertOne/InsertMany"
	needsDelete      = "Collection.DeleteOne/DeleteMany"
	needsFind        = "Collection.Find and cursors"
	needsAggregate   = "Collection.Aggregate and Database.Aggregate"
	needsFindOneAnd  = "Collection.FindOneAndReplace/FindOneAndUpdate"
	needsBulkWrite   = "Collection.BulkWrite"
	needsCursorCmd   = "Database.RunCursorCommand and command cursors"
	needsSessions    = "sessions (Client.StartSession)"
	needsGridFS      = "GridFS (package gridfs)"
	needsCRUDMixture = "Collection.BulkWrite, InsertMany, ReplaceOne and Aggregate"
)

// TestUnifiedFormat runs the runner's own tests: every file of valid-pass
// must pass and every test of valid-fail must fail, for the reason its
// file is about. (The files of invalid are TestInvalidFilesRejected's.)
func TestUnifiedFormat(t *testing.T) {
	runSuites(t, []suite{
		{
			dir: "unified-test-format/valid-pass",
			notYet: map[string]string{
				"collectionData-createOptions.json":                           needsAggregate,
				"createEntities-operation.json":                               needsDelete,
				"entity-client-cmap-events.json":                              needsInsert,
				"entity-commandCursor.json":                                   needsCursorCmd,
				"entity-cursor-iterateOnce.json":                              needsFind,
				"entity-find-cursor.json":                                     needsFind,
				"expectedError-errorResponse.json:Unsupported query operator": needsFind,
				"expectedEventsForClient-eventType.json":                      needsInsert,
				"expectedEventsForClient-ignoreExtraEvents.json":              needsInsert,
				"ignoreResultAndError.json":                                   needsInsert,
				"operator-lte.json":                                           needsInsert,
				"operator-matchAsDocument.json":                               needsFind,
				"operator-matchAsRoot.json":                                   needsFind,
				"operator-type-number_alias.json":                             needsInsert,
				"poc-command-monitoring.json":                                 needsFind,
				"poc-crud.json":                                               needsCRUDMixture,
				"poc-gridfs.json":                                             needsGridFS,
				"poc-sessions.json":                                           needsSessions,
			},
		},
		{
			dir: "unified-test-format/valid-fail",
			notYet: map[string]string{
				"entity-findCursor-malformed.json":                  needsFind,
				"ignoreResultAndError-malformed.json":               needsInsert,
				"ignoreResultAndError.json":                         needsInsert,
				"operation-failure.json:Unsupported query operator": needsFind,
				"operator-matchAsDocument.json":                     needsFind,
				"operator-matchAsRoot.json":                         needsFind,
				"returnDocument-enum-invalid.json":                  needsFindOneAnd,
			},
			expectFailure: map[string]string{
				"assertNumberConnectionsCheckedOut.json:operation fails if client field is not specified":      `required argument "client" is missing`,
				"assertNumberConnectionsCheckedOut.json:operation fails if connections field is not specified": `required argument "connections" is missing`,
				"assertNumberConnectionsCheckedOut.json:operation fails if client entity does not exist":       `entity "client1" is not defined`,
				"assertNumberConnectionsCheckedOut.json:operation fails if number of connections is incorrect": `has 0 connection(s) checked out, want 1`,
				"entity-bucket-database-undefined.json":                                                        `entity "foo" is not defined`,
				"entity-client-apiVersion-unsupported.json":                                                    `unsupported Stable API version "server_will_never_support_this_api_version"`,
				"entity-collection-database-undefined.json":                                                    `entity "foo" is not defined`,
				"entity-database-client-undefined.json":                                                        `entity "foo" is not defined`,
				"entity-findCursor.json":                                                                       `entity "cursor0" is not defined`,
				"entity-session-client-undefined.json":                                                         `entity "foo" is not defined`,
				"operation-failure.json:Unsupported command":                                                   "unexpected error: motor: unsupportedCommand: server error",
				"operation-unsupported.json":                                                                   `unsupported operation "unsupportedOperation"`,
				"schemaVersion-unsupported.json":                                                               "schemaVersion 0.1 is not supported",
			},
		},
	}, FerretDBSkips)
}
