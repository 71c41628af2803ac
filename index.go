package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
)

// IndexView manages the indexes of one collection: the Index View API of
// the index management specification. Get one from Collection.Indexes; it
// is a small value, cheap to copy and safe for concurrent use.
//
//	name, err := users.Indexes().CreateOne(ctx, motor.IndexModel{
//		Keys:    bson.D{{Key: "email", Value: 1}},
//		Options: motor.IndexOptions{Unique: new(true)},
//	})
//
// Its commands use the collection's write concern and BSON registry.
// Search indexes (Atlas Search) are managed by Collection.SearchIndexes.
type IndexView struct {
	db       *Database
	coll     string
	wc       *WriteConcern
	registry *bson.Registry
}

// Indexes returns the index view of the collection.
func (c *Collection[T]) Indexes() IndexView {
	return IndexView{db: c.db, coll: c.name, wc: c.wc, registry: c.registry}
}

// CreateIndexesOptions are the options of CreateOne and CreateMany.
type CreateIndexesOptions struct {
	// CommitQuorum is how many data-bearing members of a replica set must
	// finish building the indexes before the primary commits them: a
	// number, "majority", "votingMembers" (the server's default) or a tag
	// set name. It needs MongoDB 4.4; with an older server the call fails
	// before sending anything.
	CommitQuorum any
	// MaxTime bounds the command on the server (maxTimeMS).
	MaxTime time.Duration
	// Comment is attached to the command, for the profiler and logs.
	Comment any
}

// DropIndexesOptions are the options of DropOne, DropOneByKeys and DropAll.
type DropIndexesOptions struct {
	// MaxTime bounds the command on the server (maxTimeMS).
	MaxTime time.Duration
	// Comment is attached to the command, for the profiler and logs.
	Comment any
}

// ListIndexesOptions are the options of List and ListNames.
type ListIndexesOptions struct {
	// BatchSize is the number of index documents per batch of the cursor
	// that List reads to its end; 0 leaves it to the server.
	BatchSize int32
	// Comment is attached to the listIndexes command and to the getMore
	// commands that follow it.
	Comment any
}

// IndexSpecification describes an index, as listIndexes reports it.
type IndexSpecification struct {
	// Name is the index's name.
	Name string
	// Keys is the index's key pattern.
	Keys bson.D
	// Namespace is the collection, as "database.collection". Servers
	// before 4.4 reported it; for later ones the driver fills it in.
	Namespace string
	// Clustered says the index is the clustered index of a clustered
	// collection (created with CreateCollectionOptions.ClusteredIndex).
	Clustered bool
	// Options are the index's options, in the form CreateOne takes them;
	// Options.Name is Name and Options.Version the index version (v).
	Options IndexOptions
	// Raw is the index document as the server sent it, with any field not
	// modelled here.
	Raw bson.Raw
}

// minWireCommitQuorum is the first wire version (MongoDB 4.4) that
// accepts commitQuorum.
const minWireCommitQuorum = 9

// CreateOne creates one index and returns its name: the model's name, or
// the one derived from its keys. Creating an index that exists with the
// same keys and options succeeds and changes nothing.
func (v IndexView) CreateOne(ctx context.Context, model IndexModel, opts ...CreateIndexesOptions) (string, error) {
	names, err := v.createIndexes(ctx, "CreateOne", []IndexModel{model}, opts)
	if err != nil {
		return "", err
	}
	return names[0], nil
}

// CreateMany creates several indexes with one createIndexes command and
// returns their names, in the order of models.
func (v IndexView) CreateMany(ctx context.Context, models []IndexModel, opts ...CreateIndexesOptions) ([]string, error) {
	return v.createIndexes(ctx, "CreateMany", models, opts)
}

func (v IndexView) createIndexes(ctx context.Context, name string, models []IndexModel, opts []CreateIndexesOptions) ([]string, error) {
	if err := checkAdminName(name, "collection", v.coll); err != nil {
		return nil, err
	}
	if len(models) == 0 {
		return nil, adminError(name, "no index models")
	}
	var o CreateIndexesOptions
	for _, p := range opts {
		setOpt(&o.CommitQuorum, p.CommitQuorum)
		setOpt(&o.MaxTime, p.MaxTime)
		setOpt(&o.Comment, p.Comment)
	}
	names := make([]string, len(models))
	specs := make(bson.A, len(models))
	for i, m := range models {
		keys, err := indexKeys(v.registry, m.Keys)
		if err != nil {
			return nil, adminError(name, "index model %d: %v", i, err)
		}
		n := m.Options.Name
		if n == "" {
			if n, err = indexNameOf(keys); err != nil {
				return nil, adminError(name, "index model %d: %v", i, err)
			}
		}
		names[i] = n
		spec := bson.D{{Key: "key", Value: keys}, {Key: "name", Value: n}}
		specs[i] = appendIndexOptions(spec, &m.Options)
	}
	doc := bson.D{{Key: "createIndexes", Value: v.coll}, {Key: "indexes", Value: specs}}
	if o.CommitQuorum != nil {
		doc = append(doc, bson.E{Key: "commitQuorum", Value: o.CommitQuorum})
	}
	cmd := adminCommand{name: "createIndexes", db: v.db.name, doc: doc, reg: v.registry, wc: v.wc, maxTime: o.MaxTime, comment: o.Comment}
	if o.CommitQuorum != nil {
		// The specification requires refusing commitQuorum before 4.4:
		// servers 4.2.0 to 4.2.5 accept it and misuse it.
		cmd.minWire, cmd.needs = minWireCommitQuorum, "commitQuorum"
	}
	if _, err := cmd.run(ctx, v.db.client); err != nil {
		return nil, err
	}
	return names, nil
}

// DropOne drops the index called name. The name "*", which would drop
// every index, is refused: use DropAll.
func (v IndexView) DropOne(ctx context.Context, name string, opts ...DropIndexesOptions) error {
	if name == "" {
		return adminError("DropOne", "empty index name")
	}
	if name == "*" {
		return adminError("DropOne", `index name "*" would drop every index: use DropAll`)
	}
	return v.dropIndexes(ctx, "DropOne", name, opts)
}

// DropOneByKeys drops the index whose key pattern is keys, an ordered
// document such as bson.D{{Key: "a", Value: 1}}. The server refuses it when
// several indexes have that pattern (with different collations): drop
// those by name.
func (v IndexView) DropOneByKeys(ctx context.Context, keys any, opts ...DropIndexesOptions) error {
	raw, err := indexKeys(v.registry, keys)
	if err != nil {
		return adminError("DropOneByKeys", "%v", err)
	}
	return v.dropIndexes(ctx, "DropOneByKeys", raw, opts)
}

// DropAll drops every index of the collection except the one on _id.
func (v IndexView) DropAll(ctx context.Context, opts ...DropIndexesOptions) error {
	return v.dropIndexes(ctx, "DropAll", "*", opts)
}

func (v IndexView) dropIndexes(ctx context.Context, name string, index any, opts []DropIndexesOptions) error {
	if err := checkAdminName(name, "collection", v.coll); err != nil {
		return err
	}
	var o DropIndexesOptions
	for _, p := range opts {
		setOpt(&o.MaxTime, p.MaxTime)
		setOpt(&o.Comment, p.Comment)
	}
	doc := bson.D{{Key: "dropIndexes", Value: v.coll}, {Key: "index", Value: index}}
	cmd := adminCommand{name: "dropIndexes", db: v.db.name, doc: doc, reg: v.registry, wc: v.wc, maxTime: o.MaxTime, comment: o.Comment}
	_, err := cmd.run(ctx, v.db.client)
	return err
}

// List returns every index of the collection. It reads the whole
// listIndexes cursor: collections have few indexes. A collection that
// does not exist has none: List returns its NamespaceNotFound error (errors.Is(err,
// ErrNamespaceNotFound)).
func (v IndexView) List(ctx context.Context, opts ...ListIndexesOptions) ([]IndexSpecification, error) {
	docs, err := v.list(ctx, opts)
	if err != nil {
		return nil, err
	}
	specs := make([]IndexSpecification, 0, len(docs))
	for _, d := range docs {
		s, err := parseIndexSpecification(d, v.db.name+"."+v.coll)
		if err != nil {
			return nil, fmt.Errorf("motor: listIndexes: %w", err)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// ListNames returns the names of the collection's indexes.
func (v IndexView) ListNames(ctx context.Context, opts ...ListIndexesOptions) ([]string, error) {
	docs, err := v.list(ctx, opts)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		n, ok := d.Lookup("name").StringValueOK()
		if !ok {
			return nil, fmt.Errorf("motor: listIndexes: index without a name: %s", d)
		}
		names = append(names, n)
	}
	return names, nil
}

func (v IndexView) list(ctx context.Context, opts []ListIndexesOptions) ([]bson.Raw, error) {
	if err := checkAdminName("List", "collection", v.coll); err != nil {
		return nil, err
	}
	var o ListIndexesOptions
	for _, p := range opts {
		setOpt(&o.BatchSize, p.BatchSize)
		setOpt(&o.Comment, p.Comment)
	}
	doc := bson.D{{Key: "listIndexes", Value: v.coll}}
	if o.BatchSize > 0 {
		doc = append(doc, bson.E{Key: "cursor", Value: bson.D{{Key: "batchSize", Value: o.BatchSize}}})
	}
	a := adminCommand{name: "listIndexes", db: v.db.name, doc: doc, reg: v.registry, comment: o.Comment, readOnly: true}
	body, err := a.encode()
	if err != nil {
		return nil, err
	}
	// The index management specification has getMore carry the comment.
	return drainListing(ctx, v.db.client, a.op(body), o.BatchSize, o.Comment)
}

// parseIndexSpecification reads one document of listIndexes.
func parseIndexSpecification(doc bson.Raw, ns string) (IndexSpecification, error) {
	s := IndexSpecification{Raw: doc, Namespace: ns}
	if n, ok := doc.Lookup("ns").StringValueOK(); ok {
		s.Namespace = n
	}
	s.Name = doc.Lookup("name").StringValue()
	if k, ok := doc.Lookup("key").DocumentOK(); ok {
		if err := bson.Unmarshal(k, &s.Keys); err != nil {
			return s, fmt.Errorf("index %q: key: %w", s.Name, err)
		}
	}
	if b := specBool(doc.Lookup("clustered")); b != nil {
		s.Clustered = *b
	}
	var err error
	s.Options, err = parseIndexOptions(doc)
	if err != nil {
		return s, fmt.Errorf("index %q: %w", s.Name, err)
	}
	return s, nil
}
