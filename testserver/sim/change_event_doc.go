package sim

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
)

// The document of a change event as a cursor shows it: the event's fields
// with the images and expanded fields the cursor asks for, after the
// stages that follow $changeStream.

// collectionUUID returns a UUID standing for the collection db.coll.
func collectionUUID(db, coll string) bson.Binary {
	h := sha256.Sum256([]byte(db + "." + coll))
	return bson.Binary{Subtype: 4, Data: h[:16]}
}

// eventDoc returns the document of e for cur, after the cursor's pipeline;
// nil when the pipeline filters it out.
func (cn *conn) eventDoc(cur *changeCursor, e *changeEvent) (bson.Raw, error) {
	tok := e.token().doc()
	d := bson.D{{Key: "_id", Value: tok}, {Key: "operationType", Value: e.op},
		{Key: "clusterTime", Value: e.ct}, {Key: "wallTime", Value: e.wall}}
	if cur.expanded && e.coll != "" {
		d = append(d, bson.E{Key: "collectionUUID", Value: collectionUUID(e.db, e.coll)})
	}
	if e.op == "insert" || e.op == "replace" {
		d = append(d, bson.E{Key: "fullDocument", Value: e.post})
	}
	ns := bson.D{{Key: "db", Value: e.db}}
	if e.coll != "" {
		ns = append(ns, bson.E{Key: "coll", Value: e.coll})
	}
	d = append(d, bson.E{Key: "ns", Value: ns})
	for _, f := range e.fields {
		if !cur.expanded && (f.Key == "operationDescription" || f.Key == "nsType") && !expandedOps[e.op] {
			continue
		}
		d = append(d, f)
	}
	if e.upd != nil {
		upd := e.upd
		if cur.expanded {
			upd = append(upd[:len(upd):len(upd)], bson.E{Key: "disambiguatedPaths", Value: e.disamb})
		}
		d = append(d, bson.E{Key: "updateDescription", Value: upd})
	}
	d, err := cn.images(cur, e, d)
	if err != nil {
		return nil, err
	}
	raw, err := bson.Marshal(d)
	if err != nil {
		return nil, err
	}
	if len(cur.pipeline) == 0 {
		return raw, nil
	}
	return cn.applyPipeline(cur, raw, tok)
}

// checkPipeline runs the stages after $changeStream on no event, on the
// backend, so that a stage it does not know fails the aggregate, as on
// mongod.
func (cn *conn) checkPipeline(cur *changeCursor) error {
	pipeline := append(bson.A{bson.D{{Key: "$match", Value: bson.D{{Key: "_id", Value: "none"}}}}}, cur.pipeline...)
	reply, err := cn.backendCommand(bson.D{{Key: "aggregate", Value: changeEventsColl}, {Key: "pipeline", Value: pipeline},
		{Key: "cursor", Value: bson.D{}}, {Key: "$db", Value: changeEventsDB}})
	if err != nil {
		return err
	}
	return backendChangeErr(reply)
}

// backendChangeErr returns the error of a failed backend reply, with
// mongod's code for an unknown stage.
func backendChangeErr(reply bson.Raw) error {
	if okReply(reply) {
		return nil
	}
	code, _ := reply.Lookup("code").AsInt64OK()
	msg, _ := reply.Lookup("errmsg").StringValueOK()
	if code == 40234 {
		code = codeUnknownStage
	}
	return &changeErr{int32(code), msg}
}

// applyPipeline runs the stages after $changeStream on the event doc,
// on the backend, and checks that they kept its _id.
func (cn *conn) applyPipeline(cur *changeCursor, doc bson.Raw, tok bson.D) (bson.Raw, error) {
	out, err := localPipeline(cur.pipeline, doc)
	switch {
	case err == nil && out == nil:
		return nil, nil
	case err == nil:
		return checkID(out, tok)
	case !errors.Is(err, errLocalPipeline):
		return nil, err
	}
	if r, err := cn.backendCommand(bson.D{{Key: "insert", Value: changeEventsColl}, {Key: "documents", Value: bson.A{doc}},
		{Key: "$db", Value: changeEventsDB}}); err != nil {
		return nil, err
	} else if !okReply(r) || r.Lookup("writeErrors").Type != 0 {
		return nil, fmt.Errorf("sim: storing a change event: %s", r)
	}
	defer cn.backendCommand(bson.D{{Key: "delete", Value: changeEventsColl}, {Key: "deletes", Value: bson.A{
		bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: tok}}}, {Key: "limit", Value: int32(0)}}}},
		{Key: "$db", Value: changeEventsDB}})
	pipeline := append(bson.A{bson.D{{Key: "$match", Value: bson.D{{Key: "_id", Value: tok}}}}}, cur.pipeline...)
	reply, err := cn.backendCommand(bson.D{{Key: "aggregate", Value: changeEventsColl}, {Key: "pipeline", Value: pipeline},
		{Key: "cursor", Value: bson.D{}}, {Key: "$db", Value: changeEventsDB}})
	if err != nil {
		return nil, err
	}
	if err := backendChangeErr(reply); err != nil {
		return nil, err
	}
	first, ok := reply.Lookup("cursor", "firstBatch", "0").DocumentOK()
	if !ok {
		return nil, nil
	}
	return checkID(bson.Raw(bytes.Clone(first)), tok)
}

// checkID returns out, the event after the pipeline, if it kept its _id,
// tok, or the error mongod gives.
func checkID(out bson.Raw, tok bson.D) (bson.Raw, error) {
	want, _ := bson.Marshal(tok)
	if id, ok := out.Lookup("_id").DocumentOK(); !ok || !bytes.Equal(id, want) {
		return nil, &changeErr{codeChangeStreamFatal, "Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed."}
	}
	return out, nil
}
