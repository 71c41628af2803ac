package motor

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/session"
)

// SessionOptions are the options of StartSession.
type SessionOptions struct {
	// CausalConsistency makes the session causally consistent: each read
	// and write sees what the session's earlier operations did. Nil means
	// true, unless Snapshot is set; setting both is an error.
	CausalConsistency *bool
	// Snapshot makes the session read from one snapshot: every read sees
	// the data as of the session's first read (or SnapshotTime). It needs
	// MongoDB 5.0 or later; writes in the session fail on the server.
	Snapshot bool
	// SnapshotTime, in a snapshot session, is the time of the snapshot to
	// read from; nil takes the time of the session's first read.
	SnapshotTime *bson.Timestamp
	// DefaultTransactionOptions are the options of the session's
	// transactions that StartTransaction and WithTransaction are not
	// given; nil takes the Client's configuration.
	DefaultTransactionOptions *TransactionOptions
}

// ErrSessionEnded is returned by operations given a Session that has
// ended.
var ErrSessionEnded = session.ErrEnded

// Errors about sessions, all of them found by the driver before anything
// is sent.
var (
	// ErrSessionOtherClient is returned when a Session is used with a
	// Client other than the one that started it.
	ErrSessionOtherClient = op.ErrSessionOtherClient
	// ErrSessionUnacknowledged is returned for an unacknowledged write
	// (w: 0) run in a Session.
	ErrSessionUnacknowledged = op.ErrSessionUnacknowledged
	// ErrSessionsNotSupported is returned when a Session is used on a
	// deployment that does not support sessions.
	ErrSessionsNotSupported = op.ErrSessionsNotSupported
	// ErrSnapshotNotSupported is returned when a snapshot session reads
	// from a server older than MongoDB 5.0.
	ErrSnapshotNotSupported = op.ErrSnapshotWireVersion
)

// Session is an explicit session, the specification's ClientSession: the
// operations given it in their context (see WithSession) share one server
// session (the lsid they send), its cluster time and, in a causally
// consistent session, its operation time, so that each sees what the
// earlier ones did. Operations without a Session use implicit sessions.
//
// A Session belongs to the Client that started it. End it with EndSession
// when done; Client.Close ends those left open, and a Session that nothing
// references any more (no context, no cursor) is ended when the garbage
// collector finds it. Causally consistent
// operations are not causally consistent with unacknowledged writes,
// which cannot run in a session.
type Session struct {
	client  *Client
	cs      *session.Client
	cleanup runtime.Cleanup
	// defaultTxn is SessionOptions.DefaultTransactionOptions.
	defaultTxn *TransactionOptions
}

// StartSession starts a session. No I/O happens: the server session is
// taken from the Client's pool at the session's first operation.
//
//	sess, err := client.StartSession()
//	if err != nil { ... }
//	defer sess.EndSession(ctx)
//	ctx := motor.WithSession(ctx, sess)
func (c *Client) StartSession(opts ...SessionOptions) (*Session, error) {
	var o SessionOptions
	for _, p := range opts {
		if p.CausalConsistency != nil {
			o.CausalConsistency = p.CausalConsistency
		}
		o.Snapshot = o.Snapshot || p.Snapshot
		if p.SnapshotTime != nil {
			o.SnapshotTime = p.SnapshotTime
		}
		if p.DefaultTransactionOptions != nil {
			o.DefaultTransactionOptions = p.DefaultTransactionOptions
		}
	}
	causal := !o.Snapshot
	if o.CausalConsistency != nil {
		causal = *o.CausalConsistency
	}
	switch {
	case o.Snapshot && causal:
		return nil, errors.New("motor: StartSession: a session cannot be both causally consistent and snapshot")
	case o.SnapshotTime != nil && !o.Snapshot:
		return nil, errors.New("motor: StartSession: SnapshotTime needs Snapshot")
	}
	if c.open.isClosed() {
		return nil, fmt.Errorf("motor: StartSession: %w", ErrClientClosed)
	}
	s := &Session{client: c, cs: c.exec.StartSession(causal, o.Snapshot), defaultTxn: o.DefaultTransactionOptions}
	if o.SnapshotTime != nil {
		s.cs.SetSnapshotTime(*o.SnapshotTime)
	}
	// A session the application drops without ending it (and that no
	// context or cursor holds) is ended when it is collected: its server
	// session goes back to the pool.
	s.cleanup = runtime.AddCleanup(s, c.exec.EndClientSession, s.cs)
	return s, nil
}

// Client returns the Client that started the session.
func (s *Session) Client() *Client { return s.client }

// ID returns the session's lsid document, {id: <UUID>}. The session takes
// its server session from the pool when ID or its first operation needs
// it; ID returns nil once the session has ended.
func (s *Session) ID() bson.Raw {
	srv, err := s.cs.Server(func() *session.Server { return s.client.exec.CheckOutSession() })
	if err != nil {
		return nil
	}
	return srv.ID
}

// ClusterTime returns the greatest $clusterTime the session has seen (or
// been given by AdvanceClusterTime), nil if none: deployments that are not
// replica sets or sharded clusters have none.
func (s *Session) ClusterTime() bson.Raw {
	ct := s.cs.ClusterTime()
	if ct == nil {
		return nil
	}
	return append(bson.Raw(nil), ct...)
}

// OperationTime returns the operationTime of the latest reply in the
// session (or the time given to AdvanceOperationTime); ok is false before
// any.
func (s *Session) OperationTime() (t bson.Timestamp, ok bool) { return s.cs.OperationTime() }

// SnapshotTime returns the time a snapshot session reads at: the one its
// options gave, or the one its first read returned; ok is false before
// that, and always in a session that is not a snapshot session.
func (s *Session) SnapshotTime() (t bson.Timestamp, ok bool) {
	if !s.cs.Snapshot {
		return bson.Timestamp{}, false
	}
	return s.cs.SnapshotTime()
}

// AdvanceClusterTime sets the session's cluster time to ct, a $clusterTime
// document (as another session's ClusterTime), if ct is greater. A
// document without a clusterTime timestamp is an error.
func (s *Session) AdvanceClusterTime(ct bson.Raw) error {
	if s.cs.Ended() {
		return fmt.Errorf("motor: AdvanceClusterTime: %w", ErrSessionEnded)
	}
	return s.cs.AdvanceClusterTime(ct)
}

// AdvanceOperationTime sets the session's operation time to t, if t is
// later: the session's next operations then see at least what happened up
// to t, as when t is another session's OperationTime.
func (s *Session) AdvanceOperationTime(t bson.Timestamp) error {
	if s.cs.Ended() {
		return fmt.Errorf("motor: AdvanceOperationTime: %w", ErrSessionEnded)
	}
	s.cs.AdvanceOperationTime(t)
	return nil
}

// EndSession ends the session: its server session goes back to the
// Client's pool, and operations given the session fail with
// ErrSessionEnded. Cursors opened in the session must be closed first.
// Ending a session again does nothing. A transaction in progress is
// aborted first, within ctx, its errors ignored; otherwise no I/O
// happens.
func (s *Session) EndSession(ctx context.Context) {
	if st := s.TransactionState(); st == TransactionInProgress || st == TransactionStarting {
		_ = s.AbortTransaction(ctx)
	}
	s.cleanup.Stop()
	s.client.exec.EndClientSession(s.cs)
}

// Dirty reports whether a network error made the session's server session
// dirty: it will be discarded, not reused, when the session ends.
func (s *Session) Dirty() bool { return s.cs.Dirty() }
