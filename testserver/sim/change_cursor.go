package sim

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/motor-go/motor/bson"
)

// Change stream error codes.
const (
	codeUnknownField            = 40415
	codeInvalidResumeToken      = 260
	codeChangeStreamFatal       = 280
	codeChangeStreamHistoryLost = 286
	codeInvalidNamespace        = 73
	codeFailedToParse           = 9
	codeChangeStreamReplSetOnly = 40573
	codeUnknownStage            = 40324 // FerretDB says 40234
	codeTypeMismatch            = 14
)

// changeEventsDB and changeEventsColl are where the backend evaluates the
// stages after $changeStream, one event at a time.
const (
	changeEventsDB   = "motor_sim_changes"
	changeEventsColl = "events"
)

// maxChangeCursors bounds the open change stream cursors of a deployment.
const maxChangeCursors = 4096

// defaultAwait is how long a getMore waits for events without maxTimeMS.
const defaultAwait = time.Second

// changeCursor is a change stream cursor.
type changeCursor struct {
	id       int64
	db, coll string // coll "" watches the database, db "" the cluster
	ns       string // the cursor's ns in replies
	pipeline bson.A // the stages after $changeStream
	fullDoc  string
	before   string
	expanded bool

	pos         uint64 // seq of the next event to read
	pbrt        resumeToken
	invalidated bool // the invalidate event was returned
	pendingInv  *resumeToken
	busy        bool
}

// isChangeStreamAggregate reports whether body is an aggregate whose first
// stage is $changeStream.
func isChangeStreamAggregate(body bson.Raw) bool {
	for _, st := range body.Lookup("pipeline").Array().Values() {
		d, _ := st.DocumentOK()
		return d.Lookup("$changeStream").Type != 0
	}
	return false
}

// changeCursorOf returns the change stream cursor a getMore names.
func (l *changeLog) cursor(id int64) *changeCursor {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cursors[id]
}

// isChangeStreamRequest reports whether req opens a change stream or
// continues one.
func (cn *conn) isChangeStreamRequest(req *request) bool {
	switch req.name {
	case "aggregate":
		return isChangeStreamAggregate(req.msg.Body)
	case "getMore":
		id, _ := req.msg.Body.Lookup("getMore").AsInt64OK()
		return cn.m.c.changes.cursor(id) != nil
	}
	return false
}

// serveChangeStream answers the change stream commands: an aggregate with
// $changeStream, and getMore and killCursors on its cursors.
func (cn *conn) serveChangeStream(req *request) (done bool, err error) {
	switch req.name {
	case "aggregate":
		if !req.changeStream {
			return false, nil
		}
		if cn.m.c.kind == kindStandalone {
			return true, cn.fail(req, codeChangeStreamReplSetOnly, "The $changeStream stage is only supported on replica sets")
		}
		if req.session.autocommit {
			return true, cn.fail(req, codeOperationNotSupportedInTransaction,
				"Operation not permitted in transaction :: caused by :: $changeStream cannot be used in a transaction")
		}
		return true, cn.openChangeStream(req)
	case "getMore":
		if !req.changeStream {
			return false, nil
		}
		return true, cn.changeGetMore(req)
	case "collMod":
		return cn.collModImages(req)
	case "shardCollection":
		if cn.m.c.kind != kindSharded {
			return false, nil
		}
		return true, cn.shardCollection(req)
	case "killCursors":
		var ids []int64
		for _, v := range req.msg.Body.Lookup("cursors").Array().Values() {
			id, _ := v.AsInt64OK()
			ids = append(ids, id)
		}
		if len(ids) == 0 || cn.m.c.changes.cursor(ids[0]) == nil {
			return false, nil
		}
		killed, notFound := bson.A{}, bson.A{}
		l := &cn.m.c.changes
		l.mu.Lock()
		for _, id := range ids {
			if l.cursors[id] != nil {
				delete(l.cursors, id)
				killed = append(killed, id)
			} else {
				notFound = append(notFound, id)
			}
		}
		l.mu.Unlock()
		return true, cn.replyChange(req, bson.D{{Key: "cursorsKilled", Value: killed}, {Key: "cursorsNotFound", Value: notFound},
			{Key: "cursorsAlive", Value: bson.A{}}, {Key: "cursorsUnknown", Value: bson.A{}}, {Key: "ok", Value: 1.0}})
	}
	return false, nil
}

// replyChange sends d, with the cluster time when the deployment has a
// clock.
func (cn *conn) replyChange(req *request, d bson.D) error {
	if cn.m.c.clusterTime {
		d = append(d, cn.m.c.tick()...)
	}
	return cn.replyDoc(req, d, 0)
}

// openChangeStream opens a change stream cursor and replies with its first
// batch.
func (cn *conn) openChangeStream(req *request) error {
	body := req.msg.Body
	db := body.Lookup("$db").StringValue()
	cur := &changeCursor{db: db, fullDoc: "default", before: "off"}
	target := body.Lookup("aggregate")
	if coll, ok := target.StringValueOK(); ok {
		cur.coll, cur.ns = coll, db+"."+coll
	} else {
		cur.ns = db + ".$cmd.aggregate"
	}
	var spec bson.Raw
	ok := false
	for i, st := range body.Lookup("pipeline").Array().Values() {
		if i == 0 {
			spec, ok = st.Document().Lookup("$changeStream").DocumentOK()
			continue
		}
		cur.pipeline = append(cur.pipeline, bson.RawValue{Type: st.Type, Value: bytes.Clone(st.Value)})
	}
	if !ok {
		return cn.fail(req, codeFailedToParse, "the $changeStream stage must be a document")
	}
	if len(cur.pipeline) > 0 {
		if err := cn.checkPipeline(cur); err != nil {
			return cn.changeError(req, err)
		}
	}
	l := &cn.m.c.changes
	l.mu.Lock()
	l.active = true
	l.mu.Unlock()
	next, _, first := l.position()
	cur.pos = next
	for k, v := range spec.Elements() {
		switch k {
		case "fullDocument":
			cur.fullDoc, ok = v.StringValueOK()
		case "fullDocumentBeforeChange":
			cur.before, ok = v.StringValueOK()
		case "showExpandedEvents":
			cur.expanded, ok = v.BooleanOK()
		case "allChangesForCluster":
			var all bool
			all, ok = v.BooleanOK()
			if all {
				if db != "admin" || cur.coll != "" {
					return cn.fail(req, codeInvalidNamespace, "$changeStream may only be run on admin when allChangesForCluster is true")
				}
				cur.db = ""
			}
		case "resumeAfter", "startAfter":
			tok, err := parseResumeToken(v)
			if err != nil {
				return cn.fail(req, codeFailedToParse, "Failed to parse resume token: "+err.Error())
			}
			if tok.kind == tokenInvalidate && k == "resumeAfter" {
				return cn.fail(req, codeInvalidResumeToken,
					"Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.")
			}
			if tok.kind != tokenHighWater && !l.has(tok) {
				return cn.changeError(req, &changeErr{codeChangeStreamFatal, "cannot resume stream; the resume token was not found."})
			}
			cur.pos = tok.seq
			if tok.kind != tokenHighWater {
				cur.pos++
			}
		case "startAtOperationTime":
			var ts bson.Timestamp
			if ts, ok = v.TimestampOK(); ok {
				cur.pos = l.firstAtOrAfter(ts)
			}
		default:
			return cn.fail(req, codeUnknownField, fmt.Sprintf("BSON field '$changeStream.%s' is an unknown field.", k))
		}
		if !ok {
			return cn.fail(req, codeTypeMismatch, fmt.Sprintf("BSON field '$changeStream.%s' has the wrong type", k))
		}
	}
	if cur.db == "" && db != "admin" {
		cur.db = db
	}
	if db == "admin" && cur.db == "admin" {
		return cn.fail(req, codeInvalidNamespace, "$changeStream may not be opened on the internal admin database")
	}
	if cur.pos < first {
		return cn.changeError(req, &changeErr{codeChangeStreamHistoryLost, "Resume of change stream was not possible, as the resume point may no longer be in the oplog."})
	}
	if cur.pos > next {
		return cn.changeError(req, &changeErr{codeChangeStreamFatal, "cannot resume stream; the resume token was not found."})
	}
	cur.pbrt = cn.highWater(cur.pos)
	batchSize := -1
	if n, ok := body.Lookup("cursor", "batchSize").AsInt64OK(); ok {
		batchSize = int(n)
	}
	var batch bson.A
	if batchSize != 0 {
		var err error
		if batch, err = cn.changeBatch(cur, batchSize, 0); err != nil {
			return cn.changeError(req, err)
		}
	}
	if batch == nil {
		batch = bson.A{} // an empty array, not null
	}
	id := int64(0)
	if !cur.invalidated {
		l.mu.Lock()
		if l.cursors == nil {
			l.cursors = map[int64]*changeCursor{}
		}
		if len(l.cursors) >= maxChangeCursors {
			// Forget the oldest, as mongod times idle cursors out.
			oldest := int64(math.MaxInt64)
			for k := range l.cursors {
				oldest = min(oldest, k)
			}
			delete(l.cursors, oldest)
		}
		l.nextID++
		id = 1<<52 + l.nextID
		cur.id = id
		l.cursors[id] = cur
		l.mu.Unlock()
	}
	return cn.replyChange(req, bson.D{{Key: "cursor", Value: bson.D{
		{Key: "firstBatch", Value: batch}, {Key: "postBatchResumeToken", Value: cur.pbrt.doc()},
		{Key: "id", Value: id}, {Key: "ns", Value: cur.ns}}}, {Key: "ok", Value: 1.0}})
}

// changeGetMore answers a getMore on a change stream cursor.
func (cn *conn) changeGetMore(req *request) error {
	body := req.msg.Body
	id, _ := body.Lookup("getMore").AsInt64OK()
	l := &cn.m.c.changes
	l.mu.Lock()
	cur := l.cursors[id]
	if cur == nil || cur.busy {
		l.mu.Unlock()
		return cn.fail(req, 43, fmt.Sprintf("cursor id %d not found", id))
	}
	cur.busy = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		cur.busy = false
		l.mu.Unlock()
	}()
	if code, fired := cn.m.evalGetMoreFailPoint(); fired {
		l.mu.Lock()
		delete(l.cursors, id)
		l.mu.Unlock()
		return cn.failGetMore(req, code)
	}
	batchSize := -1
	if n, ok := body.Lookup("batchSize").AsInt64OK(); ok && n > 0 {
		batchSize = int(n)
	}
	wait := defaultAwait
	if ms, ok := body.Lookup("maxTimeMS").AsInt64OK(); ok {
		wait = time.Duration(ms) * time.Millisecond
	}
	batch, err := cn.changeBatch(cur, batchSize, wait)
	if err != nil {
		l.mu.Lock()
		delete(l.cursors, id)
		l.mu.Unlock()
		return cn.changeError(req, err)
	}
	if batch == nil {
		batch = bson.A{} // an empty array, not null
	}
	if cur.invalidated {
		l.mu.Lock()
		delete(l.cursors, id)
		l.mu.Unlock()
		id = 0
	}
	return cn.replyChange(req, bson.D{{Key: "cursor", Value: bson.D{
		{Key: "nextBatch", Value: batch}, {Key: "postBatchResumeToken", Value: cur.pbrt.doc()},
		{Key: "id", Value: id}, {Key: "ns", Value: cur.ns}}}, {Key: "ok", Value: 1.0}})
}

// changeErr is an error of a change stream that the client gets as a
// command error.
type changeErr struct {
	code int32
	msg  string
}

func (e *changeErr) Error() string { return e.msg }

// changeError replies with err if it is a command error, or returns it to
// close the connection.
func (cn *conn) changeError(req *request, err error) error {
	if ce, ok := err.(*changeErr); ok {
		if !req.hasLabels && (ce.code == codeChangeStreamFatal || ce.code == codeChangeStreamHistoryLost) {
			// mongod labels the errors of its NonResumableChangeStreamError
			// category.
			req.labels, req.hasLabels = []string{"NonResumableChangeStreamError"}, true
		}
		return cn.fail(req, ce.code, ce.msg)
	}
	return err
}

// highWater returns the token of a batch that ends before the event seq.
func (cn *conn) highWater(seq uint64) resumeToken {
	return resumeToken{ct: bson.Timestamp{T: cn.m.c.clockStart, I: cn.m.c.clock.Load()}, seq: seq, kind: tokenHighWater}
}
