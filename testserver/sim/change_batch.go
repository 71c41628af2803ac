package sim

import (
	"time"

	"github.com/motor-go/motor/bson"
)

// A change stream cursor's batches: the events of the log from the
// cursor's position that it shows, until its batch size, waiting for the
// first one when a getMore asks, and the invalidate event that ends it.

// changeBatch returns up to n (n < 0: any number of) events of cur, waiting
// up to wait for the first one.
func (cn *conn) changeBatch(cur *changeCursor, n int, wait time.Duration) (bson.A, error) {
	l := &cn.m.c.changes
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	var batch bson.A
	for {
		if cur.pendingInv != nil {
			return cn.appendInvalidate(cur, batch)
		}
		_, wake, first := l.position()
		if cur.pos < first {
			return nil, &changeErr{codeChangeStreamHistoryLost, "Resume of change stream was not possible, as the resume point may no longer be in the oplog."}
		}
		for _, e := range l.since(cur.pos, 0) {
			cur.pos = e.seq + 1
			if !cur.matches(&e) {
				cur.pbrt = resumeToken{ct: e.ct, seq: cur.pos, kind: tokenHighWater}
				continue
			}
			d, err := cn.eventDoc(cur, &e)
			if err != nil {
				return nil, err
			}
			if d != nil {
				batch = append(batch, d)
				cur.pbrt = e.token()
			} else {
				cur.pbrt = resumeToken{ct: e.ct, seq: cur.pos, kind: tokenHighWater}
			}
			if cur.invalidatedBy(&e) {
				inv := resumeToken{ct: e.ct, seq: e.seq, kind: tokenInvalidate}
				cur.pendingInv = &inv
				if n < 0 || len(batch) < n {
					return cn.appendInvalidate(cur, batch)
				}
				return batch, nil
			}
			if n > 0 && len(batch) >= n {
				return batch, nil
			}
		}
		if len(batch) > 0 || deadline == nil {
			if len(batch) == 0 {
				cur.pbrt = cn.highWater(cur.pos)
			}
			return batch, nil
		}
		select {
		case <-wake:
		case <-deadline:
			deadline = nil
		case <-cn.done:
			return nil, errConnClosed
		}
	}
}

// internalDBs are the databases a cluster-wide change stream leaves out.
var internalDBs = setOf("admin", "config", "local", changeEventsDB)

// matches reports whether cur shows e.
func (cur *changeCursor) matches(e *changeEvent) bool {
	if expandedOps[e.op] && !cur.expanded {
		return false
	}
	switch {
	case cur.db == "":
		return !internalDBs[e.db]
	case cur.coll == "":
		return e.db == cur.db
	}
	return e.db == cur.db && e.coll == cur.coll
}

// invalidatedBy reports whether e ends cur with an invalidate event.
func (cur *changeCursor) invalidatedBy(e *changeEvent) bool {
	switch {
	case cur.db == "":
		return false
	case cur.coll == "":
		return e.op == "dropDatabase" && e.db == cur.db
	}
	return (e.op == "drop" || e.op == "rename") && e.db == cur.db && e.coll == cur.coll
}

// appendInvalidate appends cur's pending invalidate event to batch, after
// the cursor's pipeline (which may filter it out: the stream ends all the
// same), and marks the cursor invalidated.
func (cn *conn) appendInvalidate(cur *changeCursor, batch bson.A) (bson.A, error) {
	t := *cur.pendingInv
	tok := t.doc()
	b, err := bson.Marshal(bson.D{{Key: "_id", Value: tok}, {Key: "operationType", Value: "invalidate"},
		{Key: "clusterTime", Value: t.ct}, {Key: "wallTime", Value: time.Now()}})
	if err != nil {
		return nil, err
	}
	d := bson.Raw(b)
	if len(cur.pipeline) > 0 {
		if d, err = cn.applyPipeline(cur, d, tok); err != nil {
			return nil, err
		}
	}
	if d != nil {
		batch = append(batch, d)
	}
	cur.pbrt, cur.pendingInv, cur.invalidated = t, nil, true
	return batch, nil
}
