package pool

// waiter is a check-out in the wait queue. The pool hands it a connection
// or an error exactly once, with deliver; waiters are recycled.
type waiter[C Conn] struct {
	ready      chan struct{} // capacity 1: the delivery
	conn       *PooledConn[C]
	err        error
	prev, next *waiter[C]
	queued     bool // in the queue; guarded by Pool.mu
}

// deliver hands the waiter its result. The waiter has left the queue.
func (w *waiter[C]) deliver(c *PooledConn[C], err error) {
	w.conn, w.err = c, err
	w.ready <- struct{}{}
}

// waitQueue is the FIFO of waiters, a doubly linked list so that a waiter
// whose context is done leaves it in constant time.
type waitQueue[C Conn] struct {
	head, tail *waiter[C]
	n          int
}

func (q *waitQueue[C]) push(w *waiter[C]) {
	w.prev, w.next, w.queued = q.tail, nil, true
	if q.tail == nil {
		q.head = w
	} else {
		q.tail.next = w
	}
	q.tail = w
	q.n++
}

func (q *waitQueue[C]) remove(w *waiter[C]) {
	if w.prev == nil {
		q.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		q.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next, w.queued = nil, nil, false
	q.n--
}

func (q *waitQueue[C]) popFront() *waiter[C] {
	w := q.head
	if w != nil {
		q.remove(w)
	}
	return w
}

// detachAll empties the queue and returns its waiters as a list linked by
// next, in queue order, to be delivered once the lock is released.
func (q *waitQueue[C]) detachAll() *waiter[C] {
	head := q.head
	for w := head; w != nil; w = w.next {
		w.prev, w.queued = nil, false
	}
	q.head, q.tail, q.n = nil, nil, 0
	return head
}
