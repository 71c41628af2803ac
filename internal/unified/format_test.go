package unified

import "testing"

// TestUnifiedFormat runs the runner's own tests: every file of valid-pass
// must pass and every test of valid-fail must fail, for the reason its
// file is about. (The files of invalid are TestInvalidFilesRejected's.)
func TestUnifiedFormat(t *testing.T) {
	runSuites(t, []Suite{
		ValidPassSuite(),
		{
			dir: "unified-test-format/valid-fail",
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
				"entity-findCursor-malformed.json":                                                             `createFindCursor: required argument "filter" is missing`,
				"entity-session-client-undefined.json":                                                         `entity "foo" is not defined`,
				"ignoreResultAndError-malformed.json":                                                          `insertOne: required argument "document" is missing`,
				"ignoreResultAndError.json":                                                                    "unexpected error: motor: insert: write error at index 0: (11000)",
				"operation-failure.json:Unsupported command":                                                   "unexpected error: motor: unsupportedCommand: server error",
				"operation-unsupported.json":                                                                   `unsupported operation "unsupportedOperation"`,
				"operator-matchAsDocument.json:matchAsDocument with non-matching filter":                       `mismatch at $result[0].json.y: expected string "two", got number 2`,
				"operator-matchAsDocument.json:matchAsDocument evaluates special operators":                    `mismatch at $result[0].json.y: expected no such key`,
				"operator-matchAsDocument.json:matchAsDocument does not permit extra fields":                   `mismatch at $result[0].json: unexpected key "y"`,
				"operator-matchAsDocument.json:matchAsDocument expects JSON object but given scalar":           "$$matchAsDocument: the string is not an Extended JSON document",
				"operator-matchAsDocument.json:matchAsDocument expects JSON object but given array":            "$$matchAsDocument: the string is not an Extended JSON document",
				"operator-matchAsDocument.json:matchAsDocument fails to decode Extended JSON":                  "$$matchAsDocument: the string is not an Extended JSON document",
				"operator-matchAsRoot.json":                                                                    "mismatch at $result[0].x.y: expected number 3, got number 2",
				"returnDocument-enum-invalid.json":                                                             `returnDocument "invalid" is neither Before nor After`,
				"schemaVersion-unsupported.json":                                                               "schemaVersion 0.1 is not supported",
			},
		},
	}, FerretDBSkips)
}
