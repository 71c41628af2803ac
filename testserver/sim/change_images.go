package sim

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/motor-go/motor/bson"
)

// Pre- and post-images: mongod keeps them only for collections with
// changeStreamPreAndPostImages enabled (collMod or create), and a change
// stream asks for them with fullDocument whenAvailable or required and
// fullDocumentBeforeChange whenAvailable or required. The simulator always
// knows both documents; it shows them as mongod would, after the
// collection's setting, which it keeps itself as FerretDB has no collMod.

// codeNoMatchingDocument is mongod's error for a required image that is
// missing.
const codeNoMatchingDocument = 47

// setImages records whether db.coll keeps pre- and post-images.
func (l *changeLog) setImages(ns string, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.images == nil {
		l.images = map[string]bool{}
	}
	l.images[ns] = on
}

// imagesOn reports whether db.coll keeps pre- and post-images.
func (l *changeLog) imagesOn(ns string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.images[ns]
}

// collModImages answers a collMod that sets changeStreamPreAndPostImages,
// or that sets nothing, with no other option, as the backend has no
// collMod; it records a modify event.
func (cn *conn) collModImages(req *request) (done bool, err error) {
	body := req.msg.Body
	v := body.Lookup("changeStreamPreAndPostImages")
	for k := range body.Elements() {
		switch k {
		case "collMod", "changeStreamPreAndPostImages", "$db", "lsid", "$clusterTime", "writeConcern",
			"$readPreference", "txnNumber", "comment", "apiVersion", "apiStrict", "apiDeprecationErrors":
		default:
			return false, nil // the backend answers the other options
		}
	}
	on, ok := v.Document().Lookup("enabled").BooleanOK()
	if !ok && v.Type != 0 {
		return true, cn.fail(req, codeTypeMismatch, "BSON field 'changeStreamPreAndPostImages.enabled' is missing or not a boolean")
	}
	db := body.Lookup("$db").StringValue()
	coll, _ := body.Lookup("collMod").StringValueOK()
	exists, err := cn.collectionExists(db, coll)
	if err != nil {
		return true, err
	}
	if !exists {
		return true, cn.fail(req, 26, fmt.Sprintf("ns does not exist: %s.%s", db, coll))
	}
	if v.Type != 0 {
		cn.m.c.changes.setImages(db+"."+coll, on)
	}
	if cn.m.c.changes.isActive() {
		cn.m.c.addChanges([]changeEvent{{op: "modify", db: db, coll: coll, fields: bson.D{
			{Key: "operationDescription", Value: bson.D{{Key: "index", Value: bson.D{}}}}}}})
	}
	return true, cn.replyChange(req, bson.D{{Key: "ok", Value: 1.0}})
}

// shardCollection answers a mongos's shardCollection, which the backend
// lacks: the collection is created if it does not exist (all data is on
// the one backend, so nothing moves), and a shardCollection event is
// recorded.
func (cn *conn) shardCollection(req *request) error {
	body := req.msg.Body
	if body.Lookup("$db").StringValue() != "admin" {
		return cn.fail(req, codeUnauthorized, "shardCollection may only be run against the admin database.")
	}
	ns, _ := body.Lookup("shardCollection").StringValueOK()
	db, coll, ok := strings.Cut(ns, ".")
	key, isDoc := body.Lookup("key").DocumentOK()
	if !ok || !isDoc {
		return cn.fail(req, codeInvalidNamespace, "shardCollection needs a namespace db.coll and a key document")
	}
	exists, err := cn.collectionExists(db, coll)
	if err != nil {
		return err
	}
	if !exists {
		if _, err := cn.backendCommand(bson.D{{Key: "create", Value: coll}, {Key: "$db", Value: db}}); err != nil {
			return err
		}
	}
	if cn.m.c.changes.isActive() {
		unique, _ := body.Lookup("unique").BooleanOK()
		cn.m.c.addChanges([]changeEvent{{op: "shardCollection", db: db, coll: coll, fields: bson.D{
			{Key: "operationDescription", Value: bson.D{{Key: "shardKey", Value: bytes.Clone(key)},
				{Key: "unique", Value: unique}, {Key: "presplitHashedZones", Value: false}}}}}})
	}
	return cn.replyChange(req, bson.D{{Key: "collectionsharded", Value: ns}, {Key: "ok", Value: 1.0}})
}

// images adds the post-image (fullDocument of an update) and the
// pre-image (fullDocumentBeforeChange) that cur asks for to d.
func (cn *conn) images(cur *changeCursor, e *changeEvent, d bson.D) (bson.D, error) {
	on := cn.m.c.changes.imagesOn(e.db + "." + e.coll)
	if e.op == "update" {
		switch cur.fullDoc {
		case "updateLookup":
			docs, err := cn.findAll(e.db, e.coll, bson.D{{Key: "_id", Value: e.post.Lookup("_id")}})
			if err != nil {
				return nil, err
			}
			var full any
			if len(docs) > 0 {
				full = docs[0]
			}
			d = append(d, bson.E{Key: "fullDocument", Value: full})
		case "whenAvailable", "required":
			if !on && cur.fullDoc == "required" {
				return nil, &changeErr{codeNoMatchingDocument, "Change stream was configured to require a post-image for all update, delete and replace events, but the post-image was not found for event"}
			}
			var full any
			if on {
				full = e.post
			}
			d = append(d, bson.E{Key: "fullDocument", Value: full})
		}
	}
	if e.op != "update" && e.op != "replace" && e.op != "delete" {
		return d, nil
	}
	switch cur.before {
	case "whenAvailable", "required":
		if !on && cur.before == "required" {
			return nil, &changeErr{codeNoMatchingDocument, "Change stream was configured to require a pre-image for all update, delete and replace events, but the pre-image was not found for event"}
		}
		var pre any
		if on {
			pre = e.pre
		}
		d = append(d, bson.E{Key: "fullDocumentBeforeChange", Value: pre})
	}
	return d, nil
}
