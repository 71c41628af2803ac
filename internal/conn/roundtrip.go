package conn

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// Command is a request to send. The connection adds $db and the Stable API
// fields to Body; Body must not hold them.
type Command struct {
	// DB is the database the command runs against, sent as $db.
	DB string
	// Body is the command document, its name first: {ping: 1}.
	Body bson.Raw
	// Sequences are sent as document-sequence sections after the body, such
	// as an insert's "documents".
	Sequences []wire.Sequence
	// Flags are the request's flagBits: ExhaustAllowed for a getMore or an
	// awaitable hello that accepts a stream of replies, ChecksumPresent to
	// add a CRC-32C. MoreToCome is Send's to set and is ignored here.
	Flags wire.MsgFlags
	// RequestID, when not 0, is the request ID to send, for a caller that
	// reports it before the round trip (command monitoring); 0 means a new
	// one from wire.NextRequestID.
	RequestID int32
}

// Reply is a server's reply. Body and Sequences slice into a pooled buffer:
// they are valid until Release, which the caller must call once, after which
// neither they nor anything taken from them may be used.
type Reply struct {
	Body      bson.Raw
	Sequences []wire.Sequence
	Flags     wire.MsgFlags
	msg       wire.Message
}

// Release gives the reply's buffer back to the pool.
func (r *Reply) Release() {
	r.msg.Release()
	r.Body, r.Sequences = nil, nil
}

// MoreToCome reports whether another reply of an exhaust stream follows:
// read it with ReadMore.
func (r *Reply) MoreToCome() bool { return r.Flags&wire.MoreToCome != 0 }

// RoundTrip sends cmd and reads the reply that answers it. Replies that
// answer earlier moreToCome messages (see Send) are discarded on the way; a
// reply to any other request breaks the connection with a protocol error.
// A reply with ok: 0 is returned as a *mongoerr.ServerError, its buffer
// already released. Network and protocol failures, and a ctx done in the
// middle, break the connection and return a *mongoerr.NetworkError. cmd is
// not retained.
func (c *Conn) RoundTrip(ctx context.Context, cmd *Command) (Reply, error) {
	return c.roundTrip(ctx, cmd, c.timeout)
}

func (c *Conn) roundTrip(ctx context.Context, cmd *Command, timeout time.Duration) (Reply, error) {
	if c.dead.Load() {
		return Reply{}, c.closedError("write")
	}
	if c.stream.Load() != 0 {
		return Reply{}, c.protocolFailure(ErrStreaming)
	}
	flags := cmd.Flags &^ wire.MoreToCome
	id := cmd.RequestID
	if id == 0 {
		id = wire.NextRequestID()
	}
	msg, err := c.build(id, flags, cmd)
	if err != nil {
		return Reply{}, err
	}
	stop, fromCtx, err := c.watch(ctx, timeout)
	if err != nil {
		return Reply{}, err
	}
	_, werr := c.nc.Write(msg)
	var r Reply
	var rerr error
	if werr == nil {
		r, rerr = c.readReply(id, flags&wire.ExhaustAllowed != 0)
	}
	c.unwatch(stop)
	c.trimBuffers()
	switch {
	case werr != nil:
		return Reply{}, c.ioFailure(ctx, "write", werr, fromCtx)
	case rerr != nil:
		if rerr == errProtocol {
			return Reply{}, c.lastErr()
		}
		return Reply{}, c.ioFailure(ctx, "read", rerr, fromCtx)
	}
	if !replyOK(r.Body) {
		err := serverError(cmd.Body, r.Body)
		r.Release()
		return Reply{}, err
	}
	return r, nil
}

// errProtocol tells roundTrip that readReply has broken the connection
// already with a protocol error, kept as c.err. It is never returned.
var errProtocol = errors.New("conn: protocol error")

// isProtocolError reports whether err is bad bytes rather than failed I/O.
func isProtocolError(err error) bool {
	var pe *wire.ProtocolError
	return errors.As(err, &pe)
}

func (c *Conn) lastErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// readReply reads until the reply to request id, discarding the replies to
// moreToCome requests. I/O errors are returned as they are, for the caller
// to turn into network errors once the watch is over; protocol errors break
// the connection here and return errProtocol.
func (c *Conn) readReply(id int32, exhaust bool) (Reply, error) {
	for {
		m, err := wire.ReadMessage(c.br, c.maxRead)
		if err != nil {
			if isProtocolError(err) {
				c.protocolFailure(err)
				return Reply{}, errProtocol
			}
			return Reply{}, err
		}
		if to := m.Header.ResponseTo; to != id {
			m.Release()
			if c.dropNoReply(to) {
				continue
			}
			c.protocolFailure(m.Header.CheckResponseTo(id))
			return Reply{}, errProtocol
		}
		// Every moreToCome request sent before id has been answered, by a
		// server that answers them, or never will be.
		c.noReply = c.noReply[:0]
		return c.parse(m, exhaust)
	}
}

// parse checks a message read and makes it a Reply, tracking exhaust
// streams.
func (c *Conn) parse(m wire.Message, exhaust bool) (Reply, error) {
	p, err := wire.ParseMsg(m.Bytes)
	if err != nil {
		m.Release()
		c.protocolFailure(err)
		return Reply{}, errProtocol
	}
	if p.Flags&wire.MoreToCome != 0 {
		if !exhaust {
			m.Release()
			c.protocolFailure(ErrUnexpectedMoreToCome)
			return Reply{}, errProtocol
		}
		c.stream.Store(p.Header.RequestID)
	} else {
		c.stream.Store(0)
	}
	return Reply{Body: p.Body, Sequences: p.Sequences, Flags: p.Flags, msg: m}, nil
}

// Send writes cmd flagged moreToCome, for an unacknowledged write: the
// server sends no reply, and Send waits for none. A server that replies all
// the same has its reply discarded by the next RoundTrip.
func (c *Conn) Send(ctx context.Context, cmd *Command) error {
	if c.dead.Load() {
		return c.closedError("write")
	}
	if c.stream.Load() != 0 {
		return c.protocolFailure(ErrStreaming)
	}
	id := cmd.RequestID
	if id == 0 {
		id = wire.NextRequestID()
	}
	msg, err := c.build(id, (cmd.Flags&^wire.ExhaustAllowed)|wire.MoreToCome, cmd)
	if err != nil {
		return err
	}
	stop, fromCtx, err := c.watch(ctx, c.timeout)
	if err != nil {
		return err
	}
	_, err = c.nc.Write(msg)
	c.unwatch(stop)
	c.trimBuffers()
	if err != nil {
		return c.ioFailure(ctx, "write", err, fromCtx)
	}
	if len(c.noReply) == maxNoReply {
		c.noReply = append(c.noReply[:0], c.noReply[1:]...)
	}
	c.noReply = append(c.noReply, id)
	return nil
}

// ReadMore reads the next reply of an exhaust stream, which the last reply
// announced with moreToCome. It returns ErrNotStreaming, and leaves the
// connection as it is, when there is none. Otherwise it behaves as
// RoundTrip's read.
func (c *Conn) ReadMore(ctx context.Context) (Reply, error) {
	if c.dead.Load() {
		return Reply{}, c.closedError("read")
	}
	prev := c.stream.Load()
	if prev == 0 {
		return Reply{}, ErrNotStreaming
	}
	stop, fromCtx, err := c.watch(ctx, c.timeout)
	if err != nil {
		return Reply{}, err
	}
	m, err := wire.ReadMessage(c.br, c.maxRead)
	var r Reply
	if err == nil {
		if m.Header.ResponseTo != prev {
			m.Release()
			c.protocolFailure(m.Header.CheckResponseTo(prev))
			err = errProtocol
		} else {
			r, err = c.parse(m, true)
		}
	} else if isProtocolError(err) {
		c.protocolFailure(err)
		err = errProtocol
	}
	c.unwatch(stop)
	switch {
	case err == errProtocol:
		return Reply{}, c.lastErr()
	case err != nil:
		return Reply{}, c.ioFailure(ctx, "read", err, fromCtx)
	}
	if !replyOK(r.Body) {
		err := serverError(nil, r.Body)
		r.Release()
		return Reply{}, err
	}
	return r, nil
}

// dropNoReply reports whether to answers a moreToCome request, and forgets
// that request.
func (c *Conn) dropNoReply(to int32) bool {
	for i, id := range c.noReply {
		if id == to {
			c.noReply = append(c.noReply[:i], c.noReply[i+1:]...)
			c.discarded++
			return true
		}
	}
	return false
}

// build encodes the request into the connection's buffer, compressed when
// it may be, and returns the bytes to write.
func (c *Conn) build(id int32, flags wire.MsgFlags, cmd *Command) ([]byte, error) {
	body := cmd.Body
	if len(body) < 6 || int(binary.LittleEndian.Uint32(body)) != len(body) || body[len(body)-1] != 0 || cmd.DB == "" {
		return nil, ErrInvalidCommand
	}
	b, start := wire.BeginMsg(c.wbuf[:0], id, 0, flags)
	b = append(b, 0) // a body section
	doc := len(b)
	b = append(b, body[:len(body)-1]...)
	b = appendString(b, "$db", cmd.DB)
	b = append(b, c.api...)
	b = append(b, 0)
	binary.LittleEndian.PutUint32(b[doc:], uint32(len(b)-doc))
	for _, s := range cmd.Sequences {
		b = wire.AppendSequenceSection(b, s)
	}
	b = wire.EndMsg(b, start)
	c.wbuf = b
	if len(b) > c.desc.MaxMessageSize {
		return nil, ErrMessageTooLarge
	}
	if !c.compress || !wire.Compressible(string(firstKey(body))) {
		return b, nil
	}
	cb, err := wire.AppendCompressed(c.cbuf[:0], b, c.comp)
	if err != nil {
		return nil, err
	}
	c.cbuf = cb
	return cb, nil
}

// trimBuffers lets go of request buffers grown for a big message.
func (c *Conn) trimBuffers() {
	if cap(c.wbuf) > maxKeptBuffer {
		c.wbuf = nil
	}
	if cap(c.cbuf) > maxKeptBuffer {
		c.cbuf = nil
	}
}

// replyOK reports whether a reply's ok field says success: 1 as any number
// type, or true. A reply without ok is a failure.
func replyOK(body bson.Raw) bool {
	v := body.Lookup("ok")
	if f, ok := v.AsFloat64OK(); ok {
		return f == 1
	}
	b, _ := v.BooleanOK()
	return b
}

// appendString appends a BSON string element.
func appendString(dst []byte, key, s string) []byte {
	dst = append(dst, byte(bson.TypeString))
	dst = append(dst, key...)
	dst = append(dst, 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)+1))
	dst = append(dst, s...)
	return append(dst, 0)
}

// appendBool appends a BSON boolean element.
func appendBool(dst []byte, key string, v bool) []byte {
	dst = append(dst, byte(bson.TypeBoolean))
	dst = append(dst, key...)
	dst = append(dst, 0)
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}
