package sim

import (
	"strings"

	"github.com/motor-go/motor/bson"
)

// The writes of a transaction reach the backend at once, but a reader
// outside it must not see them until it commits, and a transaction must
// not see those of the transactions that were in progress when it started,
// even once committed (snapshot isolation). The simulator approximates
// that on the replies of the reads whose documents are a collection's:
// find and its getMores drop the documents such a transaction inserted and
// show those it updated or deleted as they were before (when the reply
// holds them: a document deleted, or updated out of the filter, stays
// missing), listCollections hides the collections it created and
// listIndexes its indexes. Other reads (aggregate, distinct, count) see
// everything.

// isolatedReads are the commands whose replies isolate applies to.
var isolatedReads = setOf("find", "getMore", "listCollections", "listIndexes")

// view is what a reader must not see of the writes of transactions.
type view struct {
	docs  map[string]map[string]bson.Raw // ns → _id key → the document before (nil: none)
	colls map[string]bool                // namespaces of created collections
	idx   map[string]map[string]bool     // ns → names of created indexes
}

// viewFor returns what reader (nil outside a transaction) must not see, or
// nil if nothing.
func (ts *transactions) viewFor(reader *txn) *view {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.open == 0 && (reader == nil || len(reader.hidden) == 0) {
		return nil // the common case: no transactions
	}
	ws := ts.writersLocked(reader)
	if len(ws) == 0 {
		return nil
	}
	v := &view{docs: map[string]map[string]bson.Raw{}, colls: map[string]bool{}, idx: map[string]map[string]bool{}}
	for _, w := range ws {
		for ns, m := range w.orig {
			if v.docs[ns] == nil {
				v.docs[ns] = map[string]bson.Raw{}
			}
			for k, d := range m {
				v.docs[ns][k] = d
			}
		}
		for ns := range w.created {
			v.colls[ns] = true
		}
		for ns, names := range w.createdIdx {
			if v.idx[ns] == nil {
				v.idx[ns] = map[string]bool{}
			}
			for n := range names {
				v.idx[ns][n] = true
			}
		}
	}
	return v
}

// isolate returns the reply of a read by reader (nil outside a
// transaction) without what the view hides from it. A getMore is isolated
// only on a cursor that a find opened on this connection.
func (cn *conn) isolate(req *request, reader *txn, reply bson.Raw) (bson.Raw, error) {
	if !isolatedReads[req.name] || !okReply(reply) {
		return reply, nil
	}
	cur, ok := reply.Lookup("cursor").DocumentOK()
	if !ok {
		return reply, nil
	}
	id, _ := cur.Lookup("id").AsInt64OK()
	switch req.name {
	case "find":
		if cn.findCursors == nil {
			cn.findCursors = map[int64]bool{}
		}
		if id != 0 {
			cn.findCursors[id] = true
		}
	case "getMore":
		asked, _ := req.msg.Body.Lookup("getMore").AsInt64OK()
		if !cn.findCursors[asked] {
			return reply, nil
		}
		if id == 0 {
			delete(cn.findCursors, asked)
		}
	}
	v := cn.m.c.txns.viewFor(reader)
	if v == nil {
		return reply, nil
	}
	ns := cur.Lookup("ns").StringValue()
	batch := "firstBatch"
	if cur.Lookup("nextBatch").Type != 0 {
		batch = "nextBatch"
	}
	keep := bson.A{}
	changed := false
	for _, e := range cur.Lookup(batch).Array().Values() {
		d := e.Document()
		switch req.name {
		case "listCollections":
			db, _, _ := strings.Cut(ns, ".")
			if v.colls[db+"."+d.Lookup("name").StringValue()] {
				changed = true
				continue
			}
		case "listIndexes":
			if v.colls[ns] || v.idx[ns][d.Lookup("name").StringValue()] {
				changed = true
				continue
			}
		default:
			if orig, ok := v.docs[ns][idKey(d.Lookup("_id"))]; ok {
				changed = true
				if orig != nil {
					keep = append(keep, orig)
				}
				continue
			}
		}
		keep = append(keep, d)
	}
	if !changed {
		return reply, nil
	}
	newCur, err := appendFields(cur, bson.D{{Key: batch, Value: keep}})
	if err != nil {
		return nil, err
	}
	return appendFields(reply, bson.D{{Key: "cursor", Value: newCur}})
}
