package motor_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// The search index helpers and ModifyCollection against the test server.
// FerretDB has neither collMod nor the search index commands: the tests
// check the commands sent and FerretDB's exact refusal, and, on a MongoDB
// (MOTOR_TEST_URI), the effects or the server's answer outside Atlas.

func TestSearchIndexesServer(t *testing.T) {
	e := newAdmEnv(t)
	e.run(t, bson.D{{Key: "create", Value: "movies"}})
	// The database's concerns must not be sent with the search index
	// commands.
	db := e.db.WithWriteConcern(&motor.WriteConcern{W: motor.WMajority()}).WithReadConcern(&motor.ReadConcern{Level: "local"})
	v := db.Collection("movies").SearchIndexes()
	def := bson.D{{Key: "mappings", Value: bson.D{{Key: "dynamic", Value: true}}}}
	// wantRefused checks the server's answer: no such command (FerretDB),
	// or an error about Atlas (MongoDB outside Atlas).
	wantRefused := func(what string, err error, ferretCode int32) {
		t.Helper()
		var se *motor.ServerError
		if !errors.As(err, &se) {
			t.Fatalf("%s: err = %v, want a server error", what, err)
		}
		if e.ferret && se.Code != ferretCode {
			t.Errorf("%s: FerretDB answered %v, want code %d", what, err, ferretCode)
		}
		if !e.ferret && !strings.Contains(err.Error(), "Atlas") {
			t.Errorf("%s: MongoDB answered %v, want an error about Atlas", what, err)
		}
	}

	e.reset()
	_, err := v.CreateOne(e.ctx, motor.SearchIndexModel{Name: "plots", Definition: def})
	wantRefused("CreateOne", err, 59) // CommandNotFound
	wantFields(t, e.last(t, "createSearchIndexes"), map[string]string{
		"indexes":      `[{"definition":{"mappings":{"dynamic":true}},"name":"plots"}]`,
		"writeConcern": "<absent>", "readConcern": "<absent>",
	})
	_, err = v.CreateMany(e.ctx, []motor.SearchIndexModel{})
	wantRefused("CreateMany", err, 59)
	wantFields(t, e.last(t, "createSearchIndexes"), map[string]string{"indexes": "[]"})
	wantRefused("UpdateOne", v.UpdateOne(e.ctx, "plots", def), 59)
	wantFields(t, e.last(t, "updateSearchIndex"), map[string]string{"name": `"plots"`, "definition": `{"mappings":{"dynamic":true}}`, "writeConcern": "<absent>"})
	wantRefused("DropOne", v.DropOne(e.ctx, "plots"), 59)
	wantFields(t, e.last(t, "dropSearchIndex"), map[string]string{"name": `"plots"`, "writeConcern": "<absent>"})
	_, err = v.List(e.ctx, motor.ListSearchIndexesOptions{Name: "plots"})
	wantRefused("List", err, 40234) // unrecognized pipeline stage
	wantFields(t, e.last(t, "aggregate"), map[string]string{"pipeline": `[{"$listSearchIndexes":{"name":"plots"}}]`, "readConcern": "<absent>"})
}

func TestModifyCollectionServer(t *testing.T) {
	e := newAdmEnv(t)
	e.run(t, bson.D{{Key: "create", Value: "people"}})
	e.reset()
	err := e.db.ModifyCollection(e.ctx, "people", motor.ModifyCollectionOptions{
		Validator:        bson.D{{Key: "name", Value: bson.D{{Key: "$type", Value: "string"}}}},
		ValidationAction: "error",
	})
	wantFields(t, e.last(t, "collMod"), map[string]string{
		"collMod": `"people"`, "validator": `{"name":{"$type":"string"}}`, "validationAction": `"error"`,
	})
	if e.ferret {
		admWantServerError(t, err, 238) // NotImplemented: "`collMod` command is not implemented yet"
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := e.listSpec(t, "people").Raw.Lookup("options", "validator", "name", "$type").StringValue(); got != "string" {
		t.Errorf("validator not set: %s", e.listSpec(t, "people").Raw)
	}
	if err := e.db.ModifyCollection(e.ctx, "missing", motor.ModifyCollectionOptions{ValidationLevel: "off"}); !errors.Is(err, motor.ErrNamespaceNotFound) {
		t.Errorf("collMod of a missing collection: %v, want NamespaceNotFound", err)
	}
}
