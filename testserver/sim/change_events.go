package sim

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
)

// FerretDB has no oplog and no change streams. The simulator keeps a change
// event log per deployment instead, fed by the writes its members forward
// (change_record.go), and serves the change stream cursors over it
// (change_cursor.go). The log starts recording when the first $changeStream
// aggregate reaches the deployment, so that deployments without change
// streams pay nothing for it; events before then are not in it.

// changeEvent is one entry of the log.
type changeEvent struct {
	seq  uint64
	ct   bson.Timestamp
	wall time.Time
	op   string // operationType
	db   string
	coll string // "" for dropDatabase
	// fields are the event's fields after _id, operationType, clusterTime,
	// wallTime and ns, in order: documentKey, fullDocument,
	// updateDescription, to, operationDescription...
	fields bson.D
	pre    bson.Raw // the document before an update, replace or delete
	post   bson.Raw // the document after an update or replace
	// upd is an update's updateDescription, and disamb its
	// disambiguatedPaths, shown with showExpandedEvents.
	upd, disamb bson.D
}

// maxChangeEvents bounds the log; older events are forgotten, and a
// resume before them fails ChangeStreamHistoryLost.
const maxChangeEvents = 100_000

// changeLog is a deployment's change event log with its cursors.
type changeLog struct {
	mu      sync.Mutex
	active  bool
	events  []changeEvent
	first   uint64 // seq of events[0]
	next    uint64 // seq of the next event
	wake    chan struct{}
	cursors map[int64]*changeCursor
	nextID  int64
	images  map[string]bool // namespaces with pre- and post-images
}

// isActive reports whether the log records.
func (l *changeLog) isActive() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active
}

// add appends events at the cluster time of c's clock, waking the cursors
// waiting for them.
func (c *Cluster) addChanges(evs []changeEvent) {
	if len(evs) == 0 {
		return
	}
	l := &c.changes
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for _, e := range evs {
		e.seq = l.next
		l.next++
		e.ct = bson.Timestamp{T: c.clockStart, I: c.clock.Add(1)}
		e.wall = now
		l.events = append(l.events, e)
	}
	if n := len(l.events) - maxChangeEvents; n > 0 {
		l.events = append(l.events[:0:0], l.events[n:]...)
		l.first += uint64(n)
	}
	if l.wake != nil {
		close(l.wake)
		l.wake = nil
	}
}

// position returns the seq of the next event, a channel closed when it is
// appended, and the seq of the oldest event kept.
func (l *changeLog) position() (next uint64, wake <-chan struct{}, first uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wake == nil {
		l.wake = make(chan struct{})
	}
	return l.next, l.wake, l.first
}

// since returns up to n events from seq on (copies of the entries).
func (l *changeLog) since(seq uint64, n int) []changeEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq < l.first {
		seq = l.first
	}
	i := int(seq - l.first)
	if i >= len(l.events) {
		return nil
	}
	end := len(l.events)
	if n > 0 && i+n < end {
		end = i + n
	}
	return append([]changeEvent(nil), l.events[i:end]...)
}

// has reports whether the event of tok is in the log, or was before it
// was trimmed: a token of another deployment is not.
func (l *changeLog) has(tok resumeToken) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if tok.seq < l.first {
		return true // ChangeStreamHistoryLost, reported by the caller
	}
	i := tok.seq - l.first
	return i < uint64(len(l.events)) && l.events[i].ct == tok.ct
}

// firstAtOrAfter returns the seq of the first event at or after ct.
func (l *changeLog) firstAtOrAfter(ct bson.Timestamp) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.ct.T > ct.T || (e.ct.T == ct.T && e.ct.I >= ct.I) {
			return e.seq
		}
	}
	return l.next
}

// Resume tokens are {_data: hex} of: 0x82, the event's cluster time (8
// bytes), its seq (8 bytes) and a kind byte.
const (
	tokenEvent      = 0 // an event: resume after it
	tokenInvalidate = 1 // the invalidate event after event seq
	tokenHighWater  = 2 // a batch's end with no event: resume at seq+1
)

// resumeToken is a decoded token.
type resumeToken struct {
	ct   bson.Timestamp
	seq  uint64
	kind byte
}

// doc returns the token as the _id of an event.
func (t resumeToken) doc() bson.D {
	b := make([]byte, 0, 18)
	b = append(b, 0x82)
	b = append(b, byte(t.ct.T>>24), byte(t.ct.T>>16), byte(t.ct.T>>8), byte(t.ct.T))
	b = append(b, byte(t.ct.I>>24), byte(t.ct.I>>16), byte(t.ct.I>>8), byte(t.ct.I))
	for i := 7; i >= 0; i-- {
		b = append(b, byte(t.seq>>(8*i)))
	}
	b = append(b, t.kind)
	return bson.D{{Key: "_data", Value: fmt.Sprintf("%X", b)}}
}

// errBadToken reports a resume token the simulator did not make.
var errBadToken = errors.New("invalid resume token")

// parseResumeToken decodes a token given as resumeAfter or startAfter.
func parseResumeToken(v bson.RawValue) (resumeToken, error) {
	d, ok := v.DocumentOK()
	if !ok {
		return resumeToken{}, errBadToken
	}
	s, ok := d.Lookup("_data").StringValueOK()
	if !ok {
		return resumeToken{}, errBadToken
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 18 || b[0] != 0x82 || b[17] > tokenHighWater {
		return resumeToken{}, errBadToken
	}
	t := resumeToken{kind: b[17]}
	t.ct.T = uint32(b[1])<<24 | uint32(b[2])<<16 | uint32(b[3])<<8 | uint32(b[4])
	t.ct.I = uint32(b[5])<<24 | uint32(b[6])<<16 | uint32(b[7])<<8 | uint32(b[8])
	for _, x := range b[9:17] {
		t.seq = t.seq<<8 | uint64(x)
	}
	return t, nil
}

// token returns the resume token of e.
func (e *changeEvent) token() resumeToken { return resumeToken{ct: e.ct, seq: e.seq} }

// expandedOps are the operation types shown only with showExpandedEvents.
var expandedOps = setOf("create", "createIndexes", "dropIndexes", "modify", "shardCollection")
