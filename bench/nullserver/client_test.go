package nullserver

import (
	"bufio"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// start starts a server that the test closes at its end, after checking
// that it met no error.
func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// client is a raw test client of one connection.
type client struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func marshal(t testing.TB, d bson.D) []byte {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opMsg encodes cmd as an OP_MSG request.
func opMsg(t testing.TB, id int32, flags wire.MsgFlags, cmd bson.D) []byte {
	return wire.AppendMsg(nil, id, flags, marshal(t, cmd))
}

// queryMsg encodes query as an OP_QUERY on admin.$cmd.
func queryMsg(t testing.TB, id int32, query bson.D) []byte {
	doc := marshal(t, query)
	b := wire.AppendHeader(nil, wire.Header{RequestID: id, OpCode: opQuery})
	b = binary.LittleEndian.AppendUint32(b, 0) // flags
	b = append(b, "admin.$cmd\x00"...)
	b = binary.LittleEndian.AppendUint32(b, 0)          // numberToSkip
	b = binary.LittleEndian.AppendUint32(b, 0xffffffff) // numberToReturn -1
	b = append(b, doc...)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

func (c *client) send(msg []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(msg); err != nil {
		c.t.Fatal(err)
	}
}

// read reads one reply and returns its header and document, from an
// OP_MSG or an OP_REPLY.
func (c *client) read() (wire.Header, bson.Raw) {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	m, err := wire.ReadMessage(c.br, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	defer m.Release()
	b := append([]byte(nil), m.Bytes...)
	switch m.Header.OpCode {
	case wire.OpMsg:
		msg, err := wire.ParseMsg(b)
		if err != nil {
			c.t.Fatal(err)
		}
		if msg.Flags != 0 || msg.Sequences != nil {
			c.t.Errorf("reply flags %v, sequences %v", msg.Flags, msg.Sequences)
		}
		return m.Header, msg.Body
	case opReply:
		// responseFlags, cursorID, startingFrom, numberReturned
		const off = wire.HeaderLen + 4 + 8 + 4
		if n := binary.LittleEndian.Uint32(b[off:]); n != 1 {
			c.t.Errorf("OP_REPLY numberReturned %d", n)
		}
		doc := bson.Raw(b[off+4:])
		if err := doc.Validate(); err != nil {
			c.t.Fatal(err)
		}
		return m.Header, doc
	}
	c.t.Fatalf("reply opcode %v", m.Header.OpCode)
	return wire.Header{}, nil
}

// roundTrip sends msg, whose requestID is id, and returns the reply's
// document after checking its responseTo.
func (c *client) roundTrip(id int32, msg []byte) bson.Raw {
	c.t.Helper()
	c.send(msg)
	h, doc := c.read()
	if err := h.CheckResponseTo(id); err != nil {
		c.t.Fatal(err)
	}
	if h.RequestID <= 0 {
		c.t.Errorf("reply requestID %d", h.RequestID)
	}
	return doc
}

// expectClosed checks that the server closes the connection without
// replying.
func (c *client) expectClosed() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if m, err := wire.ReadMessage(c.br, 0); err == nil {
		m.Release()
		c.t.Fatalf("got a %v reply, want the connection closed", m.Header.OpCode)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		c.t.Fatal("connection still open")
	}
}
