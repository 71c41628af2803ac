package motor

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/motor-go/motor/bson"
)

// IndexModel describes one index to create: its keys and its options.
//
//	motor.IndexModel{
//		Keys:    bson.D{{Key: "email", Value: 1}},
//		Options: motor.IndexOptions{Unique: new(true)},
//	}
type IndexModel struct {
	// Keys is the index's key pattern, an ordered document: a bson.D (or a
	// bson.Raw, or a struct) whose values are 1 or -1 for ascending and
	// descending keys, or an index type such as "text", "2dsphere",
	// "hashed". A map with more than one key is refused, since its order
	// is lost.
	Keys any
	// Options are the index's options.
	Options IndexOptions
}

// IndexOptions are the options of one index, those of the index management
// specification. The zero value of each field leaves the option out, so the
// server's default applies. List reports an index's options in the same
// form.
type IndexOptions struct {
	// Name is the index's name. When empty, CreateOne and CreateMany
	// derive it from the keys as the specification says: key and value
	// pairs joined with underscores, "a_1_b_-1" for {a: 1, b: -1}. Two
	// indexes on the same keys that differ in collation need names of
	// their own.
	Name string
	// Unique makes the index reject documents whose keys duplicate those
	// of another document.
	Unique *bool
	// Sparse makes the index skip documents that lack the indexed field.
	Sparse *bool
	// ExpireAfterSeconds makes a TTL index: documents expire this many
	// seconds after the date in the indexed field.
	ExpireAfterSeconds *int32
	// PartialFilterExpression makes a partial index: only documents that
	// match this filter are indexed.
	PartialFilterExpression any
	// Hidden keeps the index up to date but hides it from the query
	// planner (MongoDB 4.4 and later).
	Hidden *bool
	// Collation is the index's collation; when nil, the collection's
	// default applies.
	Collation *Collation
	// Weights are the fields of a text index with their weights, a
	// document such as {title: 10, body: 1}.
	Weights any
	// DefaultLanguage is the language of a text index ("english" when
	// empty); it is sent as default_language.
	DefaultLanguage string
	// LanguageOverride names the field that holds a document's language in
	// a text index; it is sent as language_override.
	LanguageOverride string
	// TextIndexVersion is the version of a text index.
	TextIndexVersion *int32
	// SphereIndexVersion is the version of a 2dsphere index, sent as
	// 2dsphereIndexVersion.
	SphereIndexVersion *int32
	// Bits is the precision of the geohash of a 2d index, from 1 to 32.
	Bits *int32
	// Min and Max are the bounds of the coordinates of a 2d index.
	Min, Max *float64
	// BucketSize groups the locations of a geoHaystack index, an index
	// type that MongoDB 5.0 removed.
	BucketSize *int32
	// WildcardProjection selects the fields of a wildcard index ({"$**": 1}),
	// as a projection document.
	WildcardProjection any
	// StorageEngine configures the storage engine for this index, a
	// document such as {wiredTiger: {configString: "..."}}.
	StorageEngine any
	// Version is the index version, sent as v. Leave it nil: servers pick
	// the best one.
	Version *int32
	// Background asked old servers to build the index without blocking
	// the collection.
	//
	// Deprecated: servers ignore it since MongoDB 4.2.
	Background *bool
}

// appendIndexOptions appends the options that o sets to d, in a fixed order,
// under the names the server uses.
func appendIndexOptions(d bson.D, o *IndexOptions) bson.D {
	boolOpt := func(k string, v *bool) {
		if v != nil {
			d = append(d, bson.E{Key: k, Value: *v})
		}
	}
	int32Opt := func(k string, v *int32) {
		if v != nil {
			d = append(d, bson.E{Key: k, Value: *v})
		}
	}
	floatOpt := func(k string, v *float64) {
		if v != nil {
			d = append(d, bson.E{Key: k, Value: *v})
		}
	}
	docOpt := func(k string, v any) {
		if v != nil {
			d = append(d, bson.E{Key: k, Value: v})
		}
	}
	strOpt := func(k, v string) {
		if v != "" {
			d = append(d, bson.E{Key: k, Value: v})
		}
	}
	int32Opt("v", o.Version)
	boolOpt("unique", o.Unique)
	boolOpt("sparse", o.Sparse)
	int32Opt("expireAfterSeconds", o.ExpireAfterSeconds)
	docOpt("partialFilterExpression", o.PartialFilterExpression)
	boolOpt("hidden", o.Hidden)
	if o.Collation != nil {
		d = append(d, bson.E{Key: "collation", Value: o.Collation})
	}
	docOpt("weights", o.Weights)
	strOpt("default_language", o.DefaultLanguage)
	strOpt("language_override", o.LanguageOverride)
	int32Opt("textIndexVersion", o.TextIndexVersion)
	int32Opt("2dsphereIndexVersion", o.SphereIndexVersion)
	int32Opt("bits", o.Bits)
	floatOpt("min", o.Min)
	floatOpt("max", o.Max)
	int32Opt("bucketSize", o.BucketSize)
	docOpt("wildcardProjection", o.WildcardProjection)
	docOpt("storageEngine", o.StorageEngine)
	boolOpt("background", o.Background)
	return d
}

// parseIndexOptions reads the options of an index document, as listIndexes
// returns it. Numbers of any numeric type are accepted; a fractional
// number where an integer belongs is truncated. Options of an unexpected
// type are left out (the document itself keeps them).
func parseIndexOptions(doc bson.Raw) (IndexOptions, error) {
	var o IndexOptions
	for k, v := range doc.Elements() {
		var err error
		switch k {
		case "name":
			o.Name = v.StringValue()
		case "v":
			o.Version = specInt32(v)
		case "unique":
			o.Unique = specBool(v)
		case "sparse":
			o.Sparse = specBool(v)
		case "expireAfterSeconds":
			o.ExpireAfterSeconds = specInt32(v)
		case "partialFilterExpression":
			o.PartialFilterExpression, err = specDoc(v)
		case "hidden":
			o.Hidden = specBool(v)
		case "collation":
			if sub, ok := v.DocumentOK(); ok {
				var c Collation
				if err = bson.Unmarshal(sub, &c); err == nil {
					o.Collation = &c
				}
			}
		case "weights":
			o.Weights, err = specDoc(v)
		case "default_language":
			o.DefaultLanguage = v.StringValue()
		case "language_override":
			o.LanguageOverride = v.StringValue()
		case "textIndexVersion":
			o.TextIndexVersion = specInt32(v)
		case "2dsphereIndexVersion":
			o.SphereIndexVersion = specInt32(v)
		case "bits":
			o.Bits = specInt32(v)
		case "min":
			o.Min = specFloat(v)
		case "max":
			o.Max = specFloat(v)
		case "bucketSize":
			o.BucketSize = specInt32(v)
		case "wildcardProjection":
			o.WildcardProjection, err = specDoc(v)
		case "storageEngine":
			o.StorageEngine, err = specDoc(v)
		case "background":
			o.Background = specBool(v)
		}
		if err != nil {
			return o, fmt.Errorf("index option %s: %w", k, err)
		}
	}
	return o, nil
}

// specBool returns a boolean value (or a number, true when not 0), or nil.
func specBool(v bson.RawValue) *bool {
	if b, ok := v.BooleanOK(); ok {
		return &b
	}
	if f, ok := v.AsFloat64OK(); ok {
		b := f != 0
		return &b
	}
	return nil
}

// specInt32 returns a numeric value as an int32 (a fractional one
// truncated), or nil.
func specInt32(v bson.RawValue) *int32 {
	if i, ok := v.AsInt64OK(); ok {
		n := int32(i)
		return &n
	}
	if f, ok := v.AsFloat64OK(); ok {
		n := int32(f)
		return &n
	}
	return nil
}

// specFloat returns a numeric value as a float64, or nil.
func specFloat(v bson.RawValue) *float64 {
	if f, ok := v.AsFloat64OK(); ok {
		return &f
	}
	return nil
}

// specDoc decodes a document value into a bson.D; other types give nil.
func specDoc(v bson.RawValue) (any, error) {
	sub, ok := v.DocumentOK()
	if !ok {
		return nil, nil
	}
	var d bson.D
	if err := bson.Unmarshal(sub, &d); err != nil {
		return nil, err
	}
	return d, nil
}

// errIndexKeysEmpty is the error for an index model without keys.
var errIndexKeysEmpty = errors.New("index keys are empty")

// indexKeys encodes an index's key pattern with reg and checks that it is
// an ordered, non-empty document.
func indexKeys(reg *bson.Registry, keys any) (bson.Raw, error) {
	if keys == nil {
		return nil, errIndexKeysEmpty
	}
	if rv := reflect.ValueOf(keys); rv.Kind() == reflect.Map && rv.Len() > 1 {
		return nil, fmt.Errorf("index keys are a %T with %d keys, whose order is lost: use a bson.D", keys, rv.Len())
	}
	b, err := bson.MarshalOptions{Registry: reg}.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("index keys: %w", err)
	}
	raw := bson.Raw(b)
	if raw.Len() == 0 {
		return nil, errIndexKeysEmpty
	}
	return raw, nil
}

// IndexName returns the name the index management specification gives an
// index with the key pattern keys when it has no name of its own: each key
// and its value joined by underscores, as "name_1_dob_-1" for
// bson.D{{"name", 1}, {"dob", -1}} or "title_text" for {title: "text"}.
// keys must be an ordered document (a bson.D, bson.Raw or struct) whose
// values are numbers or strings.
func IndexName(keys any) (string, error) {
	raw, err := indexKeys(nil, keys)
	if err != nil {
		return "", fmt.Errorf("motor: %w", err)
	}
	name, err := indexNameOf(raw)
	if err != nil {
		return "", fmt.Errorf("motor: %w", err)
	}
	return name, nil
}

// indexNameOf derives an index name from encoded keys.
func indexNameOf(keys bson.Raw) (string, error) {
	var sb strings.Builder
	for k, v := range keys.Elements() {
		if sb.Len() > 0 {
			sb.WriteByte('_')
		}
		sb.WriteString(k)
		sb.WriteByte('_')
		switch v.Type {
		case bson.TypeInt32, bson.TypeInt64:
			i, _ := v.AsInt64OK()
			sb.WriteString(strconv.FormatInt(i, 10))
		case bson.TypeDouble:
			sb.WriteString(strconv.FormatFloat(v.Double(), 'g', -1, 64))
		case bson.TypeString:
			sb.WriteString(v.StringValue())
		default:
			return "", fmt.Errorf("index key %q has a value of BSON type %v; want a number or an index type name", k, v.Type)
		}
	}
	return sb.String(), nil
}
