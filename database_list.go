package motor

import (
	"context"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// ListCollectionsOptions are the options of ListCollections and
// ListCollectionNames.
type ListCollectionsOptions struct {
	// NameOnly asks the server for names and types only, which needs no
	// collection lock. ListCollectionNames sets it by itself when the
	// filter allows: the server applies nameOnly before the filter, so a
	// filter on anything but name would then match nothing.
	NameOnly bool
	// AuthorizedCollections, with NameOnly, lists only the collections the
	// user has privileges on, and lets a user without the
	// listCollections privilege list them.
	AuthorizedCollections bool
	// BatchSize is the number of documents per batch of the cursor read
	// to its end; 0 leaves it to the server.
	BatchSize int32
	// Comment is attached to the listCollections command (the server
	// carries it over to the getMore commands that follow).
	Comment any
}

// CollectionSpecification describes a collection or view, as
// listCollections reports it.
type CollectionSpecification struct {
	// Name is the collection's name.
	Name string
	// Type is "collection", "view" or "timeseries".
	Type string
	// ReadOnly is info.readOnly: true for views, and for every collection
	// of a server in read-only mode.
	ReadOnly bool
	// UUID is info.uuid, the collection's unique id; nil for views.
	UUID *bson.UUID
	// Options are the collection's options, in the form CreateCollection
	// takes them (Comment is never set).
	Options CreateCollectionOptions
	// ViewOn and Pipeline are the source and pipeline of a view.
	ViewOn   string
	Pipeline []bson.D
	// IDIndex is the collection's _id index, nil for views and
	// collections without one.
	IDIndex *IndexSpecification
	// Raw is the document as the server sent it, with its options as
	// Raw.Lookup("options").
	Raw bson.Raw
}

// ListCollections returns the collections and views of the database that
// match filter, a query on the documents listCollections returns ({name,
// type, options, info, idIndex}): bson.D{} for all of them,
// bson.D{{Key: "options.capped", Value: true}} for the capped ones. A nil
// filter is an error. It reads the whole listCollections cursor.
func (db *Database) ListCollections(ctx context.Context, filter any, opts ...ListCollectionsOptions) ([]CollectionSpecification, error) {
	docs, err := db.listCollections(ctx, filter, false, opts)
	if err != nil {
		return nil, err
	}
	specs := make([]CollectionSpecification, 0, len(docs))
	for _, d := range docs {
		s, err := parseCollectionSpecification(d, db.name)
		if err != nil {
			return nil, fmt.Errorf("motor: listCollections: %w", err)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// ListCollectionNames returns the names of the collections and views of
// the database that match filter (see ListCollections).
func (db *Database) ListCollectionNames(ctx context.Context, filter any, opts ...ListCollectionsOptions) ([]string, error) {
	docs, err := db.listCollections(ctx, filter, true, opts)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(docs))
	for _, d := range docs {
		n, ok := d.Lookup("name").StringValueOK()
		if !ok {
			return nil, fmt.Errorf("motor: listCollections: collection without a name: %s", d)
		}
		names = append(names, n)
	}
	return names, nil
}

func (db *Database) listCollections(ctx context.Context, filter any, namesOnly bool, opts []ListCollectionsOptions) ([]bson.Raw, error) {
	if err := checkAdminName("ListCollections", "database", db.name); err != nil {
		return nil, err
	}
	f, err := encodeListFilter("listCollections", db.registry, filter)
	if err != nil {
		return nil, err
	}
	var o ListCollectionsOptions
	for _, p := range opts {
		setOpt(&o.NameOnly, p.NameOnly)
		setOpt(&o.AuthorizedCollections, p.AuthorizedCollections)
		setOpt(&o.BatchSize, p.BatchSize)
		setOpt(&o.Comment, p.Comment)
	}
	if namesOnly && filterOnlyNames(f) {
		o.NameOnly = true
	}
	doc := bson.D{{Key: "listCollections", Value: int32(1)}, {Key: "filter", Value: f}}
	if o.NameOnly {
		doc = append(doc, bson.E{Key: "nameOnly", Value: true})
	}
	if o.AuthorizedCollections {
		doc = append(doc, bson.E{Key: "authorizedCollections", Value: true})
	}
	if o.BatchSize > 0 {
		doc = append(doc, bson.E{Key: "cursor", Value: bson.D{{Key: "batchSize", Value: o.BatchSize}}})
	}
	a := adminCommand{name: "listCollections", db: db.name, doc: doc, reg: db.registry, comment: o.Comment, readOnly: true}
	body, err := a.encode()
	if err != nil {
		return nil, err
	}
	// The enumeration specification: getMore must not repeat the comment.
	return drainListing(ctx, db.client, a.op(body), o.BatchSize, nil)
}

// parseCollectionSpecification reads one document of listCollections.
func parseCollectionSpecification(doc bson.Raw, dbName string) (CollectionSpecification, error) {
	s := CollectionSpecification{Raw: doc}
	s.Name = doc.Lookup("name").StringValue()
	s.Type = doc.Lookup("type").StringValue()
	if info, ok := doc.Lookup("info").DocumentOK(); ok {
		s.ReadOnly = info.Lookup("readOnly").Boolean()
		if b, ok := info.Lookup("uuid").BinaryOK(); ok {
			if u, err := bson.UUIDFromBinary(b); err == nil {
				s.UUID = &u
			}
		}
	}
	if idx, ok := doc.Lookup("idIndex").DocumentOK(); ok {
		spec, err := parseIndexSpecification(idx, dbName+"."+s.Name)
		if err != nil {
			return s, fmt.Errorf("collection %q: idIndex: %w", s.Name, err)
		}
		s.IDIndex = &spec
	}
	if opts, ok := doc.Lookup("options").DocumentOK(); ok {
		if err := parseCollectionOptions(opts, &s); err != nil {
			return s, fmt.Errorf("collection %q: %w", s.Name, err)
		}
	}
	return s, nil
}

// parseCollectionOptions reads the options document of a collection into
// s.Options, s.ViewOn and s.Pipeline.
func parseCollectionOptions(opts bson.Raw, s *CollectionSpecification) error {
	o := &s.Options
	for k, v := range opts.Elements() {
		var err error
		switch k {
		case "capped":
			if b := specBool(v); b != nil {
				o.Capped = *b
			}
		case "size":
			o.Size, _ = specInt64(v)
		case "max":
			o.Max, _ = specInt64(v)
		case "validator":
			o.Validator, err = specDoc(v)
		case "validationLevel":
			o.ValidationLevel = v.StringValue()
		case "validationAction":
			o.ValidationAction = v.StringValue()
		case "collation":
			if sub, ok := v.DocumentOK(); ok {
				var c Collation
				if err = bson.Unmarshal(sub, &c); err == nil {
					o.Collation = &c
				}
			}
		case "indexOptionDefaults":
			o.IndexOptionDefaults, err = specDoc(v)
		case "storageEngine":
			o.StorageEngine, err = specDoc(v)
		case "changeStreamPreAndPostImages":
			if sub, ok := v.DocumentOK(); ok {
				o.ChangeStreamPreAndPostImages = &ChangeStreamPreAndPostImages{Enabled: sub.Lookup("enabled").Boolean()}
			}
		case "clusteredIndex":
			o.ClusteredIndex, err = parseClusteredIndex(v)
		case "timeseries":
			if sub, ok := v.DocumentOK(); ok {
				ts := &TimeSeriesOptions{
					TimeField:   sub.Lookup("timeField").StringValue(),
					MetaField:   sub.Lookup("metaField").StringValue(),
					Granularity: sub.Lookup("granularity").StringValue(),
				}
				if n := specInt32(sub.Lookup("bucketMaxSpanSeconds")); n != nil {
					ts.BucketMaxSpanSeconds = *n
				}
				if n := specInt32(sub.Lookup("bucketRoundingSeconds")); n != nil {
					ts.BucketRoundingSeconds = *n
				}
				o.TimeSeries = ts
			}
		case "expireAfterSeconds":
			if n, ok := specInt64(v); ok {
				o.ExpireAfterSeconds = &n
			}
		case "viewOn":
			s.ViewOn = v.StringValue()
		case "pipeline":
			if arr, ok := v.ArrayOK(); ok {
				for _, st := range arr.Values() {
					var stage bson.D
					if err = st.Unmarshal(&stage); err != nil {
						break
					}
					s.Pipeline = append(s.Pipeline, stage)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("option %s: %w", k, err)
		}
	}
	return nil
}

// parseClusteredIndex reads the clusteredIndex option of a collection.
func parseClusteredIndex(v bson.RawValue) (*ClusteredIndex, error) {
	sub, ok := v.DocumentOK()
	if !ok {
		// Servers 5.3+ report {clusteredIndex: true} for some internal
		// collections: clustered by _id.
		if b := specBool(v); b != nil && *b {
			return &ClusteredIndex{Key: bson.D{{Key: "_id", Value: int32(1)}}, Unique: true}, nil
		}
		return nil, nil
	}
	ci := &ClusteredIndex{Name: sub.Lookup("name").StringValue(), Unique: sub.Lookup("unique").Boolean()}
	if k, ok := sub.Lookup("key").DocumentOK(); ok {
		var key bson.D
		if err := bson.Unmarshal(k, &key); err != nil {
			return nil, err
		}
		ci.Key = key
	}
	if n := specInt32(sub.Lookup("v")); n != nil {
		ci.Version = *n
	}
	return ci, nil
}

// specInt64 returns a numeric value as an int64, a fractional one truncated.
func specInt64(v bson.RawValue) (int64, bool) {
	if i, ok := v.AsInt64OK(); ok {
		return i, true
	}
	if f, ok := v.AsFloat64OK(); ok {
		return int64(f), true
	}
	return 0, false
}
