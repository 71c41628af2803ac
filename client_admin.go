package motor

import (
	"context"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// ListDatabasesOptions are the options of ListDatabases and
// ListDatabaseNames.
type ListDatabasesOptions struct {
	// NameOnly asks the server for names only, which needs no database
	// lock; the other fields of each DatabaseSpecification are then zero.
	// ListDatabaseNames sets it by itself when the filter allows: the
	// server applies nameOnly before the filter, so a filter on anything
	// but name would then match nothing.
	NameOnly bool
	// AuthorizedDatabases, when set, says whether to list only the
	// databases the user has privileges on (new(true)) or to require the
	// listDatabases privilege (new(false)); nil leaves it to the server,
	// which lists the authorized ones for a user without that privilege.
	AuthorizedDatabases *bool
	// Comment is attached to the command.
	Comment any
}

// DatabaseSpecification describes one database, as listDatabases reports it.
type DatabaseSpecification struct {
	// Name is the database's name.
	Name string
	// SizeOnDisk is the size of its files, in bytes.
	SizeOnDisk int64
	// Empty says the database holds no data.
	Empty bool
	// Shards maps each shard holding data of the database to its size
	// there; only a sharded cluster reports it.
	Shards map[string]int64
	// Raw is the document as the server sent it.
	Raw bson.Raw
}

// ListDatabasesResult is the outcome of ListDatabases.
type ListDatabasesResult struct {
	// Databases are the databases listed.
	Databases []DatabaseSpecification
	// TotalSize is the sum of their sizes on disk, in bytes, as the server
	// reports it (0 with NameOnly).
	TotalSize int64
}

// ListDatabases returns the databases of the deployment that match filter,
// a query on the documents listDatabases returns ({name, sizeOnDisk,
// empty, shards}): bson.D{} for all of them. A nil filter is an error. It
// runs listDatabases on the admin database of a primary.
func (c *Client) ListDatabases(ctx context.Context, filter any, opts ...ListDatabasesOptions) (ListDatabasesResult, error) {
	reply, err := c.listDatabases(ctx, filter, false, opts)
	if err != nil {
		return ListDatabasesResult{}, err
	}
	return parseListDatabases(reply)
}

// parseListDatabases reads a listDatabases reply.
func parseListDatabases(reply bson.Raw) (ListDatabasesResult, error) {
	var res ListDatabasesResult
	res.TotalSize, _ = specInt64(reply.Lookup("totalSize"))
	for _, v := range reply.Lookup("databases").Array().Values() {
		doc, ok := v.DocumentOK()
		if !ok {
			return ListDatabasesResult{}, fmt.Errorf("motor: listDatabases: databases holds a %v, not a document", v.Type)
		}
		spec := DatabaseSpecification{Name: doc.Lookup("name").StringValue(), Raw: doc, Empty: doc.Lookup("empty").Boolean()}
		spec.SizeOnDisk, _ = specInt64(doc.Lookup("sizeOnDisk"))
		if shards, ok := doc.Lookup("shards").DocumentOK(); ok {
			spec.Shards = make(map[string]int64)
			for k, sv := range shards.Elements() {
				spec.Shards[k], _ = specInt64(sv)
			}
		}
		res.Databases = append(res.Databases, spec)
	}
	return res, nil
}

// ListDatabaseNames returns the names of the databases that match filter
// (see ListDatabases).
func (c *Client) ListDatabaseNames(ctx context.Context, filter any, opts ...ListDatabasesOptions) ([]string, error) {
	reply, err := c.listDatabases(ctx, filter, true, opts)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, v := range reply.Lookup("databases").Array().Values() {
		n, ok := v.Document().Lookup("name").StringValueOK()
		if !ok {
			return nil, fmt.Errorf("motor: listDatabases: database without a name: %s", v)
		}
		names = append(names, n)
	}
	return names, nil
}

func (c *Client) listDatabases(ctx context.Context, filter any, namesOnly bool, opts []ListDatabasesOptions) (bson.Raw, error) {
	f, err := encodeListFilter("listDatabases", nil, filter)
	if err != nil {
		return nil, err
	}
	var o ListDatabasesOptions
	for _, p := range opts {
		setOpt(&o.NameOnly, p.NameOnly)
		setOpt(&o.AuthorizedDatabases, p.AuthorizedDatabases)
		setOpt(&o.Comment, p.Comment)
	}
	if namesOnly && filterOnlyNames(f) {
		o.NameOnly = true
	}
	doc := bson.D{{Key: "listDatabases", Value: int32(1)}}
	if len(f) > 5 {
		doc = append(doc, bson.E{Key: "filter", Value: f})
	}
	if o.NameOnly {
		doc = append(doc, bson.E{Key: "nameOnly", Value: true})
	}
	if o.AuthorizedDatabases != nil {
		doc = append(doc, bson.E{Key: "authorizedDatabases", Value: *o.AuthorizedDatabases})
	}
	cmd := adminCommand{name: "listDatabases", db: "admin", doc: doc, comment: o.Comment, readOnly: true}
	reply, err := cmd.run(ctx, c)
	if err != nil {
		return nil, err
	}
	if _, ok := reply.Lookup("databases").ArrayOK(); !ok {
		return nil, fmt.Errorf("motor: listDatabases: reply has no databases array: %s", reply)
	}
	return reply, nil
}
