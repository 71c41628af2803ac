package auth

import (
	"errors"
	"strings"
)

// Errors that say what went wrong on the client's side of a conversation.
// They are wrapped in an [*Error], so test with errors.Is.
var (
	// ErrUnsupportedMechanism is returned by [New] for a mechanism this
	// package does not implement.
	ErrUnsupportedMechanism = errors.New("unsupported mechanism")
	// ErrInvalidCredential is returned by [New] for a credential that lacks
	// what its mechanism requires (a user name, a password) or carries
	// what it forbids.
	ErrInvalidCredential = errors.New("invalid credential")
	// ErrServerSignature means that the server could not prove it knows the
	// password: its SCRAM signature is wrong, missing, or it ended the
	// conversation before giving one. The client refuses the connection
	// even though the server declared success.
	ErrServerSignature = errors.New("server signature mismatch")
	// ErrIterationCount means that the server asked for fewer SCRAM
	// iterations than the minimum of 4096 the auth spec requires, or for
	// more than the client's limit of 10,000,000, which bounds the time a
	// hostile server can make the client spend deriving keys.
	ErrIterationCount = errors.New("SCRAM iteration count out of range")
	// ErrMalformedReply means that a server reply or SCRAM message is not
	// shaped as the protocol requires.
	ErrMalformedReply = errors.New("malformed server reply")
)

// Error is an authentication failure. It names the mechanism and the step
// that failed; Err is the cause: one of this package's sentinel errors,
// possibly with detail, or the server's error as the [Runner] returned it.
//
// Neither the message nor anything this package wraps holds the password,
// the SASL payloads, nonces or proofs. The user name is left out too.
type Error struct {
	// Mechanism is the mechanism's name, such as "SCRAM-SHA-256", or ""
	// when the failure came before a mechanism was chosen.
	Mechanism string
	// Step is where it failed: "credential" for a credential [New] or
	// negotiation refuses, or the command whose reply was being handled
	// ("saslStart", "saslContinue", "authenticate", "speculativeAuthenticate").
	// The connection layer may build an Error with Step "hello" for a
	// failed handshake, which the auth spec counts as an auth failure.
	Step string
	// Err is the cause.
	Err error
}

// Error returns "auth MECHANISM: STEP: cause".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("auth")
	if e.Mechanism != "" {
		b.WriteString(" ")
		b.WriteString(e.Mechanism)
	}
	if e.Step != "" {
		b.WriteString(": ")
		b.WriteString(e.Step)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func newError(mech, step string, err error) *Error {
	return &Error{Mechanism: mech, Step: step, Err: err}
}

// detail wraps a sentinel with a fixed explanation. msg must never hold
// secrets or server payloads.
type detail struct {
	sentinel error
	msg      string
}

func (d *detail) Error() string { return d.sentinel.Error() + ": " + d.msg }
func (d *detail) Unwrap() error { return d.sentinel }

func withDetail(sentinel error, msg string) error { return &detail{sentinel: sentinel, msg: msg} }
