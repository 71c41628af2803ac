package motor

import (
	"context"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/session"
)

// TransactionOptions are the options of a transaction. A nil field takes
// the session's DefaultTransactionOptions, and then the Client's
// configuration.
type TransactionOptions struct {
	// ReadConcern is sent with the transaction's first command only.
	ReadConcern *ReadConcern
	// WriteConcern is sent with commitTransaction and abortTransaction
	// only; it must be acknowledged.
	WriteConcern *WriteConcern
	// ReadPreference is the read preference of the transaction's reads,
	// which must be primary (an error is returned for a read otherwise).
	ReadPreference *ReadPreference
	// MaxCommitTime, when positive, is sent as commitTransaction's
	// maxTimeMS.
	MaxCommitTime time.Duration
}

// TransactionState is the transaction state of a Session.
type TransactionState uint8

// The transaction states of the transactions specification.
const (
	TransactionNone       TransactionState = iota // no transaction started, or one ended and followed by an operation
	TransactionStarting                           // StartTransaction was called; no command sent yet
	TransactionInProgress                         // the transaction's first command was sent
	TransactionCommitted                          // CommitTransaction was called
	TransactionAborted                            // AbortTransaction was called
)

// String returns the state's name: "none", "starting", "in_progress",
// "committed" or "aborted".
func (s TransactionState) String() string { return session.TxnState(s).String() }

// The client errors of the transaction API. They are returned before
// anything is sent and leave the session's state unchanged.
var (
	// ErrTransactionInProgress is returned by StartTransaction when a
	// transaction is already starting or in progress.
	ErrTransactionInProgress = session.ErrTxnInProgress
	// ErrNoTransaction is returned by CommitTransaction and
	// AbortTransaction when no transaction was started.
	ErrNoTransaction = session.ErrNoTxn
	// ErrCommitAfterAbort is returned by CommitTransaction after
	// AbortTransaction.
	ErrCommitAfterAbort = session.ErrCommitAfterAbort
	// ErrAbortAfterCommit is returned by AbortTransaction after
	// CommitTransaction.
	ErrAbortAfterCommit = session.ErrAbortAfterCommit
	// ErrAbortTwice is returned by a second AbortTransaction.
	ErrAbortTwice = session.ErrAbortTwice
	// ErrTransactionSnapshot is returned by StartTransaction in a
	// snapshot session.
	ErrTransactionSnapshot = session.ErrTxnSnapshot
	// ErrTransactionUnacknowledged is returned by StartTransaction when
	// the transaction's write concern is unacknowledged (w: 0).
	ErrTransactionUnacknowledged = session.ErrTxnUnacknowledged
	// ErrTransactionReadPreference is returned for a read in a
	// transaction whose read preference is not primary.
	ErrTransactionReadPreference = session.ErrTxnReadPrefPrimary
	// ErrTransactionReadConcern is returned for a command given its own
	// readConcern in a transaction.
	ErrTransactionReadConcern = session.ErrTxnReadConcernSet
	// ErrTransactionWriteConcern is returned for an operation given its
	// own write concern in a transaction.
	ErrTransactionWriteConcern = session.ErrTxnWriteConcernSet
)

// The error labels of transactions, for HasErrorLabel.
const (
	// LabelTransientTransactionError marks an error after which the whole
	// transaction may be retried.
	LabelTransientTransactionError = op.TransientTxnLabel
	// LabelUnknownTransactionCommitResult marks a commit error after
	// which the outcome is unknown; CommitTransaction may be called again.
	LabelUnknownTransactionCommitResult = op.UnknownCommitLabel
)

// StartTransaction starts a transaction in the session: the operations
// given the session (see WithSession) then run in it until
// CommitTransaction or AbortTransaction. No I/O happens: the transaction
// starts on the server with its first command. opts override the
// session's DefaultTransactionOptions, which override the Client's
// configuration.
//
// Command errors in a transaction may abort it on the server; committing
// it then fails with a NoSuchTransaction error.
func (s *Session) StartTransaction(opts ...TransactionOptions) error {
	o, err := s.resolveTxnOptions(opts)
	if err != nil {
		return err
	}
	if err := s.client.exec.StartTransaction(s.cs, o); err != nil {
		return fmt.Errorf("motor: StartTransaction: %w", err)
	}
	return nil
}

// CommitTransaction commits the session's transaction. A transaction that
// sent no command commits without I/O. On error the session is still in
// the committed state; an error labelled
// LabelUnknownTransactionCommitResult allows calling CommitTransaction
// again, which then asks for a majority write concern.
func (s *Session) CommitTransaction(ctx context.Context) error {
	return s.client.exec.CommitTransaction(WithSession(ctx, s), s.cs)
}

// AbortTransaction aborts the session's transaction. Errors of the
// abortTransaction command are not reported: the server aborts the
// transaction anyway, in time. The errors returned are client errors, such
// as ErrNoTransaction.
func (s *Session) AbortTransaction(ctx context.Context) error {
	return s.client.exec.AbortTransaction(WithSession(ctx, s), s.cs)
}

// TransactionState returns the session's transaction state.
func (s *Session) TransactionState() TransactionState {
	return TransactionState(s.cs.TxnState())
}

// resolveTxnOptions merges opts over the session's defaults over the
// Client's configuration, and encodes the result.
func (s *Session) resolveTxnOptions(opts []TransactionOptions) (session.TxnOptions, error) {
	var o TransactionOptions
	layers := make([]TransactionOptions, 0, len(opts)+2)
	layers = append(layers, TransactionOptions{
		ReadConcern: s.client.cfg.ReadConcern, WriteConcern: s.client.cfg.WriteConcern,
	})
	if s.defaultTxn != nil {
		layers = append(layers, *s.defaultTxn)
	}
	layers = append(layers, opts...)
	for _, p := range layers {
		setPtr(&o.ReadConcern, p.ReadConcern)
		setPtr(&o.WriteConcern, p.WriteConcern)
		setPtr(&o.ReadPreference, p.ReadPreference)
		if p.MaxCommitTime > 0 {
			o.MaxCommitTime = p.MaxCommitTime
		}
	}
	out := session.TxnOptions{MaxCommitTime: o.MaxCommitTime, ReadPref: s.client.readPref}
	if o.ReadConcern != nil && o.ReadConcern.Level != "" {
		out.ReadConcern = bson.D{{Key: "level", Value: o.ReadConcern.Level}}
	}
	if !acknowledged(o.WriteConcern) {
		return out, fmt.Errorf("motor: StartTransaction: %w", ErrTransactionUnacknowledged)
	}
	out.WriteConcern = writeConcernDoc(o.WriteConcern)
	if o.ReadPreference != nil {
		rp, err := toTopologyReadPref(o.ReadPreference)
		if err != nil {
			return out, fmt.Errorf("motor: StartTransaction: %w", err)
		}
		out.ReadPref = rp
	}
	return out, nil
}

// inTransaction reports whether ctx runs its operations in a transaction
// (started and not ended).
func inTransaction(ctx context.Context) bool {
	cs := op.SessionFrom(ctx)
	if cs == nil {
		return false
	}
	st := cs.TxnState()
	return st == session.TxnStarting || st == session.TxnInProgress
}

// txnWriteConcern returns wc, or nil when ctx runs in a transaction: the
// write concern of a collection, database or client does not apply to
// the operations of a transaction, only the transaction's to its commit
// and abort.
func txnWriteConcern(ctx context.Context, wc *WriteConcern) *WriteConcern {
	if inTransaction(ctx) {
		return nil
	}
	return wc
}

// PinnedServer returns the address of the mongos (or, in load balanced
// mode, the load balancer connection's server) the session's transaction
// is pinned to, "" when it is not pinned: in a sharded cluster every
// command of a transaction goes to the mongos its first command went to.
func (s *Session) PinnedServer() string { return s.client.exec.TxnPinnedAddress(s.cs) }
