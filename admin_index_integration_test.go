package motor_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
)

// FerretDB v1.24.2 codes met by these tests.
const (
	admCodeBadValue         = 2
	admCodeIndexNotFound    = 27
	admCodeNamespaceExists  = 48
	admCodeInvalidOptions   = 72
	admCodeNotImplemented   = 238
	admCodeNamespaceMissing = 26
)

func TestIndexCreateOneListAndEnforce(t *testing.T) {
	e := newAdmEnv(t)
	coll := e.db.Collection("users")
	iv := coll.Indexes()
	name, err := iv.CreateOne(e.ctx, motor.IndexModel{
		Keys:    bson.D{{Key: "email", Value: 1}},
		Options: motor.IndexOptions{Unique: new(true), Name: "email_1"},
	})
	if err != nil || name != "email_1" {
		t.Fatalf("CreateOne = %q, %v", name, err)
	}
	cmd := e.last(t, "createIndexes")
	if got := cmd.Lookup("createIndexes").StringValue(); got != "users" {
		t.Errorf("createIndexes: %q", got)
	}
	if got := cmd.Lookup("indexes").String(); got != `[{"key":{"email":1},"name":"email_1","unique":true}]` {
		t.Errorf("indexes sent: %s", got)
	}

	specs, err := iv.List(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Name != "_id_" {
		t.Fatalf("List = %+v", specs)
	}
	s := specs[1]
	if s.Name != "email_1" || s.Options.Name != "email_1" || !admDocEqual(s.Keys, bson.D{{Key: "email", Value: 1}}) ||
		s.Options.Unique == nil || !*s.Options.Unique || s.Namespace != e.db.Name()+".users" || s.Raw.Lookup("unique").Boolean() != true {
		t.Errorf("email_1 = %+v", s)
	}
	if s.Options.Version == nil || *s.Options.Version < 1 {
		t.Errorf("index version (v) not reported: %+v", s.Options)
	}
	names, err := iv.ListNames(e.ctx)
	if err != nil || !slices.Equal(names, []string{"_id_", "email_1"}) {
		t.Errorf("ListNames = %v, %v", names, err)
	}

	// The unique index rejects a duplicate: what the server stored obeys it.
	e.run(t, bson.D{{Key: "insert", Value: "users"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: "a"}, {Key: "email", Value: "x@example.com"}}}}})
	reply := e.run(t, bson.D{{Key: "insert", Value: "users"}, {Key: "documents", Value: bson.A{bson.D{{Key: "_id", Value: "b"}, {Key: "email", Value: "x@example.com"}}}}})
	if code := reply.Lookup("writeErrors", "0", "code").Int32(); code != 11000 {
		t.Errorf("duplicate insert: %s", reply)
	}
	count := e.run(t, bson.D{{Key: "count", Value: "users"}})
	if n, _ := count.Lookup("n").AsInt64OK(); n != 1 {
		t.Errorf("count after the duplicate: %s", count)
	}

	// Creating it again changes nothing.
	if name, err := iv.CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: motor.IndexOptions{Unique: new(true)}}); err != nil || name != "email_1" {
		t.Errorf("CreateOne again = %q, %v", name, err)
	}
	if names, _ := iv.ListNames(e.ctx); len(names) != 2 {
		t.Errorf("indexes after creating again: %v", names)
	}
}

func TestIndexCreateManyDefaultNames(t *testing.T) {
	e := newAdmEnv(t)
	iv := e.db.Collection("items").Indexes()
	models := []motor.IndexModel{
		{Keys: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: -1}}},
		{Keys: bson.D{{Key: "c", Value: int64(-1)}}},
		{Keys: bson.M{"d": 1}}, // a map of one key keeps its order
		{Keys: struct {
			E int32 `bson:"e"`
			F int32 `bson:"f"`
		}{1, 1}},
		{Keys: bson.D{{Key: "$**", Value: 1}}},
		{Keys: bson.D{{Key: "g", Value: 1}}, Options: motor.IndexOptions{Name: "custom"}},
	}
	want := []string{"a_1_b_-1", "c_-1", "d_1", "e_1_f_1", "$**_1", "custom"}
	names, err := iv.CreateMany(e.ctx, models)
	if err != nil || !slices.Equal(names, want) {
		t.Fatalf("CreateMany = %v, %v; want %v", names, err, want)
	}
	if n := len(e.sent()); n != 1 {
		t.Errorf("CreateMany sent %d commands, want one createIndexes", n)
	}
	specs, err := iv.List(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]motor.IndexSpecification{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	keys := []bson.D{
		{{Key: "a", Value: 1}, {Key: "b", Value: -1}}, {{Key: "c", Value: -1}}, {{Key: "d", Value: 1}},
		{{Key: "e", Value: 1}, {Key: "f", Value: 1}}, {{Key: "$**", Value: 1}}, {{Key: "g", Value: 1}},
	}
	for i, n := range want {
		s, ok := byName[n]
		if !ok {
			t.Errorf("index %q not listed: %v", n, specs)
			continue
		}
		if !admDocEqual(s.Keys, keys[i]) {
			t.Errorf("index %q keys %v, want %v", n, s.Keys, keys[i])
		}
	}
	if len(specs) != len(want)+1 {
		t.Errorf("List has %d indexes, want %d", len(specs), len(want)+1)
	}
}

func TestIndexName(t *testing.T) {
	for _, tc := range []struct {
		keys any
		want string
	}{
		{bson.D{{Key: "name", Value: 1}, {Key: "dob", Value: -1}}, "name_1_dob_-1"},
		{bson.D{{Key: "title", Value: "text"}}, "title_text"},
		{bson.D{{Key: "loc", Value: "2dsphere"}, {Key: "n", Value: int64(1)}}, "loc_2dsphere_n_1"},
		{bson.D{{Key: "x", Value: 1.0}, {Key: "y", Value: -1.5}}, "x_1_y_-1.5"},
		{bson.M{"h": "hashed"}, "h_hashed"},
	} {
		got, err := motor.IndexName(tc.keys)
		if err != nil || got != tc.want {
			t.Errorf("IndexName(%v) = %q, %v; want %q", tc.keys, got, err, tc.want)
		}
	}
	for _, keys := range []any{nil, bson.D{}, bson.M{"a": 1, "b": 1}, bson.D{{Key: "a", Value: true}}, "a"} {
		if got, err := motor.IndexName(keys); err == nil {
			t.Errorf("IndexName(%#v) = %q, want an error", keys, got)
		}
	}
}

// TestIndexOptionsReadBack creates an index with each option and reads it
// back with List. FerretDB lacks many of them; the test asserts its exact
// answer for those (see the gap of each case), and full support on MongoDB.
func TestIndexOptionsReadBack(t *testing.T) {
	e := newAdmEnv(t)
	iv := e.db.Collection("opts").Indexes()
	one := func(n int32) *int32 { return &n }
	f := func(x float64) *float64 { return &x }
	cases := []struct {
		name string
		keys bson.D
		opts motor.IndexOptions
		// ferretCode is FerretDB's error code for the index, 0 when
		// FerretDB creates it.
		ferretCode int32
		// ferretDrops says FerretDB creates the index but forgets the
		// option: listIndexes does not report it.
		ferretDrops bool
		check       func(o motor.IndexOptions) bool
	}{
		{name: "unique", keys: bson.D{{Key: "u", Value: 1}}, opts: motor.IndexOptions{Unique: new(true)},
			check: func(o motor.IndexOptions) bool { return o.Unique != nil && *o.Unique }},
		{name: "sparse", keys: bson.D{{Key: "s", Value: 1}}, opts: motor.IndexOptions{Sparse: new(true)}, ferretDrops: true,
			check: func(o motor.IndexOptions) bool { return o.Sparse != nil && *o.Sparse }},
		{name: "descending", keys: bson.D{{Key: "d", Value: -1}}, opts: motor.IndexOptions{Background: new(true)}, ferretDrops: true,
			check: func(o motor.IndexOptions) bool { return true }},
		{name: "partial", keys: bson.D{{Key: "p", Value: 1}}, opts: motor.IndexOptions{PartialFilterExpression: bson.D{{Key: "p", Value: bson.D{{Key: "$gt", Value: 1}}}}}, ferretCode: admCodeNotImplemented,
			check: func(o motor.IndexOptions) bool {
				return admDocEqual(o.PartialFilterExpression, bson.D{{Key: "p", Value: bson.D{{Key: "$gt", Value: 1}}}})
			}},
		{name: "ttl", keys: bson.D{{Key: "t", Value: 1}}, opts: motor.IndexOptions{ExpireAfterSeconds: one(3600)}, ferretCode: admCodeNotImplemented,
			check: func(o motor.IndexOptions) bool { return o.ExpireAfterSeconds != nil && *o.ExpireAfterSeconds == 3600 }},
		{name: "hidden", keys: bson.D{{Key: "h", Value: 1}}, opts: motor.IndexOptions{Hidden: new(true)}, ferretCode: admCodeNotImplemented,
			check: func(o motor.IndexOptions) bool { return o.Hidden != nil && *o.Hidden }},
		{name: "collation", keys: bson.D{{Key: "c", Value: 1}}, opts: motor.IndexOptions{Collation: &motor.Collation{Locale: "fr", Strength: 2}}, ferretCode: admCodeNotImplemented,
			check: func(o motor.IndexOptions) bool {
				return o.Collation != nil && o.Collation.Locale == "fr" && o.Collation.Strength == 2
			}},
		{name: "text", keys: bson.D{{Key: "title", Value: "text"}, {Key: "body", Value: "text"}},
			opts: motor.IndexOptions{Weights: bson.D{{Key: "title", Value: 10}}, DefaultLanguage: "french", LanguageOverride: "lang", TextIndexVersion: one(3)},
			// FerretDB v1 knows no text indexes: "can't find index with key".
			ferretCode: admCodeIndexNotFound,
			check: func(o motor.IndexOptions) bool {
				return o.DefaultLanguage == "french" && o.LanguageOverride == "lang" && o.TextIndexVersion != nil && *o.TextIndexVersion == 3 &&
					admDocEqual(o.Weights, bson.D{{Key: "body", Value: 1}, {Key: "title", Value: 10}})
			}},
		{name: "2dsphere", keys: bson.D{{Key: "loc", Value: "2dsphere"}}, opts: motor.IndexOptions{SphereIndexVersion: one(3)}, ferretCode: admCodeIndexNotFound,
			check: func(o motor.IndexOptions) bool { return o.SphereIndexVersion != nil && *o.SphereIndexVersion == 3 }},
		{name: "2d", keys: bson.D{{Key: "pt", Value: "2d"}}, opts: motor.IndexOptions{Bits: one(20), Min: f(-500), Max: f(500)}, ferretCode: admCodeIndexNotFound,
			check: func(o motor.IndexOptions) bool {
				return o.Bits != nil && *o.Bits == 20 && o.Min != nil && *o.Min == -500 && o.Max != nil && *o.Max == 500
			}},
		{name: "wildcard", keys: bson.D{{Key: "$**", Value: 1}}, opts: motor.IndexOptions{WildcardProjection: bson.D{{Key: "w", Value: 1}}}, ferretCode: admCodeNotImplemented,
			check: func(o motor.IndexOptions) bool {
				return admDocEqual(o.WildcardProjection, bson.D{{Key: "w", Value: 1}})
			}},
		{name: "storageEngine", keys: bson.D{{Key: "se", Value: 1}}, opts: motor.IndexOptions{StorageEngine: bson.D{{Key: "wiredTiger", Value: bson.D{}}}}, ferretCode: admCodeNotImplemented,
			check: func(o motor.IndexOptions) bool {
				return admDocEqual(o.StorageEngine, bson.D{{Key: "wiredTiger", Value: bson.D{}}})
			}},
		{name: "version", keys: bson.D{{Key: "v", Value: 1}}, opts: motor.IndexOptions{Version: one(2)}, ferretCode: admCodeBadValue, // "Index option "v" is unknown"
			check: func(o motor.IndexOptions) bool { return o.Version != nil && *o.Version == 2 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Name = "ix_" + tc.name
			name, err := iv.CreateOne(e.ctx, motor.IndexModel{Keys: tc.keys, Options: tc.opts})
			if e.ferret && tc.ferretCode != 0 {
				admWantServerError(t, err, tc.ferretCode)
				return
			}
			if err != nil || name != tc.opts.Name {
				t.Fatalf("CreateOne = %q, %v", name, err)
			}
			specs, err := iv.List(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(specs, func(s motor.IndexSpecification) bool { return s.Name == name })
			if i < 0 {
				t.Fatalf("index %q not listed: %+v", name, specs)
			}
			s := specs[i]
			if !admDocEqual(s.Keys, tc.keys) && tc.name != "text" {
				t.Errorf("keys %v, want %v", s.Keys, tc.keys)
			}
			if e.ferret && tc.ferretDrops {
				// FerretDB gap: it accepts the option and forgets it.
				if got := s.Raw.Lookup(admFirstOption(tc.opts)).Type; got != 0 {
					t.Errorf("FerretDB now reports the option: %s", s.Raw)
				}
				return
			}
			if !tc.check(s.Options) {
				t.Errorf("options read back: %+v from %s", s.Options, s.Raw)
			}
		})
	}
}

// admFirstOption names the option a case of TestIndexOptionsReadBack sets
// that FerretDB forgets.
func admFirstOption(o motor.IndexOptions) string {
	if o.Sparse != nil {
		return "sparse"
	}
	return "background"
}

func TestIndexDrop(t *testing.T) {
	e := newAdmEnv(t)
	iv := e.db.Collection("drops").Indexes()
	if _, err := iv.CreateMany(e.ctx, []motor.IndexModel{
		{Keys: bson.D{{Key: "a", Value: 1}}},
		{Keys: bson.D{{Key: "b", Value: -1}}},
		{Keys: bson.D{{Key: "c", Value: 1}}},
		{Keys: bson.D{{Key: "d", Value: 1}}},
	}); err != nil {
		t.Fatal(err)
	}
	wantNames := func(want ...string) {
		t.Helper()
		names, err := iv.ListNames(e.ctx)
		if err != nil || !slices.Equal(names, want) {
			t.Fatalf("ListNames = %v, %v; want %v", names, err, want)
		}
	}
	if err := iv.DropOne(e.ctx, "a_1", motor.DropIndexesOptions{Comment: "drop a", MaxTime: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	cmd := e.last(t, "dropIndexes")
	if cmd.Lookup("index").StringValue() != "a_1" || cmd.Lookup("comment").StringValue() != "drop a" || cmd.Lookup("maxTimeMS").Int64() != 5000 {
		t.Errorf("dropIndexes sent: %s", cmd)
	}
	wantNames("_id_", "b_-1", "c_1", "d_1")
	if err := iv.DropOneByKeys(e.ctx, bson.D{{Key: "b", Value: -1}}); err != nil {
		t.Fatal(err)
	}
	if got := e.last(t, "dropIndexes").Lookup("index").String(); got != `{"b":-1}` {
		t.Errorf("dropIndexes by keys sent index %s", got)
	}
	wantNames("_id_", "c_1", "d_1")

	err := iv.DropOne(e.ctx, "nope")
	admWantServerError(t, err, admCodeIndexNotFound)
	if !e.ferret {
		t.Log("on MongoDB the code is also 27 (IndexNotFound)")
	}
	err = iv.DropOne(e.ctx, "_id_")
	admWantServerError(t, err, admCodeInvalidOptions)

	if err := iv.DropAll(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.last(t, "dropIndexes").Lookup("index").StringValue(); got != "*" {
		t.Errorf("DropAll sent index %q", got)
	}
	wantNames("_id_")
}

func TestIndexListMissingCollection(t *testing.T) {
	e := newAdmEnv(t)
	_, err := e.db.Collection("missing").Indexes().List(e.ctx)
	admWantServerError(t, err, admCodeNamespaceMissing)
	if !errors.Is(err, motor.ErrNamespaceNotFound) {
		t.Errorf("errors.Is(%v, ErrNamespaceNotFound) is false", err)
	}
	if cmd := e.last(t, "listIndexes"); cmd.Lookup("$readPreference").Type != 0 && cmd.Lookup("$readPreference", "mode").StringValue() == "secondary" {
		t.Errorf("listIndexes sent with %s", cmd)
	}
}

func TestIndexCommandOptions(t *testing.T) {
	e := newAdmEnv(t)
	iv := e.db.Collection("cmdopts").Indexes()
	name, err := iv.CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "k", Value: 1}}},
		motor.CreateIndexesOptions{Comment: "first", MaxTime: time.Second},
		motor.CreateIndexesOptions{Comment: bson.D{{Key: "later", Value: "wins"}}, CommitQuorum: "majority"})
	if err != nil || name != "k_1" {
		t.Fatalf("CreateOne = %q, %v", name, err)
	}
	cmd := e.last(t, "createIndexes")
	if cmd.Lookup("comment").String() != `{"later":"wins"}` || cmd.Lookup("maxTimeMS").Int64() != 1000 || cmd.Lookup("commitQuorum").StringValue() != "majority" {
		t.Errorf("createIndexes sent: %s", cmd)
	}
	// A write concern of the collection goes with the command.
	w1 := e.db.Collection("cmdopts").WithWriteConcern(&motor.WriteConcern{W: motor.WNodes(1)}).Indexes()
	if _, err := w1.CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "j", Value: 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.last(t, "createIndexes").Lookup("writeConcern").String(); got != `{"w":1}` {
		t.Errorf("writeConcern sent: %s", got)
	}
	specs, err := iv.List(e.ctx, motor.ListIndexesOptions{BatchSize: 1, Comment: "list"})
	if err != nil || len(specs) != 3 {
		t.Fatalf("List = %v, %v", specs, err)
	}
	cmd = e.last(t, "listIndexes")
	if cmd.Lookup("cursor", "batchSize").Int32() != 1 || cmd.Lookup("comment").StringValue() != "list" {
		t.Errorf("listIndexes sent: %s", cmd)
	}
}

func TestIndexBadInput(t *testing.T) {
	e := newAdmEnv(t)
	iv := e.db.Collection("bad").Indexes()
	for _, tc := range []struct {
		name  string
		model motor.IndexModel
		msg   string
	}{
		{"nil keys", motor.IndexModel{}, "index keys are empty"},
		{"empty keys", motor.IndexModel{Keys: bson.D{}}, "index keys are empty"},
		{"map keys", motor.IndexModel{Keys: bson.M{"a": 1, "b": 1}}, "order is lost"},
		{"not a document", motor.IndexModel{Keys: "a_1"}, "index keys"},
		{"unnameable", motor.IndexModel{Keys: bson.D{{Key: "a", Value: true}}}, "want a number or an index type name"},
	} {
		_, err := iv.CreateOne(e.ctx, tc.model)
		e.wantClientError(t, err, tc.msg)
		_, err = iv.CreateMany(e.ctx, []motor.IndexModel{{Keys: bson.D{{Key: "ok", Value: 1}}}, tc.model})
		e.wantClientError(t, err, "index model 1")
	}
	_, err := iv.CreateMany(e.ctx, nil)
	e.wantClientError(t, err, "no index models")
	e.wantClientError(t, iv.DropOne(e.ctx, "*"), "use DropAll")
	e.wantClientError(t, iv.DropOne(e.ctx, ""), "empty index name")
	e.wantClientError(t, iv.DropOneByKeys(e.ctx, bson.D{}), "index keys are empty")
	_, err = e.db.Collection("").Indexes().List(e.ctx)
	e.wantClientError(t, err, "empty collection name")
	_, err = e.db.Collection("a\x00b").Indexes().CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}})
	e.wantClientError(t, err, "NUL")
	// The zero IndexView, not from Collection.Indexes, fails cleanly.
	var zero motor.IndexView
	_, err = zero.CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "a", Value: 1}}})
	e.wantClientError(t, err, "empty collection name")
	_, err = zero.List(e.ctx)
	e.wantClientError(t, err, "empty collection name")
	e.wantClientError(t, zero.DropOneByKeys(e.ctx, bson.D{{Key: "a", Value: 1}}), "empty collection name")
	e.wantClientError(t, zero.DropAll(e.ctx), "empty collection name")

	// A key given to the server that it refuses is its error, unchanged.
	_, err = iv.CreateOne(e.ctx, motor.IndexModel{Keys: bson.D{{Key: "a", Value: true}}, Options: motor.IndexOptions{Name: "named"}})
	var se *motor.ServerError
	if !errors.As(err, &se) {
		t.Errorf("bad key with a name: err = %v, want the server's", err)
	}
}
