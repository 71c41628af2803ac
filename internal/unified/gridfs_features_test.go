package unified

import (
	"context"
	"strings"
	"testing"
	"time"
)

// bucketFile returns a unified test file with a bucket entity "bucket0"
// of the options given (JSON, "" for none) around one test.
func bucketFile(options, test string) string {
	if options != "" {
		options = `, "bucketOptions": ` + options
	}
	return `{
  "description": "bucket operations",
  "schemaVersion": "1.28",
  "createEntities": [
    {"client": {"id": "client0", "observeEvents": ["commandStartedEvent"]}},
    {"database": {"id": "database0", "client": "client0", "databaseName": "unified-gridfs"}},
    {"bucket": {"id": "bucket0", "database": "database0"` + options + `}},
    {"collection": {"id": "chunks", "database": "database0", "collectionName": "b.chunks"}}
  ],
  "initialData": [
    {"collectionName": "b.files", "databaseName": "unified-gridfs", "documents": []},
    {"collectionName": "b.chunks", "databaseName": "unified-gridfs", "documents": []}
  ],
  "tests": [` + test + `]
}`
}

// TestBucketOperations runs the bucket operations and options that the
// specification's files do not exercise against the test server (bucket
// find and drop, uploadWithId, bucketOptions), and checks that unknown
// options and arguments fail the test.
func TestBucketOperations(t *testing.T) {
	targets := openTargets(t)
	for _, c := range []struct {
		name, file, want string
	}{
		{name: "uploadWithId, find, download and drop", file: bucketFile(`{"bucketName": "b", "chunkSizeBytes": 2, "writeConcern": {"w": 1}, "readPreference": {"mode": "primaryPreferred"}}`, `{
			"description": "round trip",
			"operations": [
				{"name": "uploadWithId", "object": "bucket0", "arguments": {"id": "f1", "filename": "a", "source": {"$$hexBytes": "010203"}, "metadata": {"k": 1}, "disableMD5": true}},
				{"name": "upload", "object": "bucket0", "arguments": {"filename": "b", "source": {"$$hexBytes": ""}}, "expectResult": {"$$type": "objectId"}},
				{"name": "find", "object": "bucket0", "arguments": {"filter": {}, "sort": {"filename": 1}, "limit": 1, "batchSize": 1},
					"expectResult": [{"_id": "f1", "length": 3, "chunkSize": 2, "filename": "a", "metadata": {"k": 1}, "uploadDate": {"$$type": "date"}}]},
				{"name": "find", "object": "chunks", "arguments": {"filter": {}, "sort": {"n": 1}}, "expectResult": [
					{"files_id": "f1", "n": 0, "data": {"$$matchesHexBytes": "0102"}},
					{"files_id": "f1", "n": 1, "data": {"$$matchesHexBytes": "03"}}]},
				{"name": "download", "object": "bucket0", "arguments": {"id": "f1"}, "expectResult": {"$$matchesHexBytes": "010203"}},
				{"name": "downloadByName", "object": "bucket0", "arguments": {"filename": "b", "revision": 0}, "expectResult": {"$$matchesHexBytes": ""}},
				{"name": "drop", "object": "bucket0"},
				{"name": "find", "object": "bucket0", "arguments": {"filter": {}}, "expectResult": []}
			],
			"expectEvents": [{"client": "client0", "eventType": "command", "events": [
				{"commandStartedEvent": {"command": {"find": "b.files", "projection": {"_id": 1}}}},
				{"commandStartedEvent": {"command": {"listIndexes": "b.files"}}},
				{"commandStartedEvent": {"command": {"createIndexes": "b.files"}}},
				{"commandStartedEvent": {"command": {"listIndexes": "b.chunks"}}},
				{"commandStartedEvent": {"command": {"createIndexes": "b.chunks", "indexes": [{"key": {"files_id": 1, "n": 1}, "name": "files_id_1_n_1", "unique": true}]}}},
				{"commandStartedEvent": {"command": {"insert": "b.chunks"}}},
				{"commandStartedEvent": {"command": {"insert": "b.files", "documents": [{"_id": "f1", "length": {"$numberLong": "3"}, "chunkSize": 2, "uploadDate": {"$$type": "date"}, "filename": "a", "metadata": {"k": 1}, "md5": {"$$exists": false}}]}}},
				{"commandStartedEvent": {"command": {"insert": "b.files"}}},
				{"commandStartedEvent": {"command": {"find": "b.files"}}},
				{"commandStartedEvent": {"command": {"find": "b.chunks"}}},
				{"commandStartedEvent": {"command": {"find": "b.files", "filter": {"_id": "f1"}}}},
				{"commandStartedEvent": {"command": {"find": "b.chunks", "filter": {"files_id": "f1"}, "sort": {"n": 1}}}},
				{"commandStartedEvent": {"command": {"find": "b.files", "filter": {"filename": "b"}, "sort": {"uploadDate": 1}}}},
				{"commandStartedEvent": {"command": {"drop": "b.files"}}},
				{"commandStartedEvent": {"command": {"drop": "b.chunks"}}},
				{"commandStartedEvent": {"command": {"find": "b.files"}}}
			]}]
		}`)},
		{name: "unknown bucket option", want: `bucketOptions: unsupported option "timeoutMS"`, file: bucketFile(`{"timeoutMS": 10}`, `{
			"description": "timeoutMS", "operations": [{"name": "drop", "object": "bucket0"}]
		}`)},
		{name: "unknown upload argument", want: "unsupported argument(s) contentType", file: bucketFile("", `{
			"description": "contentType", "operations": [
				{"name": "upload", "object": "bucket0", "arguments": {"filename": "a", "source": {"$$hexBytes": ""}, "contentType": "text/plain"}}]
		}`)},
		{name: "malformed source", want: "source: want a {$$hexBytes: string} document", file: bucketFile("", `{
			"description": "source", "operations": [
				{"name": "upload", "object": "bucket0", "arguments": {"filename": "a", "source": {"hex": "00"}}}]
		}`)},
		{name: "unknown operation", want: `unsupported operation "openUploadStream" on bucket entity "bucket0"`, file: bucketFile("", `{
			"description": "openUploadStream", "operations": [
				{"name": "openUploadStream", "object": "bucket0", "arguments": {"filename": "a"}}]
		}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.name+".json", []byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := (&Runner{Targets: targets}).Run(ctx, f.Tests[0])
			got := ""
			switch res.Outcome {
			case Failed:
				got = res.Err.Error()
			case Skipped:
				t.Skipf("not applicable here: %s", res.Reason)
			}
			switch {
			case c.want == "" && got != "":
				t.Errorf("want a pass, got %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Errorf("want %q, got %q", c.want, got)
			}
		})
	}
}
