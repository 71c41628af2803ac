package motor_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/spectest"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// TestManagementSpec runs the unified-format tests of the collection
// management and index management specifications that exercise this
// driver's helpers, and checks the commands the driver sends against each
// test's expectEvents (commandStartedEvent), with the matching rules of the
// unified test format.
//
// The server is a scripted one that accepts every command, so that the
// commands of features FerretDB lacks (clustered and time-series
// collections, pre- and post-images) are checked too; what the server
// returns is therefore not checked here (expectResult, expectError — the
// search index tests expect MongoDB's error outside Atlas — and the test
// runner's assertCollectionExists): the integration tests and the unified
// runner check what FerretDB answers. Tests that need what this runner does
// not provide are skipped with the reason: the rawData option (internal to
// MongoDB; the specification says drivers SHOULD NOT implement it unless
// asked), and CRUD operations, which the unified runner covers.
func TestManagementSpec(t *testing.T) {
	var files []string
	files = append(files, spectest.Files(t, spectest.Dir(t, "collection-management"))...)
	files = append(files, spectest.Files(t, spectest.Dir(t, "index-management"))...)
	var ran, skipped int
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var file bson.Raw
		if err := bson.UnmarshalExtJSON(data, &file); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		base := strings.TrimSuffix(filepath.Base(path), ".json")
		names := admSpecEntityNames(file)
		for _, tv := range file.Lookup("tests").Array().Values() {
			test := tv.Document()
			name := base + "/" + test.Lookup("description").StringValue()
			t.Run(name, func(t *testing.T) {
				if reason := admSpecSkipReason(test); reason != "" {
					skipped++
					t.Skip(reason)
				}
				ran++
				runAdmSpecTest(t, test, names)
			})
		}
	}
	t.Logf("management spec tests: %d run, %d skipped", ran, skipped)
	if ran == 0 {
		t.Error("no spec test ran")
	}
}

// admSpecNames are the names behind a file's entities.
type admSpecNames struct {
	db, coll string
}

func admSpecEntityNames(file bson.Raw) admSpecNames {
	var n admSpecNames
	for _, ev := range file.Lookup("createEntities").Array().Values() {
		e := ev.Document()
		if d, ok := e.Lookup("database").DocumentOK(); ok {
			n.db = d.Lookup("databaseName").StringValue()
		}
		if c, ok := e.Lookup("collection").DocumentOK(); ok {
			n.coll = c.Lookup("collectionName").StringValue()
		}
	}
	return n
}

// admSpecOps are the operations this runner performs.
var admSpecOps = []string{
	"createCollection", "dropCollection", "listCollections", "createIndex", "listIndexes", "dropIndex", "assertCollectionExists",
	"modifyCollection", "createSearchIndex", "createSearchIndexes", "dropSearchIndex", "updateSearchIndex", "listSearchIndexes",
}

func admSpecSkipReason(test bson.Raw) string {
	for _, ov := range test.Lookup("operations").Array().Values() {
		op := ov.Document()
		name := op.Lookup("name").StringValue()
		switch {
		case op.Lookup("arguments", "rawData").Type != 0:
			return "the rawData option is not implemented: the specification reserves it for MongoDB's own use"
		case !slices.Contains(admSpecOps, name):
			return fmt.Sprintf("operation %s belongs to the CRUD part; the unified test runner covers it", name)
		}
	}
	return ""
}

func runAdmSpecTest(t *testing.T, test bson.Raw, names admSpecNames) {
	var mu sync.Mutex
	var started []event.CommandStartedEvent
	srv := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		ok := bson.D{{Key: "ok", Value: 1.0}}
		switch req.Command {
		case "hello", "isMaster", "ismaster":
			return []wiretest.Reply{{Doc: bson.D{
				{Key: "isWritablePrimary", Value: true}, {Key: "maxWireVersion", Value: int32(25)},
				{Key: "logicalSessionTimeoutMinutes", Value: int32(30)}, {Key: "ok", Value: 1.0},
			}}}
		case "listCollections", "listIndexes", "aggregate":
			return admCursorReply(0, names.db+".x", "firstBatch")
		case "createSearchIndexes":
			created := bson.A{}
			for i, v := range req.Body.Lookup("indexes").Array().Values() {
				name, ok := v.Document().Lookup("name").StringValueOK()
				if !ok {
					name = "default"
				}
				created = append(created, bson.D{{Key: "id", Value: fmt.Sprint(i)}, {Key: "name", Value: name}})
			}
			return []wiretest.Reply{{Doc: bson.D{{Key: "indexesCreated", Value: created}, {Key: "ok", Value: 1.0}}}}
		}
		return []wiretest.Reply{{Doc: ok}}
	})
	mon := &event.CommandMonitor{Started: func(ev event.CommandStartedEvent) {
		if ev.CommandName == "endSessions" {
			return
		}
		ev.Command = append(bson.Raw(nil), ev.Command...)
		mu.Lock()
		started = append(started, ev)
		mu.Unlock()
	}}
	c := connect(t, "mongodb://"+srv.Addr()+"/?directConnection=true", func(cfg *motor.Config) { cfg.CommandMonitor = mon })
	ctx := ctxTimeout(t, 20*time.Second)
	db := c.Database(names.db)
	coll := db.Collection(names.coll)

	for i, ov := range test.Lookup("operations").Array().Values() {
		op := ov.Document()
		args := op.Lookup("arguments").Document()
		var err error
		switch name := op.Lookup("name").StringValue(); name {
		case "assertCollectionExists":
			continue // the scripted server stores nothing to assert
		case "dropCollection":
			err = db.Collection(args.Lookup("collection").StringValue()).Drop(ctx)
		case "createCollection":
			var opts motor.CreateCollectionOptions
			if opts, err = admSpecCollectionOptions(args); err == nil {
				err = db.CreateCollection(ctx, args.Lookup("collection").StringValue(), opts)
			}
		case "listCollections":
			var filter any = bson.D{}
			if f, ok := args.Lookup("filter").DocumentOK(); ok {
				filter = f
			}
			_, err = db.ListCollections(ctx, filter)
		case "createIndex":
			m := motor.IndexModel{Keys: args.Lookup("keys").Document(), Options: motor.IndexOptions{Name: args.Lookup("name").StringValue()}}
			_, err = coll.Indexes().CreateOne(ctx, m)
		case "listIndexes":
			_, err = coll.Indexes().List(ctx)
		case "dropIndex":
			err = coll.Indexes().DropOne(ctx, args.Lookup("name").StringValue())
		case "modifyCollection":
			var opts motor.ModifyCollectionOptions
			if opts, err = admSpecModifyOptions(args); err == nil {
				err = db.ModifyCollection(ctx, args.Lookup("collection").StringValue(), opts)
			}
		case "createSearchIndex":
			_, err = coll.SearchIndexes().CreateOne(ctx, admSpecSearchModel(args.Lookup("model").Document()))
		case "createSearchIndexes":
			models := []motor.SearchIndexModel{}
			for _, m := range args.Lookup("models").Array().Values() {
				models = append(models, admSpecSearchModel(m.Document()))
			}
			_, err = coll.SearchIndexes().CreateMany(ctx, models)
		case "dropSearchIndex":
			err = coll.SearchIndexes().DropOne(ctx, args.Lookup("name").StringValue())
		case "updateSearchIndex":
			err = coll.SearchIndexes().UpdateOne(ctx, args.Lookup("name").StringValue(), args.Lookup("definition").Document())
		case "listSearchIndexes":
			var o motor.ListSearchIndexesOptions
			o.Name = args.Lookup("name").StringValue()
			if bs, ok := args.Lookup("aggregationOptions", "batchSize").AsInt64OK(); ok {
				o.BatchSize = int32(bs)
			}
			var cur *motor.Cursor[bson.Raw]
			if cur, err = coll.SearchIndexes().List(ctx, o); err == nil {
				err = cur.Close(ctx)
			}
		default:
			t.Fatalf("operation %d: %s is not supported by this runner", i, name)
		}
		if err != nil {
			t.Fatalf("operation %d (%s): %v", i, op.Lookup("name").StringValue(), err)
		}
	}

	mu.Lock()
	got := slices.Clone(started)
	mu.Unlock()
	for _, ev := range test.Lookup("expectEvents").Array().Values() {
		events := ev.Document().Lookup("events").Array()
		if events.Len() != len(got) {
			var names []string
			for _, g := range got {
				names = append(names, g.CommandName)
			}
			t.Fatalf("%d commands sent (%v), want %d: %s", len(got), names, events.Len(), events)
		}
		for j, want := range events.Values() {
			exp := want.Document().Lookup("commandStartedEvent").Document()
			if err := admSpecMatch(exp.Lookup("command"), bson.RawValue{Type: bson.TypeDocument, Value: got[j].Command}, true); err != nil {
				t.Errorf("command %d: %v\n got %s\nwant %s", j, err, got[j].Command, exp.Lookup("command"))
			}
			if dbn, ok := exp.Lookup("databaseName").StringValueOK(); ok && dbn != got[j].DatabaseName {
				t.Errorf("command %d ran on %q, want %q", j, got[j].DatabaseName, dbn)
			}
		}
	}
}

// admSpecSearchModel maps a search index model of the tests.
func admSpecSearchModel(m bson.Raw) motor.SearchIndexModel {
	return motor.SearchIndexModel{Name: m.Lookup("name").StringValue(), Type: m.Lookup("type").StringValue(), Definition: m.Lookup("definition").Document()}
}

// admSpecModifyOptions maps modifyCollection arguments to options, failing
// on an argument it does not know.
func admSpecModifyOptions(args bson.Raw) (motor.ModifyCollectionOptions, error) {
	var o motor.ModifyCollectionOptions
	for k, v := range args.Elements() {
		switch k {
		case "collection":
		case "changeStreamPreAndPostImages":
			o.ChangeStreamPreAndPostImages = &motor.ChangeStreamPreAndPostImages{Enabled: v.Document().Lookup("enabled").Boolean()}
		case "index":
			d := v.Document()
			im := &motor.IndexModification{Name: d.Lookup("name").StringValue()}
			if kp, ok := d.Lookup("keyPattern").DocumentOK(); ok {
				im.Keys = kp
			}
			for _, f := range []struct {
				key string
				dst **bool
			}{{"hidden", &im.Hidden}, {"prepareUnique", &im.PrepareUnique}, {"unique", &im.Unique}} {
				if b, ok := d.Lookup(f.key).BooleanOK(); ok {
					*f.dst = &b
				}
			}
			o.Index = im
		default:
			return o, fmt.Errorf("modifyCollection argument %q is not mapped by this runner", k)
		}
	}
	return o, nil
}

// admSpecCollectionOptions maps createCollection arguments to options,
// failing on an argument it does not know.
func admSpecCollectionOptions(args bson.Raw) (motor.CreateCollectionOptions, error) {
	var o motor.CreateCollectionOptions
	for k, v := range args.Elements() {
		switch k {
		case "collection":
		case "expireAfterSeconds":
			n, _ := v.AsInt64OK()
			o.ExpireAfterSeconds = &n
		case "changeStreamPreAndPostImages":
			o.ChangeStreamPreAndPostImages = &motor.ChangeStreamPreAndPostImages{Enabled: v.Document().Lookup("enabled").Boolean()}
		case "clusteredIndex":
			d := v.Document()
			o.ClusteredIndex = &motor.ClusteredIndex{Key: d.Lookup("key").Document(), Unique: d.Lookup("unique").Boolean(), Name: d.Lookup("name").StringValue()}
		case "timeseries":
			d := v.Document()
			ts := &motor.TimeSeriesOptions{
				TimeField: d.Lookup("timeField").StringValue(), MetaField: d.Lookup("metaField").StringValue(),
				Granularity: d.Lookup("granularity").StringValue(),
			}
			ts.BucketMaxSpanSeconds = d.Lookup("bucketMaxSpanSeconds").Int32()
			ts.BucketRoundingSeconds = d.Lookup("bucketRoundingSeconds").Int32()
			o.TimeSeries = ts
		default:
			return o, fmt.Errorf("createCollection argument %q is not mapped by this runner", k)
		}
	}
	return o, nil
}

// admSpecMatch matches actual against expected with the rules of the
// unified test format: extra keys only in root documents, numbers by value,
// and the operators $$exists, $$type and $$unsetOrMatches.
func admSpecMatch(exp, act bson.RawValue, root bool) error {
	if d, ok := exp.DocumentOK(); ok && d.Len() == 1 {
		for k, v := range d.Elements() {
			switch k {
			case "$$unsetOrMatches":
				return admSpecMatch(v, act, root)
			case "$$type":
				types := []string{v.StringValue()}
				if arr, ok := v.ArrayOK(); ok {
					types = nil
					for _, tv := range arr.Values() {
						types = append(types, tv.StringValue())
					}
				}
				if !slices.Contains(types, admSpecTypeName(act.Type)) {
					return fmt.Errorf("type %v, want one of %v", act.Type, types)
				}
				return nil
			case "$$exists":
				return fmt.Errorf("$$exists outside a document")
			}
		}
	}
	if ef, ok := exp.AsFloat64OK(); ok {
		if af, ok := act.AsFloat64OK(); !ok || af != ef {
			return fmt.Errorf("%s, want %s", act, exp)
		}
		return nil
	}
	if exp.Type != act.Type {
		return fmt.Errorf("%s (%v), want %s (%v)", act, act.Type, exp, exp.Type)
	}
	switch exp.Type {
	case bson.TypeDocument:
		e, a := exp.Document(), act.Document()
		for k, ev := range e.Elements() {
			av, err := a.LookupErr(k)
			present := err == nil
			if sub, ok := ev.DocumentOK(); ok && sub.Len() == 1 {
				if x, ok := sub.Lookup("$$exists").BooleanOK(); ok {
					if x != present {
						return fmt.Errorf("key %q present = %v, want %v", k, present, x)
					}
					continue
				}
				if sub.Lookup("$$unsetOrMatches").Type != 0 && !present {
					continue
				}
			}
			if !present {
				return fmt.Errorf("key %q missing", k)
			}
			if err := admSpecMatch(ev, av, false); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		if !root {
			for k := range a.Elements() {
				if e.Lookup(k).Type == 0 {
					return fmt.Errorf("extra key %q", k)
				}
			}
		}
		return nil
	case bson.TypeArray:
		e, a := exp.Array(), act.Array()
		if e.Len() != a.Len() {
			return fmt.Errorf("array of %d, want %d", a.Len(), e.Len())
		}
		for i, ev := range e.Values() {
			if err := admSpecMatch(ev, a.Index(i), false); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	if !bytes.Equal(exp.Value, act.Value) {
		return fmt.Errorf("%s, want %s", act, exp)
	}
	return nil
}

// admSpecTypeName is the $$type alias of a BSON type.
func admSpecTypeName(t bson.Type) string {
	switch t {
	case bson.TypeInt32:
		return "int"
	case bson.TypeInt64:
		return "long"
	case bson.TypeDouble:
		return "double"
	case bson.TypeString:
		return "string"
	case bson.TypeBoolean:
		return "bool"
	case bson.TypeDocument:
		return "object"
	case bson.TypeArray:
		return "array"
	}
	return t.String()
}
