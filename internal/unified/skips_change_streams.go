package unified

// The skip list entries of the change stream tests: FerretDB v1.24 has no
// change streams. It answers an aggregate with a $changeStream stage with
// NotImplemented (`aggregate` stage "$changeStream" is not implemented yet)
// and a database or cluster aggregate ({aggregate: 1}) with FailedToParse
// (the 'aggregate' field must specify a collection name or 1). Every test
// of these files opens a change stream (the runner checks it).

const (
	csDir = "change-streams/unified/"

	reasonChangeStreams = "FerretDB has no change streams: it answers an aggregate with $changeStream with NotImplemented " +
		"(`aggregate` stage \"$changeStream\" is not implemented yet), and {aggregate: 1} with FailedToParse " +
		"(these tests run against the topology simulator, testserver/simtest TestUnifiedSimulatorChangeStreams)"
)

func changeStreams(file string) Skip {
	return Skip{File: file, Test: "*", Needs: ChangeStreams, Reason: reasonChangeStreams}
}

// changeStreamSkips are the change stream files, whole.
var changeStreamSkips = []Skip{
	changeStreams(csDir + "change-streams.json"),
	changeStreams(csDir + "change-streams-clusterTime.json"),
	changeStreams(csDir + "change-streams-disambiguatedPaths.json"),
	changeStreams(csDir + "change-streams-errors.json"),
	changeStreams(csDir + "change-streams-nsType.json"),
	changeStreams(csDir + "change-streams-pre_and_post_images.json"),
	changeStreams(csDir + "change-streams-resume-allowlist.json"),
	changeStreams(csDir + "change-streams-resume-errorLabels.json"),
	changeStreams(csDir + "change-streams-showExpandedEvents.json"),
	changeStreams(rr + "changeStreams-client.watch.json"),
	changeStreams(rr + "changeStreams-client.watch-serverErrors.json"),
	changeStreams(rr + "changeStreams-db.coll.watch.json"),
	changeStreams(rr + "changeStreams-db.coll.watch-serverErrors.json"),
	changeStreams(rr + "changeStreams-db.watch.json"),
	changeStreams(rr + "changeStreams-db.watch-serverErrors.json"),
	changeStreams("unified-test-format/valid-pass/poc-change-streams.json"),
}

// changeStreamBackendSkips are the change stream tests that meet other
// FerretDB gaps once a server in front of it (the topology simulator) has
// change streams. On FerretDB itself the whole files are skipped.
var changeStreamBackendSkips = []Skip{
	server(csDir+"change-streams-showExpandedEvents.json", "when showExpandedEvents is true, create events on views are reported", gapViews),
	server(csDir+"change-streams.json", "Test array truncation", gapUpdatePipeline),
}

// WithoutChangeStreamSkips returns skips without the entries for
// FerretDB's lack of change streams, and with those of the FerretDB gaps
// the change stream tests meet then: the skip list of a server in front of
// FerretDB that has change streams (the topology simulator).
func WithoutChangeStreamSkips(skips []Skip) []Skip {
	var out []Skip
	for _, s := range skips {
		if s.Needs != ChangeStreams {
			out = append(out, s)
		}
	}
	return append(out, changeStreamBackendSkips...)
}

// UsesChangeStreams reports whether a test opens a change stream (the
// createChangeStream operation). A filter for RunSuites.
func UsesChangeStreams(t *Test) bool { return t.uses(featureOps[ChangeStreams]...) }
