package sim

import (
	"bytes"
	"math"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// writeCommands are the commands a secondary refuses with
// NotWritablePrimary, and those a writeConcernError of the fail point
// applies to (the commands that take a write concern).
var writeCommands = setOf(
	"insert", "update", "delete", "findAndModify", "findandmodify", "bulkWrite",
	"create", "drop", "dropDatabase", "createIndexes", "dropIndexes", "deleteIndexes",
	"collMod", "renameCollection", "convertToCapped", "cloneCollectionAsCapped", "applyOps",
	"createUser", "updateUser", "dropUser", "dropAllUsersFromDatabase",
	"grantRolesToUser", "revokeRolesFromUser", "createRole", "updateRole", "dropRole",
	"commitTransaction", "abortTransaction",
)

// readCommands are the commands a secondary runs only when the request
// allows secondary reads (mongod's AllowedOnSecondary::kOptIn). Every other
// command (ping, buildInfo, getMore, killCursors, saslStart...) runs on any
// member. An aggregate with $out or $merge is a read here, as it is for a
// 5.0 or later secondary, which sends the writes to the primary.
var readCommands = setOf(
	"find", "aggregate", "count", "distinct", "mapReduce", "explain",
	"listCollections", "listIndexes", "listDatabases", "dbStats", "collStats", "dataSize",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// secondaryOK reports whether a request allows a secondary to run it: its
// $readPreference has a mode other than primary.
func secondaryOK(body bson.Raw) bool {
	mode, ok := body.Lookup("$readPreference", "mode").StringValueOK()
	return ok && mode != "primary"
}

// checkRole refuses, as mongod does, what the member's role does not allow:
// writes anywhere but on a primary (or mongos), reads on a secondary that
// the request does not allow there, reads and writes on an arbiter, and
// anything in a transaction off the primary. An unacknowledged write
// refused so closes the connection, since it cannot get an error reply.
func (cn *conn) checkRole(req *request) (done bool, err error) {
	cn.m.c.mu.Lock()
	r := cn.m.role
	cn.m.c.mu.Unlock()
	if r == rolePrimary || r == roleMongos {
		return false, nil
	}
	write, read := writeCommands[req.name], readCommands[req.name]
	if !write && !read {
		return false, nil
	}
	switch {
	case write || req.session.autocommit:
		if req.flags&wire.MoreToCome != 0 {
			return true, errCloseConn
		}
		return true, cn.fail(req, codeNotWritablePrimary, "not primary")
	case r == roleArbiter:
		return true, cn.fail(req, codeNotPrimaryOrSecondary, "node is not in primary or recovering state")
	case !secondaryOK(req.msg.Body):
		return true, cn.fail(req, codeNotPrimaryNoSecondaryOk, "not primary and secondaryOk=false")
	}
	return false, nil
}

// forward sends req to the backend on the connection's backend connection
// and relays the reply. The backend gets a plain, acknowledged OP_MSG with
// a requestID of its own: moreToCome is cleared so that an unacknowledged
// write is done before the next request (its reply is dropped), and
// exhaustAllowed so that the backend answers once. A fail point's
// writeConcernError and error labels are added to the reply.
func (cn *conn) forward(req *request) error {
	key, retryable := retryKeyOf(req)
	if retryable {
		if kept := cn.m.c.retried.get(key); kept != nil {
			req.onReply = nil // a retry changes nothing
			return cn.replyBody(req, kept)
		}
		if cn.m.txnWriteFailPointOn() || cn.m.c.retried.hasStatements(key) {
			return cn.forwardByStatement(req, key)
		}
	}
	// The backend gets a plain OP_MSG: the request's flags (moreToCome,
	// exhaustAllowed, checksumPresent) are the member's to honour.
	body, err := cn.backendRoundTrip(req.msg.Body, req.msg.Sequences)
	if err != nil {
		return err
	}
	if isolatedReads[req.name] {
		if body, err = cn.isolate(req, nil, body); err != nil {
			return err
		}
	}
	if retryable && okReply(body) && body.Lookup("writeErrors").Type == 0 {
		// mongod keeps the statements that succeeded; one that failed runs
		// again when retried.
		cn.m.c.retried.put(key, body)
	}
	return cn.replyBody(req, body)
}

// replyBody sends a reply from the backend, or kept from it, to req, with
// what the fail point adds.
func (cn *conn) replyBody(req *request, body bson.Raw) error {
	var err error
	if req.onReply != nil {
		req.onReply(body)
		req.onReply = nil
	}
	if req.wce != nil || req.hasLabels {
		if body, err = cn.amend(req, body); err != nil {
			return err
		}
	}
	if cn.m.c.clusterTime {
		if body, err = appendFields(body, cn.m.c.tick()); err != nil {
			return err
		}
	}
	return cn.reply(req, body, nil, 0)
}

// amend adds the fail point's writeConcernError to a backend reply, with
// the fail point's labels or those the server would add, and applies the
// fail point's labels to a failed command's reply.
func (cn *conn) amend(req *request, body bson.Raw) (bson.Raw, error) {
	var fields bson.D
	switch {
	case req.wce != nil:
		fields = bson.D{{Key: "writeConcernError", Value: req.wce}}
		labels := req.labels
		if !req.hasLabels {
			code, _ := req.wce.Lookup("code").AsInt64OK()
			labels = serverLabels(req.name, req.session, 0, int32(code))
		}
		if len(labels) > 0 {
			fields = append(fields, bson.E{Key: "errorLabels", Value: labels})
		}
	case !okReply(body):
		var labels any // nil removes the backend's labels
		if len(req.labels) > 0 {
			labels = req.labels
		}
		fields = bson.D{{Key: "errorLabels", Value: labels}}
	default:
		return body, nil
	}
	return appendFields(body, fields)
}

// backendHelloAuth sends a hello that asks for saslSupportedMechs or
// speculativeAuthenticate to the backend, on the connection's backend
// connection, and returns those two fields of its reply.
func (cn *conn) backendHelloAuth(req *request) (bson.D, error) {
	be, err := cn.backend()
	if err != nil {
		return nil, err
	}
	id := wire.NextRequestID()
	if _, err := be.Write(wire.AppendMsg(nil, id, 0, req.msg.Body)); err != nil {
		return nil, err
	}
	msg, err := wire.ReadMessage(be, 0)
	if err != nil {
		return nil, err
	}
	defer msg.Release()
	p, err := wire.ParseMsg(msg.Bytes)
	if err != nil {
		return nil, err
	}
	if err := p.Header.CheckResponseTo(id); err != nil {
		return nil, err
	}
	var extra bson.D
	for _, k := range []string{"saslSupportedMechs", "speculativeAuthenticate"} {
		if v := p.Body.Lookup(k); v.Type != 0 {
			extra = append(extra, bson.E{Key: k, Value: bson.RawValue{Type: v.Type, Value: bytes.Clone(v.Value)}})
		}
	}
	return extra, nil
}

// configureFailPoint runs the configureFailPoint command on the member.
func (cn *conn) configureFailPoint(req *request, db string) error {
	if db != "admin" {
		return cn.fail(req, codeUnauthorized, "configureFailPoint may only be run against the admin database.")
	}
	var count any
	switch req.msg.Body.Lookup("configureFailPoint").StringValue() {
	case GetMoreFailPointName:
		fp, err := parseGetMoreFailPoint(req.msg.Body)
		if err != nil {
			return cn.fail(req, codeBadValue, err.Error())
		}
		count = cn.m.setGetMoreFailPoint(fp)
	case TxnWriteFailPointName:
		fp, err := parseTxnWriteFailPoint(req.msg.Body)
		if err != nil {
			return cn.fail(req, codeBadValue, err.Error())
		}
		count = cn.m.setTxnWriteFailPoint(fp)
	default:
		fp, err := ParseFailPoint(req.msg.Body)
		if err != nil {
			return cn.fail(req, codeBadValue, err.Error())
		}
		count = cn.m.setFailPoint(fp)
	}
	if n := count.(int64); n <= math.MaxInt32 {
		count = int32(n) // as mongod's appendNumber does
	}
	return cn.replyDoc(req, bson.D{{Key: "count", Value: count}, {Key: "ok", Value: 1.0}}, 0)
}

// replSetStepDown runs the replSetStepDown command on a replica set member.
func (cn *conn) replSetStepDown(req *request, db string) error {
	if db != "admin" {
		return cn.fail(req, codeUnauthorized, "replSetStepDown may only be run against the admin database.")
	}
	if err := cn.m.c.stepDown(cn.m.idx, true); err != nil {
		return cn.fail(req, codeNotWritablePrimary, "not primary so can't step down")
	}
	return cn.replyDoc(req, bson.D{{Key: "ok", Value: 1.0}}, 0)
}

// evalFailPoint evaluates the member's fail point for a command and
// returns its configuration if it fires.
func (m *member) evalFailPoint(name, appName, ns string) (FailPoint, bool) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	fp := m.fp
	if fp == nil || !fp.trigger(name, appName, ns, writeCommands[name]) {
		return FailPoint{}, false
	}
	return fp.cfg, true
}

// setFailPoint configures the member's fail point and returns how many
// times the previous configuration fired, as the command's count.
func (m *member) setFailPoint(cfg FailPoint) int64 {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	var count int64
	if m.fp != nil {
		count = m.fp.entered
	}
	m.fp = &failPoint{cfg: cfg, left: cfg.Mode.n}
	return count
}

// replyDelay returns the member's reply delay.
func (m *member) replyDelay() time.Duration {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	return m.delay
}
