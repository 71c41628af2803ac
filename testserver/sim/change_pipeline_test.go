package sim

import (
	"errors"
	"testing"

	"github.com/motor-go/motor/bson"
)

// TestLocalPipeline evaluates the $match and $project stages of the
// change streams tests on an insert event, and leaves other stages to the
// backend.
func TestLocalPipeline(t *testing.T) {
	event, err := bson.Marshal(doc("_id", doc("_data", "82"), "operationType", "insert",
		"fullDocument", doc("_id", 1, "z", 3), "ns", doc("db", "d", "coll", "c"), "documentKey", doc("_id", 1)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stage bson.D
		want  string // "" when filtered out
		err   error
	}{
		{"match value", doc("$match", doc("fullDocument.z", 3)), string(event), nil},
		{"match miss", doc("$match", doc("fullDocument.z", 4)), "", nil},
		{"match $ne", doc("$match", doc("operationType", doc("$ne", "create"))), string(event), nil},
		{"match $in", doc("$match", doc("operationType", doc("$in", bson.A{"update"}))), "", nil},
		{"project out _id", doc("$project", doc("_id", 0)), `{"operationType":"insert","fullDocument":{"_id":1,"z":3},"ns":{"db":"d","coll":"c"},"documentKey":{"_id":1}}`, nil},
		{"project literal", doc("$project", doc("operationType", "addedInFutureMongoDBVersion", "ns", 1)),
			`{"_id":{"_data":"82"},"operationType":"addedInFutureMongoDBVersion","ns":{"db":"d","coll":"c"}}`, nil},
		{"project field path", doc("$project", doc("optype", "$operationType", "ns", 1, "newField", "value")),
			`{"_id":{"_data":"82"},"optype":"insert","ns":{"db":"d","coll":"c"},"newField":"value"}`, nil},
		{"project dotted", doc("$project", doc("operationType", "insert", "ns.viewOn", "db.coll")),
			`{"_id":{"_data":"82"},"operationType":"insert","ns":{"viewOn":"db.coll"}}`, nil},
		{"project nested", doc("$project", doc("ns", doc("db", "$ns.db", "coll", "$ns.coll", "viewOn", "db.coll"))),
			`{"_id":{"_data":"82"},"ns":{"db":"d","coll":"c","viewOn":"db.coll"}}`, nil},
		{"other stage", doc("$addFields", doc("x", 1)), "", errLocalPipeline},
		{"expression", doc("$project", doc("x", doc("$concat", bson.A{"a", "b"}))), "", errLocalPipeline},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bson.Marshal(tc.stage)
			if err != nil {
				t.Fatal(err)
			}
			out, err := localPipeline(bson.A{bson.RawValue{Type: bson.TypeDocument, Value: b}}, event)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			got := ""
			if out != nil {
				got = out.String()
				if tc.want == string(event) {
					tc.want = bson.Raw(event).String()
				}
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// FuzzParseResumeToken checks that any _data either fails to parse or
// round-trips, without panicking.
func FuzzParseResumeToken(f *testing.F) {
	f.Add(resumeToken{ct: bson.Timestamp{T: 1, I: 2}, seq: 3, kind: tokenInvalidate}.doc()[0].Value.(string))
	f.Add("82")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		b, err := bson.Marshal(doc("_data", data))
		if err != nil {
			return
		}
		tok, err := parseResumeToken(bson.RawValue{Type: bson.TypeDocument, Value: b})
		if err != nil {
			return
		}
		again, err := parseResumeToken(func() bson.RawValue {
			b, _ := bson.Marshal(tok.doc())
			return bson.RawValue{Type: bson.TypeDocument, Value: b}
		}())
		if err != nil || again != tok {
			t.Errorf("%q: round trip %+v, %v; want %+v", data, again, err, tok)
		}
	})
}
