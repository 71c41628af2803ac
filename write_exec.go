package motor

import (
	"context"
	"errors"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/mongoerr"
)

// writeKind is the command a group of statements goes in.
type writeKind uint8

const (
	kindInsert writeKind = iota
	kindUpdate
	kindDelete
)

func (k writeKind) command() string { return [...]string{"insert", "update", "delete"}[k] }

// sequence returns the name of the command's statements argument.
func (k writeKind) sequence() string { return [...]string{"documents", "updates", "deletes"}[k] }

// writeGroup is a run of statements of one kind: the documents of
// InsertMany, or consecutive models of one kind in a BulkWrite. It is sent
// as one command, or several when the server's limits split it.
type writeGroup struct {
	kind  writeKind
	stmts stmts
}

// writeRun carries out the groups of a write operation, one command per
// batch, and gathers what the replies say.
type writeRun struct {
	db      *Database
	coll    string
	reg     *bson.Registry
	wc      *WriteConcern
	ordered bool
	bypass  *bool
	comment any
	let     any
	// hint says that a statement has a hint, which an unacknowledged
	// write to a server before 4.4 cannot take.
	hint      bool
	groups    []*writeGroup
	validated bool

	// ids holds the _id of each insert, by the caller's index.
	ids []any
	// inserted lists the caller's indexes of the inserts the server
	// carried out, in increasing order.
	inserted []int
	res      BulkWriteResult
	wes      []WriteError
	wces     []WriteConcernError
	labels   []string
	// lastReply is the reply to the last command sent.
	lastReply bson.Raw
	// sent counts the commands that got a reply (or were sent, for w: 0).
	sent int
}

// execute runs every group in order and returns the error that stopped it,
// if any: write errors and write concern errors are gathered in the run,
// not returned.
func (w *writeRun) execute(ctx context.Context) error {
	w.wc = txnWriteConcern(ctx, w.wc)
	w.res.Acknowledged = acknowledged(w.wc)
	for _, g := range w.groups {
		stop, err := w.runGroup(ctx, g)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

// body returns the command document of a group, without its statements.
func (w *writeRun) body(kind writeKind) ([]byte, error) {
	d := bson.D{{Key: kind.command(), Value: w.coll}, {Key: "ordered", Value: w.ordered}}
	if wc := writeConcernDoc(w.wc); wc != nil {
		d = append(d, bson.E{Key: "writeConcern", Value: wc})
	}
	if w.bypass != nil && kind != kindDelete {
		d = append(d, bson.E{Key: "bypassDocumentValidation", Value: *w.bypass})
	}
	if w.comment != nil {
		d = append(d, bson.E{Key: "comment", Value: w.comment})
	}
	if w.let != nil && kind != kindInsert {
		d = append(d, bson.E{Key: "let", Value: w.let})
	}
	return bson.MarshalOptions{Registry: w.reg}.Marshal(d)
}

// check refuses, before anything is sent, what the server could not take.
func (w *writeRun) check(l op.Limits) error {
	if w.validated {
		return nil
	}
	if w.hint && !acknowledged(w.wc) && l.MaxWireVersion < 9 {
		return fmt.Errorf("motor: a hint on an unacknowledged write needs MongoDB 4.4 (wire version 9); the server's wire version is %d", l.MaxWireVersion)
	}
	for _, g := range w.groups {
		if err := g.stmts.validate(l); err != nil {
			return err
		}
	}
	w.validated = true
	return nil
}

// runGroup sends the group's statements in as many batches as the limits
// ask for. It reports stop when an ordered write must not go on.
func (w *writeRun) runGroup(ctx context.Context, g *writeGroup) (stop bool, err error) {
	body, err := w.body(g.kind)
	if err != nil {
		return true, fmt.Errorf("motor: %s: %w", g.kind.command(), err)
	}
	ack := acknowledged(w.wc)
	for from := 0; from < g.stmts.len(); {
		to := from
		// The batch is known once Prepare has the server's limits. Until
		// then the command counts as a retryable write when no statement
		// left can make it a multi-document one, so that a pool cleared
		// during the first check-out is retried.
		retry := op.NoRetry
		if ack && !g.stmts.anyMulti(from, g.stmts.len()) {
			retry = op.RetryWrite
		}
		cmd := &op.Command{
			Retry:          retry,
			Name:           g.kind.command(),
			DB:             w.db.name,
			Body:           body,
			Write:          true,
			ReadConcern:    writeReadConcern,
			Unacknowledged: !ack,
			NoSession:      !ack,
			Prepare: func(cmd *op.Command, l op.Limits) error {
				if err := w.check(l); err != nil {
					return err
				}
				var err error
				if to, err = g.stmts.split(from, limitsFor(l, len(body), g.kind.sequence())); err != nil {
					return err
				}
				cmd.Sequences = []wire.Sequence{{Identifier: g.kind.sequence(), Docs: g.stmts.batch(from, to)}}
				cmd.Retry = op.NoRetry
				if ack && !g.stmts.anyMulti(from, to) {
					cmd.Retry = op.RetryWrite
				}
				return nil
			},
		}
		res, err := w.db.client.exec.Run(ctx, cmd)
		if err != nil {
			return true, err
		}
		w.sent++
		if !ack {
			w.recordUnacknowledged(g, from, to)
		} else if w.record(g, from, to, res.Reply) && w.ordered {
			return true, nil
		}
		from = to
	}
	return false, nil
}

// recordUnacknowledged notes the inserts of a w: 0 batch as sent.
func (w *writeRun) recordUnacknowledged(g *writeGroup, from, to int) {
	if g.kind != kindInsert {
		return
	}
	for i := from; i < to; i++ {
		w.inserted = append(w.inserted, g.stmts.caller(i))
	}
}

// record gathers what the reply to the batch [from, to) of g says, and
// reports whether it had write errors.
func (w *writeRun) record(g *writeGroup, from, to int, reply bson.Raw) bool {
	w.lastReply = reply
	wes := parseWriteErrors(reply, func(i int) int {
		if i < 0 || i >= to-from {
			return i
		}
		return g.stmts.caller(from + i)
	})
	w.wes = append(w.wes, wes...)
	if wce := parseWriteConcernError(reply); wce != nil {
		w.wces = append(w.wces, *wce)
	}
	w.labels = append(w.labels, rawStrings(reply.Lookup("errorLabels"))...)
	n, _ := reply.Lookup("n").AsInt64OK()
	switch g.kind {
	case kindInsert:
		w.res.InsertedCount += n
		w.recordInserted(g, from, to, reply)
	case kindUpdate:
		upserted, _ := reply.Lookup("upserted").ArrayOK()
		var nUpserted int64
		for _, v := range upserted.Values() {
			d, _ := v.DocumentOK()
			i, _ := d.Lookup("index").AsInt64OK()
			if i < 0 || i >= int64(to-from) {
				continue
			}
			var id any
			_ = d.Lookup("_id").Unmarshal(&id)
			if w.res.UpsertedIDs == nil {
				w.res.UpsertedIDs = make(map[int]any)
			}
			w.res.UpsertedIDs[g.stmts.caller(from+int(i))] = id
			nUpserted++
		}
		w.res.UpsertedCount += nUpserted
		w.res.MatchedCount += n - nUpserted
		m, _ := reply.Lookup("nModified").AsInt64OK()
		w.res.ModifiedCount += m
	case kindDelete:
		w.res.DeletedCount += n
	}
	return len(wes) > 0
}

// recordInserted notes which documents of an insert batch the server
// inserted: all but those with a write error and, when ordered, those
// after the first write error.
func (w *writeRun) recordInserted(g *writeGroup, from, to int, reply bson.Raw) {
	failed := map[int]bool{}
	first := to - from
	for _, v := range reply.Lookup("writeErrors").Array().Values() {
		i, _ := v.Document().Lookup("index").AsInt64OK()
		failed[int(i)] = true
		first = min(first, int(i))
	}
	for i := from; i < to; i++ {
		if failed[i-from] || (w.ordered && i-from > first) {
			continue
		}
		w.inserted = append(w.inserted, g.stmts.caller(i))
	}
}

// bulkException returns the BulkWriteException for what the run gathered
// and the error that stopped it, or nil when all went well.
func (w *writeRun) bulkException(err error) error {
	if err != nil && w.sent == 0 && !reachedServer(err) && len(w.wes) == 0 && len(w.wces) == 0 {
		return err
	}
	if err == nil && len(w.wes) == 0 && len(w.wces) == 0 {
		return nil
	}
	return &BulkWriteException{
		WriteErrors:        w.wes,
		WriteConcernErrors: w.wces,
		PartialResult:      w.result(),
		Err:                err,
		Labels:             w.labels,
	}
}

// reachedServer reports whether err is a server's or the network's: the
// command may have been (partly) executed, so a bulk write reports its
// partial result, even if it counts nothing, rather than the bare error of
// one that could not start.
func reachedServer(err error) bool {
	var se *ServerError
	return errors.As(err, &se) || mongoerr.IsNetworkError(err)
}

// result returns the BulkWriteResult of what the run did.
func (w *writeRun) result() *BulkWriteResult {
	r := w.res
	if len(w.inserted) > 0 {
		r.InsertedIDs = make(map[int]any, len(w.inserted))
		for _, i := range w.inserted {
			r.InsertedIDs[i] = w.ids[i]
		}
	}
	if !r.Acknowledged {
		r.InsertedCount = 0
	}
	return &r
}

// writeException returns the WriteException of a single write: the write
// error or write concern error of its one command, or nil.
func (w *writeRun) writeException(command string) error {
	if len(w.wes) == 0 && len(w.wces) == 0 {
		return nil
	}
	e := &WriteException{WriteErrors: w.wes, Labels: w.labels, Command: command, Raw: w.lastReply}
	if len(w.wces) > 0 {
		e.WriteConcernError = &w.wces[0]
	}
	return e
}
