package op

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/mongoerr"
)

// This file holds what the executor does for explicit sessions (client
// sessions the application started and passes in the context), and the
// cluster and operation times every command gossips.

// sessionKey is the context key of the explicit session.
type sessionKey struct{}

// Ref is what a context carries for an explicit session.
type Ref struct {
	// Session is the explicit session; nil for none.
	Session *session.Client
	// Owner is the public value that wraps Session, which whoever holds
	// the Ref (a context, a cursor) keeps alive: the public package ends
	// a session that is no longer reachable.
	Owner any
}

// WithSession returns a context whose operations use the explicit session
// of r instead of an implicit one (none, for the zero Ref).
func WithSession(ctx context.Context, r Ref) context.Context {
	return context.WithValue(ctx, sessionKey{}, r)
}

// SessionRef returns the explicit session of ctx, the zero Ref if none.
func SessionRef(ctx context.Context) Ref {
	r, _ := ctx.Value(sessionKey{}).(Ref)
	return r
}

// SessionFrom returns the explicit session of ctx, nil if none.
func SessionFrom(ctx context.Context) *session.Client { return SessionRef(ctx).Session }

// ReadConcern is the read concern of a command that takes one.
type ReadConcern struct {
	// Level is the read concern level; "" for the server's default.
	Level string
	// Explicit says the operation was given it, not inherited it: an
	// error in a transaction, whose first command carries the
	// transaction's read concern.
	Explicit bool
}

// Errors of the explicit sessions, all of them client errors.
var (
	// ErrSessionOtherClient is returned for a session another client
	// started.
	ErrSessionOtherClient = errors.New("motor: the session was started by another client")
	// ErrSessionUnacknowledged is returned for an unacknowledged write
	// (w: 0) given an explicit session, which the sessions specification
	// forbids.
	ErrSessionUnacknowledged = errors.New("motor: an unacknowledged write (w: 0) cannot use an explicit session")
	// ErrSessionsNotSupported is returned for an explicit session used on
	// a deployment that does not support sessions.
	ErrSessionsNotSupported = errors.New("motor: the deployment does not support sessions")
	// ErrSnapshotWireVersion is returned for a snapshot session on a
	// server older than MongoDB 5.0.
	ErrSnapshotWireVersion = errors.New("motor: snapshot reads require MongoDB 5.0 or later")
)

// snapshotWireVersion is the wire version (MongoDB 5.0) from which servers
// take snapshot reads outside transactions.
const snapshotWireVersion = 13

// StartSession starts an explicit session of the executor. Its server
// session is checked out at its first use. The executor keeps track of it
// until EndClientSession, so that EndAllClientSessions can end the
// sessions the application left open.
func (x *Executor) StartSession(causal, snapshot bool) *session.Client {
	cs := &session.Client{Owner: x, Causal: causal, Snapshot: snapshot}
	x.mu.Lock()
	if x.explicit == nil {
		x.explicit = map[*session.Client]struct{}{}
	}
	x.explicit[cs] = struct{}{}
	x.mu.Unlock()
	return cs
}

// EndClientSession ends an explicit session: its server session goes back
// to the pool. Later calls do nothing.
func (x *Executor) EndClientSession(cs *session.Client) {
	x.mu.Lock()
	delete(x.explicit, cs)
	x.mu.Unlock()
	releaseTxnPin(cs.UnpinTxn())
	if s := cs.End(); s != nil {
		x.EndSession(s)
	}
}

// EndAllClientSessions ends the explicit sessions still open, so that
// their server sessions are in the pool when the client sends endSessions.
func (x *Executor) EndAllClientSessions() {
	x.mu.Lock()
	all := make([]*session.Client, 0, len(x.explicit))
	for cs := range x.explicit {
		all = append(all, cs)
	}
	x.mu.Unlock()
	for _, cs := range all {
		x.EndClientSession(cs)
	}
}

// Unpin checks in the connection pinned to an implicit session kept by a
// cursor, if any.
func (x *Executor) Unpin(s *session.Server) {
	if s != nil && s.Pinned != nil {
		p := s.Pinned.(*Pinned)
		s.Pinned = nil
		p.release()
	}
}

// ReleasePin checks in the connection pinned to the cursor of an explicit
// session (Result.Pinned), if any and not done already.
func (x *Executor) ReleasePin(p *Pinned) {
	if p != nil {
		p.release()
	}
}

// Release gives back what a Result holds: its implicit session and its
// pinned connection, for a caller that does not open the cursor.
func (x *Executor) Release(res Result) {
	x.EndSession(res.Session)
	x.ReleasePin(res.Pinned)
}

// checkExplicit rejects the uses of an explicit session the specification
// forbids, before anything is sent.
func (a *attempt) checkExplicit() error {
	cs := a.explicit
	switch {
	case cs.Owner != a.x:
		return fmt.Errorf("%s: %w", a.cmd.Name, ErrSessionOtherClient)
	case cs.Ended():
		return fmt.Errorf("%s: %w", a.cmd.Name, mongoerr.ErrSessionEnded)
	case a.cmd.Unacknowledged || a.cmd.NoSession:
		return fmt.Errorf("%s: %w", a.cmd.Name, ErrSessionUnacknowledged)
	}
	return nil
}

// explicitServer returns the server session of the explicit session,
// checking one out at its first use. A deployment without sessions
// (timeout 0) is an error even when the session took its server session
// before (Session.ID, StartTransaction): the specification asks for one.
func (a *attempt) explicitServer(timeout time.Duration) (*session.Server, error) {
	if timeout <= 0 {
		return nil, fmt.Errorf("%s: %w", a.cmd.Name, ErrSessionsNotSupported)
	}
	s, err := a.explicit.Server(func() *session.Server {
		return a.x.Sessions.CheckOut(timeout, time.Now())
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", a.cmd.Name, err)
	case s == nil:
		return nil, fmt.Errorf("%s: %w", a.cmd.Name, ErrSessionsNotSupported)
	}
	return s, nil
}

// snapshotRead reports whether the command is sent with the snapshot read
// concern of a snapshot session: every command but a cursor's getMore and
// killCursors, and commands that already carry a readConcern (a
// RunCommand's).
func (a *attempt) snapshotRead() bool {
	cs := a.explicit
	if cs == nil || !cs.Snapshot {
		return false
	}
	switch a.cmd.Name {
	case "getMore", "killCursors":
		return false
	}
	return a.cmd.ReadConcern != nil || bson.Raw(a.cmd.Body).Lookup("readConcern").Type == 0
}

// readConcern returns the readConcern document to send: the command's own
// level, with afterClusterTime in a causally consistent session once it
// has an operation time, or the snapshot level with atClusterTime in a
// snapshot session. Nil when there is none to send.
func (a *attempt) readConcern() bson.D {
	cs := a.explicit
	if a.snapshotRead() {
		d := bson.D{{Key: "level", Value: "snapshot"}}
		if t, ok := cs.SnapshotTime(); ok {
			d = append(d, bson.E{Key: "atClusterTime", Value: t})
		}
		return d
	}
	rc := a.cmd.ReadConcern
	if rc == nil {
		return nil
	}
	var d bson.D
	if rc.Level != "" {
		d = append(d, bson.E{Key: "level", Value: rc.Level})
	}
	if cs != nil && cs.Causal {
		if t, ok := cs.OperationTime(); ok {
			d = append(d, bson.E{Key: "afterClusterTime", Value: t})
		}
	}
	return d
}

// clusterTime returns the $clusterTime to send: the greater of the
// client's and the explicit session's, nil when neither has seen one (the
// deployment does not support cluster times).
func (a *attempt) clusterTime() bson.Raw {
	var ct bson.Raw
	if a.x.Clock != nil {
		ct = a.x.Clock.Get()
	}
	if a.explicit != nil {
		ct = session.Greater(ct, a.explicit.ClusterTime())
	}
	return ct
}

// observe takes the times a reply gives, an error reply's included: its
// $clusterTime advances the client's and the session's, its operationTime
// the session's, and the first atClusterTime of a snapshot session sets
// its snapshot time.
func (a *attempt) observe(reply bson.Raw, err error) {
	if reply == nil {
		var se *mongoerr.ServerError
		if !errors.As(err, &se) {
			return
		}
		reply = se.Raw
	}
	cs := a.explicit
	if ct, ok := reply.Lookup("$clusterTime").DocumentOK(); ok {
		if a.x.Clock != nil {
			a.x.Clock.Advance(ct)
		}
		if cs != nil {
			_ = cs.AdvanceClusterTime(ct) // a bad document is ignored
		}
	}
	if cs == nil {
		return
	}
	if t, ok := reply.Lookup("operationTime").TimestampOK(); ok {
		cs.AdvanceOperationTime(t)
	}
	if a.inTxn && err == nil {
		if tok, ok := reply.Lookup("recoveryToken").DocumentOK(); ok {
			cs.SetRecoveryToken(tok)
		}
	}
	if cs.Snapshot && err == nil {
		t, ok := reply.Lookup("cursor", "atClusterTime").TimestampOK()
		if !ok {
			t, ok = reply.Lookup("atClusterTime").TimestampOK()
		}
		if ok {
			cs.SetSnapshotTime(t)
		}
	}
}

// CheckOutSession checks a server session out of the pool for an explicit
// session that needs its lsid before its first command. When the
// deployment's session timeout is not known yet, the server default of 30
// minutes is assumed.
func (x *Executor) CheckOutSession() *session.Server {
	timeout := x.sessionTimeout()
	if timeout == 0 {
		timeout = lbDefaultSessionTimeout
	}
	return x.Sessions.CheckOut(timeout, time.Now())
}
