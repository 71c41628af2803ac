package conn

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/mongoerr"
)

// Errors of the connection layer, found with errors.Is. Network failures
// come as *mongoerr.NetworkError values wrapping the cause, and server
// replies with ok: 0 as *mongoerr.ServerError values.
var (
	// ErrClosed: the connection was closed, by Close or after a failure
	// that left it out of step with the server.
	ErrClosed = errors.New("conn: connection closed")
	// ErrStreaming: an exhaust stream is being read on the connection (the
	// last reply had moreToCome), so it cannot carry another command; only
	// ReadMore, or closing it, can follow.
	ErrStreaming = errors.New("conn: exhaust stream in progress")
	// ErrNotStreaming: ReadMore was called although the last reply did not
	// announce another.
	ErrNotStreaming = errors.New("conn: no exhaust stream to read")
	// ErrInvalidCommand: the command document is malformed or empty, or no
	// database is given.
	ErrInvalidCommand = errors.New("conn: invalid command")
	// ErrMessageTooLarge: the request exceeds the server's
	// maxMessageSizeBytes. Nothing was sent and the connection is intact.
	ErrMessageTooLarge = errors.New("conn: message larger than maxMessageSizeBytes")
	// ErrNoServiceID: in load-balanced mode, the hello reply carried no
	// serviceId. The text is the one the load balancer specification
	// prescribes.
	ErrNoServiceID = errors.New("Driver attempted to initialize in load balancing mode, but the server does not support this mode.") //nolint:staticcheck // text fixed by the specification
	// ErrUnexpectedMoreToCome: a reply announced another although the
	// request did not allow an exhaust stream.
	ErrUnexpectedMoreToCome = errors.New("conn: moreToCome reply to a request that did not allow exhaust")
)

// ctxCause returns the error of a done ctx: ctx.Err(), with the cause joined
// when one was given, so that errors.Is(err, context.Canceled) holds either
// way.
func ctxCause(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// ioFailure turns an I/O error of op into the NetworkError the caller
// returns, and breaks the connection: after a failed read or write the stream
// is out of step with the server. A done ctx is the cause whenever it is
// done, since its interruption is what failed the I/O; a deadline that came
// from ctx counts as the ctx's even when it fired a moment before ctx's own
// timer.
func (c *Conn) ioFailure(ctx context.Context, op string, err error, fromCtx bool) error {
	cause := err
	switch {
	case ctx.Err() != nil:
		cause = ctxCause(ctx)
	case fromCtx && errors.Is(err, os.ErrDeadlineExceeded):
		cause = context.DeadlineExceeded
	}
	ne := &mongoerr.NetworkError{Address: c.addr, Op: op, Err: cause}
	c.fail(ne)
	return ne
}

// protocolFailure breaks the connection for a reply that does not follow
// the protocol.
func (c *Conn) protocolFailure(err error) error {
	ne := &mongoerr.NetworkError{Address: c.addr, Op: "read", Err: err}
	c.fail(ne)
	return ne
}

// closedError is what an operation on a dead connection returns.
func (c *Conn) closedError(op string) error {
	return &mongoerr.NetworkError{Address: c.addr, Op: op, Err: ErrClosed}
}

// serverError builds the error of a reply with ok: 0 to the command body.
// Replies to authentication commands are not kept in the error.
func serverError(body, reply bson.Raw) error {
	name := commandName(body)
	e := mongoerr.NewServerError(name, reply)
	if auth.IsSensitive(name, body) {
		e.Raw = nil
	}
	return e
}

// commandName returns the first key of a command document.
func commandName(body []byte) string {
	return string(firstKey(body))
}

// firstKey returns the bytes of the first key of a document, nil if there
// is none.
func firstKey(body []byte) []byte {
	if len(body) < 6 {
		return nil
	}
	for i := 5; i < len(body); i++ {
		if body[i] == 0 {
			return body[5:i]
		}
	}
	return nil
}
