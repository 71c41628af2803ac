// Package wiretest runs scripted MongoDB servers on loopback for tests of
// the layers above the wire protocol: connections, pools, monitors and
// operations can talk to a real socket that answers as the test says.
//
// # Servers
//
// NewServer listens on 127.0.0.1 on a free port and serves every
// connection it accepts: each OP_MSG it reads (decompressed if it came as
// OP_COMPRESSED) is recorded as a Request and handed to the Handler, and the
// Replies the handler returns are carried out in order. A Reply can send a
// document, wait first, close the connection, answer with a wrong
// responseTo, stream with MoreToCome as an exhaust cursor or awaitable
// hello does, or send raw bytes. Replies to a compressed request are
// compressed with the same compressor unless the Reply says otherwise.
//
// # Scripts
//
// A Script is a Handler that expects commands in order, with the replies to
// give to each, and reports what went differently.
//
// # Leaks
//
// Close stops every goroutine the server started. LeakCheck verifies that a
// test leaves no goroutine behind.
package wiretest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// Request is a message the server received. Its fields are copies: they
// stay valid after the handler returns.
type Request struct {
	Conn       int         // connection number, from 0 in the order accepted
	Header     wire.Header // header of the (decompressed) message
	Flags      wire.MsgFlags
	Compressed bool              // the request came as OP_COMPRESSED
	Compressor wire.CompressorID // with this compressor
	Command    string            // the body's first key
	Body       bson.Raw
	Sequences  []wire.Sequence
}

// Reply is one action of the server in answer to a request.
type Reply struct {
	// Doc is the reply's body: bson.Raw or []byte sent as they are, any
	// other value marshaled. A nil Doc sends nothing (useful with Close).
	Doc any
	// Sequences are sent as document-sequence sections after the body.
	Sequences []wire.Sequence
	// Flags are the reply's flagBits. With MoreToCome the next Reply
	// follows on its own, answering this one, as in an exhaust stream.
	Flags wire.MsgFlags
	// Delay is how long to wait before acting.
	Delay time.Duration
	// Close closes the connection, after sending Doc or Raw if set.
	Close bool
	// WrongResponseTo sends a responseTo that answers no message.
	WrongResponseTo bool
	// Raw, if set, is written verbatim instead of a message built from Doc.
	Raw []byte
	// Compression overrides the choice of compressor: "" replies as the
	// request came (compressed with its compressor, or not); "none" replies
	// uncompressed; a compressor name ("snappy", "zlib", "zstd", "noop")
	// compresses with that one.
	Compression string
}

// Handler decides the server's replies to a request. It is called from the
// connection's goroutine, one request at a time per connection, and must
// return. A handler modelling a real server returns no reply to a request
// flagged MoreToCome.
type Handler func(req Request) []Reply

// Server is a scripted server on loopback.
type Server struct {
	ln      net.Listener
	handler Handler
	done    chan struct{}
	wg      sync.WaitGroup

	mu       sync.Mutex
	conns    map[net.Conn]bool
	accepted int
	requests []Request
	errs     []error
	closed   bool
}

// NewServer starts a server on 127.0.0.1 with a free port, serving h. It
// is closed when the test ends, or earlier by Close. A listening error
// fails the test.
func NewServer(tb testing.TB, h Handler) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("wiretest: listen: %v", err)
	}
	s := &Server{ln: ln, handler: h, done: make(chan struct{}), conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	tb.Cleanup(func() { s.Close() })
	return s
}

// Addr returns the server's address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Requests returns the requests received so far, on every connection, in
// the order they were read.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Commands returns the command names of Requests, in order.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, len(s.requests))
	for i, r := range s.requests {
		names[i] = r.Command
	}
	return names
}

// Accepted returns the number of connections accepted so far.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Err returns what went wrong on the server's side: messages from a client
// that break the protocol, replies that could not be built. Connections
// closed by clients are not errors.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// CloseConnections closes every open connection, as a network failure
// would; the server goes on accepting new ones.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops the server: it closes the listener and every connection and
// waits for all of its goroutines to end. Handlers still running are waited
// for; delayed replies are abandoned. Close may be called more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	close(s.done)
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
			default:
				s.fail(fmt.Errorf("accept: %w", err))
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		n := s.accepted
		s.accepted++
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c, n)
	}
}

func (s *Server) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Errorf("wiretest: %w", err))
}
