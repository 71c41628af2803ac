package session

import (
	"errors"
	"sync"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/mongoerr"
)

// ErrEnded is returned when an ended client session is used.
var ErrEnded = mongoerr.ErrSessionEnded

// Client is a client session, the specification's ClientSession: a
// session the application started and passes to operations. It owns a
// server session from the pool, checked out at its first use, and keeps
// the times the sessions and causal consistency specifications track: the
// greatest $clusterTime it has seen, the operationTime of its last
// operation and, in a snapshot session, its snapshot time.
//
// The methods of a Client are safe for concurrent use, although the
// specification does not ask for it: a cursor's prefetched getMore may run
// while the application uses the session. The operations of one session
// are not: a retryable write increments its server session's TxnNumber
// outside the lock, so writes (and StartTxn) in one session must not run
// concurrently, as the specification says of sessions.
type Client struct {
	// Owner is the executor that started the session; other executors
	// reject it.
	Owner any
	// Causal says the session is causally consistent; Snapshot that it
	// reads from one snapshot. They are never both set.
	Causal, Snapshot bool

	mu          sync.Mutex
	server      *Server
	ended       bool
	clusterTime bson.Raw
	opTime      bson.Timestamp
	hasOpTime   bool
	snapTime    bson.Timestamp
	hasSnapTime bool
	txn         txn
}

// ErrNotClusterTime is returned by AdvanceClusterTime for a document that
// is not a $clusterTime: one without a clusterTime timestamp.
var ErrNotClusterTime = errors.New("motor: not a $clusterTime document: it needs a clusterTime timestamp")

// Server returns the session's server session, taking one from checkOut
// at the first call (until checkOut returns one: nil when the deployment
// has no sessions), or ErrEnded once the session has ended.
func (c *Client) Server(checkOut func() *Server) (*Server, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil, ErrEnded
	}
	if c.server == nil {
		c.server = checkOut()
	}
	return c.server, nil
}

// Touch records a use of the session's server session s: its time, and
// whether a network error made it dirty.
func (c *Client) Touch(s *Server, now time.Time, dirty bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.LastUsed = now
	if dirty {
		s.Dirty = true
	}
}

// Dirty reports whether a network error made the session's server session
// dirty.
func (c *Client) Dirty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server != nil && c.server.Dirty
}

// CurrentServer returns the server session taken so far, nil if none.
func (c *Client) CurrentServer() *Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server
}

// End marks the session ended and returns its server session, nil if it
// had none or had already ended.
func (c *Client) End() *Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil
	}
	c.ended = true
	s := c.server
	c.server = nil
	return s
}

// Ended reports whether the session has ended.
func (c *Client) Ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// ClusterTime returns the greatest $clusterTime the session has seen, nil
// if none. The document must not be modified.
func (c *Client) ClusterTime() bson.Raw {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clusterTime
}

// AdvanceClusterTime keeps ct if it is greater than the session's cluster
// time. ct must be a $clusterTime document, with a clusterTime timestamp.
func (c *Client) AdvanceClusterTime(ct bson.Raw) error {
	t, ok := TimeOf(ct)
	if !ok {
		return ErrNotClusterTime
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := TimeOf(c.clusterTime); !ok || Compare(t, cur) > 0 {
		c.clusterTime = append(bson.Raw(nil), ct...)
	}
	return nil
}

// OperationTime returns the operationTime of the session's last reply
// that had one; ok is false before any.
func (c *Client) OperationTime() (t bson.Timestamp, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opTime, c.hasOpTime
}

// AdvanceOperationTime keeps t if it is later than the session's
// operation time.
func (c *Client) AdvanceOperationTime(t bson.Timestamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hasOpTime || Compare(t, c.opTime) > 0 {
		c.opTime, c.hasOpTime = t, true
	}
}

// SnapshotTime returns the snapshot time of a snapshot session; ok is
// false until the first read has set it.
func (c *Client) SnapshotTime() (t bson.Timestamp, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapTime, c.hasSnapTime
}

// SetSnapshotTime sets the snapshot time, unless one is set already.
func (c *Client) SetSnapshotTime(t bson.Timestamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hasSnapTime {
		c.snapTime, c.hasSnapTime = t, true
	}
}

// Clock keeps the greatest $clusterTime a client has seen, from command
// replies and from its monitors' hello replies. It is safe for concurrent
// use; the zero Clock has seen none.
type Clock struct {
	mu sync.Mutex
	ct bson.Raw
}

// Get returns the greatest $clusterTime seen, nil if none. The document
// must not be modified.
func (c *Clock) Get() bson.Raw {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ct
}

// Advance keeps ct if it is a $clusterTime document greater than the one
// kept. The Clock keeps a copy.
func (c *Clock) Advance(ct bson.Raw) {
	t, ok := TimeOf(ct)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := TimeOf(c.ct); ok && Compare(t, cur) <= 0 {
		return
	}
	c.ct = append(bson.Raw(nil), ct...)
}

// TimeOf returns the clusterTime timestamp of a $clusterTime document.
func TimeOf(ct bson.Raw) (bson.Timestamp, bool) {
	if len(ct) < 5 || ct.Validate() != nil {
		return bson.Timestamp{}, false
	}
	return ct.Lookup("clusterTime").TimestampOK()
}

// Greater returns whichever of the $clusterTime documents a and b has the
// greater clusterTime; a when they are equal, the other when one is nil.
func Greater(a, b bson.Raw) bson.Raw {
	ta, okA := TimeOf(a)
	tb, okB := TimeOf(b)
	switch {
	case !okB:
		return a
	case !okA:
		return b
	case Compare(tb, ta) > 0:
		return b
	}
	return a
}

// Compare compares two timestamps: by T, then by I.
func Compare(a, b bson.Timestamp) int {
	switch {
	case a.T != b.T:
		if a.T < b.T {
			return -1
		}
		return 1
	case a.I != b.I:
		if a.I < b.I {
			return -1
		}
		return 1
	}
	return 0
}
