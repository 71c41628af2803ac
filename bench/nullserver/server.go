package nullserver

import (
	"net"
	"sync"
)

// Server is a null server listening on loopback. Its methods are safe for
// concurrent use.
type Server struct {
	ln   net.Listener
	tmpl *templates
	done chan struct{} // closed by Close
	wg   sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	conns    map[*conn]struct{}
	accepted int
	served   int64 // requests served by connections that have ended
	err      error // the first protocol or accept error

	closeOnce sync.Once
	closeErr  error
}

// Start starts a server on 127.0.0.1 on a free port.
func Start() (*Server, error) { return Listen("127.0.0.1:0") }

// Listen starts a server on addr, a TCP host:port ("127.0.0.1:0" picks a
// free port).
func Listen(addr string) (*Server, error) {
	tmpl, err := buildTemplates()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, tmpl: tmpl, done: make(chan struct{}), conns: map[*conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the address the server listens on, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URI returns a connection string for the server.
func (s *Server) URI() string { return "mongodb://" + s.Addr() + "/" }

// Accepted returns the number of connections accepted so far.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// Requests returns the number of requests served so far, on every
// connection. A request counts once it has been answered, or read if it
// wants no reply.
func (s *Server) Requests() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.served
	for c := range s.conns {
		n += c.requests.Load()
	}
	return n
}

// Err returns the first error the server met: a client that broke the
// protocol, or a failure to accept. Clients closing their connections are
// not errors.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the server: it closes the listener and every connection,
// and waits for all of the server's goroutines to end, waiting hellos
// included. It returns the listener's close error, and may be called more
// than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		s.closeErr = s.ln.Close()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s.closeErr
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if !s.isClosed() {
				s.fail(err)
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.accepted++
		c := newConn(s, nc, int64(s.accepted))
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

// end forgets c once its goroutine is done with it. err is the protocol
// error that ended the connection, or nil if the client went away.
func (s *Server) end(c *conn, err error) {
	if err != nil {
		s.fail(err) // before the client can see the connection close
	}
	c.nc.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.served += c.requests.Load()
	s.mu.Unlock()
	s.wg.Done()
}

func (s *Server) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *Server) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}
