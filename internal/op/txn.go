package op

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/pool"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/internal/topology"
	"github.com/motor-go/motor/mongoerr"
)

// This file holds what the executor does for transactions: the fields of
// the commands in a transaction, mongos and load balancer pinning, the
// error labels, and the commitTransaction and abortTransaction commands.

// The error labels of transactions.
const (
	TransientTxnLabel     = "TransientTransactionError"
	UnknownCommitLabel    = "UnknownTransactionCommitResult"
	codeMaxTimeMSExpired  = 50
	codeWriteConcernFail  = 64
	codeUnknownReplWC     = 79
	codeUnsatisfiableWC   = 100
	commitRetryWTimeoutMS = 10000
)

// StartTransaction starts a transaction in the explicit session cs with
// the resolved options o. It checks out the session's server session, to
// increment its txnNumber, and unpins the session.
func (x *Executor) StartTransaction(cs *session.Client, o session.TxnOptions) error {
	if cs.Owner != x {
		return fmt.Errorf("startTransaction: %w", ErrSessionOtherClient)
	}
	if cs.Snapshot {
		return session.ErrTxnSnapshot
	}
	srv, err := cs.Server(x.CheckOutSession)
	if err != nil {
		return err
	}
	if srv == nil {
		return fmt.Errorf("startTransaction: %w", ErrSessionsNotSupported)
	}
	unpinned, err := cs.StartTxn(srv, o)
	releaseTxnPin(unpinned)
	return err
}

// releaseTxnPin checks in a connection a transaction was pinned to.
func releaseTxnPin(p any) {
	if p, ok := p.(*Pinned); ok {
		p.release()
	}
}

// CommitTransaction commits the transaction of cs: it sends
// commitTransaction (unless the transaction sent nothing) with the
// transaction's write concern, w: majority when it is a retry, and
// retries it once on a retryable error whatever the retryWrites option.
func (x *Executor) CommitTransaction(ctx context.Context, cs *session.Client) error {
	if err := x.checkTxnSession(cs, "commitTransaction"); err != nil {
		return err
	}
	send, retry, err := cs.TxnCommit()
	if err != nil || !send {
		return err
	}
	err = x.endTxn(ctx, cs, "commitTransaction", retry)
	if err != nil && retryableTxnEnd(err) {
		releaseTxnPin(cs.UnpinTxn())
		err = x.endTxn(ctx, cs, "commitTransaction", true)
	}
	if err != nil {
		err = labelCommit(err)
		if mongoerr.HasLabel(err, UnknownCommitLabel) || mongoerr.HasLabel(err, TransientTxnLabel) {
			releaseTxnPin(cs.UnpinTxn())
		}
	}
	return err
}

// AbortTransaction aborts the transaction of cs: it sends abortTransaction
// (unless the transaction sent nothing), retried once on a retryable
// error. Errors of the command are ignored, as the specification asks;
// the session is unpinned in any case.
func (x *Executor) AbortTransaction(ctx context.Context, cs *session.Client) error {
	if err := x.checkTxnSession(cs, "abortTransaction"); err != nil {
		return err
	}
	send, err := cs.TxnAbort()
	if err != nil {
		return err
	}
	defer func() { releaseTxnPin(cs.UnpinTxn()) }()
	if !send {
		return nil
	}
	if err := x.endTxn(ctx, cs, "abortTransaction", false); err != nil && retryableTxnEnd(err) {
		releaseTxnPin(cs.UnpinTxn())
		_ = x.endTxn(ctx, cs, "abortTransaction", false) // ignored, as the first error is
	}
	return nil
}

// checkTxnSession rejects a session of another client, or an ended one.
func (x *Executor) checkTxnSession(cs *session.Client, name string) error {
	switch {
	case cs.Owner != x:
		return fmt.Errorf("%s: %w", name, ErrSessionOtherClient)
	case cs.Ended():
		return fmt.Errorf("%s: %w", name, mongoerr.ErrSessionEnded)
	}
	return nil
}

// endTxn sends commitTransaction or abortTransaction once. majority
// applies w: majority (and wtimeout 10000 when none is set) to the
// transaction's write concern. A write concern error in an ok: 1 reply is
// returned as a *mongoerr.ServerError.
func (x *Executor) endTxn(ctx context.Context, cs *session.Client, name string, majority bool) error {
	o := cs.TxnOpts()
	doc := bson.D{{Key: name, Value: int32(1)}}
	wc := o.WriteConcern
	if majority {
		wc = majorityWC(wc)
	}
	if wc != nil {
		doc = append(doc, bson.E{Key: "writeConcern", Value: wc})
	}
	if name == "commitTransaction" && o.MaxCommitTime > 0 {
		doc = append(doc, bson.E{Key: "maxTimeMS", Value: o.MaxCommitTime.Milliseconds()})
	}
	if tok := cs.RecoveryToken(); tok != nil {
		doc = append(doc, bson.E{Key: "recoveryToken", Value: tok})
	}
	body, err := bson.Marshal(doc)
	if err != nil {
		return err
	}
	cmd := &Command{Name: name, DB: "admin", Body: body, Write: true, txnEnd: true}
	res, err := x.Run(WithSession(ctx, Ref{Session: cs, Owner: SessionRef(ctx).Owner}), cmd)
	if err != nil {
		return labelNetworkRetryable(err)
	}
	if d, ok := res.Reply.Lookup("writeConcernError").DocumentOK(); ok {
		return writeConcernServerError(name, res.Reply, d)
	}
	return nil
}

// majorityWC returns the write concern wc with w: majority, and wtimeout
// 10000 unless it has one.
func majorityWC(wc bson.D) bson.D {
	out := bson.D{{Key: "w", Value: "majority"}}
	hasTimeout := false
	for _, e := range wc {
		switch e.Key {
		case "w":
			continue
		case "wtimeout":
			hasTimeout = true
		}
		out = append(out, e)
	}
	if !hasTimeout {
		out = append(out, bson.E{Key: "wtimeout", Value: int64(commitRetryWTimeoutMS)})
	}
	return out
}

// writeConcernServerError turns the writeConcernError d of an ok: 1 reply
// into a ServerError carrying its code and the labels of the reply and of
// the writeConcernError.
func writeConcernServerError(name string, reply, d bson.Raw) error {
	se := &mongoerr.ServerError{Command: name, Raw: append(bson.Raw(nil), reply...)}
	if c, ok := d.Lookup("code").AsInt64OK(); ok {
		se.Code = int32(c)
	}
	se.CodeName = d.Lookup("codeName").StringValue()
	se.Message = d.Lookup("errmsg").StringValue()
	for _, src := range []bson.RawValue{reply.Lookup("errorLabels"), d.Lookup("errorLabels")} {
		for _, l := range src.Array().Values() {
			if s, ok := l.StringValueOK(); ok && !slices.Contains(se.Labels, s) {
				se.Labels = append(se.Labels, s)
			}
		}
	}
	return &WriteConcernFailure{ServerError: se}
}

// WriteConcernFailure is the error of a commitTransaction or
// abortTransaction whose reply had ok: 1 and a writeConcernError.
type WriteConcernFailure struct {
	*mongoerr.ServerError
}

// Unwrap returns the ServerError.
func (e *WriteConcernFailure) Unwrap() error { return e.ServerError }

// retryableTxnEnd reports whether commit or abort may be retried after
// err: a network error, a cleared pool or a RetryableWriteError label.
func retryableTxnEnd(err error) bool {
	return driverRetryable(err) || mongoerr.HasLabel(err, retryableWriteLabel)
}

// labelNetworkRetryable adds RetryableWriteError to the network errors and
// pool clears of commit and abort, which are retryable writes.
func labelNetworkRetryable(err error) error {
	if (mongoerr.IsNetworkError(err) || errors.Is(err, pool.ErrPoolCleared)) && !mongoerr.HasLabel(err, retryableWriteLabel) {
		return addLabel(err, retryableWriteLabel)
	}
	return err
}

// labelCommit adds UnknownTransactionCommitResult to the commit errors the
// specification names: server selection and network errors, retryable
// errors, MaxTimeMSExpired, and write concern failures other than an
// invalid write concern.
func labelCommit(err error) error {
	if mongoerr.HasLabel(err, UnknownCommitLabel) {
		return err
	}
	unknown := mongoerr.IsNetworkError(err) || errors.Is(err, mongoerr.ErrServerSelection) ||
		errors.Is(err, pool.ErrPoolCleared) || mongoerr.HasLabel(err, retryableWriteLabel)
	var se *mongoerr.ServerError
	if errors.As(err, &se) {
		var wcf *WriteConcernFailure
		switch {
		case se.Code == codeMaxTimeMSExpired, se.Code == codeWriteConcernFail:
			unknown = true
		case errors.As(err, &wcf):
			unknown = unknown || (se.Code != codeUnknownReplWC && se.Code != codeUnsatisfiableWC)
		}
	}
	if !unknown {
		return err
	}
	return addLabel(err, UnknownCommitLabel)
}

// addLabel adds an error label to err: to its NetworkError or ServerError
// if it has one, else by wrapping it.
func addLabel(err error, label string) error {
	var ne *mongoerr.NetworkError
	if errors.As(err, &ne) {
		ne.Labels = append(ne.Labels, label)
		return err
	}
	var se *mongoerr.ServerError
	if errors.As(err, &se) {
		se.Labels = append(se.Labels, label)
		return err
	}
	return &labelledError{err: err, labels: []string{label}}
}

// beginTxn decides whether the command runs in the transaction of the
// explicit session, and checks what a transaction forbids: a read with a
// read preference other than primary, a command with its own readConcern.
// A command outside a transaction resets an ended transaction and unpins
// the session.
func (a *attempt) beginTxn() error {
	if a.cmd.txnEnd {
		a.inTxn, a.txnNumber = true, a.explicit.TxnNumber()
		return nil
	}
	in, first, number, unpinned := a.explicit.TxnBegin()
	releaseTxnPin(unpinned)
	if !in {
		return nil
	}
	cmd := a.cmd
	if cmd.Address == "" && !cmd.Write {
		rp, _ := a.explicit.TxnOpts().ReadPref.(topology.ReadPref)
		if rp.Mode != topology.Primary {
			return fmt.Errorf("%s: %w", cmd.Name, session.ErrTxnReadPrefPrimary)
		}
		cmd.ReadPref = rp
	}
	if bson.Raw(cmd.Body).Lookup("readConcern").Type != 0 || (cmd.ReadConcern != nil && cmd.ReadConcern.Explicit) {
		return fmt.Errorf("%s: %w", cmd.Name, session.ErrTxnReadConcernSet)
	}
	a.inTxn, a.first, a.txnNumber = true, first, number
	return nil
}

// txnFields returns the fields a command of the transaction carries
// besides lsid: txnNumber, startTransaction on the first, autocommit, and
// the first command's readConcern (with afterClusterTime in a causally
// consistent session).
func (a *attempt) txnFields() bson.D {
	extra := bson.D{{Key: "txnNumber", Value: a.txnNumber}}
	if a.first {
		extra = append(extra, bson.E{Key: "startTransaction", Value: true})
	}
	extra = append(extra, bson.E{Key: "autocommit", Value: false})
	if !a.first {
		return extra
	}
	rc := slices.Clone(a.explicit.TxnOpts().ReadConcern)
	if a.explicit.Causal {
		if t, ok := a.explicit.OperationTime(); ok {
			rc = append(rc, bson.E{Key: "afterClusterTime", Value: t})
		}
	}
	if len(rc) > 0 {
		extra = append(extra, bson.E{Key: "readConcern", Value: rc})
	}
	return extra
}

// txnAddress returns the mongos the transaction is pinned to, "" if none.
func (a *attempt) txnAddress() string {
	if !a.inTxn {
		return ""
	}
	addr, _ := a.explicit.TxnPin()
	return addr
}

// txnPinned returns the load balancer connection the transaction is
// pinned to, nil if none.
func (a *attempt) txnPinned() *Pinned {
	if !a.inTxn {
		return nil
	}
	_, p := a.explicit.TxnPin()
	pp, _ := p.(*Pinned)
	return pp
}

// txnError labels the error of a command in a transaction other than
// commit and abort: TransientTransactionError on network errors, server
// selection errors and pool clears. A transient error unpins the session.
func (a *attempt) txnError(err error) error {
	if err == nil || a.cmd.txnEnd {
		return err
	}
	if !mongoerr.HasLabel(err, TransientTxnLabel) &&
		(mongoerr.IsNetworkError(err) || errors.Is(err, mongoerr.ErrServerSelection) || errors.Is(err, pool.ErrPoolCleared)) {
		err = addLabel(err, TransientTxnLabel)
	}
	if mongoerr.HasLabel(err, TransientTxnLabel) {
		releaseTxnPin(a.explicit.UnpinTxn())
	}
	return err
}

// withoutField returns doc without its top-level element key, doc itself
// when it has none.
func withoutField(doc []byte, key string) []byte {
	raw := bson.Raw(doc)
	if raw.Lookup(key).Type == 0 {
		return doc
	}
	out := make([]byte, 4, len(doc))
	for k, v := range raw.Elements() {
		if k == key {
			continue
		}
		out = append(out, byte(v.Type))
		out = append(out, k...)
		out = append(out, 0)
		out = append(out, v.Value...)
	}
	out = append(out, 0)
	n := len(out)
	out[0], out[1], out[2], out[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return out
}

// TxnPinnedAddress returns the address of the mongos, or load balancer,
// the transaction of cs is pinned to; "" if none.
func (x *Executor) TxnPinnedAddress(cs *session.Client) string {
	addr, p := cs.TxnPin()
	if pp, ok := p.(*Pinned); ok {
		return pp.pc.Address()
	}
	return addr
}
