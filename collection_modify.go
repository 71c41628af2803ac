package motor

import (
	"context"

	"github.com/motor-go/motor/bson"
)

// ModifyCollectionOptions are the changes Database.ModifyCollection makes
// to a collection: the options of the collMod command. The zero value of
// each field leaves that setting as it is.
type ModifyCollectionOptions struct {
	// Validator replaces the collection's validator: the query filter
	// (or $jsonSchema document) that inserted and updated documents must
	// match. bson.D{} removes it.
	Validator any
	// ValidationLevel is how strictly the validator applies: "off",
	// "strict" or "moderate".
	ValidationLevel string
	// ValidationAction is what a document that fails validation causes:
	// "error", "warn" or "errorAndLog".
	ValidationAction string
	// ChangeStreamPreAndPostImages turns the recording of pre- and
	// post-images for change streams on or off (MongoDB 6.0).
	ChangeStreamPreAndPostImages *ChangeStreamPreAndPostImages
	// Index changes one index of the collection.
	Index *IndexModification
	// ExpireAfterSeconds changes how long the documents of a time-series
	// or clustered collection live (MongoDB 5.0).
	ExpireAfterSeconds *int64
	// Comment is attached to the command.
	Comment any
}

// IndexModification is a change to one index by ModifyCollection. It names
// the index by Name or by Keys (exactly one of them), and sets at least one
// of the other fields.
type IndexModification struct {
	// Name is the index's name.
	Name string
	// Keys is the index's key pattern, an ordered document such as
	// bson.D{{Key: "a", Value: 1}}.
	Keys any
	// Hidden hides the index from the query planner, or shows it again
	// (MongoDB 4.4).
	Hidden *bool
	// ExpireAfterSeconds changes the lifetime of the documents of a TTL
	// index.
	ExpireAfterSeconds *int64
	// PrepareUnique makes the index refuse new duplicate keys, the first
	// step of converting it to a unique index (MongoDB 6.0).
	PrepareUnique *bool
	// Unique converts an index with PrepareUnique to a unique index. The
	// server refuses it, with a *ServerError (code 359,
	// CannotConvertIndexToUnique) whose Raw reply lists the violations,
	// when some keys are duplicated.
	Unique *bool
}

// ModifyCollection changes the options of the collection (or view) name of
// the database with the collMod command: its validator and validation
// settings, pre- and post-images, the lifetime of its documents, or one of
// its indexes.
//
//	err := db.ModifyCollection(ctx, "users", motor.ModifyCollectionOptions{
//		Validator:       bson.D{{Key: "email", Value: bson.D{{Key: "$type", Value: "string"}}}},
//		ValidationLevel: "moderate",
//	})
//
// The command uses the database's write concern.
func (db *Database) ModifyCollection(ctx context.Context, name string, opts ModifyCollectionOptions) error {
	if err := checkAdminName("ModifyCollection", "collection", name); err != nil {
		return err
	}
	doc := bson.D{{Key: "collMod", Value: name}}
	if ix := opts.Index; ix != nil {
		d, err := indexModificationDoc(db.registry, ix)
		if err != nil {
			return err
		}
		doc = append(doc, bson.E{Key: "index", Value: d})
	}
	if opts.Validator != nil {
		doc = append(doc, bson.E{Key: "validator", Value: opts.Validator})
	}
	if opts.ValidationLevel != "" {
		doc = append(doc, bson.E{Key: "validationLevel", Value: opts.ValidationLevel})
	}
	if opts.ValidationAction != "" {
		doc = append(doc, bson.E{Key: "validationAction", Value: opts.ValidationAction})
	}
	if p := opts.ChangeStreamPreAndPostImages; p != nil {
		doc = append(doc, bson.E{Key: "changeStreamPreAndPostImages", Value: bson.D{{Key: "enabled", Value: p.Enabled}}})
	}
	if opts.ExpireAfterSeconds != nil {
		doc = append(doc, bson.E{Key: "expireAfterSeconds", Value: *opts.ExpireAfterSeconds})
	}
	cmd := adminCommand{name: "collMod", db: db.name, doc: doc, reg: db.registry, wc: db.wc, comment: opts.Comment}
	_, err := cmd.run(ctx, db.client)
	return err
}

// indexModificationDoc returns the index document of collMod for ix.
func indexModificationDoc(reg *bson.Registry, ix *IndexModification) (bson.D, error) {
	var d bson.D
	switch {
	case ix.Name != "" && ix.Keys != nil:
		return nil, adminError("ModifyCollection", "the index is named by both Name and Keys")
	case ix.Name != "":
		d = bson.D{{Key: "name", Value: ix.Name}}
	case ix.Keys != nil:
		keys, err := indexKeys(reg, ix.Keys)
		if err != nil {
			return nil, adminError("ModifyCollection", "index: %v", err)
		}
		d = bson.D{{Key: "keyPattern", Value: keys}}
	default:
		return nil, adminError("ModifyCollection", "the index is named by neither Name nor Keys")
	}
	n := len(d)
	if ix.Hidden != nil {
		d = append(d, bson.E{Key: "hidden", Value: *ix.Hidden})
	}
	if ix.ExpireAfterSeconds != nil {
		d = append(d, bson.E{Key: "expireAfterSeconds", Value: *ix.ExpireAfterSeconds})
	}
	if ix.PrepareUnique != nil {
		d = append(d, bson.E{Key: "prepareUnique", Value: *ix.PrepareUnique})
	}
	if ix.Unique != nil {
		d = append(d, bson.E{Key: "unique", Value: *ix.Unique})
	}
	if len(d) == n {
		return nil, adminError("ModifyCollection", "the index modification changes nothing")
	}
	return d, nil
}
