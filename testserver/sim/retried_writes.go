package sim

import (
	"bytes"
	"sync"

	"github.com/motor-go/motor/bson"
)

// A retryable write is executed once per transaction number: mongod keeps
// the outcome of each session's latest retryable write, and answers a retry
// (same lsid, same txnNumber) with it instead of writing again. FerretDB
// does not, so the simulator does it in front of the backend: the reply of
// a retryable write that succeeded without write errors is kept, per deployment (a retry after a
// failover reaches another member, which has the replicated session table),
// and a retry gets it back without reaching the backend.
type retriedWrites struct {
	mu      sync.Mutex
	replies map[retryKey][]byte
	// stmts holds the outcome of each statement executed so far of the
	// writes run statement by statement (see forwardByStatement).
	stmts map[retryKey]map[int]stmtResult
	order []retryKey // oldest first, to bound the table
}

// retryKey identifies a retryable write: the session's id and the
// transaction number.
type retryKey struct {
	lsid string
	txn  int64
}

// maxRetriedWrites bounds the table; the oldest writes are forgotten first.
const maxRetriedWrites = 4096

// retryableWriteCommands are the commands that are retryable writes when
// sent with a txnNumber outside a transaction.
var retryableWriteCommands = setOf("insert", "update", "delete", "findAndModify", "findandmodify", "bulkWrite")

// retryKeyOf returns the key of req if it is a retryable write.
func retryKeyOf(req *request) (retryKey, bool) {
	body := req.msg.Body
	if !retryableWriteCommands[req.name] || body.Lookup("autocommit").Type != 0 {
		return retryKey{}, false
	}
	txn, ok := body.Lookup("txnNumber").AsInt64OK()
	id := body.Lookup("lsid", "id")
	if !ok || id.Type == 0 {
		return retryKey{}, false
	}
	return retryKey{lsid: string(id.Value), txn: txn}, true
}

// get returns the kept reply of the write, or nil.
func (w *retriedWrites) get(k retryKey) bson.Raw {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.replies[k]
}

// put keeps a copy of the reply of a write that succeeded.
func (w *retriedWrites) put(k retryKey, reply bson.Raw) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.replies == nil {
		w.replies = map[retryKey][]byte{}
	}
	if _, ok := w.replies[k]; !ok {
		w.order = append(w.order, k)
	}
	w.replies[k] = bytes.Clone(reply)
	w.trim()
}

// trim forgets the oldest writes beyond maxRetriedWrites. w.mu is held.
func (w *retriedWrites) trim() {
	for len(w.order) > maxRetriedWrites {
		delete(w.replies, w.order[0])
		delete(w.stmts, w.order[0])
		w.order = w.order[1:]
	}
}

// hasStatements reports whether statements of the write were executed one
// by one: its retry must go on that way.
func (w *retriedWrites) hasStatements(k retryKey) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.stmts[k]) > 0
}

// statement returns the outcome of statement i of the write, if it was
// executed.
func (w *retriedWrites) statement(k retryKey, i int) (stmtResult, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.stmts[k][i]
	return r, ok
}

// putStatement keeps the outcome of statement i of the write.
func (w *retriedWrites) putStatement(k retryKey, i int, r stmtResult) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stmts == nil {
		w.stmts = map[retryKey]map[int]stmtResult{}
	}
	m := w.stmts[k]
	if m == nil {
		m = map[int]stmtResult{}
		w.stmts[k] = m
		if _, ok := w.replies[k]; !ok {
			w.order = append(w.order, k)
		}
	}
	m[i] = r
	w.trim()
}
