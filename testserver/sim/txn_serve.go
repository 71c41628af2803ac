package sim

import (
	"github.com/motor-go/motor/bson"
)

// recoveryToken is what mongos adds to the replies of the commands of a
// transaction, for a commit retried through another mongos; the simulated
// cluster has one shard.
var recoveryToken = bson.D{{Key: "recoveryShardId", Value: "sim"}}

// simShardMembers is the number of data-bearing members of the shard behind
// the simulated mongos, for the write concern of a commit.
const simShardMembers = 3

// serveTxn runs a command of a transaction: it starts or continues the
// session's transaction as mongod does, commits or aborts it, or runs the
// command in it.
func (cn *conn) serveTxn(req *request) error {
	c := cn.m.c
	if c.kind == kindStandalone {
		return cn.fail(req, codeIllegalOperation, "Transaction numbers are only allowed on a replica set member or mongos")
	}
	if e := validateTxnCommand(req); e != nil {
		return cn.fail(req, e.code, e.msg)
	}
	body := req.msg.Body
	lsid := string(body.Lookup("lsid", "id").Value)
	number, _ := body.Lookup("txnNumber").AsInt64OK()
	var t *txn
	var e *txnError
	if body.Lookup("startTransaction").Type != 0 {
		if old := c.txns.lookup(lsid); old != nil && old.number < number {
			cn.abortTxn(old) // a new transaction aborts the session's unfinished one
		}
		t, e = c.txns.begin(lsid, number, cn.m.idx)
	} else {
		t, e = c.txns.continueTxn(lsid, number, req.name)
	}
	if e != nil {
		return cn.fail(req, e.code, e.msg)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := c.txns.state(t)
	if st == txnAborted { // by endSessions or another router meanwhile
		return cn.fail(req, codeNoSuchTransaction, "Transaction has been aborted.")
	}
	if c.kind == kindSharded && t.router != cn.m.idx {
		return cn.otherRouter(req, t, st)
	}
	switch req.name {
	case "commitTransaction":
		if st == txnInProgress {
			t.undo = nil
			c.txns.setState(t, txnCommitted)
			c.addChanges(txnEvents(t.events, body))
			t.events = nil
		}
		return cn.replyTxn(req, cn.commitReply(body))
	case "abortTransaction":
		err := cn.rollback(t)
		c.txns.setState(t, txnAborted)
		if err != nil {
			return cn.fail(req, codeInternalError, "sim: rolling the transaction back: "+err.Error())
		}
		return cn.replyTxn(req, bson.D{{Key: "ok", Value: 1.0}})
	}
	return cn.execInTxn(req, t)
}

// otherRouter answers a command of a transaction that another mongos
// started, holding t.mu: a commit retried here finds a committed
// transaction committed (the recovery token's shard knows it) and one in
// progress unknown, as its commit never reached the shard; that one, and
// one aborted here, is rolled back at once (a real shard would keep it,
// invisible, until it timed out).
func (cn *conn) otherRouter(req *request, t *txn, st txnState) error {
	if req.name == "commitTransaction" && st == txnCommitted {
		return cn.replyTxn(req, cn.commitReply(req.msg.Body))
	}
	if isCommitOrAbort(req.name) && st == txnInProgress {
		cn.rollback(t)
		cn.m.c.txns.setState(t, txnAborted)
	}
	return cn.fail(req, codeNoSuchTransaction, "no known command has been sent by this router for this transaction")
}

// commitReply is the reply to a commit: ok, with the writeConcernError the
// write concern earns when the deployment cannot satisfy it.
func (cn *conn) commitReply(body bson.Raw) bson.D {
	d := bson.D{{Key: "ok", Value: 1.0}}
	wc, _ := body.Lookup("writeConcern").DocumentOK()
	w := wc.Lookup("w")
	if n, ok := w.AsInt64OK(); ok && n > int64(cn.m.c.dataMembers()) {
		d = append(d, bson.E{Key: "writeConcernError", Value: bson.D{
			{Key: "code", Value: int32(100)}, {Key: "codeName", Value: "UnsatisfiableWriteConcern"},
			{Key: "errmsg", Value: "Not enough data-bearing nodes"}}})
	} else if s, ok := w.StringValueOK(); ok && s != "majority" {
		d = append(d, bson.E{Key: "writeConcernError", Value: bson.D{
			{Key: "code", Value: int32(79)}, {Key: "codeName", Value: "UnknownReplWriteConcern"},
			{Key: "errmsg", Value: "No write concern mode named '" + s + "' found in replica set configuration"}}})
	}
	return d
}

// dataMembers returns the number of data-bearing members a write concern
// can count on.
func (c *Cluster) dataMembers() int {
	if c.kind != kindReplicaSet {
		return simShardMembers
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.members {
		if m.role != roleArbiter {
			n++
		}
	}
	return n
}

// replyTxn sends d, with mongos's recoveryToken, as the reply to a command
// of a transaction.
func (cn *conn) replyTxn(req *request, d bson.D) error {
	if cn.m.c.kind == kindSharded {
		d = append(d, bson.E{Key: "recoveryToken", Value: recoveryToken})
	}
	body, err := bson.Marshal(d)
	if err != nil {
		return err
	}
	return cn.replyBody(req, body)
}

// abortTxn aborts t, rolling its writes back, unless it is already over.
func (cn *conn) abortTxn(t *txn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cn.m.c.txns.state(t) != txnInProgress {
		return
	}
	cn.rollback(t)
	cn.m.c.txns.setState(t, txnAborted)
}

// endTransactions aborts the transactions in progress of the sessions that
// endSessions lists, or of every session for killAllSessions, as mongod
// does when it ends or kills a session.
func (cn *conn) endTransactions(req *request) {
	var ids []string
	all := req.name == "killAllSessions"
	if !all {
		for _, v := range req.msg.Body.Lookup(req.name).Array().Values() {
			if id := v.Document().Lookup("id"); id.Type != 0 {
				ids = append(ids, string(id.Value))
			}
		}
		for _, s := range req.msg.Sequences {
			for d := range s.Documents() {
				if id := bson.Raw(d).Lookup("id"); id.Type != 0 {
					ids = append(ids, string(id.Value))
				}
			}
		}
	}
	for _, t := range cn.m.c.txns.openOf(ids, all) {
		cn.abortTxn(t)
	}
}

// newerTxnNumber aborts the session's transaction in progress when a
// command outside a transaction (a retryable write) carries a newer
// transaction number, as mongod does.
func (cn *conn) newerTxnNumber(req *request) {
	id := req.msg.Body.Lookup("lsid", "id")
	number, ok := req.msg.Body.Lookup("txnNumber").AsInt64OK()
	if id.Type == 0 || !ok {
		return
	}
	if t := cn.m.c.txns.lookup(string(id.Value)); t != nil && t.number < number {
		cn.abortTxn(t)
	}
}

// abortForDrop aborts the transactions in progress that wrote in the
// collection or database a drop or dropDatabase outside a transaction
// removes. mongod makes the drop wait for their locks until they end,
// which for a transaction its client left open is when the server aborts
// it (transactionLifetimeLimitSeconds); the simulator aborts it at once.
func (cn *conn) abortForDrop(req *request) {
	db := req.msg.Body.Lookup("$db").StringValue()
	var ts []*txn
	if req.name == "dropDatabase" {
		ts = cn.m.c.txns.writersIn(db, true)
	} else {
		ts = cn.m.c.txns.writersIn(req.ns, false)
	}
	for _, t := range ts {
		cn.abortTxn(t)
	}
}
