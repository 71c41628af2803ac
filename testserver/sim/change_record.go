package sim

import (
	"bytes"
	"strings"

	"github.com/motor-go/motor/bson"
)

// recordedCommands are the commands whose effects go into the change event
// log.
var recordedCommands = setOf("insert", "update", "delete", "findAndModify", "findandmodify",
	"drop", "dropDatabase", "renameCollection", "create", "createIndexes", "dropIndexes", "collMod")

// forwardRecorded forwards req, recording its effects in the change event
// log when the log is active: the documents a write changes are read
// before it (by the statements' filters) and after it (by _id), and the
// events are added before the reply is sent.
func (cn *conn) forwardRecorded(req *request) error {
	body := req.msg.Body
	db := body.Lookup("$db").StringValue()
	coll, _ := body.Lookup(req.name).StringValueOK()
	w, err := cn.watchWrite(req, db, coll)
	if err != nil {
		return err
	}
	if err := cn.emulateDropTarget(req); err != nil {
		return err
	}
	if w == nil {
		return cn.forward(req)
	}
	req.onReply = func(reply bson.Raw) {
		if okReply(reply) {
			cn.m.c.addChanges(w.implicitCreate(w.after(req, reply)))
		}
	}
	return cn.forward(req)
}

// emulateDropTarget plays renameCollection's dropTarget: true, which the
// backend lacks: the target, if it exists, is dropped first, and the
// backend gets the command without dropTarget.
func (cn *conn) emulateDropTarget(req *request) error {
	body := req.msg.Body
	if req.name != "renameCollection" {
		return nil
	}
	if on, _ := body.Lookup("dropTarget").BooleanOK(); !on {
		return nil
	}
	to, _ := body.Lookup("to").StringValueOK()
	tdb, tcoll, ok := strings.Cut(to, ".")
	if !ok {
		return nil // the backend rejects it
	}
	exists, err := cn.collectionExists(tdb, tcoll)
	if err != nil {
		return err
	}
	if exists {
		if _, err := cn.backendCommand(bson.D{{Key: "drop", Value: tcoll}, {Key: "$db", Value: tdb}}); err != nil {
			return err
		}
	}
	stripped, err := stripFields(body, "dropTarget")
	if err != nil {
		return err
	}
	req.msg.Body = stripped
	return nil
}

// watchWrite reads what req, a command on db.coll, will change, when it is
// a recorded command and the log is active; otherwise it returns nil.
func (cn *conn) watchWrite(req *request, db, coll string) (*watchedWrite, error) {
	if !recordedCommands[req.name] || !cn.m.c.changes.isActive() {
		return nil, nil
	}
	// The events outlive the request: they keep copies.
	w := &watchedWrite{cn: cn, name: req.name, db: db, coll: coll, body: bytes.Clone(req.msg.Body)}
	if err := w.before(req); err != nil {
		return nil, err
	}
	return w, nil
}

// txnEvents returns the events of a committed transaction with the
// session's lsid and the transaction number, from body, the commit.
func txnEvents(evs []changeEvent, body bson.Raw) []changeEvent {
	lsid, _ := body.Lookup("lsid").DocumentOK()
	lsid = bytes.Clone(lsid)
	number, _ := body.Lookup("txnNumber").AsInt64OK()
	for i := range evs {
		evs[i].fields = append(evs[i].fields, bson.E{Key: "lsid", Value: lsid}, bson.E{Key: "txnNumber", Value: number})
	}
	return evs
}

// watchedWrite is what a recorded command saw before it ran.
type watchedWrite struct {
	cn         *conn
	name       string
	db, coll   string
	body       bson.Raw
	pre        [][]bson.Raw // per statement, the documents its filter matched
	replace    []bool       // per statement, whether it replaces
	deep       []bool       // per statement, whether it updates in place (see deepUpdate)
	colls      []string     // dropDatabase: the database's collections
	collExists bool
}

// statements returns the statement documents of an update or delete, from
// its document sequence or its array.
func statements(req *request, field string) []bson.Raw {
	var out []bson.Raw
	for _, s := range req.msg.Sequences {
		if s.Identifier == field {
			for d := range s.Documents() {
				out = append(out, bson.Raw(d))
			}
		}
	}
	for _, v := range req.msg.Body.Lookup(field).Array().Values() {
		if d, ok := v.DocumentOK(); ok {
			out = append(out, d)
		}
	}
	return out
}

// isReplacement reports whether an update document u replaces the
// document: it is a document without operators.
func isReplacement(u bson.RawValue) bool {
	d, ok := u.DocumentOK()
	if !ok {
		return false
	}
	for k := range d.Elements() {
		return !strings.HasPrefix(k, "$")
	}
	return true
}

// before reads what the command will change.
func (w *watchedWrite) before(req *request) error {
	var err error
	switch w.name {
	case "update", "delete":
		field, qk := "updates", "q"
		if w.name == "delete" {
			field = "deletes"
		}
		for _, st := range statements(req, field) {
			docs, ferr := w.cn.findAll(w.db, w.coll, st.Lookup(qk))
			if ferr != nil {
				docs = nil // a filter the backend cannot read: no events
			}
			w.pre = append(w.pre, docs)
			w.replace = append(w.replace, w.name == "update" && isReplacement(st.Lookup("u")))
			w.deep = append(w.deep, w.name == "update" && deepUpdate(st.Lookup("u")))
		}
	case "findAndModify", "findandmodify":
		q := w.body.Lookup("query")
		var filter any = bson.D{}
		if q.Type != 0 {
			filter = q
		}
		docs, ferr := w.cn.findAll(w.db, w.coll, filter)
		if ferr != nil {
			docs = nil
		}
		w.pre = [][]bson.Raw{docs}
		w.replace = []bool{isReplacement(w.body.Lookup("update"))}
		w.deep = []bool{deepUpdate(w.body.Lookup("update"))}
	case "dropDatabase":
		w.colls, err = w.cn.collectionNames(w.db)
	}
	if err == nil && w.name != "dropDatabase" && w.name != "renameCollection" {
		w.collExists, err = w.cn.collectionExists(w.db, w.coll)
	}
	return err
}

// implicitCreate returns the events of a write, preceded by the create
// event of the collection when the write created it, as mongod reports an
// implicit creation.
func (w *watchedWrite) implicitCreate(evs []changeEvent) []changeEvent {
	if w.collExists || w.name == "create" || w.name == "drop" || w.name == "dropIndexes" || w.name == "collMod" ||
		w.name == "dropDatabase" || w.name == "renameCollection" || len(evs) == 0 {
		return evs
	}
	create := changeEvent{op: "create", db: w.db, coll: w.coll, fields: bson.D{
		{Key: "operationDescription", Value: bson.D{}}, {Key: "nsType", Value: "collection"}}}
	return append([]changeEvent{create}, evs...)
}

// after returns the events of the command, which succeeded with reply.
func (w *watchedWrite) after(req *request, reply bson.Raw) []changeEvent {
	ev := func(op string, fields bson.D) changeEvent {
		return changeEvent{op: op, db: w.db, coll: w.coll, fields: fields}
	}
	switch w.name {
	case "insert":
		failed := writeErrorIndexes(reply)
		var out []changeEvent
		for i, d := range statements(req, "documents") {
			if failed[i] {
				continue
			}
			e := ev("insert", bson.D{{Key: "documentKey", Value: docKey(d)}})
			e.post = bytes.Clone(d)
			out = append(out, e)
		}
		return out
	case "update", "delete", "findAndModify", "findandmodify":
		return w.afterDocs(reply)
	case "drop":
		if !w.collExists {
			return nil
		}
		return []changeEvent{ev("drop", nil)}
	case "dropDatabase":
		var out []changeEvent
		for _, c := range w.colls {
			out = append(out, changeEvent{op: "drop", db: w.db, coll: c})
		}
		return append(out, changeEvent{op: "dropDatabase", db: w.db})
	case "renameCollection":
		from, _ := w.body.Lookup("renameCollection").StringValueOK()
		to, _ := w.body.Lookup("to").StringValueOK()
		fdb, fcoll, _ := strings.Cut(from, ".")
		tdb, tcoll, _ := strings.Cut(to, ".")
		toNS := bson.D{{Key: "db", Value: tdb}, {Key: "coll", Value: tcoll}}
		dropTarget, _ := w.body.Lookup("dropTarget").BooleanOK()
		return []changeEvent{{op: "rename", db: fdb, coll: fcoll, fields: bson.D{
			{Key: "to", Value: toNS},
			{Key: "operationDescription", Value: bson.D{{Key: "to", Value: toNS}, {Key: "dropTarget", Value: dropTarget}}},
		}}}
	case "create":
		if w.collExists {
			return nil
		}
		desc := bson.D{}
		for k, v := range w.body.Elements() {
			if k != "create" && k != "$db" && k != "lsid" && k != "$clusterTime" && k != "writeConcern" && k != "txnNumber" && k != "$readPreference" {
				desc = append(desc, bson.E{Key: k, Value: v})
			}
		}
		nsType := "collection"
		if w.body.Lookup("viewOn").Type != 0 {
			nsType = "view"
		}
		return []changeEvent{ev("create", bson.D{{Key: "operationDescription", Value: desc}, {Key: "nsType", Value: nsType}})}
	case "createIndexes":
		return []changeEvent{ev("createIndexes", bson.D{{Key: "operationDescription",
			Value: bson.D{{Key: "indexes", Value: w.body.Lookup("indexes")}}}})}
	case "dropIndexes":
		return []changeEvent{ev("dropIndexes", bson.D{{Key: "operationDescription",
			Value: bson.D{{Key: "indexes", Value: w.body.Lookup("index")}}}})}
	case "collMod":
		return []changeEvent{ev("modify", bson.D{{Key: "operationDescription", Value: bson.D{}}})}
	}
	return nil
}

// afterDocs returns the events of an update, delete or findAndModify: the
// documents read before are read again by _id, with those upserted.
func (w *watchedWrite) afterDocs(reply bson.Raw) []changeEvent {
	var out []changeEvent
	var ids bson.A
	for _, docs := range w.pre {
		for _, d := range docs {
			ids = append(ids, d.Lookup("_id"))
		}
	}
	var upserted []bson.RawValue
	for _, v := range reply.Lookup("upserted").Array().Values() {
		upserted = append(upserted, v.Document().Lookup("_id"))
	}
	if id := reply.Lookup("lastErrorObject", "upserted"); id.Type != 0 {
		upserted = append(upserted, id)
	}
	ids = append(ids, bsonValues(upserted)...)
	cur := map[string]bson.Raw{}
	if len(ids) > 0 {
		now, err := w.cn.findAll(w.db, w.coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil
		}
		for _, d := range now {
			cur[idKey(d.Lookup("_id"))] = d
		}
	}
	seen := map[string]bool{}
	for i, docs := range w.pre {
		for _, d := range docs {
			k := idKey(d.Lookup("_id"))
			if seen[k] {
				continue
			}
			n, ok := cur[k]
			switch {
			case !ok:
				seen[k] = true
				out = append(out, changeEvent{op: "delete", db: w.db, coll: w.coll, pre: d,
					fields: bson.D{{Key: "documentKey", Value: docKey(d)}}})
			case !bytes.Equal(n, d):
				seen[k] = true
				e := changeEvent{op: "update", db: w.db, coll: w.coll, pre: d, post: n,
					fields: bson.D{{Key: "documentKey", Value: docKey(d)}}}
				if w.replace[i] {
					e.op = "replace"
				} else {
					e.upd, e.disamb = updateDescription(d, n, w.deep[i])
				}
				out = append(out, e)
			}
		}
	}
	for _, id := range upserted {
		if n, ok := cur[idKey(id)]; ok {
			out = append(out, changeEvent{op: "insert", db: w.db, coll: w.coll, post: n,
				fields: bson.D{{Key: "documentKey", Value: docKey(n)}}})
		}
	}
	return out
}

// bsonValues converts raw values to an array's elements.
func bsonValues(vs []bson.RawValue) bson.A {
	out := make(bson.A, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// docKey returns {_id} of d.
func docKey(d bson.Raw) bson.D {
	v := d.Lookup("_id")
	return bson.D{{Key: "_id", Value: bson.RawValue{Type: v.Type, Value: bytes.Clone(v.Value)}}}
}

// writeErrorIndexes returns the indexes of the statements that failed.
func writeErrorIndexes(reply bson.Raw) map[int]bool {
	out := map[int]bool{}
	for _, v := range reply.Lookup("writeErrors").Array().Values() {
		if i, ok := v.Document().Lookup("index").AsInt64OK(); ok {
			out[int(i)] = true
		}
	}
	return out
}

// collectionNames returns the names of the collections of db.
func (cn *conn) collectionNames(db string) ([]string, error) {
	reply, err := cn.backendCommand(bson.D{{Key: "listCollections", Value: 1}, {Key: "nameOnly", Value: true}, {Key: "$db", Value: db}})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range reply.Lookup("cursor", "firstBatch").Array().Values() {
		out = append(out, v.Document().Lookup("name").StringValue())
	}
	return out, nil
}
