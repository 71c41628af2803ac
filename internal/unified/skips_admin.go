package unified

// The skip list entries of the collection and index management commands
// FerretDB lacks (collMod and the search index commands), and of the
// command cursors of runCursorCommand.

const idxMgmt = "index-management/"

// The gaps of FerretDB v1.24 in collection and index management.
var (
	gapCollMod         = serverGap{"FerretDB has no collMod command (NotImplemented)", "`collMod` command is not implemented yet"}
	gapSearchIndexCmds = serverGap{"FerretDB has no search index commands (createSearchIndexes, updateSearchIndex, dropSearchIndex: CommandNotFound); MongoDB outside Atlas answers with an error that names Atlas, which the tests expect", "no such command: '"}
	gapTailableClosed  = serverGap{"FerretDB closes a tailable cursor on a capped collection when its first batch holds all the data (cursor id 0), so no getMore and no killCursors follow", "4 command event(s) observed, want 6"}
	gapListSearchIdx   = serverGap{"FerretDB has no $listSearchIndexes stage (Location40234); MongoDB outside Atlas answers with an error that names Atlas, which the tests expect", `Unrecognized pipeline stage name: "$listSearchIndexes"`}
)

// adminSkips are the server behavior entries of collMod and the search
// index commands.
var adminSkips = []Skip{
	server(collMgmt+"modifyCollection-errorResponse.json", "modifyCollection prepareUnique violations are accessible", gapCollMod),
	server(collMgmt+"modifyCollection-pre_and_post_images.json", "modifyCollection to changeStreamPreAndPostImages enabled", gapCollMod),
	server(crud+"findOneAndUpdate-errorResponse.json", "findOneAndUpdate document validation errInfo is accessible", gapCollMod),
	server(idxMgmt+"createSearchIndex.json", "no name provided for an index definition", gapSearchIndexCmds),
	server(idxMgmt+"createSearchIndex.json", "name provided for an index definition", gapSearchIndexCmds),
	server(idxMgmt+"createSearchIndex.json", "create a vector search index", gapSearchIndexCmds),
	server(idxMgmt+"createSearchIndexes.json", "empty index definition array", gapSearchIndexCmds),
	server(idxMgmt+"createSearchIndexes.json", "no name provided for an index definition", gapSearchIndexCmds),
	server(idxMgmt+"createSearchIndexes.json", "name provided for an index definition", gapSearchIndexCmds),
	server(idxMgmt+"createSearchIndexes.json", "create a vector search index", gapSearchIndexCmds),
	server(idxMgmt+"dropSearchIndex.json", "sends the correct command", gapSearchIndexCmds),
	server(idxMgmt+"listSearchIndexes.json", "when no name is provided, it does not populate the filter", gapListSearchIdx),
	server(idxMgmt+"listSearchIndexes.json", "when a name is provided, it is present in the filter", gapListSearchIdx),
	server(idxMgmt+"listSearchIndexes.json", "aggregation cursor options are supported", gapListSearchIdx),
	server(idxMgmt+"searchIndexIgnoresReadWriteConcern.json", "createSearchIndex ignores read and write concern", gapSearchIndexCmds),
	server(idxMgmt+"searchIndexIgnoresReadWriteConcern.json", "createSearchIndexes ignores read and write concern", gapSearchIndexCmds),
	server(idxMgmt+"searchIndexIgnoresReadWriteConcern.json", "dropSearchIndex ignores read and write concern", gapSearchIndexCmds),
	server(idxMgmt+"searchIndexIgnoresReadWriteConcern.json", "listSearchIndexes ignores read and write concern", gapListSearchIdx),
	server(idxMgmt+"searchIndexIgnoresReadWriteConcern.json", "updateSearchIndex ignores the read and write concern", gapSearchIndexCmds),
	server(idxMgmt+"updateSearchIndex.json", "sends the correct command", gapSearchIndexCmds),
	server("run-command/unified/runCursorCommand.json", "supports configuring getMore comment", gapComment),
	server("run-command/unified/runCursorCommand.json", "does not close the cursor when receiving an empty batch", gapTailableClosed),
}
