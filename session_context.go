package motor

import (
	"context"

	"github.com/motor-go/motor/internal/op"
)

// WithSession returns a copy of ctx that runs the operations given it in
// the session s: every command they send (getMore and killCursors of the
// cursors they open included) carries the session's lsid and takes part in
// its causal consistency or snapshot. A nil s returns a context without a
// session, whose operations use implicit sessions.
//
// A cursor keeps the session of the context that opened it: its getMores
// use it whatever context Next is given, and closing the cursor does not
// end the session.
func WithSession(ctx context.Context, s *Session) context.Context {
	if s == nil {
		return op.WithSession(ctx, op.Ref{})
	}
	return op.WithSession(ctx, op.Ref{Session: s.cs, Owner: s})
}

// SessionFromContext returns the session of ctx, nil if it has none.
func SessionFromContext(ctx context.Context) *Session {
	s, _ := op.SessionRef(ctx).Owner.(*Session)
	return s
}
