package session

import (
	"errors"
	"time"

	"github.com/motor-go/motor/bson"
)

// TxnState is the transaction state of a client session, the five states
// of the transactions specification.
type TxnState uint8

// The transaction states.
const (
	TxnNone       TxnState = iota // no transaction
	TxnStarting                   // starting transaction: no command sent yet
	TxnInProgress                 // transaction in progress
	TxnCommitted                  // transaction committed
	TxnAborted                    // transaction aborted
)

// String returns the state's name in the unified test format.
func (s TxnState) String() string {
	switch s {
	case TxnStarting:
		return "starting"
	case TxnInProgress:
		return "in_progress"
	case TxnCommitted:
		return "committed"
	case TxnAborted:
		return "aborted"
	}
	return "none"
}

// TxnOptions are the resolved options of a transaction.
type TxnOptions struct {
	// ReadConcern is the readConcern document of the first command, nil
	// for the server's default.
	ReadConcern bson.D
	// WriteConcern is the writeConcern document of commitTransaction and
	// abortTransaction, nil for the server's default.
	WriteConcern bson.D
	// ReadPref is the read preference of the transaction's reads; only
	// primary is allowed for a read. It is an opaque value for this
	// package (a topology.ReadPref).
	ReadPref any
	// MaxCommitTime is sent as commitTransaction's maxTimeMS; 0 sends none.
	MaxCommitTime time.Duration
}

// Errors of the transaction API, all of them client errors that leave
// the state unchanged.
var (
	ErrTxnInProgress      = errors.New("motor: Transaction already in progress")
	ErrNoTxn              = errors.New("motor: No transaction started")
	ErrCommitAfterAbort   = errors.New("motor: Cannot call commitTransaction after calling abortTransaction")
	ErrAbortAfterCommit   = errors.New("motor: Cannot call abortTransaction after calling commitTransaction")
	ErrAbortTwice         = errors.New("motor: Cannot call abortTransaction twice")
	ErrTxnSnapshot        = errors.New("motor: Transactions are not supported in snapshot sessions")
	ErrTxnUnacknowledged  = errors.New("motor: transactions do not support unacknowledged write concerns")
	ErrTxnReadPrefPrimary = errors.New("motor: read preference in a transaction must be primary")
	ErrTxnReadConcernSet  = errors.New("motor: Cannot set read concern after starting a transaction")
	ErrTxnWriteConcernSet = errors.New("motor: Cannot set write concern after starting a transaction")
)

// txn is the transaction part of a client session's state, kept under
// the session's lock.
type txn struct {
	state  TxnState
	opts   TxnOptions
	number int64 // the txnNumber
	// sent says a command of the transaction was sent: commit and abort
	// then run on the server.
	sent bool
	// commitRun says commitTransaction ran once: a later one is a retry,
	// sent with w: majority.
	commitRun bool
	// recovery is the latest recoveryToken a mongos replied with.
	recovery bson.Raw
	// pinAddr is the mongos the transaction is pinned to; pinConn the
	// connection under a load balancer (an *op.Pinned), released by
	// whoever unpins.
	pinAddr string
	pinConn any
}

// TxnState returns the session's transaction state.
func (c *Client) TxnState() TxnState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txn.state
}

// StartTxn starts a transaction with the resolved options o on the server
// session s, whose txnNumber it increments. It returns what was pinned
// (the previous transaction's mongos connection, to release), or an
// error, and then nothing changed.
func (c *Client) StartTxn(s *Server, o TxnOptions) (unpinned any, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.ended:
		return nil, ErrEnded
	case c.Snapshot:
		return nil, ErrTxnSnapshot
	case c.txn.state == TxnStarting || c.txn.state == TxnInProgress:
		return nil, ErrTxnInProgress
	}
	unpinned = c.txn.pinConn
	s.TxnNumber++
	c.txn = txn{state: TxnStarting, opts: o, number: s.TxnNumber}
	return unpinned, nil
}

// TxnOpts returns the options of the current transaction.
func (c *Client) TxnOpts() TxnOptions {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txn.opts
}

// TxnBegin is called before a command other than commit or abort: it
// returns whether the command runs in the transaction, whether it is its
// first command, and the transaction's txnNumber. Outside a transaction
// it resets a committed or aborted transaction to none and unpins the
// session, returning the connection that was pinned, to release.
func (c *Client) TxnBegin() (in, first bool, txnNumber int64, unpinned any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.txn.state {
	case TxnStarting, TxnInProgress:
		return true, c.txn.state == TxnStarting, c.txn.number, nil
	}
	unpinned = c.txn.pinConn
	c.txn = txn{}
	return false, false, 0, unpinned
}

// TxnNumber returns the txnNumber of the current or last transaction.
func (c *Client) TxnNumber() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txn.number
}

// TxnSent records that the first command of the transaction was sent:
// the transaction is in progress, even if the command failed.
func (c *Client) TxnSent() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txn.state == TxnStarting {
		c.txn.state = TxnInProgress
	}
	c.txn.sent = true
}

// TxnCommit moves the session to the committed state for a
// commitTransaction. It returns whether a command must be sent (not for
// a transaction that sent nothing) and whether it is a retry of an
// earlier commit, or a client error.
func (c *Client) TxnCommit() (send, retry bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.txn.state {
	case TxnNone:
		return false, false, ErrNoTxn
	case TxnAborted:
		return false, false, ErrCommitAfterAbort
	}
	retry = c.txn.commitRun
	c.txn.state = TxnCommitted
	if c.txn.sent {
		c.txn.commitRun = true
	}
	return c.txn.sent, retry, nil
}

// TxnAbort moves the session to the aborted state for an
// abortTransaction. It returns whether a command must be sent, or a
// client error.
func (c *Client) TxnAbort() (send bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.txn.state {
	case TxnNone:
		return false, ErrNoTxn
	case TxnCommitted:
		return false, ErrAbortAfterCommit
	case TxnAborted:
		return false, ErrAbortTwice
	}
	c.txn.state = TxnAborted
	return c.txn.sent, nil
}

// RecoveryToken returns the transaction's latest recoveryToken, nil if
// none.
func (c *Client) RecoveryToken() bson.Raw {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txn.recovery
}

// SetRecoveryToken keeps a copy of a recoveryToken a reply gave.
func (c *Client) SetRecoveryToken(t bson.Raw) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.txn.recovery = append(bson.Raw(nil), t...)
}

// TxnPin returns the mongos address and the load balancer connection the
// transaction is pinned to, if any.
func (c *Client) TxnPin() (addr string, pinned any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txn.pinAddr, c.txn.pinConn
}

// PinTxn pins the transaction to a mongos, or under a load balancer to a
// connection, unless it is pinned already; it reports whether it pinned.
func (c *Client) PinTxn(addr string, pinned any) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txn.pinAddr != "" || c.txn.pinConn != nil {
		return false
	}
	c.txn.pinAddr, c.txn.pinConn = addr, pinned
	return true
}

// UnpinTxn unpins the session and returns the connection that was pinned
// under a load balancer, to release; nil if none.
func (c *Client) UnpinTxn() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.txn.pinConn
	c.txn.pinAddr, c.txn.pinConn = "", nil
	return p
}
