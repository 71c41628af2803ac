package motor

import (
	"context"
	"sync"
)

// openSet is what a Client closes on Close besides its cluster: the cursors
// still open on a server, the goroutines prefetching their batches and the
// goroutines of futures. Its zero value is ready.
type openSet struct {
	mu      sync.Mutex
	closed  bool
	cursors map[*cursorCore]struct{}
	cancels map[uint64]context.CancelCauseFunc // of running futures
	nextID  uint64
	wg      sync.WaitGroup // prefetches and futures
}

// add registers an open cursor; it reports false once the client is
// closing.
func (s *openSet) add(c *cursorCore) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.cursors == nil {
		s.cursors = make(map[*cursorCore]struct{})
	}
	s.cursors[c] = struct{}{}
	return true
}

// remove forgets a cursor that the server no longer holds.
func (s *openSet) remove(c *cursorCore) {
	s.mu.Lock()
	delete(s.cursors, c)
	s.mu.Unlock()
}

// goStart counts a goroutine about to start, which calls goDone when it
// ends; it reports false, and counts nothing, once the client is closing.
func (s *openSet) goStart() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// goDone counts a goroutine's end.
func (s *openSet) goDone() { s.wg.Done() }

// startFuture counts a future's goroutine and returns the context it runs
// with: ctx, cancelled as well when the client closes, with ErrClientClosed
// as the cause. done forgets the future and releases the context. ok is
// false, and nothing is counted, once the client is closing.
func (s *openSet) startFuture(ctx context.Context) (fctx context.Context, done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, false
	}
	fctx, cancel := context.WithCancelCause(ctx)
	if s.cancels == nil {
		s.cancels = make(map[uint64]context.CancelCauseFunc)
	}
	id := s.nextID
	s.nextID++
	s.cancels[id] = cancel
	s.wg.Add(1)
	return fctx, func() {
		s.mu.Lock()
		delete(s.cancels, id)
		s.mu.Unlock()
		cancel(nil)
		s.wg.Done()
	}, true
}

// closeOpen closes the client's open cursors and futures around
// closeCluster: it cancels the futures' contexts and the cursors' getMores,
// kills the cursors still open on a server (best effort, bounded by ctx),
// then calls closeCluster and waits for every goroutine it counted.
func (c *Client) closeOpen(ctx context.Context, closeCluster func()) {
	s := &c.open
	s.mu.Lock()
	s.closed = true
	cursors := make([]*cursorCore, 0, len(s.cursors))
	for cur := range s.cursors {
		cursors = append(cursors, cur)
	}
	cancels := make([]context.CancelCauseFunc, 0, len(s.cancels))
	for _, cancel := range s.cancels {
		cancels = append(cancels, cancel)
	}
	s.mu.Unlock()
	for _, cancel := range cancels {
		cancel(ErrClientClosed)
	}
	for _, cur := range cursors {
		_ = cur.closeWith(ctx, ErrClientClosed, true) // best effort: the client is going away
	}
	c.endSessions(ctx)
	closeCluster()
	s.wg.Wait()
}

// isClosed reports whether the client is closing.
func (s *openSet) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
