package motor_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

func TestCountDocuments(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 25)
	cases := []struct {
		name     string
		filter   any
		opts     []motor.CountOptions
		want     int64
		pipeline string
	}{
		{"all", bson.D{}, nil, 25, `[{"$match":{}},{"$group":{"_id":1,"n":{"$sum":1}}}]`},
		{"filter", bson.D{{Key: "g", Value: 0}}, nil, 9, `[{"$match":{"g":0}},{"$group":{"_id":1,"n":{"$sum":1}}}]`},
		{"skip and limit", bson.D{{Key: "g", Value: 0}}, []motor.CountOptions{{Skip: 2, Limit: 5}}, 5, `[{"$match":{"g":0}},{"$skip":2},{"$limit":5},{"$group":{"_id":1,"n":{"$sum":1}}}]`},
		{"skip past the end", bson.D{}, []motor.CountOptions{{Skip: 20}, {Limit: 10}}, 5, `[{"$match":{}},{"$skip":20},{"$limit":10},{"$group":{"_id":1,"n":{"$sum":1}}}]`},
		{"nothing matches", bson.D{{Key: "g", Value: 7}}, nil, 0, `[{"$match":{"g":7}},{"$group":{"_id":1,"n":{"$sum":1}}}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.reset()
			n, err := e.coll.CountDocuments(e.ctx, tc.filter, tc.opts...)
			if err != nil || n != tc.want {
				t.Fatalf("CountDocuments = %d, %v; want %d", n, err, tc.want)
			}
			wantFields(t, e.only(t, "aggregate"), map[string]string{"pipeline": tc.pipeline, "cursor": "{}"})
		})
	}
	t.Run("options", func(t *testing.T) {
		e.reset()
		n, err := e.coll.CountDocuments(e.ctx, bson.D{}, motor.CountOptions{Hint: "_id_", Comment: "count", MaxTime: time.Second, ReadConcern: &motor.ReadConcern{Level: "local"}})
		if err != nil || n != 25 {
			t.Fatalf("CountDocuments = %d, %v", n, err)
		}
		wantFields(t, e.only(t, "aggregate"), map[string]string{"hint": `"_id_"`, "comment": `"count"`, "maxTimeMS": "1000", "readConcern": `{"level":"local"}`})
		e.reset()
		n, err = e.coll.CountDocuments(e.ctx, bson.D{}, motor.CountOptions{Collation: &motor.Collation{Locale: "en"}})
		wantFields(t, e.only(t, "aggregate"), map[string]string{"collation": `{"locale":"en"}`})
		if !e.unsupported(t, err, "collation") && n != 25 {
			t.Errorf("CountDocuments with collation = %d", n)
		}
	})
	t.Run("missing collection", func(t *testing.T) {
		n, err := e.db.Collection("no_such_collection_here").CountDocuments(e.ctx, bson.D{})
		if err != nil || n != 0 {
			t.Errorf("CountDocuments = %d, %v", n, err)
		}
	})
	t.Run("nil filter", func(t *testing.T) {
		e.reset()
		if _, err := e.coll.CountDocuments(e.ctx, nil); err == nil || len(e.names()) != 0 {
			t.Errorf("err %v, sent %v", err, e.names())
		}
	})
}

func TestEstimatedDocumentCount(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 17)
	n, err := e.coll.EstimatedDocumentCount(e.ctx)
	if err != nil || n != 17 {
		t.Fatalf("EstimatedDocumentCount = %d, %v", n, err)
	}
	// The count command, with nothing that would change its result.
	cmd := e.only(t, "count")
	wantFields(t, cmd, map[string]string{"count": `"` + e.coll.Name() + `"`, "query": "<absent>", "skip": "<absent>", "limit": "<absent>"})
	e.reset()
	n, err = e.coll.EstimatedDocumentCount(e.ctx, motor.EstimatedDocumentCountOptions{Comment: "est", MaxTime: 2 * time.Second, ReadConcern: &motor.ReadConcern{Level: "local"}})
	if err != nil || n != 17 {
		t.Fatalf("EstimatedDocumentCount with options = %d, %v", n, err)
	}
	wantFields(t, e.only(t, "count"), map[string]string{"comment": `"est"`, "maxTimeMS": "2000", "readConcern": `{"level":"local"}`})
	n, err = e.db.Collection("no_such_collection_here").EstimatedDocumentCount(e.ctx)
	if err != nil || n != 0 {
		t.Errorf("EstimatedDocumentCount of a missing collection = %d, %v", n, err)
	}
}

func TestDistinct(t *testing.T) {
	e := newRdEnv(t, nil)
	e.seed(t, 9)
	e.insert(t,
		bson.D{{Key: "_id", Value: "m1"}, {Key: "g", Value: "text"}},
		bson.D{{Key: "_id", Value: "m2"}, {Key: "g", Value: bson.D{{Key: "x", Value: 1}}}, {Key: "sub", Value: bson.D{{Key: "c", Value: "oslo"}}}},
		bson.D{{Key: "_id", Value: "m3"}, {Key: "sub", Value: bson.D{{Key: "c", Value: "rome"}}}},
	)
	vals, err := e.coll.Distinct(e.ctx, "g", bson.D{{Key: "i", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	var ints []int32
	for _, v := range vals {
		ints = append(ints, v.Int32())
	}
	slices.Sort(ints)
	if !slices.Equal(ints, []int32{0, 1, 2}) {
		t.Errorf("Distinct = %v", vals)
	}
	wantFields(t, e.only(t, "distinct"), map[string]string{"distinct": `"` + e.coll.Name() + `"`, "key": `"g"`, "query": `{"i":{"$exists":true}}`})

	// Mixed types, as raw values.
	vals, err = e.coll.Distinct(e.ctx, "g", bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[bson.Type]int{}
	for _, v := range vals {
		types[v.Type]++
	}
	if len(vals) != 5 || types[bson.TypeInt32] != 3 || types[bson.TypeString] != 1 || types[bson.TypeDocument] != 1 {
		t.Errorf("Distinct over mixed types = %v", vals)
	}

	// Typed, through a dotted path.
	cities, err := motor.DistinctAs[string](e.ctx, e.coll, "sub.c", bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(cities)
	if !slices.Equal(cities, []string{"oslo", "rome"}) {
		t.Errorf("DistinctAs = %v", cities)
	}
	// Values that do not fit the type.
	if _, err := motor.DistinctAs[string](e.ctx, e.coll, "g", bson.D{}); err == nil {
		t.Error("DistinctAs[string] of numbers succeeded")
	}
	// Nothing matches: an empty slice, not nil.
	none, err := motor.DistinctAs[int](e.ctx, e.coll, "g", bson.D{{Key: "_id", Value: "nope"}})
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("DistinctAs of nothing = %#v, %v", none, err)
	}

	e.reset()
	_, err = e.coll.Distinct(e.ctx, "g", bson.D{}, motor.DistinctOptions{Comment: "d", ReadConcern: &motor.ReadConcern{Level: "local"}})
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, e.only(t, "distinct"), map[string]string{"comment": `"d"`, "readConcern": `{"level":"local"}`})

	// Options FerretDB lacks: collation, hint, maxTimeMS.
	for _, tc := range []struct {
		field string
		opts  motor.DistinctOptions
		want  string
	}{
		{"collation", motor.DistinctOptions{Collation: &motor.Collation{Locale: "en"}}, `{"locale":"en"}`},
		{"hint", motor.DistinctOptions{Hint: "_id_"}, `"_id_"`},
		{"maxTimeMS", motor.DistinctOptions{MaxTime: time.Second}, "1000"},
	} {
		e.reset()
		_, err := e.coll.Distinct(e.ctx, "g", bson.D{}, tc.opts)
		wantFields(t, e.only(t, "distinct"), map[string]string{tc.field: tc.want})
		if e.ferret {
			var se *motor.ServerError
			if !errors.As(err, &se) {
				t.Errorf("%s: %v", tc.field, err)
			}
		} else if err != nil {
			t.Errorf("%s: %v", tc.field, err)
		}
	}

	e.reset()
	if _, err := e.coll.Distinct(e.ctx, "g", nil); err == nil {
		t.Error("a nil filter was accepted")
	}
	if _, err := e.coll.Distinct(e.ctx, "", bson.D{}); err == nil {
		t.Error("an empty field name was accepted")
	}
	if len(e.names()) != 0 {
		t.Errorf("bad input sent %v", e.names())
	}
}
