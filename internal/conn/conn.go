// Package conn is one connection to a MongoDB server: the network
// connection, TLS, the handshake of the handshake specification, and the
// round trips of commands over it.
//
// # Establishing a connection
//
// Dial opens a TCP connection to "host:port", or to a Unix domain socket
// given as its path (ending in ".sock"), starts TLS when the Config holds a
// *tls.Config, then sends the initial hello: hello when a Stable API version
// is declared or in load-balanced mode, and otherwise the legacy isMaster
// with helloOk: true, both over OP_MSG. The hello carries the client
// metadata (see NewMetadata), the compressors to offer, loadBalanced, the
// Stable API fields, and the fields the Authenticator asks for
// (saslSupportedMechs, speculativeAuthenticate). Its reply becomes the
// connection's Description; authentication follows. Everything is bounded by
// the context and by Config.ConnectTimeout. A failed Dial closes the socket
// and returns a *mongoerr.NetworkError whose Op is "dial", "tls" or
// "handshake", or the *auth.Error of a failed authentication: never a
// half-open Conn, and never a secret in the error.
//
// # Round trips
//
// RoundTrip sends a Command and returns the Reply that answers it. The
// connection adds $db and the Stable API fields (apiVersion, apiStrict,
// apiDeprecationErrors) to the body itself, so the layers above never repeat
// them and must not put them in the body. Messages are compressed with the
// negotiated compressor, except the handshake and authentication commands.
// A reply with ok: 0 is returned as a *mongoerr.ServerError.
//
// Send writes a command flagged moreToCome (an unacknowledged write) and
// waits for nothing. Servers do not answer such messages, but some (FerretDB)
// do: the connection remembers their request IDs and discards the replies
// to them when they arrive, while a reply to any other request it did not
// send is a protocol error that breaks the connection.
//
// ReadMore reads the next reply of an exhaust stream, the replies flagged
// moreToCome that follow a request allowing them (an awaitable hello of a
// monitor, a getMore of an exhaust cursor). While the stream lasts the
// connection carries nothing else; Err reports it, so that a pool closes a
// connection given back in the middle of one.
//
// # Buffers
//
// A Reply's Body and Sequences slice into a pooled buffer holding the
// message read: they are valid until Reply.Release, which the caller must
// call once. Copy or decode what must outlive it. Requests are built in a
// buffer the connection reuses, so a steady round trip allocates nothing.
//
// # Cancellation and timeouts
//
// Each exchange sets one deadline on the socket: the context's, or
// Config.SocketTimeout from now if that comes first. A context that can be
// cancelled is watched with context.AfterFunc, which moves the deadline into
// the past when it is done: no goroutine per operation, and a cancelled
// read or write returns at once. A round trip interrupted in the middle has
// left the stream out of step, so the connection breaks: it closes its
// socket, Broken, Closed and Err say so, and the error is a
// *mongoerr.NetworkError wrapping ctx.Err() (errors.Is(err,
// context.Canceled) holds; Timeout() is true for deadlines). A context done
// before anything is sent returns its error and leaves the connection as it
// was.
//
// # Concurrency
//
// A Conn carries one exchange at a time: one goroutine uses it, as a pool's
// check-out guarantees. Close, Err, Broken and Closed may be called from any
// goroutine, Close even during an exchange, which then fails.
package conn

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// Conn is an established, authenticated connection to one server.
type Conn struct {
	addr string
	raw  net.Conn      // the socket: deadlines and closing
	nc   net.Conn      // raw, or the TLS connection over it: writes
	br   *bufio.Reader // reads of nc
	desc Description

	api      []byte // the encoded Stable API elements added to every command
	comp     wire.Compressor
	compress bool
	maxRead  int
	timeout  time.Duration // Config.SocketTimeout, once established

	// Owned by the goroutine using the connection.
	wbuf        []byte  // requests are built here
	cbuf        []byte  // and compressed here
	noReply     []int32 // moreToCome requests sent since the last reply read
	discarded   int     // replies to moreToCome requests dropped, for tests
	deadlineSet bool    // the socket has a deadline (possibly a past one)

	stream      atomic.Int32 // requestID of the last reply with moreToCome, 0 if none
	interruptFn func()       // c.interrupt, bound once
	interrupted chan struct{}

	dead   atomic.Bool // broken or closed: no more I/O
	mu     sync.Mutex
	err    error // what broke the connection
	closed bool
}

// maxKeptBuffer is the largest request buffer a connection keeps between
// round trips; a larger one, built for a big batch, is left to the garbage
// collector.
const maxKeptBuffer = 1 << 20

// maxNoReply bounds the request IDs of unanswered moreToCome messages that
// a connection remembers.
const maxNoReply = 1024

// readBufferSize is the size of a connection's read buffer: a small reply
// arrives in one read.
const readBufferSize = 4096

func newConn(addr string, raw net.Conn) *Conn {
	c := &Conn{addr: addr, raw: raw, nc: raw, interrupted: make(chan struct{}, 1)}
	c.interruptFn = c.interrupt
	return c
}

// Address returns the address the connection was dialed to.
func (c *Conn) Address() string { return c.addr }

// Description returns what the server's hello reply said. Its slices and the
// Hello document are shared: do not modify them.
func (c *Conn) Description() Description { return c.desc }

// ServiceID returns the serviceId of the hello reply, which load-balanced
// mode requires.
func (c *Conn) ServiceID() (bson.ObjectID, bool) { return c.desc.ServiceID, c.desc.HasServiceID }

// Streaming reports whether an exhaust stream is in progress: the last reply
// had moreToCome, and ReadMore must come next.
func (c *Conn) Streaming() bool { return c.stream.Load() != 0 }

// Err reports why the connection can no longer carry commands: the error
// that broke it, ErrClosed after Close, or ErrStreaming while an exhaust
// stream is in progress. It returns nil for a usable connection. It never
// blocks, and may be called from any goroutine.
func (c *Conn) Err() error {
	if !c.dead.Load() {
		if c.stream.Load() != 0 {
			return ErrStreaming
		}
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return ErrClosed
}

// Broken reports whether a failure (a network error, a timeout, a
// cancellation in the middle of an exchange, a protocol error) broke the
// connection. A broken connection is closed.
func (c *Conn) Broken() bool {
	if !c.dead.Load() {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err != nil
}

// Closed reports whether the connection is closed, by Close or by a
// failure.
func (c *Conn) Closed() bool { return c.dead.Load() }

// Close closes the connection. It may be called more than once, and from
// any goroutine: only the first call does anything, and later ones return
// nil. An exchange in progress fails. The socket is closed without a TLS
// close_notify, which could block on a peer that does not read.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.dead.Store(true)
	c.mu.Unlock()
	return c.raw.Close()
}

// fail breaks the connection with err, the first failure being the one
// kept, and closes the socket.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	wasClosed := c.closed
	c.closed = true
	c.dead.Store(true)
	c.mu.Unlock()
	if !wasClosed {
		_ = c.raw.Close()
	}
}

func newReader(nc net.Conn) *bufio.Reader { return bufio.NewReaderSize(nc, readBufferSize) }
