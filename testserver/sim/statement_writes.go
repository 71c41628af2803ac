package sim

import (
	"bytes"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// A retryable write runs statement by statement while the
// onPrimaryTransactionalWrite fail point is on, and on its retries: each
// statement is sent to the backend alone, its outcome kept per session and
// transaction number, so that the fail point can fire between statements
// (committing some, not others) and a retry executes only the statements
// not yet executed, as mongod does with its statement ids.

// stmtResult is the outcome of one statement of an insert, update or
// delete.
type stmtResult struct {
	n, nModified int64
	upserted     bson.RawValue // the upserted _id, if any
	writeError   bson.Raw      // the write error, without its index
}

// statementFields are the array of statements of each write command.
var statementFields = map[string]string{"insert": "documents", "update": "updates", "delete": "deletes"}

// forwardByStatement runs the retryable write req statement by statement.
func (cn *conn) forwardByStatement(req *request, key retryKey) error {
	field, ok := statementFields[req.name]
	if !ok {
		// findAndModify: one statement, kept as a whole reply.
		return cn.forwardSingle(req, key)
	}
	base, stmts, err := splitStatements(req, field)
	if err != nil {
		return cn.fail(req, codeBadValue, err.Error())
	}
	ordered := true
	if v, ok := req.msg.Body.Lookup("ordered").BooleanOK(); ok {
		ordered = v
	}
	results := make([]stmtResult, len(stmts))
	done := make([]bool, len(stmts))
	for i, stmt := range stmts {
		if r, ok := cn.m.c.retried.statement(key, i); ok {
			results[i], done[i] = r, true
			continue
		}
		fp, fired := cn.m.evalTxnWriteFailPoint()
		if fired && fp.FailBeforeCommitExceptionCode != 0 {
			if fp.CloseConnection {
				return errCloseConn
			}
			return cn.fail(req, fp.FailBeforeCommitExceptionCode, "Failing write via 'onPrimaryTransactionalWrite' fail point")
		}
		reply, err := cn.backendRoundTrip(base, []wire.Sequence{{Identifier: field, Docs: stmt}})
		if err != nil {
			return err
		}
		if !okReply(reply) {
			return cn.replyBody(req, reply)
		}
		r := parseStmtResult(reply)
		results[i], done[i] = r, true
		if r.writeError == nil {
			cn.m.c.retried.putStatement(key, i, r)
		}
		if fired && fp.CloseConnection {
			return errCloseConn // committed, but the reply is lost
		}
		if r.writeError != nil && ordered {
			break
		}
	}
	reply, clean, err := combineStatements(req.name, results, done)
	if err != nil {
		return err
	}
	if clean {
		cn.m.c.retried.put(key, reply)
	}
	return cn.replyBody(req, reply)
}

// forwardSingle runs a one-statement retryable write (findAndModify) under
// the fail point, keeping its reply.
func (cn *conn) forwardSingle(req *request, key retryKey) error {
	fp, fired := cn.m.evalTxnWriteFailPoint()
	if fired && fp.FailBeforeCommitExceptionCode != 0 {
		if fp.CloseConnection {
			return errCloseConn
		}
		return cn.fail(req, fp.FailBeforeCommitExceptionCode, "Failing write via 'onPrimaryTransactionalWrite' fail point")
	}
	reply, err := cn.backendRoundTrip(req.msg.Body, req.msg.Sequences)
	if err != nil {
		return err
	}
	if okReply(reply) {
		cn.m.c.retried.put(key, reply)
	}
	if fired && fp.CloseConnection {
		return errCloseConn
	}
	return cn.replyBody(req, reply)
}

// splitStatements returns the command body without its statements, and the
// statements, from a document sequence or the body's array.
func splitStatements(req *request, field string) (base bson.Raw, stmts [][]byte, err error) {
	for _, s := range req.msg.Sequences {
		if s.Identifier != field {
			return nil, nil, fmt.Errorf("unexpected document sequence %q", s.Identifier)
		}
		for doc := range s.Documents() {
			stmts = append(stmts, doc)
		}
	}
	var d bson.D
	for k, v := range req.msg.Body.Elements() {
		if k == field {
			arr, ok := v.ArrayOK()
			if !ok {
				return nil, nil, fmt.Errorf("%s must be an array", field)
			}
			for _, e := range arr.Values() {
				doc, ok := e.DocumentOK()
				if !ok {
					return nil, nil, fmt.Errorf("%s must hold documents", field)
				}
				stmts = append(stmts, doc)
			}
			continue
		}
		d = append(d, bson.E{Key: k, Value: v})
	}
	base, err = bson.Marshal(d)
	return base, stmts, err
}

// parseStmtResult reads the reply to a one-statement write.
func parseStmtResult(reply bson.Raw) stmtResult {
	var r stmtResult
	r.n, _ = reply.Lookup("n").AsInt64OK()
	r.nModified, _ = reply.Lookup("nModified").AsInt64OK()
	if id := reply.Lookup("upserted", "0", "_id"); id.Type != 0 {
		r.upserted = bson.RawValue{Type: id.Type, Value: bytes.Clone(id.Value)}
	}
	if we, ok := reply.Lookup("writeErrors", "0").DocumentOK(); ok {
		r.writeError = bytes.Clone(we)
	}
	return r
}

// combineStatements builds the reply of a write from the outcomes of its
// executed statements; clean reports that no statement failed.
func combineStatements(name string, results []stmtResult, done []bool) (bson.Raw, bool, error) {
	var n, nModified int64
	var upserted, writeErrors bson.A
	for i, r := range results {
		if !done[i] {
			continue
		}
		n += r.n
		nModified += r.nModified
		if r.upserted.Type != 0 {
			upserted = append(upserted, bson.D{{Key: "index", Value: int32(i)}, {Key: "_id", Value: r.upserted}})
		}
		if r.writeError != nil {
			we := bson.D{{Key: "index", Value: int32(i)}}
			for k, v := range r.writeError.Elements() {
				if k != "index" {
					we = append(we, bson.E{Key: k, Value: v})
				}
			}
			writeErrors = append(writeErrors, we)
		}
	}
	d := bson.D{{Key: "n", Value: int32(n)}}
	if name == "update" {
		d = append(d, bson.E{Key: "nModified", Value: int32(nModified)})
		if len(upserted) > 0 {
			d = append(d, bson.E{Key: "upserted", Value: upserted})
		}
	}
	if len(writeErrors) > 0 {
		d = append(d, bson.E{Key: "writeErrors", Value: writeErrors})
	}
	d = append(d, bson.E{Key: "ok", Value: 1.0})
	reply, err := bson.Marshal(d)
	return reply, len(writeErrors) == 0, err
}

// backendRoundTrip sends body and seqs to the backend on the connection's
// backend connection and returns a copy of the reply's body.
func (cn *conn) backendRoundTrip(body []byte, seqs []wire.Sequence) (bson.Raw, error) {
	be, err := cn.backend()
	if err != nil {
		return nil, err
	}
	id := wire.NextRequestID()
	out, start := wire.BeginMsg(cn.out[:0], id, 0, 0)
	out = wire.AppendBodySection(out, body)
	for _, s := range seqs {
		out = wire.AppendSequenceSection(out, s)
	}
	out = wire.EndMsg(out, start)
	cn.out = out
	if _, err := be.Write(out); err != nil {
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
	return bytes.Clone(p.Body), nil
}
