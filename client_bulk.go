package motor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/wire"
)

// BulkWrite carries out writes on any number of collections, of any
// databases, with the bulkWrite command of MongoDB 8.0 (wire version 25):
// a single command carries inserts, updates, replacements and deletes on
// many namespaces, split only where the server's maxWriteBatchSize and
// maxMessageSizeBytes ask. Older servers get no command: BulkWrite fails
// before sending anything. The documents, filters and updates are encoded
// with bson.DefaultRegistry.
//
//	res, err := client.BulkWrite(ctx, []motor.ClientWriteModel{
//		{Database: "app", Collection: "users", Model: motor.InsertOneModel[User]{Document: u}},
//		{Database: "app", Collection: "audit", Model: motor.InsertOneModel[bson.D]{Document: entry}},
//	})
//
// Failures come back as a *ClientBulkWriteException, with each write error
// by the index of its model. A command that holds no UpdateManyModel or
// DeleteManyModel is a retryable write.
func (c *Client) BulkWrite(ctx context.Context, models []ClientWriteModel, opts ...ClientBulkWriteOptions) (*ClientBulkWriteResult, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("motor: Client.BulkWrite: %w", errWriteNoModels)
	}
	var o ClientBulkWriteOptions
	for _, p := range opts {
		o.Ordered = pickSet(o.Ordered, p.Ordered)
		o.BypassDocumentValidation = pickSet(o.BypassDocumentValidation, p.BypassDocumentValidation)
		o.Let = pickAny(o.Let, p.Let)
		o.Comment = pickAny(o.Comment, p.Comment)
		o.WriteConcern = pickSet(o.WriteConcern, p.WriteConcern)
		o.VerboseResults = o.VerboseResults || p.VerboseResults
	}
	r := &clientRun{client: c, ordered: o.Ordered == nil || *o.Ordered, verbose: o.VerboseResults, wc: c.cfg.WriteConcern}
	if o.WriteConcern != nil {
		r.wc = o.WriteConcern
	}
	if inTransaction(ctx) {
		if o.WriteConcern != nil {
			return nil, fmt.Errorf("motor: Client.BulkWrite: %w", ErrTransactionWriteConcern)
		}
		r.wc = nil
	}
	ack := acknowledged(r.wc)
	if !ack && r.ordered {
		return nil, errors.New("motor: Client.BulkWrite: Cannot request unacknowledged write concern and ordered writes")
	}
	if !ack && r.verbose {
		return nil, errors.New("motor: Client.BulkWrite: Cannot request unacknowledged write concern and verbose results")
	}
	if err := r.ops.encode(models); err != nil {
		return nil, fmt.Errorf("motor: Client.BulkWrite: %w", err)
	}
	d := bson.D{{Key: "bulkWrite", Value: int32(1)}, {Key: "errorsOnly", Value: !r.verbose}, {Key: "ordered", Value: r.ordered}}
	if o.BypassDocumentValidation != nil {
		d = append(d, bson.E{Key: "bypassDocumentValidation", Value: *o.BypassDocumentValidation})
	}
	if o.Comment != nil {
		d = append(d, bson.E{Key: "comment", Value: o.Comment})
	}
	if o.Let != nil {
		d = append(d, bson.E{Key: "let", Value: o.Let})
	}
	if wc := writeConcernDoc(r.wc); wc != nil {
		d = append(d, bson.E{Key: "writeConcern", Value: wc})
	}
	body, err := bson.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("motor: Client.BulkWrite: %w", err)
	}
	err = r.execute(ctx, body)
	return r.finish(err)
}

// clientOps are the encoded ops of a client bulk write, each with its
// namespace.
type clientOps struct {
	stmts  stmts
	kinds  []writeKind
	ns     []int    // the namespace of each op, an index into nsDocs
	nsDocs [][]byte // {ns: "db.coll"} of each namespace
	ids    []any    // the _id of each insert
	sort   bool     // an op has a sort
}

// nsIndexOffset is where the namespace index (an int32) sits in an op:
// after the length, the element type and "insert", "update" or "delete"
// with its NUL.
const nsIndexOffset = 4 + 1 + 7

// encode encodes every model, checking each.
func (o *clientOps) encode(models []ClientWriteModel) error {
	nsIDs := map[string]int{}
	o.ids = make([]any, len(models))
	for i := range models {
		m := &models[i]
		if isNilValue(m.Model) {
			return fmt.Errorf("model %d is nil", i)
		}
		ns, err := m.namespace()
		if err != nil {
			return fmt.Errorf("model %d: %w", i, err)
		}
		id, ok := nsIDs[ns]
		if !ok {
			id = len(o.nsDocs)
			nsIDs[ns] = id
			doc, err := bson.Marshal(bson.D{{Key: "ns", Value: ns}})
			if err != nil {
				return err
			}
			o.nsDocs = append(o.nsDocs, doc)
		}
		kind, st, doc := m.Model.stmt()
		var size int
		if kind == kindInsert {
			o.stmts.buf, o.ids[i], size, err = appendClientInsert(o.stmts.buf, nil, 0, doc)
		} else {
			o.stmts.buf, size, err = appendStmt(o.stmts.buf, nil, st, clientForm(0))
			o.sort = o.sort || st.sort != nil
		}
		if err != nil {
			return fmt.Errorf("model %d: %w", i, err)
		}
		o.stmts.add(i, size, st != nil && st.multi)
		o.kinds = append(o.kinds, kind)
		o.ns = append(o.ns, id)
	}
	return nil
}

// split chooses the ops of the batch starting at from: at most maxCount,
// whose encodings plus the nsInfo documents they need add up to at most
// maxBytes. It writes each op's index in the batch's nsInfo into the op
// and returns the nsInfo documents.
func (o *clientOps) split(from, maxCount, maxBytes int) (int, []byte, error) {
	local := map[int]int32{}
	var nsInfo []byte
	size, to := 0, from
	for ; to < o.stmts.len() && to-from < maxCount; to++ {
		start := o.stmts.start(to)
		add := o.stmts.ends[to] - start
		id := o.ns[to]
		li, seen := local[id]
		if !seen {
			add += len(o.nsDocs[id])
		}
		if size+add > maxBytes {
			break
		}
		size += add
		if !seen {
			li = int32(len(local))
			local[id] = li
			nsInfo = append(nsInfo, o.nsDocs[id]...)
		}
		binary.LittleEndian.PutUint32(o.stmts.buf[start+nsIndexOffset:], uint32(li))
	}
	if to == from {
		return from, nil, fmt.Errorf("%w: the write at index %d does not fit in a bulkWrite command within the server's maxMessageSizeBytes",
			ErrDocumentTooLarge, from)
	}
	return to, nsInfo, nil
}

// clientRun is the state of one Client.BulkWrite.
type clientRun struct {
	client    *Client
	ordered   bool
	verbose   bool
	wc        *WriteConcern
	ops       clientOps
	validated bool

	res       ClientBulkWriteResult
	wes       map[int]WriteError
	wces      []WriteConcernError
	succeeded bool // a write is known to have been done
	observed  bool // a reply was read
}

// execute sends the ops in batches until they are all sent, a top-level
// error stops it (returned), or an ordered write fails.
func (r *clientRun) execute(ctx context.Context, body []byte) error {
	ack := acknowledged(r.wc)
	r.res.Acknowledged = ack
	for from := 0; from < r.ops.stmts.len(); {
		to := from
		// As for collection writes (see writeRun.runGroup): retryable
		// before Prepare when no statement left is a multi-document write.
		retry := op.NoRetry
		if ack && !r.ops.stmts.anyMulti(from, r.ops.stmts.len()) {
			retry = op.RetryWrite
		}
		cmd := &op.Command{
			Retry: retry,
			Name:  "bulkWrite", DB: "admin", Body: body, Write: true,
			Unacknowledged: !ack, NoSession: !ack, KeepSession: ack, ReadConcern: writeReadConcern,
			Prepare: func(cmd *op.Command, l op.Limits) error {
				if l.MaxWireVersion < 25 {
					return fmt.Errorf("motor: Client.BulkWrite needs MongoDB 8.0 (wire version 25); the server's wire version is %d", l.MaxWireVersion)
				}
				if !r.validated {
					if err := r.ops.stmts.validate(l); err != nil {
						return err
					}
					r.validated = true
				}
				var nsInfo []byte
				var err error
				to, nsInfo, err = r.ops.split(from, l.MaxWriteBatchSize, l.MaxMessageSize-messageOverhead-len(body))
				if err != nil {
					return err
				}
				cmd.Sequences = []wire.Sequence{
					{Identifier: "ops", Docs: r.ops.stmts.batch(from, to)},
					{Identifier: "nsInfo", Docs: nsInfo},
				}
				cmd.Retry = op.NoRetry
				if ack && !r.ops.stmts.anyMulti(from, to) {
					cmd.Retry = op.RetryWrite
				}
				return nil
			},
		}
		res, err := r.client.exec.Run(ctx, cmd)
		if err != nil {
			return err
		}
		if !ack {
			from = to
			continue
		}
		err = r.record(ctx, res, from, to) // ends res.Session
		if err != nil {
			return err
		}
		if r.ordered && len(r.wes) > 0 {
			return nil
		}
		from = to
	}
	return nil
}

// record gathers what the reply to the batch [from, to) says, reading the
// whole results cursor with getMores on the server and session of the
// bulkWrite command; it ends that session. If the cursor cannot be read to
// its end, it is killed.
func (r *clientRun) record(ctx context.Context, res op.Result, from, to int) error {
	reply := res.Reply
	r.observed = true
	for _, k := range [...]struct {
		name string
		n    *int64
	}{{"nInserted", &r.res.InsertedCount}, {"nUpserted", &r.res.UpsertedCount}, {"nMatched", &r.res.MatchedCount},
		{"nModified", &r.res.ModifiedCount}, {"nDeleted", &r.res.DeletedCount}} {
		n, _ := reply.Lookup(k.name).AsInt64OK()
		*k.n += n
	}
	if wce := parseWriteConcernError(reply); wce != nil {
		r.wces = append(r.wces, *wce)
	}
	nErrors, _ := reply.Lookup("nErrors").AsInt64OK()
	if nErrors == 0 || (!r.ordered && nErrors < int64(to-from)) {
		r.succeeded = true
	}
	cur, _ := reply.Lookup("cursor").DocumentOK()
	first := cursorReply{ns: cur.Lookup("ns").StringValue()}
	first.id, _ = cur.Lookup("id").AsInt64OK()
	r.results(cur.Lookup("firstBatch"), from, to)
	err, kerr := r.client.drainCursor(ctx, "bulkWrite", res, first, cursorOpts{}, func(d bson.Raw) { r.result(d, from, to) })
	if kerr != nil {
		return errors.Join(err, fmt.Errorf("motor: killing the bulkWrite results cursor: %w", kerr))
	}
	return err
}

// results records a batch of the results cursor: {ok, idx, code, errmsg,
// errInfo, n, nModified, upserted}, idx counting from the batch's first op.
func (r *clientRun) results(batch bson.RawValue, from, to int) {
	for _, v := range batch.Array().Values() {
		if d, ok := v.DocumentOK(); ok {
			r.result(d, from, to)
		}
	}
}

// result records one document of the results cursor.
func (r *clientRun) result(d bson.Raw, from, to int) {
	idx, _ := d.Lookup("idx").AsInt64OK()
	if idx < 0 || idx >= int64(to-from) {
		return
	}
	i := from + int(idx)
	if okv, _ := d.Lookup("ok").AsFloat64OK(); okv == 0 {
		we := WriteError{Index: i, Message: d.Lookup("errmsg").StringValue()}
		if c, ok := d.Lookup("code").AsInt64OK(); ok {
			we.Code = int32(c)
		}
		if info, ok := d.Lookup("errInfo").DocumentOK(); ok {
			we.Details = append(bson.Raw(nil), info...)
		}
		if r.wes == nil {
			r.wes = make(map[int]WriteError)
		}
		r.wes[i] = we
		if r.ordered && idx > 0 {
			r.succeeded = true
		}
		return
	}
	if !r.verbose {
		return
	}
	n, _ := d.Lookup("n").AsInt64OK()
	switch r.ops.kinds[i] {
	case kindInsert:
		if r.res.InsertResults == nil {
			r.res.InsertResults = make(map[int]ClientInsertResult)
		}
		r.res.InsertResults[i] = ClientInsertResult{InsertedID: r.ops.ids[i]}
	case kindUpdate:
		u := ClientUpdateResult{MatchedCount: n}
		u.ModifiedCount, _ = d.Lookup("nModified").AsInt64OK()
		if up, ok := d.Lookup("upserted").DocumentOK(); ok {
			u.DidUpsert = true
			_ = up.Lookup("_id").Unmarshal(&u.UpsertedID)
		}
		if r.res.UpdateResults == nil {
			r.res.UpdateResults = make(map[int]ClientUpdateResult)
		}
		r.res.UpdateResults[i] = u
	case kindDelete:
		if r.res.DeleteResults == nil {
			r.res.DeleteResults = make(map[int]ClientDeleteResult)
		}
		r.res.DeleteResults[i] = ClientDeleteResult{DeletedCount: n}
	}
}

// finish returns the result and the error of the run.
func (r *clientRun) finish(err error) (*ClientBulkWriteResult, error) {
	if !r.res.Acknowledged {
		if err != nil {
			return nil, err
		}
		return &ClientBulkWriteResult{}, nil
	}
	r.res.HasVerboseResults = r.verbose
	if err == nil && len(r.wes) == 0 && len(r.wces) == 0 {
		return &r.res, nil
	}
	if err != nil && !r.observed {
		return nil, err
	}
	e := &ClientBulkWriteException{Err: err, WriteConcernErrors: r.wces, WriteErrors: r.wes}
	if r.succeeded {
		e.PartialResult = &r.res
	}
	return e.PartialResult, e
}
