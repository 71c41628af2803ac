package motor

import (
	"context"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// SearchIndexView manages the search indexes (Atlas Search and Atlas
// Vector Search) of one collection: the Index View API for search indexes
// of the index management specification. Get one from
// Collection.SearchIndexes; it is a small value, cheap to copy and safe for
// concurrent use.
//
// The search index commands need a deployment with Atlas Search (MongoDB
// 7.0 and later on Atlas, or a local Atlas deployment); other servers
// answer them with an error. They are asynchronous: the server returns
// before the index is built, updated or dropped, and List shows when that
// is done. No read or write concern is sent with them, as the
// specification requires: the server refuses both.
//
//	name, err := movies.SearchIndexes().CreateOne(ctx, motor.SearchIndexModel{
//		Name:       "plots",
//		Definition: bson.D{{Key: "mappings", Value: bson.D{{Key: "dynamic", Value: true}}}},
//	})
type SearchIndexView struct {
	db       *Database
	coll     string
	registry *bson.Registry
	// list is where List's aggregate runs: the collection, with its read
	// preference and no read or write concern.
	list aggTarget
}

// SearchIndexes returns the search index view of the collection.
func (c *Collection[T]) SearchIndexes() SearchIndexView {
	return SearchIndexView{db: c.db, coll: c.name, registry: c.registry,
		list: aggTarget{db: c.db, coll: c.name, readPref: c.readPref, reg: c.registry}}
}

// SearchIndexModel describes a search index to create.
type SearchIndexModel struct {
	// Name is the index's name; empty lets the server name it "default".
	Name string
	// Type is "search" (a standard search index) or "vectorSearch";
	// empty lets the server take "search".
	Type string
	// Definition is the index definition, a document whose syntax
	// depends on the type: for "search", mappings and analyzers; for
	// "vectorSearch", fields. It is required.
	Definition any
}

// ListSearchIndexesOptions are the options of SearchIndexView.List.
type ListSearchIndexesOptions struct {
	// Name lists only the search index of this name; empty lists all.
	Name string
	// AggregateOptions are the options of the aggregate that lists the
	// indexes ($listSearchIndexes), such as BatchSize and Comment. Its
	// ReadConcern and WriteConcern must be nil: the search index
	// commands take none.
	AggregateOptions
}

// CreateOne creates one search index and returns its name, as the server
// reports it.
func (v SearchIndexView) CreateOne(ctx context.Context, model SearchIndexModel) (string, error) {
	names, err := v.create(ctx, "CreateOne", []SearchIndexModel{model})
	if err != nil {
		return "", err
	}
	if len(names) != 1 {
		return "", fmt.Errorf("motor: createSearchIndexes: the server reported %d indexes created, not 1", len(names))
	}
	return names[0], nil
}

// CreateMany creates several search indexes with one createSearchIndexes
// command and returns their names, in the order the server reports them
// (that of models).
func (v SearchIndexView) CreateMany(ctx context.Context, models []SearchIndexModel) ([]string, error) {
	return v.create(ctx, "CreateMany", models)
}

func (v SearchIndexView) create(ctx context.Context, name string, models []SearchIndexModel) ([]string, error) {
	if err := checkAdminName(name, "collection", v.coll); err != nil {
		return nil, err
	}
	specs := make(bson.A, len(models))
	for i, m := range models {
		if m.Definition == nil {
			return nil, adminError(name, "search index model %d has no definition", i)
		}
		spec := bson.D{{Key: "definition", Value: m.Definition}}
		if m.Name != "" {
			spec = append(spec, bson.E{Key: "name", Value: m.Name})
		}
		if m.Type != "" {
			spec = append(spec, bson.E{Key: "type", Value: m.Type})
		}
		specs[i] = spec
	}
	doc := bson.D{{Key: "createSearchIndexes", Value: v.coll}, {Key: "indexes", Value: specs}}
	reply, err := v.command("createSearchIndexes", doc).run(ctx, v.db.client)
	if err != nil {
		return nil, err
	}
	return parseSearchIndexesCreated(reply)
}

// parseSearchIndexesCreated reads the names of createSearchIndexes'
// reply: {indexesCreated: [{id: ..., name: ...}, ...]}.
func parseSearchIndexesCreated(reply bson.Raw) ([]string, error) {
	arr, ok := reply.Lookup("indexesCreated").ArrayOK()
	if !ok {
		return nil, fmt.Errorf("motor: createSearchIndexes: reply without indexesCreated: %v", reply)
	}
	var names []string
	for i, e := range arr.Values() {
		d, ok := e.DocumentOK()
		if !ok {
			return nil, fmt.Errorf("motor: createSearchIndexes: indexesCreated element %d is a %v, not a document", i, e.Type)
		}
		n, ok := d.Lookup("name").StringValueOK()
		if !ok {
			return nil, fmt.Errorf("motor: createSearchIndexes: indexesCreated element %d has no name: %v", i, d)
		}
		names = append(names, n)
	}
	return names, nil
}

// DropOne drops the search index called name. Dropping an index, or from
// a collection, that does not exist succeeds (the server's
// NamespaceNotFound is not reported), so DropOne can be repeated.
func (v SearchIndexView) DropOne(ctx context.Context, name string) error {
	if err := checkAdminName("DropOne", "collection", v.coll); err != nil {
		return err
	}
	if name == "" {
		return adminError("DropOne", "empty search index name")
	}
	doc := bson.D{{Key: "dropSearchIndex", Value: v.coll}, {Key: "name", Value: name}}
	_, err := v.command("dropSearchIndex", doc).run(ctx, v.db.client)
	if errors.Is(err, ErrNamespaceNotFound) {
		return nil
	}
	return err
}

// UpdateOne replaces the definition of the search index called name with
// definition, a document.
func (v SearchIndexView) UpdateOne(ctx context.Context, name string, definition any) error {
	if err := checkAdminName("UpdateOne", "collection", v.coll); err != nil {
		return err
	}
	if name == "" {
		return adminError("UpdateOne", "empty search index name")
	}
	if definition == nil {
		return adminError("UpdateOne", "nil definition")
	}
	doc := bson.D{{Key: "updateSearchIndex", Value: v.coll}, {Key: "name", Value: name}, {Key: "definition", Value: definition}}
	_, err := v.command("updateSearchIndex", doc).run(ctx, v.db.client)
	return err
}

// List returns a cursor over the search indexes of the collection (or the
// one named by ListSearchIndexesOptions.Name): an aggregate with the
// $listSearchIndexes stage, on a server chosen by the collection's read
// preference. Each document describes an index: its id, name, type,
// status, queryable flag and latestDefinition.
func (v SearchIndexView) List(ctx context.Context, opts ...ListSearchIndexesOptions) (*Cursor[bson.Raw], error) {
	if err := checkAdminName("List", "collection", v.coll); err != nil {
		return nil, err
	}
	name := ""
	aggs := make([]AggregateOptions, 0, len(opts))
	for _, p := range opts {
		setOpt(&name, p.Name)
		aggs = append(aggs, p.AggregateOptions)
	}
	o := mergeAggregate(aggs)
	if o.ReadConcern != nil || o.WriteConcern != nil {
		return nil, adminError("List", "search index listings take no read or write concern")
	}
	stage := bson.D{}
	if name != "" {
		stage = append(stage, bson.E{Key: "name", Value: name})
	}
	pipeline := bson.A{bson.D{{Key: "$listSearchIndexes", Value: stage}}}
	return aggregate[bson.Raw](ctx, v.list, pipeline, o)
}

// command is a search index command: a write, on the primary, with no
// write concern.
func (v SearchIndexView) command(name string, doc bson.D) *adminCommand {
	return &adminCommand{name: name, db: v.db.name, doc: doc, reg: v.registry}
}
