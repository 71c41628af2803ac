package sim

import (
	"bytes"
	"errors"
	"slices"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// errWriteConflict reports that a write of a transaction touches a document
// that another transaction in progress wrote.
var errWriteConflict = errors.New("sim: write conflict")

// txnFields are the fields of a command of a transaction that the backend
// does not get: it has no transactions, nor snapshot reads.
var txnFields = []string{"autocommit", "startTransaction", "txnNumber", "readConcern"}

// execInTxn runs a command of the transaction t, which is in progress and
// whose mu is held, on the backend. Writes leave undo records; an error of
// the command aborts the transaction, rolling it back, as mongod aborts a
// transaction on any error of its commands.
func (cn *conn) execInTxn(req *request, t *txn) error {
	body := req.msg.Body
	db := body.Lookup("$db").StringValue()
	coll, _ := body.Lookup(req.name).StringValueOK()
	w, err := cn.watchWrite(req, db, coll)
	if err != nil {
		return err
	}
	var reply bson.Raw
	switch req.name {
	case "insert":
		reply, err = cn.txnInsert(req, t, db, coll)
	case "update":
		reply, err = cn.txnWrite(req, t, db, coll, "updates")
	case "delete":
		reply, err = cn.txnWrite(req, t, db, coll, "deletes")
	case "findAndModify", "findandmodify":
		reply, err = cn.txnFindAndModify(req, t, db, coll)
	case "create":
		reply, err = cn.txnCreate(req, t, db, coll)
	case "createIndexes":
		reply, err = cn.txnCreateIndexes(req, t, db, coll)
	default:
		var stripped bson.Raw
		if stripped, err = stripFields(body, ""); err == nil {
			reply, err = cn.backendRoundTrip(stripped, req.msg.Sequences)
		}
		if err == nil {
			reply, err = cn.isolate(req, t, reply)
		}
	}
	if errors.Is(err, errWriteConflict) {
		cn.rollback(t)
		cn.m.c.txns.setState(t, txnAborted)
		return cn.fail(req, codeWriteConflict, "Caused by :: Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.")
	}
	if err != nil {
		return err
	}
	if !okReply(reply) || reply.Lookup("writeErrors").Type != 0 {
		cn.rollback(t)
		cn.m.c.txns.setState(t, txnAborted)
	} else if w != nil {
		t.events = append(t.events, w.implicitCreate(w.after(req, reply))...)
	}
	var extra bson.D
	if !okReply(reply) {
		code, _ := reply.Lookup("code").AsInt64OK()
		if l := serverLabels(req.name, req.session, int32(code), 0); len(l) > 0 {
			extra = append(extra, bson.E{Key: "errorLabels", Value: l})
		}
	}
	if cn.m.c.kind == kindSharded {
		extra = append(extra, bson.E{Key: "recoveryToken", Value: recoveryToken})
	}
	if len(extra) > 0 {
		if reply, err = appendFields(reply, extra); err != nil {
			return err
		}
	}
	return cn.replyBody(req, reply)
}

// stripFields returns body without the transaction fields and without drop.
func stripFields(body bson.Raw, drop string) (bson.Raw, error) {
	var d bson.D
	for k, v := range body.Elements() {
		if k == drop || slices.Contains(txnFields, k) {
			continue
		}
		d = append(d, bson.E{Key: k, Value: v})
	}
	return bson.Marshal(d)
}

// badValue is the reply to a malformed command.
func badValue(msg string) (bson.Raw, error) {
	return bson.Marshal(errorReply(codeBadValue, msg, nil, nil))
}

// noteNamespace records, before the transaction's first write to db.coll,
// whether the collection exists: if not, the rollback drops it, as the
// write creates it.
func (cn *conn) noteNamespace(t *txn, db, coll string) error {
	ns := db + "." + coll
	if t.seen[ns] {
		return nil
	}
	ok, err := cn.collectionExists(db, coll)
	if err != nil {
		return err
	}
	t.seen[ns] = true
	if !ok {
		t.undo = append(t.undo, undoEntry{kind: undoDropCollection, db: db, coll: coll})
		cn.m.c.txns.noteCreated(t, ns, "")
	}
	return nil
}

// txnInsert runs an insert: its documents get an _id if they lack one, and
// those inserted are deleted by the rollback.
func (cn *conn) txnInsert(req *request, t *txn, db, coll string) (bson.Raw, error) {
	base, docs, err := splitStatements(req, "documents")
	if err != nil {
		return badValue(err.Error())
	}
	ns := db + "." + coll
	ids := make([]bson.RawValue, len(docs))
	keys := make([]string, len(docs))
	var seq []byte
	for i, d := range docs {
		id := bson.Raw(d).Lookup("_id")
		if id.Type == 0 {
			with := bson.D{{Key: "_id", Value: bson.NewObjectID()}}
			for k, v := range bson.Raw(d).Elements() {
				with = append(with, bson.E{Key: k, Value: v})
			}
			if d, err = bson.Marshal(with); err != nil {
				return nil, err
			}
			id = bson.Raw(d).Lookup("_id")
		}
		// A copy: d may slice into the request, released after it.
		ids[i] = bson.RawValue{Type: id.Type, Value: bytes.Clone(id.Value)}
		keys[i] = idKey(id)
		seq = append(seq, d...)
	}
	if cn.m.c.txns.conflict(t, ns, keys) {
		return nil, errWriteConflict
	}
	if err := cn.noteNamespace(t, db, coll); err != nil {
		return nil, err
	}
	if base, err = stripFields(base, ""); err != nil {
		return nil, err
	}
	reply, err := cn.backendRoundTrip(base, []wire.Sequence{{Identifier: "documents", Docs: seq}})
	if err != nil {
		return nil, err
	}
	if !okReply(reply) {
		return reply, nil
	}
	failed := map[int]bool{}
	first := len(docs)
	for _, v := range reply.Lookup("writeErrors").Array().Values() {
		i, _ := v.Document().Lookup("index").AsInt64OK()
		failed[int(i)] = true
		first = min(first, int(i))
	}
	ordered := true
	if v, ok := req.msg.Body.Lookup("ordered").BooleanOK(); ok {
		ordered = v
	}
	for i := range docs {
		if failed[i] || (ordered && i > first) {
			continue
		}
		t.undo = append(t.undo, undoEntry{kind: undoDelete, db: db, coll: coll, id: ids[i]})
		cn.m.c.txns.touch(t, ns, keys[i], nil)
	}
	return reply, nil
}

// txnWrite runs an update or a delete statement by statement: the
// documents a statement's filter matches are read before it, and those it
// changed or deleted are restored by the rollback; upserted documents are
// deleted by it. The reply is built from the statements' (see
// combineStatements), which also gets the index of an upsert right where
// FerretDB reports 0.
func (cn *conn) txnWrite(req *request, t *txn, db, coll, field string) (bson.Raw, error) {
	base, stmts, err := splitStatements(req, field)
	if err != nil {
		return badValue(err.Error())
	}
	if base, err = stripFields(base, ""); err != nil {
		return nil, err
	}
	ordered := true
	if v, ok := req.msg.Body.Lookup("ordered").BooleanOK(); ok {
		ordered = v
	}
	results := make([]stmtResult, len(stmts))
	done := make([]bool, len(stmts))
	for i, s := range stmts {
		q, _ := bson.Raw(s).Lookup("q").DocumentOK()
		pre, err := cn.findAll(db, coll, q)
		if err != nil {
			return nil, err
		}
		if err := cn.checkConflict(t, db+"."+coll, pre); err != nil {
			return nil, err
		}
		if bson.Raw(s).Lookup("upsert").Boolean() {
			if err := cn.noteNamespace(t, db, coll); err != nil {
				return nil, err
			}
		}
		reply, err := cn.backendRoundTrip(base, []wire.Sequence{{Identifier: field, Docs: s}})
		if err != nil {
			return nil, err
		}
		if !okReply(reply) {
			return reply, nil
		}
		r := parseStmtResult(reply)
		results[i], done[i] = r, true
		var upserted []bson.RawValue
		if r.upserted.Type != 0 {
			upserted = append(upserted, r.upserted)
		}
		if err := cn.recordWrite(t, db, coll, pre, upserted); err != nil {
			return nil, err
		}
		if r.writeError != nil && ordered {
			break
		}
	}
	reply, _, err := combineStatements(req.name, results, done)
	return reply, err
}

// checkConflict fails with errWriteConflict if another transaction in
// progress wrote one of docs.
func (cn *conn) checkConflict(t *txn, ns string, docs []bson.Raw) error {
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = idKey(d.Lookup("_id"))
	}
	if cn.m.c.txns.conflict(t, ns, keys) {
		return errWriteConflict
	}
	return nil
}

// recordWrite adds the undo records of a write that may have changed the
// documents pre and upserted those of the ids upserted.
func (cn *conn) recordWrite(t *txn, db, coll string, pre []bson.Raw, upserted []bson.RawValue) error {
	ns := db + "." + coll
	changed, err := cn.changed(db, coll, pre)
	if err != nil {
		return err
	}
	for _, d := range changed {
		t.undo = append(t.undo, undoEntry{kind: undoRestore, db: db, coll: coll, doc: d})
		cn.m.c.txns.touch(t, ns, idKey(d.Lookup("_id")), d)
	}
	for _, id := range upserted {
		t.undo = append(t.undo, undoEntry{kind: undoDelete, db: db, coll: coll, id: id})
		cn.m.c.txns.touch(t, ns, idKey(id), nil)
	}
	return nil
}

// txnFindAndModify runs a findAndModify as txnWrite runs an update.
func (cn *conn) txnFindAndModify(req *request, t *txn, db, coll string) (bson.Raw, error) {
	body := req.msg.Body
	q, _ := body.Lookup("query").DocumentOK()
	pre, err := cn.findAll(db, coll, q)
	if err != nil {
		return nil, err
	}
	if err := cn.checkConflict(t, db+"."+coll, pre); err != nil {
		return nil, err
	}
	if body.Lookup("upsert").Boolean() {
		if err := cn.noteNamespace(t, db, coll); err != nil {
			return nil, err
		}
	}
	stripped, err := stripFields(body, "")
	if err != nil {
		return nil, err
	}
	reply, err := cn.backendRoundTrip(stripped, req.msg.Sequences)
	if err != nil {
		return nil, err
	}
	var upserted []bson.RawValue
	if id := reply.Lookup("lastErrorObject", "upserted"); id.Type != 0 {
		upserted = append(upserted, id)
	}
	return reply, cn.recordWrite(t, db, coll, pre, upserted)
}

// txnCreate runs a create; the rollback drops the collection.
func (cn *conn) txnCreate(req *request, t *txn, db, coll string) (bson.Raw, error) {
	stripped, err := stripFields(req.msg.Body, "")
	if err != nil {
		return nil, err
	}
	reply, err := cn.backendRoundTrip(stripped, req.msg.Sequences)
	if err == nil && okReply(reply) {
		t.seen[db+"."+coll] = true
		t.undo = append(t.undo, undoEntry{kind: undoDropCollection, db: db, coll: coll})
		cn.m.c.txns.noteCreated(t, db+"."+coll, "")
	}
	return reply, err
}

// txnCreateIndexes runs a createIndexes; the rollback drops the indexes it
// created, or the collection if it created that too.
func (cn *conn) txnCreateIndexes(req *request, t *txn, db, coll string) (bson.Raw, error) {
	before, exists, err := cn.indexNames(db, coll)
	if err != nil {
		return nil, err
	}
	stripped, err := stripFields(req.msg.Body, "")
	if err != nil {
		return nil, err
	}
	reply, err := cn.backendRoundTrip(stripped, req.msg.Sequences)
	if err != nil || !okReply(reply) {
		return reply, err
	}
	if !exists {
		t.seen[db+"."+coll] = true
		t.undo = append(t.undo, undoEntry{kind: undoDropCollection, db: db, coll: coll})
		cn.m.c.txns.noteCreated(t, db+"."+coll, "")
		return reply, nil
	}
	for _, v := range req.msg.Body.Lookup("indexes").Array().Values() {
		if name := v.Document().Lookup("name").StringValue(); name != "" && !before[name] {
			t.undo = append(t.undo, undoEntry{kind: undoDropIndex, db: db, coll: coll, name: name})
			cn.m.c.txns.noteCreated(t, db+"."+coll, name)
		}
	}
	return reply, nil
}
