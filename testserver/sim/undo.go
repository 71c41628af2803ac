package sim

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// undoKind is what playing an undo record back does.
type undoKind uint8

const (
	undoDelete         undoKind = iota // delete the document id (inserted or upserted)
	undoRestore                        // put doc back (updated or deleted)
	undoDropCollection                 // drop the collection (created)
	undoDropIndex                      // drop the index name (created)
)

// undoEntry is one record of a transaction's undo log.
type undoEntry struct {
	kind     undoKind
	db, coll string
	id       bson.RawValue // undoDelete
	doc      bson.Raw      // undoRestore: the pre-image, with its _id
	name     string        // undoDropIndex
}

// rollback plays t's undo log back in reverse on the connection's backend
// connection and empties it. t.mu is held. It goes on after an error and
// returns them all.
func (cn *conn) rollback(t *txn) error {
	var errs []error
	for i := len(t.undo) - 1; i >= 0; i-- {
		if err := cn.undo(t.undo[i]); err != nil {
			errs = append(errs, err)
		}
	}
	t.undo, t.events = nil, nil
	return errors.Join(errs...)
}

// undo plays one record back.
func (cn *conn) undo(u undoEntry) error {
	var cmd bson.D
	switch u.kind {
	case undoDelete:
		cmd = bson.D{{Key: "delete", Value: u.coll}, {Key: "deletes", Value: bson.A{
			bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: u.id}}}, {Key: "limit", Value: int32(1)}}}}}
	case undoRestore:
		cmd = bson.D{{Key: "update", Value: u.coll}, {Key: "updates", Value: bson.A{
			bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: u.doc.Lookup("_id")}}}, {Key: "u", Value: u.doc}, {Key: "upsert", Value: true}}}}}
	case undoDropCollection:
		cmd = bson.D{{Key: "drop", Value: u.coll}}
	case undoDropIndex:
		cmd = bson.D{{Key: "dropIndexes", Value: u.coll}, {Key: "index", Value: u.name}}
	}
	cmd = append(cmd, bson.E{Key: "$db", Value: u.db})
	reply, err := cn.backendCommand(cmd)
	if err != nil {
		return err
	}
	if !okReply(reply) && u.kind != undoDropCollection {
		return fmt.Errorf("%s: %s", cmd[0].Key, reply)
	}
	if we := reply.Lookup("writeErrors"); we.Type != 0 {
		return fmt.Errorf("%s: %s", cmd[0].Key, we)
	}
	return nil
}

// backendCommand runs cmd on the connection's backend connection and
// returns a copy of the reply.
func (cn *conn) backendCommand(cmd bson.D) (bson.Raw, error) {
	body, err := bson.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	return cn.backendRoundTrip(body, nil)
}

// findAll returns copies of the documents of db.coll that match filter,
// reading every batch.
func (cn *conn) findAll(db, coll string, filter any) ([]bson.Raw, error) {
	if filter == nil {
		filter = bson.D{}
	}
	reply, err := cn.backendCommand(bson.D{{Key: "find", Value: coll}, {Key: "filter", Value: filter}, {Key: "$db", Value: db}})
	var docs []bson.Raw
	for {
		if err != nil {
			return nil, err
		}
		if !okReply(reply) {
			if reply.Lookup("code").Int32() == 26 { // NamespaceNotFound: no documents
				return docs, nil
			}
			return nil, fmt.Errorf("find on %s.%s: %s", db, coll, reply)
		}
		batch := reply.Lookup("cursor", "firstBatch")
		if batch.Type == 0 {
			batch = reply.Lookup("cursor", "nextBatch")
		}
		for _, v := range batch.Array().Values() {
			docs = append(docs, bytes.Clone(v.Document()))
		}
		id, _ := reply.Lookup("cursor", "id").AsInt64OK()
		if id == 0 {
			return docs, nil
		}
		reply, err = cn.backendCommand(bson.D{{Key: "getMore", Value: id}, {Key: "collection", Value: coll}, {Key: "$db", Value: db}})
	}
}

// changed returns the documents of pre whose current version differs
// from them or that are gone.
func (cn *conn) changed(db, coll string, pre []bson.Raw) ([]bson.Raw, error) {
	if len(pre) == 0 {
		return nil, nil
	}
	ids := make(bson.A, len(pre))
	for i, d := range pre {
		ids[i] = d.Lookup("_id")
	}
	now, err := cn.findAll(db, coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, err
	}
	cur := make(map[string]bson.Raw, len(now))
	for _, d := range now {
		cur[idKey(d.Lookup("_id"))] = d
	}
	var out []bson.Raw
	for _, d := range pre {
		if n, ok := cur[idKey(d.Lookup("_id"))]; !ok || !bytes.Equal(n, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// collectionExists reports whether db.coll exists on the backend.
func (cn *conn) collectionExists(db, coll string) (bool, error) {
	reply, err := cn.backendCommand(bson.D{{Key: "listCollections", Value: 1},
		{Key: "filter", Value: bson.D{{Key: "name", Value: coll}}}, {Key: "nameOnly", Value: true}, {Key: "$db", Value: db}})
	if err != nil {
		return false, err
	}
	if !okReply(reply) {
		return false, fmt.Errorf("listCollections: %s", reply)
	}
	return reply.Lookup("cursor", "firstBatch").Array().Len() > 0, nil
}

// indexNames returns the names of the indexes of db.coll, and whether the
// collection exists.
func (cn *conn) indexNames(db, coll string) (map[string]bool, bool, error) {
	reply, err := cn.backendCommand(bson.D{{Key: "listIndexes", Value: coll}, {Key: "$db", Value: db}})
	if err != nil {
		return nil, false, err
	}
	if !okReply(reply) {
		if reply.Lookup("code").Int32() == 26 {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("listIndexes: %s", reply)
	}
	names := map[string]bool{}
	for _, v := range reply.Lookup("cursor", "firstBatch").Array().Values() {
		names[v.Document().Lookup("name").StringValue()] = true
	}
	return names, true, nil
}

// idKey is the key of an _id value in the maps of written documents.
func idKey(v bson.RawValue) string {
	return string([]byte{byte(v.Type)}) + string(v.Value)
}
