package motor

import (
	"context"
	"errors"

	"github.com/motor-go/motor/bson"
)

// DropCollectionOptions are the options of Collection.Drop.
type DropCollectionOptions struct {
	// Comment is attached to the command.
	Comment any
}

// RenameCollectionOptions are the options of Collection.Rename.
type RenameCollectionOptions struct {
	// ToDatabase moves the collection to another database; empty keeps
	// it in its own.
	ToDatabase string
	// DropTarget drops an existing collection of the new name first;
	// without it, renaming onto an existing collection fails with a
	// *ServerError (code 48, NamespaceExists).
	DropTarget bool
	// Comment is attached to the command.
	Comment any
}

// Drop drops the collection with its documents and indexes. Dropping a
// collection that does not exist succeeds: the server's NamespaceNotFound
// error is not reported, so Drop can be repeated.
func (c *Collection[T]) Drop(ctx context.Context, opts ...DropCollectionOptions) error {
	if err := checkAdminName("Drop", "collection", c.name); err != nil {
		return err
	}
	var o DropCollectionOptions
	for _, p := range opts {
		setOpt(&o.Comment, p.Comment)
	}
	cmd := adminCommand{name: "drop", db: c.db.name, doc: bson.D{{Key: "drop", Value: c.name}}, reg: c.registry, wc: c.wc, comment: o.Comment}
	_, err := cmd.run(ctx, c.db.client)
	if errors.Is(err, ErrNamespaceNotFound) {
		return nil
	}
	return err
}

// Rename gives the collection the name to, in its database or, with
// RenameCollectionOptions.ToDatabase, in another. It runs the
// renameCollection command on the admin database. The handle c keeps its
// old name: get one for the new name from the database.
//
//	err := coll.Rename(ctx, "archive_2024", motor.RenameCollectionOptions{DropTarget: true})
func (c *Collection[T]) Rename(ctx context.Context, to string, opts ...RenameCollectionOptions) error {
	if err := checkAdminName("Rename", "collection", c.name); err != nil {
		return err
	}
	if err := checkAdminName("Rename", "target collection", to); err != nil {
		return err
	}
	var o RenameCollectionOptions
	for _, p := range opts {
		setOpt(&o.ToDatabase, p.ToDatabase)
		setOpt(&o.DropTarget, p.DropTarget)
		setOpt(&o.Comment, p.Comment)
	}
	toDB := c.db.name
	if o.ToDatabase != "" {
		if err := checkAdminName("Rename", "target database", o.ToDatabase); err != nil {
			return err
		}
		toDB = o.ToDatabase
	}
	doc := bson.D{{Key: "renameCollection", Value: c.FullName()}, {Key: "to", Value: toDB + "." + to}}
	if o.DropTarget {
		doc = append(doc, bson.E{Key: "dropTarget", Value: true})
	}
	cmd := adminCommand{name: "renameCollection", db: "admin", doc: doc, reg: c.registry, wc: c.wc, comment: o.Comment}
	_, err := cmd.run(ctx, c.db.client)
	return err
}
