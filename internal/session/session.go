// Package session keeps the pool of server sessions, as the Driver Sessions
// specification describes: each operation on a deployment that supports
// sessions sends an lsid, taken from a session checked out of this pool (an
// implicit session) or from the session the application started.
//
// A server session is an id (a UUID the driver generates), the time it was
// last used, the next transaction number, and whether a network error made
// it dirty. The pool hands out the most recently used session that is not
// about to expire on the server, and drops dirty ones on check-in.
package session

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
)

// Server is a server session.
type Server struct {
	// ID is the session's lsid document, {id: <UUID>}.
	ID bson.Raw
	// LastUsed is when the session was last used.
	LastUsed time.Time
	// TxnNumber is the last transaction number used; retryable writes
	// increment it.
	TxnNumber int64
	// Dirty marks a session that met a network error: the server may
	// still hold state for it, so it is not reused.
	Dirty bool
	// Pinned is owned by the operation layer: in load balanced mode, the
	// connection that a cursor opened with this session must serve all of
	// the cursor's commands, so it stays checked out, pinned here, until
	// the session is ended.
	Pinned any
}

// Pool is a pool of server sessions.
type Pool struct {
	mu   sync.Mutex
	idle []*Server // least recently used first
}

// expiryMargin is how close to its timeout a session may be and still be
// handed out: the specification says one minute.
const expiryMargin = time.Minute

// CheckOut returns a session that has at least a minute left of timeout
// (the deployment's logicalSessionTimeoutMinutes), or a new one.
func (p *Pool) CheckOut(timeout time.Duration, now time.Time) *Server {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		s := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if s.LastUsed.Add(timeout - expiryMargin).After(now) {
			return s
		}
	}
	return newServer()
}

// CheckIn returns a session to the pool, unless it is dirty or about to
// expire. Expired sessions at the old end of the pool are dropped too.
func (p *Pool) CheckIn(s *Server, timeout time.Duration, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 && !p.idle[0].LastUsed.Add(timeout-expiryMargin).After(now) {
		p.idle = p.idle[1:]
	}
	if s.Dirty || !s.LastUsed.Add(timeout-expiryMargin).After(now) {
		return
	}
	p.idle = append(p.idle, s)
}

// Drain removes and returns the ids of all pooled sessions, for the
// endSessions command sent when the client closes.
func (p *Pool) Drain() []bson.Raw {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]bson.Raw, 0, len(p.idle))
	for i := len(p.idle) - 1; i >= 0; i-- {
		ids = append(ids, p.idle[i].ID)
	}
	p.idle = nil
	return ids
}

// Len returns the number of pooled sessions.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

func newServer() *Server {
	var u bson.UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	id, _ := bson.Marshal(bson.D{{Key: "id", Value: u}})
	return &Server{ID: id}
}
