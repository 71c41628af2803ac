package sim

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/motor-go/motor/bson"
)

// role is a member's part in the deployment.
type role uint8

const (
	roleSecondary role = iota
	rolePrimary
	roleArbiter
	roleMongos
)

func (r role) String() string {
	switch r {
	case rolePrimary:
		return "primary"
	case roleSecondary:
		return "secondary"
	case roleArbiter:
		return "arbiter"
	default:
		return "mongos"
	}
}

// member is one listener of a cluster. The fields after life are guarded by
// the cluster's mu; addr, idx and c never change after start.
type member struct {
	c    *Cluster
	idx  int
	addr string

	// life serializes Kill, Restart and Close for this member.
	life sync.Mutex
	// wg counts the accept goroutine and the connections' goroutines of
	// the current incarnation.
	wg sync.WaitGroup

	alive     bool
	ln        net.Listener
	conns     map[*conn]bool
	role      role
	tags      map[string]string
	maxWire   int32
	delay     time.Duration
	lag       time.Duration
	fp        *failPoint
	txnFP     *txnWriteFailPoint
	getMoreFP *getMoreFailPoint
	processID bson.ObjectID
	counter   int64
	changed   chan struct{} // closed and replaced at every state change
	serviceID bson.ObjectID
	nextConn  int32
	received  map[string]int // commands received, by name, across restarts
}

// start listens on addr and accepts connections, with a new processId.
func (m *member) start(addr string) error {
	ln, err := listen(addr)
	if err != nil {
		return fmt.Errorf("sim: member %d: %w", m.idx, err)
	}
	c := m.c
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		ln.Close()
		return ErrClosed
	}
	if m.addr == "" {
		m.addr = ln.Addr().String() // never written again: Restart listens on it
	}
	m.ln = ln
	m.alive = true
	m.processID = bson.NewObjectID()
	m.serviceID = bson.NewObjectID()
	m.counter = 0
	m.wakeLocked()
	m.wg.Add(1)
	c.mu.Unlock()
	go m.accept(ln)
	return nil
}

// listen opens a loopback listener on addr, retrying for a second while a
// port that was just closed is still in use.
func listen(addr string) (net.Listener, error) {
	deadline := time.Now().Add(time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// accept serves the connections of ln until it closes.
func (m *member) accept(ln net.Listener) {
	defer m.wg.Done()
	for {
		nc, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return // closed by kill
		}
		if err != nil {
			// Out of file descriptors, say: wait a little, as net/http does.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c := m.c
		c.mu.Lock()
		if !m.alive || m.ln != ln {
			c.mu.Unlock()
			nc.Close()
			return
		}
		m.nextConn++
		cn := &conn{m: m, nc: nc, id: m.nextConn, done: make(chan struct{})}
		m.conns[cn] = true
		m.wg.Add(1)
		c.mu.Unlock()
		go cn.serve()
	}
}

// forget removes a closed connection from the member's set.
func (m *member) forget(cn *conn) {
	m.c.mu.Lock()
	delete(m.conns, cn)
	m.c.mu.Unlock()
}

// kill closes the listener and every connection and waits for the
// member's goroutines. It does nothing to a member that is not running.
func (m *member) kill() error {
	m.life.Lock()
	defer m.life.Unlock()
	return m.killLocked()
}

// killLocked is kill for a caller holding m.life.
func (m *member) killLocked() error {
	c := m.c
	c.mu.Lock()
	if !m.alive {
		c.mu.Unlock()
		return nil
	}
	m.alive = false
	ln := m.ln
	conns := make([]*conn, 0, len(m.conns))
	for cn := range m.conns {
		conns = append(conns, cn)
	}
	c.mu.Unlock()
	err := ln.Close()
	for _, cn := range conns {
		cn.close()
	}
	m.wg.Wait()
	return err
}

// restart kills the member if it runs and starts it again on its address.
func (m *member) restart() error {
	m.life.Lock()
	defer m.life.Unlock()
	if err := m.killLocked(); err != nil {
		return err
	}
	return m.start(m.addr)
}

// bumpLocked records a change of the member's state: its topologyVersion
// counter grows and awaitable hellos wake up. The caller holds c.mu.
func (m *member) bumpLocked() {
	m.counter++
	m.wakeLocked()
}

// wakeLocked wakes the awaitable hellos waiting on the member. The caller
// holds c.mu.
func (m *member) wakeLocked() {
	if m.changed != nil {
		close(m.changed)
	}
	m.changed = make(chan struct{})
}
