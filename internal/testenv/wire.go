package testenv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// This file holds the smallest OP_MSG client that lets testenv check that a
// server answers and create its users: one round trip per call, with the
// BSON subset of bsondoc.go. It is deliberately independent of the driver's
// bson and wire packages, so that testenv keeps working while they change.

// commandError describes a reply with ok other than 1.
type commandError struct {
	Code     int32
	CodeName string
	Message  string
}

// Error implements error.
func (e *commandError) Error() string {
	return fmt.Sprintf("command failed: (%s, code %d) %s", e.CodeName, e.Code, e.Message)
}

// replyError returns a *commandError for a reply whose ok is not 1, and nil
// otherwise.
func replyError(d doc) error {
	if d.ok() {
		return nil
	}
	e := &commandError{CodeName: d.str("codeName"), Message: d.str("errmsg")}
	switch c := d.get("code").(type) {
	case int32:
		e.Code = c
	case int64:
		e.Code = int32(c)
	case float64:
		e.Code = int32(c)
	}
	return e
}

// OP_MSG framing.
const (
	opMsg       = 2013
	headerLen   = 16
	maxReplyLen = 48 << 20
)

var requestID atomic.Int32

// roundTrip sends cmd as an OP_MSG on c and returns the reply document. ctx's
// deadline (or a default of 30 s) bounds the exchange. A reply with ok other
// than 1 is returned together with a *commandError.
func roundTrip(ctx context.Context, c net.Conn, cmd doc) (doc, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	if err := c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	msg := make([]byte, headerLen, 256)
	binary.LittleEndian.PutUint32(msg[4:], uint32(requestID.Add(1)))
	binary.LittleEndian.PutUint32(msg[12:], opMsg)
	msg = append(msg, 0, 0, 0, 0, 0) // flagBits, then section kind 0
	msg, err := appendDoc(msg, cmd)
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
	if _, err := c.Write(msg); err != nil {
		return nil, ctxErr(ctx, err)
	}

	var hdr [headerLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, ctxErr(ctx, err)
	}
	n := int(binary.LittleEndian.Uint32(hdr[:]))
	if n < headerLen+5+5 || n > maxReplyLen {
		return nil, fmt.Errorf("testenv: reply length %d out of range", n)
	}
	if op := binary.LittleEndian.Uint32(hdr[12:]); op != opMsg {
		return nil, fmt.Errorf("testenv: reply opcode %d, want OP_MSG", op)
	}
	body := make([]byte, n-headerLen)
	if _, err := io.ReadFull(c, body); err != nil {
		return nil, ctxErr(ctx, err)
	}
	reply, err := parseMsgBody(body)
	if err != nil {
		return nil, err
	}
	return reply, replyError(reply)
}

// parseMsgBody returns the kind-0 document of an OP_MSG body (the bytes after
// the header). A trailing checksum, when flagged, is ignored.
func parseMsgBody(body []byte) (doc, error) {
	if len(body) < 5 {
		return nil, errBSON
	}
	flags := binary.LittleEndian.Uint32(body)
	b := body[4:]
	if flags&1 != 0 { // checksumPresent
		if len(b) < 4 {
			return nil, errBSON
		}
		b = b[:len(b)-4]
	}
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return nil, errBSON
		}
		n := int64(binary.LittleEndian.Uint32(b))
		if n > int64(len(b)) || n < 4 {
			return nil, errBSON
		}
		if kind == 0 {
			return decodeDoc(b[:n])
		}
		b = b[n:] // kind 1: a document sequence, not used here
	}
	return nil, errors.New("testenv: OP_MSG reply without a body section")
}

// ctxErr prefers the context's error when ctx is done, so that a
// cancellation reads as one.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}
