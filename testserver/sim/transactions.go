package sim

import (
	"fmt"
	"strings"
	"sync"

	"github.com/motor-go/motor/bson"
)

// Multi-document transactions are kept by the deployment (a replica set's
// primary or any mongos of a sharded cluster), as mongod keeps them in its
// session catalog: one table, keyed by the session's id, that holds each
// session's latest transaction. FerretDB has no transactions, so the
// commands of a transaction run on the backend at once, with the
// transaction fields stripped, and each write leaves an undo record
// (undo.go) that abortTransaction, an implicit abort or an error plays back
// in reverse.

// txnState is where a transaction is in its life.
type txnState uint8

const (
	txnInProgress txnState = iota
	txnCommitted
	txnAborted
)

// txn is one transaction of a session.
type txn struct {
	lsid   string // the session's id, as its encoded value
	number int64
	router int // index of the member that started it

	// mu serializes the commands of the transaction with its commit and
	// abort; it is held during backend round trips. Taken before the
	// table's mu, never after.
	mu   sync.Mutex
	undo []undoEntry // guarded by mu
	// events are the change events of its writes, published when it
	// commits. Guarded by mu.
	events []changeEvent
	// seen holds the namespaces whose existence before the transaction
	// is known. Guarded by mu.
	seen map[string]bool

	// Guarded by the table's mu.
	state txnState
	// orig holds, per namespace, the documents the transaction wrote, by
	// the key of their _id, as they were before (nil: they did not
	// exist). Kept after a commit for the transactions that started
	// before it (see txn_isolation.go).
	orig map[string]map[string]bson.Raw
	// created holds the namespaces of the collections it created, and
	// createdIdx the indexes it created, by namespace.
	created    map[string]bool
	createdIdx map[string]map[string]bool
	// hidden are the transactions in progress when it started: their
	// writes stay invisible to it, even once committed.
	hidden []*txn
}

// transactions is a deployment's table of transactions.
type transactions struct {
	mu        sync.Mutex
	bySession map[string]*txn
	open      int // how many are in progress
}

// maxSessions bounds the table: sessions beyond it lose their finished
// transactions, oldest number first, as mongod reaps idle sessions.
const maxSessions = 4096

// Transaction error codes.
const (
	codeIllegalOperation                   = 20
	codeConflictingOperationInProgress     = 117
	codeWriteConflict                      = 112
	codeTransactionTooOld                  = 225
	codeNoSuchTransaction                  = 251
	codeTransactionCommitted               = 256
	codeOperationNotSupportedInTransaction = 263
)

// txnCommands are the commands mongod allows in a transaction.
var txnCommands = setOf("abortTransaction", "aggregate", "commitTransaction", "create", "createIndexes",
	"delete", "distinct", "find", "findAndModify", "findandmodify", "getMore", "insert", "killCursors", "update")

// txnReadConcernLevels are the read concern levels a transaction may start
// with.
var txnReadConcernLevels = setOf("local", "majority", "snapshot")

// inTransaction reports whether req belongs to a transaction: it carries
// autocommit, or it is commitTransaction or abortTransaction.
func inTransaction(req *request) bool {
	return req.session.autocommit || isCommitOrAbort(req.name)
}

func isCommitOrAbort(name string) bool {
	return name == "commitTransaction" || name == "abortTransaction"
}

// txnError is a failure of a transaction command, replied with code.
type txnError struct {
	code int32
	msg  string
}

// validateTxnCommand checks what mongod checks of a command in a
// transaction before it looks the transaction up.
func validateTxnCommand(req *request) *txnError {
	body := req.msg.Body
	ac := body.Lookup("autocommit")
	if ac.Type == 0 {
		return &txnError{codeInvalidOptions, req.name + " must be run within a transaction"}
	}
	if b, ok := ac.BooleanOK(); !ok || b {
		return &txnError{codeInvalidOptions, "Specifying autocommit=true is not allowed."}
	}
	if _, ok := body.Lookup("txnNumber").AsInt64OK(); !ok {
		return &txnError{codeInvalidOptions, "'autocommit' field requires a transaction number to also be specified"}
	}
	if body.Lookup("lsid", "id").Type == 0 {
		return &txnError{codeInvalidOptions, "Transaction number requires a session ID to also be specified"}
	}
	if !txnCommands[req.name] {
		return &txnError{codeOperationNotSupportedInTransaction,
			fmt.Sprintf("Cannot run '%s' in a multi-document transaction.", req.name)}
	}
	start := body.Lookup("startTransaction")
	if start.Type != 0 {
		if b, ok := start.BooleanOK(); !ok || !b {
			return &txnError{codeInvalidOptions, "startTransaction must be true"}
		}
		if isCommitOrAbort(req.name) {
			return &txnError{codeInvalidOptions, "Cannot start a transaction with " + req.name}
		}
	}
	if rc := body.Lookup("readConcern"); rc.Type != 0 && !isCommitOrAbort(req.name) {
		if start.Type == 0 {
			return &txnError{codeInvalidOptions, "Only the first command in a transaction may specify a readConcern"}
		}
		if lvl, ok := rc.Document().Lookup("level").StringValueOK(); ok && !txnReadConcernLevels[lvl] {
			return &txnError{codeInvalidOptions, "The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction"}
		}
	}
	if body.Lookup("writeConcern").Type != 0 && !isCommitOrAbort(req.name) {
		return &txnError{codeInvalidOptions, "Cannot set write concern after starting a transaction."}
	}
	if req.name == "aggregate" && writesOut(body) {
		return &txnError{codeOperationNotSupportedInTransaction, "$out and $merge cannot be used in a transaction"}
	}
	return nil
}

// writesOut reports whether an aggregate's pipeline ends with $out or
// $merge.
func writesOut(body bson.Raw) bool {
	var last bson.Raw
	for _, st := range body.Lookup("pipeline").Array().Values() {
		last, _ = st.DocumentOK()
	}
	return last.Lookup("$out").Type != 0 || last.Lookup("$merge").Type != 0
}

// lookup returns the session's latest transaction, or nil.
func (ts *transactions) lookup(lsid string) *txn {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.bySession[lsid]
}

// state returns t's state.
func (ts *transactions) state(t *txn) txnState {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return t.state
}

// setState moves t to s; leaving txnInProgress forgets what it wrote.
func (ts *transactions) setState(t *txn, s txnState) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t.state == txnInProgress && s != txnInProgress {
		ts.open--
	}
	t.state = s
	if s == txnAborted {
		t.orig, t.created, t.createdIdx = nil, nil, nil
	}
}

// begin makes number the session's transaction, unless a newer or the same
// one exists. The session's older transaction, if still in progress, must
// have been aborted by the caller.
func (ts *transactions) begin(lsid string, number int64, router int) (*txn, *txnError) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if cur := ts.bySession[lsid]; cur != nil {
		switch {
		case number < cur.number:
			return nil, &txnError{codeTransactionTooOld, fmt.Sprintf(
				"Cannot start transaction %d on session because a newer transaction %d has already started.", number, cur.number)}
		case number == cur.number:
			return nil, &txnError{codeConflictingOperationInProgress, fmt.Sprintf(
				"Cannot start a transaction at given transaction number %d: a transaction with the same number has already started.", number)}
		case cur.state == txnInProgress:
			return nil, &txnError{codeConflictingOperationInProgress, "the session's transaction is still in progress"}
		}
	}
	if ts.bySession == nil {
		ts.bySession = map[string]*txn{}
	}
	if len(ts.bySession) >= maxSessions {
		ts.trimLocked()
	}
	t := &txn{lsid: lsid, number: number, router: router, seen: map[string]bool{}}
	for _, o := range ts.bySession {
		if o.state == txnInProgress {
			t.hidden = append(t.hidden, o)
		}
	}
	ts.bySession[lsid] = t
	ts.open++
	return t, nil
}

// trimLocked forgets finished transactions to make room. ts.mu is held.
func (ts *transactions) trimLocked() {
	for k, t := range ts.bySession {
		if t.state != txnInProgress {
			delete(ts.bySession, k)
		}
		if len(ts.bySession) < maxSessions/2 {
			return
		}
	}
}

// continueTxn returns the session's transaction number for a command that
// does not start it, or the error mongod gives.
func (ts *transactions) continueTxn(lsid string, number int64, name string) (*txn, *txnError) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	cur := ts.bySession[lsid]
	switch {
	case cur == nil || number > cur.number:
		return nil, &txnError{codeNoSuchTransaction, fmt.Sprintf(
			"Given transaction number %d does not match any in-progress transactions.", number)}
	case number < cur.number:
		return nil, &txnError{codeTransactionTooOld, fmt.Sprintf(
			"Cannot continue transaction %d on session because a newer transaction %d has already started.", number, cur.number)}
	case cur.state == txnAborted:
		return nil, &txnError{codeNoSuchTransaction, fmt.Sprintf("Transaction with { txnNumber: %d } has been aborted.", number)}
	case cur.state == txnCommitted && name != "commitTransaction":
		return nil, &txnError{codeTransactionCommitted, fmt.Sprintf("Transaction with { txnNumber: %d } has been committed.", number)}
	}
	return cur, nil
}

// conflict reports whether a transaction in progress other than t, or
// one committed since t started, wrote one of the documents keys of ns.
func (ts *transactions) conflict(t *txn, ns string, keys []string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for _, o := range ts.writersLocked(t) {
		for _, k := range keys {
			if _, ok := o.orig[ns][k]; ok {
				return true
			}
		}
	}
	return false
}

// touch records that t wrote the document key of ns, which was orig (nil
// if it did not exist); the first write of a document records it.
func (ts *transactions) touch(t *txn, ns, key string, orig bson.Raw) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t.orig == nil {
		t.orig = map[string]map[string]bson.Raw{}
	}
	m := t.orig[ns]
	if m == nil {
		m = map[string]bson.Raw{}
		t.orig[ns] = m
	}
	if _, ok := m[key]; !ok {
		m[key] = orig
	}
}

// created records that t created the collection ns or, when index is not
// "", the index of that name on it.
func (ts *transactions) noteCreated(t *txn, ns, index string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if index == "" {
		if t.created == nil {
			t.created = map[string]bool{}
		}
		t.created[ns] = true
		return
	}
	if t.createdIdx == nil {
		t.createdIdx = map[string]map[string]bool{}
	}
	if t.createdIdx[ns] == nil {
		t.createdIdx[ns] = map[string]bool{}
	}
	t.createdIdx[ns][index] = true
}

// openOf returns the transactions in progress of the sessions ids, or of
// every session when all is set.
func (ts *transactions) openOf(ids []string, all bool) []*txn {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []*txn
	if all {
		for _, t := range ts.bySession {
			if t.state == txnInProgress {
				out = append(out, t)
			}
		}
		return out
	}
	for _, id := range ids {
		if t := ts.bySession[id]; t != nil && t.state == txnInProgress {
			out = append(out, t)
		}
	}
	return out
}

// writersLocked returns the transactions whose writes reader (nil for a
// command outside a transaction) must not see: those in progress but
// reader, and those in progress when reader started, committed since.
// ts.mu is held.
func (ts *transactions) writersLocked(reader *txn) []*txn {
	var out []*txn
	for _, o := range ts.bySession {
		if o != reader && o.state == txnInProgress {
			out = append(out, o)
		}
	}
	if reader != nil {
		for _, o := range reader.hidden {
			if o.state == txnCommitted {
				out = append(out, o)
			}
		}
	}
	return out
}

// writersIn returns the transactions in progress that wrote in the
// namespace ns or, when db is set, in any collection of database ns.
func (ts *transactions) writersIn(ns string, db bool) []*txn {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	in := func(n string) bool {
		if db {
			return strings.HasPrefix(n, ns+".")
		}
		return n == ns
	}
	var out []*txn
	for _, t := range ts.bySession {
		if t.state != txnInProgress {
			continue
		}
		hit := false
		for n := range t.orig {
			hit = hit || in(n)
		}
		for n := range t.created {
			hit = hit || in(n)
		}
		for n := range t.createdIdx {
			hit = hit || in(n)
		}
		if hit {
			out = append(out, t)
		}
	}
	return out
}
