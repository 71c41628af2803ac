package motor_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// RunCursorCommand, the search index helpers and ModifyCollection against
// a scripted server: the commands FerretDB lacks (collMod, the search
// index commands) and replies it cannot give.

func TestRunCursorCommandScripted(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "listThings":
			// The cursor's namespace is not the command's database.
			return admCursorReply(41, "other.things", "firstBatch", bson.D{{Key: "n", Value: int32(1)}})
		case "getMore":
			if req.Body.Lookup("getMore").Int64() != 41 {
				return admErrorReply(43, "CursorNotFound", "no such cursor")
			}
			return admCursorReply(0, "other.things", "nextBatch", bson.D{{Key: "n", Value: int32(2)}}, bson.D{{Key: "n", Value: int32(3)}})
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	cur, err := c.Database("app").RunCursorCommand(ctx, bson.D{{Key: "listThings", Value: int32(1)}, {Key: "maxTimeMS", Value: int32(50)}},
		motor.RunCursorCommandOptions{BatchSize: 9, Comment: bson.D{{Key: "k", Value: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := cur.ToSlice(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ns []int32
	for _, d := range docs {
		ns = append(ns, d.Lookup("n").Int32())
	}
	if !slices.Equal(ns, []int32{1, 2, 3}) {
		t.Fatalf("documents %v", ns)
	}
	if got := strings.Join(f.commands(), ","); got != "listThings,getMore" {
		t.Fatalf("commands = %s", got)
	}
	reqs := f.requests()
	first, gm := reqs[0].Body, reqs[1].Body
	if first.Lookup("maxTimeMS").Int32() != 50 || first.Lookup("$db").StringValue() != "app" || first.Lookup("comment").Type != 0 || first.Lookup("lsid").Type == 0 {
		t.Errorf("command = %s", first)
	}
	if gm.Lookup("$db").StringValue() != "other" || gm.Lookup("collection").StringValue() != "things" ||
		gm.Lookup("batchSize").Int32() != 9 || gm.Lookup("comment", "k").StringValue() != "v" || gm.Lookup("maxTimeMS").Type != 0 {
		t.Errorf("getMore = %s", gm)
	}
	if !first.Lookup("lsid").Equal(gm.Lookup("lsid")) {
		t.Errorf("getMore lsid %v, command lsid %v", gm.Lookup("lsid"), first.Lookup("lsid"))
	}
}

func TestRunCursorCommandScriptedBadReplies(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "noCursor":
			return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "n", Value: int32(3)}}}}
		case "badNS":
			return admCursorReply(5, "nodot", "firstBatch")
		case "badBatch":
			return []wiretest.Reply{{Doc: bson.D{{Key: "cursor", Value: bson.D{{Key: "id", Value: int64(0)}, {Key: "ns", Value: "a.b"}, {Key: "firstBatch", Value: bson.A{int32(1)}}}}, {Key: "ok", Value: 1.0}}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	db := c.Database("app")
	for _, c := range []struct{ cmd, msg string }{
		{"noCursor", "noCursor: reply without a cursor document"},
		{"badNS", `cursor namespace "nodot" is not database.collection`},
		{"badBatch", "firstBatch element 0 is a"},
	} {
		cmd, msg := c.cmd, c.msg
		cur, err := db.RunCursorCommand(ctx, bson.D{{Key: cmd, Value: int32(1)}})
		var se *motor.ServerError
		if err == nil || cur != nil || errors.As(err, &se) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: cursor %v, err %v; want a client error containing %q", cmd, cur, err, msg)
		}
	}
	if got := strings.Join(f.commands(), ","); got != "noCursor,badNS,badBatch" {
		t.Errorf("commands = %s (no getMore or killCursors may follow)", got)
	}
}

// The ReadPreference option picks the server and is sent to a mongos as
// $readPreference.
func TestRunCursorCommandScriptedReadPreference(t *testing.T) {
	hello := append(admHello(21), bson.E{Key: "msg", Value: "isdbgrid"})
	f, c := newAdmFakeWith(t, hello, "", nil, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "find" {
			return admCursorReply(0, "app.c", "firstBatch")
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	cur, err := c.Database("app").RunCursorCommand(ctx, bson.D{{Key: "find", Value: "c"}},
		motor.RunCursorCommandOptions{ReadPreference: &motor.ReadPreference{Mode: "secondaryPreferred"}})
	if err != nil {
		t.Fatal(err)
	}
	if cur.Next(ctx) || cur.Err() != nil {
		t.Fatalf("Next on an empty cursor: %v", cur.Err())
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("commands = %v", f.commands())
	}
	if got := reqs[0].Body.Lookup("$readPreference", "mode").StringValue(); got != "secondaryPreferred" {
		t.Errorf("$readPreference = %v in %s", reqs[0].Body.Lookup("$readPreference"), reqs[0].Body)
	}
}

func TestSearchIndexesScripted(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "createSearchIndexes":
			created := bson.A{}
			for i, v := range req.Body.Lookup("indexes").Array().Values() {
				name, ok := v.Document().Lookup("name").StringValueOK()
				if !ok {
					name = "default"
				}
				created = append(created, bson.D{{Key: "id", Value: string(rune('a' + i))}, {Key: "name", Value: name}})
			}
			return []wiretest.Reply{{Doc: bson.D{{Key: "indexesCreated", Value: created}, {Key: "ok", Value: 1.0}}}}
		case "dropSearchIndex":
			if req.Body.Lookup("name").StringValue() == "gone" {
				return admErrorReply(26, "NamespaceNotFound", "ns not found")
			}
		case "aggregate":
			return admCursorReply(0, "shop.items", "firstBatch", bson.D{{Key: "name", Value: "plots"}, {Key: "status", Value: "READY"}})
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	// The collection's concerns are not sent: the search index commands
	// refuse them.
	db := c.Database("shop").WithWriteConcern(&motor.WriteConcern{W: motor.WMajority()}).WithReadConcern(&motor.ReadConcern{Level: "majority"})
	v := db.Collection("items").SearchIndexes()
	def := bson.D{{Key: "mappings", Value: bson.D{{Key: "dynamic", Value: true}}}}

	name, err := v.CreateOne(ctx, motor.SearchIndexModel{Definition: def})
	if err != nil || name != "default" {
		t.Fatalf("CreateOne = %q, %v", name, err)
	}
	names, err := v.CreateMany(ctx, []motor.SearchIndexModel{{Name: "plots", Definition: def}, {Name: "vec", Type: "vectorSearch", Definition: bson.D{{Key: "fields", Value: bson.A{}}}}})
	if err != nil || !slices.Equal(names, []string{"plots", "vec"}) {
		t.Fatalf("CreateMany = %q, %v", names, err)
	}
	if err := v.UpdateOne(ctx, "plots", def); err != nil {
		t.Fatal(err)
	}
	if err := v.DropOne(ctx, "plots"); err != nil {
		t.Fatal(err)
	}
	if err := v.DropOne(ctx, "gone"); err != nil {
		t.Fatalf("DropOne of a missing index: %v, want nil", err)
	}
	cur, err := v.List(ctx, motor.ListSearchIndexesOptions{Name: "plots", AggregateOptions: motor.AggregateOptions{BatchSize: 10}})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := cur.ToSlice(ctx)
	if err != nil || len(listed) != 1 || listed[0].Lookup("status").StringValue() != "READY" {
		t.Fatalf("List = %v, %v", listed, err)
	}
	if _, err := v.List(ctx); err != nil {
		t.Fatal(err)
	}

	want := []string{
		`{"createSearchIndexes":"items","indexes":[{"definition":{"mappings":{"dynamic":true}}}]}`,
		`{"createSearchIndexes":"items","indexes":[{"definition":{"mappings":{"dynamic":true}},"name":"plots"},{"definition":{"fields":[]},"name":"vec","type":"vectorSearch"}]}`,
		`{"updateSearchIndex":"items","name":"plots","definition":{"mappings":{"dynamic":true}}}`,
		`{"dropSearchIndex":"items","name":"plots"}`,
		`{"dropSearchIndex":"items","name":"gone"}`,
		`{"aggregate":"items","pipeline":[{"$listSearchIndexes":{"name":"plots"}}],"cursor":{"batchSize":10}}`,
		`{"aggregate":"items","pipeline":[{"$listSearchIndexes":{}}],"cursor":{}}`,
	}
	reqs := f.requests()
	if len(reqs) != len(want) {
		t.Fatalf("commands = %v", f.commands())
	}
	for i, r := range reqs {
		if got := admCommandJSON(r.Body); got != want[i] {
			t.Errorf("command %d = %s\nwant %s", i, got, want[i])
		}
		if r.Body.Lookup("$db").StringValue() != "shop" {
			t.Errorf("command %d: $db = %v", i, r.Body.Lookup("$db"))
		}
	}
}

func TestSearchIndexesScriptedErrors(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		switch req.Command {
		case "createSearchIndexes":
			if req.Body.Lookup("indexes").Array().Index(0).Document().Lookup("name").StringValue() == "noreply" {
				return nil // {ok: 1}, without indexesCreated
			}
			return admErrorReply(115, "CommandNotSupported", "Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration.")
		case "updateSearchIndex":
			return admErrorReply(27, "IndexNotFound", "no such index")
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	v := c.Database("shop").Collection("items").SearchIndexes()
	def := bson.D{{Key: "mappings", Value: bson.D{}}}
	_, err := v.CreateOne(ctx, motor.SearchIndexModel{Definition: def})
	admWantServerError(t, err, 115)
	if !strings.Contains(err.Error(), "Atlas") {
		t.Errorf("err = %v", err)
	}
	if _, err := v.CreateOne(ctx, motor.SearchIndexModel{Name: "noreply", Definition: def}); err == nil || !strings.Contains(err.Error(), "reply without indexesCreated") {
		t.Errorf("CreateOne with a reply without names: %v", err)
	}
	admWantServerError(t, v.UpdateOne(ctx, "x", def), 27)
	sent := len(f.requests())
	// Bad input, refused before sending.
	for what, err := range map[string]error{
		"no definition":  func() error { _, err := v.CreateOne(ctx, motor.SearchIndexModel{Name: "x"}); return err }(),
		"update no name": v.UpdateOne(ctx, "", def),
		"update no def":  v.UpdateOne(ctx, "x", nil),
		"drop no name":   v.DropOne(ctx, ""),
		"list concern": func() error {
			_, err := v.List(ctx, motor.ListSearchIndexesOptions{AggregateOptions: motor.AggregateOptions{ReadConcern: &motor.ReadConcern{Level: "local"}}})
			return err
		}(),
		"empty coll name": c.Database("shop").Collection("").SearchIndexes().DropOne(ctx, "x"),
	} {
		var se *motor.ServerError
		if err == nil || errors.As(err, &se) || !strings.HasPrefix(err.Error(), "motor: ") {
			t.Errorf("%s: err = %v, want a client error", what, err)
		}
	}
	if n := len(f.requests()); n != sent {
		t.Errorf("%d commands sent for bad input: %v", n-sent, f.commands()[sent:])
	}
}

func TestModifyCollectionScripted(t *testing.T) {
	f, c := newAdmFake(t, 21, func(req wiretest.Request) []wiretest.Reply {
		if req.Command == "collMod" && req.Body.Lookup("index", "unique").Type != 0 {
			return []wiretest.Reply{{Doc: bson.D{
				{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: "Cannot convert the index to unique"},
				{Key: "code", Value: int32(359)}, {Key: "codeName", Value: "CannotConvertIndexToUnique"},
				{Key: "violations", Value: bson.A{bson.D{{Key: "ids", Value: bson.A{int32(1), int32(2)}}}}},
			}}}
		}
		return nil
	})
	ctx := ctxTimeout(t, 20*time.Second)
	db := c.Database("shop").WithWriteConcern(&motor.WriteConcern{W: motor.WMajority()})
	exp := int64(3600)
	err := db.ModifyCollection(ctx, "items", motor.ModifyCollectionOptions{
		Validator:                    bson.D{{Key: "x", Value: bson.D{{Key: "$type", Value: "string"}}}},
		ValidationLevel:              "moderate",
		ValidationAction:             "warn",
		ChangeStreamPreAndPostImages: &motor.ChangeStreamPreAndPostImages{Enabled: true},
		ExpireAfterSeconds:           &exp,
		Comment:                      "why",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ModifyCollection(ctx, "items", motor.ModifyCollectionOptions{Index: &motor.IndexModification{Name: "ttl_1", Hidden: new(true), ExpireAfterSeconds: &exp}}); err != nil {
		t.Fatal(err)
	}
	if err := db.ModifyCollection(ctx, "items", motor.ModifyCollectionOptions{Index: &motor.IndexModification{Keys: bson.D{{Key: "x", Value: 1}}, PrepareUnique: new(true)}}); err != nil {
		t.Fatal(err)
	}
	err = db.ModifyCollection(ctx, "items", motor.ModifyCollectionOptions{Index: &motor.IndexModification{Keys: bson.D{{Key: "x", Value: 1}}, Unique: new(true)}})
	admWantServerError(t, err, 359)
	var se *motor.ServerError
	errors.As(err, &se)
	if ids := se.Raw.Lookup("violations", "0", "ids"); ids.Type != bson.TypeArray {
		t.Errorf("violations not in the error's reply: %s", se.Raw)
	}
	want := []string{
		`{"collMod":"items","validator":{"x":{"$type":"string"}},"validationLevel":"moderate","validationAction":"warn","changeStreamPreAndPostImages":{"enabled":true},"expireAfterSeconds":3600,"comment":"why","writeConcern":{"w":"majority"}}`,
		`{"collMod":"items","index":{"name":"ttl_1","hidden":true,"expireAfterSeconds":3600},"writeConcern":{"w":"majority"}}`,
		`{"collMod":"items","index":{"keyPattern":{"x":1},"prepareUnique":true},"writeConcern":{"w":"majority"}}`,
		`{"collMod":"items","index":{"keyPattern":{"x":1},"unique":true},"writeConcern":{"w":"majority"}}`,
	}
	reqs := f.requests()
	if len(reqs) != len(want) {
		t.Fatalf("commands = %v", f.commands())
	}
	for i, r := range reqs {
		if got := admCommandJSON(r.Body); got != want[i] {
			t.Errorf("command %d = %s\nwant %s", i, got, want[i])
		}
	}
	// Bad input, refused before sending.
	for what, o := range map[string]motor.ModifyCollectionOptions{
		"index by name and keys": {Index: &motor.IndexModification{Name: "a", Keys: bson.D{{Key: "a", Value: 1}}, Hidden: new(true)}},
		"index unnamed":          {Index: &motor.IndexModification{Hidden: new(true)}},
		"index unchanged":        {Index: &motor.IndexModification{Name: "a"}},
		"index keys not a doc":   {Index: &motor.IndexModification{Keys: 42, Hidden: new(true)}},
	} {
		err := db.ModifyCollection(ctx, "items", o)
		if err == nil || errors.As(err, &se) || !strings.HasPrefix(err.Error(), "motor: ModifyCollection: ") {
			t.Errorf("%s: err = %v, want a client error", what, err)
		}
	}
	if err := db.ModifyCollection(ctx, "", motor.ModifyCollectionOptions{}); err == nil {
		t.Error("empty collection name accepted")
	}
	if n := len(f.requests()); n != len(want) {
		t.Errorf("%d commands sent for bad input", n-len(want))
	}
}

// admCommandJSON is a command's Extended JSON without the fields the
// driver adds to every command ($db, lsid, $clusterTime...).
func admCommandJSON(body bson.Raw) string {
	d := bson.D{}
	for k, v := range body.Elements() {
		switch k {
		case "$db", "lsid", "$clusterTime", "$readPreference", "apiVersion", "apiStrict", "apiDeprecationErrors":
			continue
		}
		d = append(d, bson.E{Key: string(k), Value: v})
	}
	b, err := bson.MarshalExtJSON(d, false)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
