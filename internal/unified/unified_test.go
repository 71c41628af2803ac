package unified

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/motor-go/motor/internal/spectest"
)

// TestUnified runs the unified test suites of the specifications against
// the test servers (or MOTOR_TEST_URI) and logs the counts per suite:
//
//	go test ./internal/unified -run 'TestUnified$' -v
//
// docs/spec-compliance.md records the counts and what each list holds.
func TestUnified(t *testing.T) {
	runSuites(t, []suite{
		{
			dir:           "crud/unified",
			notYet:        crudNotYet(t),
			knownFailures: crudKnownFailures,
		},
	}, FerretDBSkips)
}

// Reasons for tests not run that are choices of Motor's API rather than
// missing work.
const (
	notRawData = "the rawData option, which the CRUD specification says drivers SHOULD NOT implement unless asked"
	notCount   = "Collection.Count: the deprecated count helper is not in Motor's API (CountDocuments and EstimatedDocumentCount replace it)"
)

// crudNotYet lists the tests of crud/unified the driver cannot run.
func crudNotYet(t *testing.T) map[string]string {
	m := map[string]string{
		"findOneAndUpdate-errorResponse.json:findOneAndUpdate document validation errInfo is accessible": "Database.ModifyCollection (collMod)",
	}
	dir := spectest.Dir(t, "crud", "unified")
	for _, path := range spectest.Files(t, dir) {
		name := filepath.Base(path)
		if strings.HasSuffix(name, "-rawdata.json") {
			m[name] = notRawData
			continue
		}
		f, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, test := range f.Tests {
			if test.uses("count") {
				m[name+":"+test.Description] = notCount
			}
		}
	}
	return m
}

// Driver bugs that crud/unified finds.
const (
	bugSortVersionCheck = "UpdateOne, ReplaceOne and BulkWrite refuse the sort option client-side on servers before 8.0; " +
		"the CRUD specification sends it and lets the server report the error"
	bugUnackFindAndModify = "FindOneAndDelete/Replace/Update with an unacknowledged write concern return ErrUnacknowledgedWrite; " +
		"the specification's tests expect no error and no document"
)

var crudKnownFailures = map[string]knownFailure{
	"bulkWrite-replaceOne-sort.json:BulkWrite replaceOne with sort option unsupported (server-side error)":          {bugSortVersionCheck, "isClientError is true, want false"},
	"bulkWrite-updateOne-sort.json:BulkWrite updateOne with sort option unsupported (server-side error)":            {bugSortVersionCheck, "isClientError is true, want false"},
	"replaceOne-sort.json:replaceOne with sort option unsupported (server-side error)":                              {bugSortVersionCheck, "isClientError is true, want false"},
	"updateOne-sort.json:updateOne with sort option unsupported (server-side error)":                                {bugSortVersionCheck, "isClientError is true, want false"},
	"findOneAndDelete-hint-unacknowledged.json:Unacknowledged findOneAndDelete with hint string on 4.4+ server":     {bugUnackFindAndModify, "unacknowledged write: the server returns no result"},
	"findOneAndDelete-hint-unacknowledged.json:Unacknowledged findOneAndDelete with hint document on 4.4+ server":   {bugUnackFindAndModify, "unacknowledged write: the server returns no result"},
	"findOneAndReplace-hint-unacknowledged.json:Unacknowledged findOneAndReplace with hint string on 4.4+ server":   {bugUnackFindAndModify, "unacknowledged write: the server returns no result"},
	"findOneAndReplace-hint-unacknowledged.json:Unacknowledged findOneAndReplace with hint document on 4.4+ server": {bugUnackFindAndModify, "unacknowledged write: the server returns no result"},
	"findOneAndUpdate-hint-unacknowledged.json:Unacknowledged findOneAndUpdate with hint string on 4.4+ server":     {bugUnackFindAndModify, "unacknowledged write: the server returns no result"},
	"findOneAndUpdate-hint-unacknowledged.json:Unacknowledged findOneAndUpdate with hint document on 4.4+ server":   {bugUnackFindAndModify, "unacknowledged write: the server returns no result"},
}
