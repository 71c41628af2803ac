package motor_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

func TestAggregate(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 30)
	for _, mode := range rdPrefetchModes {
		t.Run(mode.name, func(t *testing.T) {
			e.reset()
			pipeline := []bson.D{
				{{Key: "$match", Value: bson.D{{Key: "g", Value: bson.D{{Key: "$ne", Value: 1}}}}}},
				{{Key: "$sort", Value: bson.D{{Key: "i", Value: -1}}}},
				{{Key: "$project", Value: bson.D{{Key: "i", Value: 1}}}},
			}
			coll := motor.CollectionOf[rdDoc](e.db, e.coll.Name())
			cur, err := coll.Aggregate(e.ctx, pipeline, motor.AggregateOptions{BatchSize: 4, Comment: "agg", Prefetch: mode.on})
			if err != nil {
				t.Fatal(err)
			}
			got, err := cur.ToSlice(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			var want []rdDoc
			for i := 29; i >= 0; i-- {
				if i%3 != 1 {
					want = append(want, rdDoc{ID: rdID(i), I: i})
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %+v", got)
			}
			agg := e.only(t, "aggregate")
			wantFields(t, agg, map[string]string{
				"aggregate": `"` + e.coll.Name() + `"`,
				"pipeline":  `[{"$match":{"g":{"$ne":1}}},{"$sort":{"i":-1}},{"$project":{"i":1}}]`,
				"cursor":    `{"batchSize":4}`,
				"comment":   `"agg"`, "writeConcern": "<absent>",
			})
			gms := e.commands("getMore")
			if len(gms) < 4 { // 20 documents, 4 per batch
				t.Errorf("%d getMores", len(gms))
			}
			for _, gm := range gms {
				wantFields(t, gm, map[string]string{"batchSize": "4", "comment": `"agg"`})
				if lsid(gm) != lsid(agg) {
					t.Errorf("getMore lsid %s, aggregate's %s", lsid(gm), lsid(agg))
				}
			}
		})
	}
}

func TestAggregateOptions(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 6)
	cases := []struct {
		name        string
		opts        motor.AggregateOptions
		fields      map[string]string
		unsupported string
	}{
		{"allowDiskUse", motor.AggregateOptions{AllowDiskUse: new(true)}, map[string]string{"allowDiskUse": "true"}, ""},
		{"allowDiskUse false", motor.AggregateOptions{AllowDiskUse: new(false)}, map[string]string{"allowDiskUse": "false"}, ""},
		{"hint", motor.AggregateOptions{Hint: "_id_"}, map[string]string{"hint": `"_id_"`}, ""},
		{"bypassDocumentValidation", motor.AggregateOptions{BypassDocumentValidation: new(true)}, map[string]string{"bypassDocumentValidation": "true"}, ""},
		{"bypassDocumentValidation false is not sent", motor.AggregateOptions{BypassDocumentValidation: new(false)}, map[string]string{"bypassDocumentValidation": "<absent>"}, ""},
		{"readConcern", motor.AggregateOptions{ReadConcern: &motor.ReadConcern{Level: "local"}}, map[string]string{"readConcern": `{"level":"local"}`}, ""},
		{"maxTimeMS", motor.AggregateOptions{MaxTime: 1500 * time.Millisecond}, map[string]string{"maxTimeMS": "1500"}, ""},
		{"no batchSize", motor.AggregateOptions{}, map[string]string{"cursor": "{}"}, ""},
		{"let", motor.AggregateOptions{Let: bson.D{{Key: "x", Value: 1}}}, map[string]string{"let": `{"x":1}`}, "let"},
		{"collation", motor.AggregateOptions{Collation: &motor.Collation{Locale: "fr"}}, map[string]string{"collation": `{"locale":"fr"}`}, "collation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.reset()
			cur, err := e.coll.Aggregate(e.ctx, bson.A{bson.D{{Key: "$sort", Value: bson.D{{Key: "_id", Value: 1}}}}}, tc.opts)
			var docs []bson.D
			if err == nil {
				docs, err = cur.ToSlice(e.ctx)
			}
			wantFields(t, e.only(t, "aggregate"), tc.fields)
			if tc.unsupported != "" && e.unsupported(t, err, tc.unsupported) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rdIDs(docs); !slices.Equal(got, rdRange(0, 6)) {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestAggregateWriteStages(t *testing.T) {
	e := newRdEnv(t, func(cfg *motor.Config) { cfg.WriteConcern = &motor.WriteConcern{W: motor.WNodes(1)} })
	e.seed(t, 3)
	for _, stage := range []string{"$out", "$merge"} {
		t.Run(stage, func(t *testing.T) {
			e.reset()
			target := e.coll.Name() + "_out"
			cur, err := e.coll.Aggregate(e.ctx, bson.A{
				bson.D{{Key: "$match", Value: bson.D{}}},
				bson.D{{Key: stage, Value: target}},
			}, motor.AggregateOptions{BatchSize: 10, BypassDocumentValidation: new(true)})
			// The spec: no batchSize with $out or $merge, the write
			// concern sent, and no retry.
			wantFields(t, e.only(t, "aggregate"), map[string]string{"cursor": "{}", "writeConcern": `{"w":1}`, "bypassDocumentValidation": "true"})
			if e.unsupported(t, err, stage) {
				return
			}
			if cur.Next(e.ctx) {
				t.Errorf("%s returned %v", stage, cur.Current)
			}
			n, err := e.db.Collection(target).CountDocuments(e.ctx, bson.D{})
			if err != nil || n != 3 {
				t.Errorf("%s wrote %d documents, %v", stage, n, err)
			}
		})
	}
	// A per-call write concern wins over the collection's.
	e.reset()
	_, err := e.coll.Aggregate(e.ctx, bson.A{bson.D{{Key: "$out", Value: "x"}}}, motor.AggregateOptions{WriteConcern: &motor.WriteConcern{W: motor.WMajority()}})
	wantFields(t, e.only(t, "aggregate"), map[string]string{"writeConcern": `{"w":"majority"}`})
	e.unsupported(t, err, "$out")
}

func TestDatabaseAggregate(t *testing.T) {
	e := newRdEnv(t, nil)
	cur, err := e.db.Aggregate(e.ctx, bson.A{bson.D{{Key: "$documents", Value: bson.A{bson.D{{Key: "a", Value: 1}}, bson.D{{Key: "a", Value: 2}}}}}})
	wantFields(t, e.only(t, "aggregate"), map[string]string{"aggregate": "1", "$db": `"motor_reads"`, "pipeline": `[{"$documents":[{"a":1},{"a":2}]}]`})
	if e.ferret { // FerretDB has no collection-less stages
		var se *motor.ServerError
		if !errors.As(err, &se) {
			t.Fatalf("err = %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	docs, err := cur.ToSlice(e.ctx)
	if err != nil || len(docs) != 2 {
		t.Errorf("got %v, %v", docs, err)
	}
}

func TestAggregateBadInput(t *testing.T) {
	e := newRdEnv(t, nil)
	for _, p := range []any{nil, "not a pipeline", bson.D{{Key: "$match", Value: bson.D{}}}, bson.A{1, 2}, bson.A{bson.D{}, "x"}} {
		if _, err := e.coll.Aggregate(e.ctx, p); err == nil {
			t.Errorf("pipeline %#v accepted", p)
		}
	}
	if names := e.names(); len(names) != 0 {
		t.Errorf("bad pipelines sent %v", names)
	}
	// A nil slice is an empty pipeline.
	var none []bson.D
	cur, err := e.coll.Aggregate(e.ctx, none)
	if err != nil {
		t.Fatal(err)
	}
	cur.Close(e.ctx)
	wantFields(t, e.only(t, "aggregate"), map[string]string{"pipeline": "[]"})
}
