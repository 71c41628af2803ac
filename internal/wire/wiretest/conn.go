package wiretest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// serve reads requests from c and carries out the handler's replies until
// the connection or the server closes.
func (s *Server) serve(c net.Conn, n int) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	var out, body []byte
	for {
		m, err := wire.ReadMessage(c, 0)
		if err != nil {
			if !closedConn(err) {
				s.fail(fmt.Errorf("connection %d: %w", n, err))
			}
			return
		}
		req, err := newRequest(m, n)
		m.Release()
		if err != nil {
			// An OP_QUERY lands here too: the driver must speak OP_MSG only.
			s.fail(fmt.Errorf("connection %d: %w", n, err))
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()

		prev := req.Header.RequestID
		for _, r := range s.handler(req) {
			if r.Delay > 0 && !s.sleep(r.Delay) {
				return
			}
			if r.Doc != nil || r.Raw != nil {
				out, body, prev, err = buildReply(out[:0], body[:0], r, req, prev)
				if err != nil {
					s.fail(fmt.Errorf("connection %d: reply to %s: %w", n, req.Command, err))
					return
				}
				if _, err := c.Write(out); err != nil {
					if !closedConn(err) {
						s.fail(fmt.Errorf("connection %d: %w", n, err))
					}
					return
				}
			}
			if r.Close {
				return
			}
		}
	}
}

// sleep waits for d, or less if the server closes; it reports whether the
// whole of d passed.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// newRequest copies what the handler needs out of m, which the caller
// releases.
func newRequest(m wire.Message, conn int) (Request, error) {
	p, err := wire.ParseMsg(m.Bytes)
	if err != nil {
		return Request{}, err
	}
	req := Request{
		Conn:       conn,
		Header:     p.Header,
		Flags:      p.Flags,
		Compressed: m.Compressed,
		Compressor: m.Compressor,
		Body:       bson.Raw(bytes.Clone(p.Body)),
	}
	for k := range req.Body.Elements() {
		req.Command = strings.Clone(k)
		break
	}
	for _, sq := range p.Sequences {
		req.Sequences = append(req.Sequences, wire.Sequence{Identifier: sq.Identifier, Docs: bytes.Clone(sq.Docs)})
	}
	return req, nil
}

// buildReply appends to out the bytes that carry out r, answering the
// message prev, and returns the reply's requestID as the new prev.
func buildReply(out, body []byte, r Reply, req Request, prev int32) ([]byte, []byte, int32, error) {
	if r.Raw != nil {
		return append(out, r.Raw...), body, prev, nil
	}
	switch d := r.Doc.(type) {
	case bson.Raw:
		body = append(body, d...)
	case []byte:
		body = append(body, d...)
	default:
		var err error
		if body, err = bson.MarshalAppend(body, d); err != nil {
			return out, body, prev, err
		}
	}
	comp, compress, err := replyCompressor(r.Compression, req)
	if err != nil {
		return out, body, prev, err
	}
	id, responseTo := wire.NextRequestID(), prev
	if r.WrongResponseTo {
		responseTo = ^prev // negative: answers no request
	}
	start := len(out)
	out, msg := wire.BeginMsg(out, id, responseTo, r.Flags)
	out = wire.AppendBodySection(out, body)
	for _, sq := range r.Sequences {
		out = wire.AppendSequenceSection(out, sq)
	}
	out = wire.EndMsg(out, msg)
	if compress {
		plain := bytes.Clone(out[start:])
		if out, err = wire.AppendCompressed(out[:start], plain, comp); err != nil {
			return out, body, prev, err
		}
	}
	return out, body, id, nil
}

func replyCompressor(name string, req Request) (wire.Compressor, bool, error) {
	switch name {
	case "none":
		return wire.Compressor{}, false, nil
	case "":
		if !req.Compressed {
			return wire.Compressor{}, false, nil
		}
		name = req.Compressor.String()
	}
	c, err := wire.NewCompressor(name, wire.DefaultZlibLevel)
	return c, err == nil, err
}

// closedConn reports whether err is just the connection going away: closed
// by either side, reset, or cut in the middle of a message.
func closedConn(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}
