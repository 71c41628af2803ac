package motor_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

func TestFindOptions(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 10)
	all := rdRange(0, 10)
	cases := []struct {
		name        string
		filter      any
		opts        []motor.FindOptions
		want        []string          // the ids returned, in order; nil: not checked
		fields      map[string]string // fields of the find command
		unsupported string            // an option FerretDB refuses
		check       func(t *testing.T, docs []bson.D)
	}{{
		name:   "filter",
		filter: bson.D{{Key: "g", Value: 1}},
		want:   []string{"d0001", "d0004", "d0007"},
		fields: map[string]string{"find": `"` + e.coll.Name() + `"`, "filter": `{"g":1}`, "$db": `"motor_reads"`, "limit": "<absent>", "batchSize": "<absent>", "singleBatch": "<absent>"},
	}, {
		name: "sort skip limit projection",
		opts: []motor.FindOptions{{
			Sort:       bson.D{{Key: "g", Value: -1}, {Key: "i", Value: 1}},
			Skip:       2,
			Limit:      4,
			Projection: bson.D{{Key: "s", Value: 0}},
		}},
		want:   []string{"d0008", "d0001", "d0004", "d0007"},
		fields: map[string]string{"sort": `{"g":-1,"i":1}`, "skip": "2", "limit": "4", "projection": `{"s":0}`},
		check: func(t *testing.T, docs []bson.D) {
			for _, d := range docs {
				if _, ok := d.Map()["s"]; ok {
					t.Errorf("projection ignored: %v", d)
				}
			}
		},
	}, {
		name:   "options merge left to right",
		opts:   []motor.FindOptions{{Limit: 9, Sort: bson.D{{Key: "i", Value: 1}}}, {Limit: 2}, {Skip: 1}},
		want:   []string{"d0001", "d0002"},
		fields: map[string]string{"limit": "2", "skip": "1", "sort": `{"i":1}`},
	}, {
		name:   "negative limit is one batch",
		opts:   []motor.FindOptions{{Limit: -3, Sort: bson.D{{Key: "_id", Value: 1}}}},
		want:   rdRange(0, 3),
		fields: map[string]string{"limit": "3", "batchSize": "3", "singleBatch": "true"},
	}, {
		name:   "limit equal to batchSize",
		opts:   []motor.FindOptions{{Limit: 4, BatchSize: 4, Sort: bson.D{{Key: "_id", Value: 1}}}},
		want:   rdRange(0, 4),
		fields: map[string]string{"limit": "4", "batchSize": "5"},
	}, {
		name:   "hint by name",
		opts:   []motor.FindOptions{{Hint: "_id_"}},
		want:   all,
		fields: map[string]string{"hint": `"_id_"`},
	}, {
		name:   "hint by keys with min and max",
		opts:   []motor.FindOptions{{Hint: bson.D{{Key: "_id", Value: 1}}, Min: bson.D{{Key: "_id", Value: "d0002"}}, Max: bson.D{{Key: "_id", Value: "d0005"}}}},
		fields: map[string]string{"hint": `{"_id":1}`, "min": `{"_id":"d0002"}`, "max": `{"_id":"d0005"}`},
	}, {
		name:   "comment",
		opts:   []motor.FindOptions{{Comment: "find test"}},
		want:   all,
		fields: map[string]string{"comment": `"find test"`},
	}, {
		name:   "allowDiskUse true",
		opts:   []motor.FindOptions{{AllowDiskUse: new(true)}},
		want:   all,
		fields: map[string]string{"allowDiskUse": "true"},
	}, {
		name:   "allowDiskUse false is sent",
		opts:   []motor.FindOptions{{AllowDiskUse: new(false)}},
		want:   all,
		fields: map[string]string{"allowDiskUse": "false"},
	}, {
		name:   "showRecordId",
		opts:   []motor.FindOptions{{ShowRecordID: true}},
		want:   all,
		fields: map[string]string{"showRecordId": "true"},
		check: func(t *testing.T, docs []bson.D) {
			for _, d := range docs {
				if _, ok := d.Map()["$recordId"]; !ok {
					t.Errorf("no $recordId in %v", d)
				}
			}
		},
	}, {
		name:   "read concern",
		opts:   []motor.FindOptions{{ReadConcern: &motor.ReadConcern{Level: motor.ReadConcernLocal}}},
		want:   all,
		fields: map[string]string{"readConcern": `{"level":"local"}`},
	}, {
		name:   "maxTimeMS",
		opts:   []motor.FindOptions{{MaxTime: 5 * time.Second}},
		want:   all,
		fields: map[string]string{"maxTimeMS": "5000"},
	}, {
		name:        "allowPartialResults",
		opts:        []motor.FindOptions{{AllowPartialResults: true}},
		want:        all,
		fields:      map[string]string{"allowPartialResults": "true"},
		unsupported: "allowPartialResults",
	}, {
		name:        "let",
		filter:      bson.D{{Key: "$expr", Value: bson.D{{Key: "$eq", Value: bson.A{"$i", "$$v"}}}}},
		opts:        []motor.FindOptions{{Let: bson.D{{Key: "v", Value: 3}}}},
		want:        []string{"d0003"},
		fields:      map[string]string{"let": `{"v":3}`},
		unsupported: "let",
	}, {
		name:        "noCursorTimeout",
		opts:        []motor.FindOptions{{NoCursorTimeout: true}},
		want:        all,
		fields:      map[string]string{"noCursorTimeout": "true"},
		unsupported: "noCursorTimeout",
	}, {
		name:        "returnKey",
		opts:        []motor.FindOptions{{ReturnKey: true, Hint: "_id_"}},
		fields:      map[string]string{"returnKey": "true"},
		unsupported: "returnKey",
	}, {
		name:        "collation",
		opts:        []motor.FindOptions{{Collation: &motor.Collation{Locale: "en", Strength: 2}}},
		want:        all,
		fields:      map[string]string{"collation": `{"locale":"en","strength":2}`},
		unsupported: "collation",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.reset()
			filter := tc.filter
			if filter == nil {
				filter = bson.D{}
			}
			cur, err := e.coll.Find(e.ctx, filter, tc.opts...)
			var docs []bson.D
			if err == nil {
				docs, err = cur.ToSlice(e.ctx)
			}
			wantFields(t, e.commands("find")[0], tc.fields)
			if tc.unsupported != "" && e.unsupported(t, err, tc.unsupported) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := rdIDs(docs)
			if tc.want != nil {
				if tc.fields["sort"] == "" && tc.fields["limit"] == "" {
					slices.Sort(got) // no order asked for
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("ids = %v, want %v", got, tc.want)
				}
			}
			if tc.check != nil {
				tc.check(t, docs)
			}
		})
	}
}

func TestFindMinMaxOnMongoDB(t *testing.T) {
	e := newRdEnv(t, nil)
	if e.ferret {
		t.Skip("FerretDB accepts min and max but ignores them; TestFindOptions checks that they are sent")
	}
	e.seed(t, 10)
	cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{Hint: bson.D{{Key: "_id", Value: 1}}, Min: bson.D{{Key: "_id", Value: "d0002"}}, Max: bson.D{{Key: "_id", Value: "d0005"}}})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := cur.ToSlice(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := rdIDs(docs); !slices.Equal(got, rdRange(2, 5)) {
		t.Errorf("ids = %v", got)
	}
}

type rdDoc struct {
	ID string `bson:"_id"`
	I  int    `bson:"i"`
	G  int    `bson:"g"`
	S  string `bson:"s,omitempty"`
}

func TestFindTyped(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 5)
	coll := motor.CollectionOf[rdDoc](e.db, e.coll.Name())
	cur, err := coll.Find(e.ctx, bson.D{{Key: "i", Value: bson.D{{Key: "$gte", Value: 3}}}}, motor.FindOptions{Sort: bson.D{{Key: "i", Value: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cur.ToSlice(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []rdDoc{{ID: "d0003", I: 3, G: 0, S: "doc 3"}, {ID: "d0004", I: 4, G: 1, S: "doc 4"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestFindOne(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 10)
	coll := motor.CollectionOf[rdDoc](e.db, e.coll.Name())

	d, err := coll.FindOne(e.ctx, bson.D{{Key: "_id", Value: "d0007"}})
	if err != nil || d != (rdDoc{ID: "d0007", I: 7, G: 1, S: "doc 7"}) {
		t.Fatalf("FindOne = %+v, %v", d, err)
	}
	// The spec's find for findOne: limit 1, singleBatch, no batchSize.
	wantFields(t, e.only(t, "find"), map[string]string{"filter": `{"_id":"d0007"}`, "limit": "1", "singleBatch": "true", "batchSize": "<absent>"})

	e.reset()
	d, err = coll.FindOne(e.ctx, bson.D{{Key: "g", Value: 2}}, motor.FindOneOptions{
		Sort: bson.D{{Key: "i", Value: -1}}, Skip: 1, Projection: bson.D{{Key: "s", Value: 0}}, Comment: "one",
	})
	if err != nil || d != (rdDoc{ID: "d0005", I: 5, G: 2}) {
		t.Fatalf("FindOne with options = %+v, %v", d, err)
	}
	wantFields(t, e.only(t, "find"), map[string]string{"sort": `{"i":-1}`, "skip": "1", "projection": `{"s":0}`, "comment": `"one"`})

	_, err = coll.FindOne(e.ctx, bson.D{{Key: "_id", Value: "nope"}})
	if !errors.Is(err, motor.ErrNoDocuments) {
		t.Errorf("FindOne of nothing: %v", err)
	}
	// The untyped form.
	raw, err := motor.CollectionOf[bson.Raw](e.db, e.coll.Name()).FindOne(e.ctx, bson.D{{Key: "_id", Value: "d0001"}})
	if err != nil || raw.Lookup("s").StringValue() != "doc 1" {
		t.Errorf("FindOne as bson.Raw = %v, %v", raw, err)
	}
	// A document that does not fit T.
	type wrong struct {
		S int `bson:"s"`
	}
	if _, err := motor.CollectionOf[wrong](e.db, e.coll.Name()).FindOne(e.ctx, bson.D{}); err == nil {
		t.Error("decoding a string into an int succeeded")
	}
}

func TestFindBadInput(t *testing.T) {
	e := newRdEnv(t, nil)
	if _, err := e.coll.Find(e.ctx, nil); err == nil || err.Error() == "" {
		t.Error("Find with a nil filter succeeded")
	}
	if _, err := e.coll.FindOne(e.ctx, nil); err == nil {
		t.Error("FindOne with a nil filter succeeded")
	}
	if _, err := e.coll.Find(e.ctx, "not a document"); err == nil {
		t.Error("Find with a string filter succeeded")
	}
	if _, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{CursorType: 7}); err == nil {
		t.Error("an unknown CursorType was accepted")
	}
	if _, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{Sort: func() {}}); err == nil {
		t.Error("a sort that cannot be encoded was accepted")
	}
	if names := e.names(); len(names) != 0 {
		t.Errorf("bad input sent %v", names)
	}
}

func TestFindMaxAwaitTimeAndTimeout(t *testing.T) {
	e := newRdEnv(t, func(cfg *motor.Config) { cfg.Timeout = new(2 * time.Second) })
	_, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{CursorType: motor.TailableAwait, MaxAwaitTime: 2 * time.Second})
	if err == nil {
		t.Fatal("MaxAwaitTime equal to Timeout was accepted")
	}
	// With Timeout set, the deprecated MaxTime is not sent.
	cur, err := e.coll.Find(e.ctx, bson.D{}, motor.FindOptions{MaxTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cur.Close(e.ctx)
	wantFields(t, e.only(t, "find"), map[string]string{"maxTimeMS": "<absent>"})
}
