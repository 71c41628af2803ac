package nullserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// ErrProtocol is the error, wrapped with the details, that Server.Err
// reports for a request the server cannot read: bad framing, an opcode
// other than OP_MSG and OP_QUERY, a malformed body.
var ErrProtocol = errors.New("nullserver: protocol error")

// MaxMessageSize is the largest request the server reads, the
// maxMessageSizeBytes its hello reply announces.
const MaxMessageSize = 48_000_000

// readBufSize is the size of a connection's read buffer. Larger requests
// are read into a buffer of their own.
const readBufSize = 16 << 10

// The legacy opcodes of the handshake's first message.
const (
	opReply wire.OpCode = 1
	opQuery wire.OpCode = 2004
)

// conn is one client connection and its canned replies.
type conn struct {
	s        *Server
	nc       net.Conn
	id       int64 // the connectionId of the hello replies
	br       *bufio.Reader
	big      []byte // for requests larger than the read buffer
	lastID   int32  // requestID of the last reply
	requests atomic.Int64
	replies  [numReplies][]byte // whole messages, built on first use
}

func newConn(s *Server, nc net.Conn, id int64) *conn {
	return &conn{s: s, nc: nc, id: id, br: bufio.NewReaderSize(nc, readBufSize)}
}

func (c *conn) serve() { c.s.end(c, c.loop()) }

// loop serves requests until the client goes away, which returns nil, or
// breaks the protocol, which returns the error.
func (c *conn) loop() error {
	for {
		hdr, err := c.br.Peek(wire.HeaderLen)
		if err != nil {
			return nil // EOF, reset, or closed by Close
		}
		h, _ := wire.ParseHeader(hdr)
		n := int(h.Length)
		if n < wire.HeaderLen || n > MaxMessageSize {
			return fmt.Errorf("%w: messageLength %d", ErrProtocol, n)
		}
		var msg []byte
		inPlace := n <= c.br.Size()
		if inPlace {
			if msg, err = c.br.Peek(n); err != nil {
				return nil
			}
		} else {
			if cap(c.big) < n {
				c.big = make([]byte, n)
			}
			msg = c.big[:n]
			if _, err := io.ReadFull(c.br, msg); err != nil {
				return nil
			}
		}
		reply, err := c.answer(h, msg)
		if inPlace {
			c.br.Discard(n)
		}
		if err != nil {
			return err
		}
		c.requests.Add(1) // before the client can see the reply
		if reply == nil {
			continue // moreToCome, or the server closed during a wait
		}
		if _, err := c.nc.Write(reply); err != nil {
			return nil
		}
	}
}

// answer returns the reply to the request msg, whose header is h, or nil
// for none. The reply is one of c's buffers, valid until the next call.
func (c *conn) answer(h wire.Header, msg []byte) ([]byte, error) {
	k, wait, ok, err := parseRequest(h, msg)
	if err != nil || !ok {
		return nil, err
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.s.done:
			t.Stop()
			return nil, nil
		}
	}
	return c.reply(k, h.RequestID), nil
}

// parseRequest reads the request msg, whose header is h, and returns the
// reply it needs, how long to wait before sending it, and false if it
// wants no reply.
func parseRequest(h wire.Header, msg []byte) (k replyKind, wait time.Duration, reply bool, err error) {
	switch h.OpCode {
	case wire.OpMsg:
		m, err := wire.ParseMsg(msg)
		if err != nil {
			return 0, 0, false, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		if m.Flags&wire.MoreToCome != 0 {
			return 0, 0, false, nil
		}
		k, wait = classify(m.Body)
		return k, wait, true, nil
	case opQuery:
		body, err := parseQuery(msg)
		if err != nil {
			return 0, 0, false, err
		}
		k, wait = classify(body)
		return k + legacyOffset, wait, true, nil
	}
	return 0, 0, false, fmt.Errorf("%w: opcode %s", ErrProtocol, h.OpCode)
}

// reply returns the canned reply k with a new requestID and the given
// responseTo.
func (c *conn) reply(k replyKind, responseTo int32) []byte {
	r := c.replies[k]
	if r == nil {
		r = c.s.tmpl.forConn(k, c.id)
		c.replies[k] = r
	}
	c.lastID++
	if c.lastID <= 0 {
		c.lastID = 1
	}
	binary.LittleEndian.PutUint32(r[4:], uint32(c.lastID))
	binary.LittleEndian.PutUint32(r[8:], uint32(responseTo))
	return r
}

// classify says which reply answers the command body, and how long an
// awaitable hello should wait first.
func classify(body bson.Raw) (replyKind, time.Duration) {
	var k replyKind
	switch string(firstKey(body)) {
	case "hello":
		k = replyHello
	case "isMaster", "ismaster":
		k = replyLegacyHello
	case "buildInfo", "buildinfo":
		return replyBuildInfo, 0
	default:
		return replyOK, 0
	}
	if truthy(body.Lookup("helloOk")) {
		k += helloOKOffset
	}
	var wait time.Duration
	if body.Lookup("topologyVersion").Type != 0 {
		if ms, ok := body.Lookup("maxAwaitTimeMS").AsInt64OK(); ok && ms > 0 {
			wait = time.Duration(ms) * time.Millisecond
		}
	}
	return k, wait
}

// firstKey returns the first key of doc, nil for an empty document. doc
// holds at least 5 bytes and ends with NUL, as ParseMsg and parseQuery
// check.
func firstKey(doc []byte) []byte {
	if len(doc) < 6 || doc[4] == 0 {
		return nil
	}
	k := doc[5:]
	if i := bytes.IndexByte(k, 0); i >= 0 {
		return k[:i]
	}
	return nil
}

// truthy reports whether v is true or a non-zero number, as the server
// reads a flag.
func truthy(v bson.RawValue) bool {
	if b, ok := v.BooleanOK(); ok {
		return b
	}
	f, ok := v.AsFloat64OK()
	return ok && f != 0
}

// parseQuery returns the command of an OP_QUERY: flags, the collection
// name, numberToSkip and numberToReturn, then the query document, the
// command itself or, with a read preference, wrapped in $query.
func parseQuery(msg []byte) (bson.Raw, error) {
	b := msg[wire.HeaderLen:]
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: OP_QUERY of %d bytes", ErrProtocol, len(msg))
	}
	b = b[4:]
	i := bytes.IndexByte(b, 0)
	if i < 0 || len(b) < i+1+8 {
		return nil, fmt.Errorf("%w: OP_QUERY without a collection name and counts", ErrProtocol)
	}
	b = b[i+1+8:]
	if len(b) < 5 {
		return nil, fmt.Errorf("%w: OP_QUERY without a query", ErrProtocol)
	}
	n := int(int32(binary.LittleEndian.Uint32(b)))
	if n < 5 || n > len(b) || b[n-1] != 0 {
		return nil, fmt.Errorf("%w: OP_QUERY query of length %d with %d bytes left", ErrProtocol, n, len(b))
	}
	doc := bson.Raw(b[:n])
	if string(firstKey(doc)) == "$query" {
		q, ok := doc.Lookup("$query").DocumentOK()
		if !ok || len(q) < 5 {
			return nil, fmt.Errorf("%w: OP_QUERY $query is not a document", ErrProtocol)
		}
		doc = q
	}
	return doc, nil
}
