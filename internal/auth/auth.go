// Package auth authenticates connections to a MongoDB server, as the driver
// authentication spec and the speculative-authentication part of the
// handshake spec describe.
//
// # Mechanisms
//
// SCRAM-SHA-256 (with SASLprep of the password), SCRAM-SHA-1 (with MongoDB's
// password digest), PLAIN and MONGODB-X509. A credential that names no
// mechanism negotiates SCRAM-SHA-256 or SCRAM-SHA-1 from the hello reply's
// saslSupportedMechs. SCRAM keys are cached per [Authenticator], so a client
// derives them once per salt and iteration count, not once per connection.
//
// # Use
//
// The connection layer builds one [Authenticator] per client with [New]. For
// each new general-use connection it calls [Authenticator.Begin], adds the
// returned [Handshake]'s fields to its hello command with
// [Handshake.AppendHello], runs hello, and passes the reply to
// [Handshake.Authenticate] along with a [Runner] that runs commands on that
// connection:
//
//	h := a.Begin()
//	hello, err := h.AppendHello(bson.D{{Key: "hello", Value: 1}, ...})
//	reply, err := run(hello) // on the new connection
//	err = h.Authenticate(ctx, conn, reply)
//
// The package does no I/O of its own and knows nothing of connections
// beyond [Runner].
//
// # Secrets
//
// Errors are [*Error] values that name the mechanism and the failed step.
// They never hold the password, SASL payloads, nonces or proofs. Commands
// that carry them are reported by [IsSensitive], so monitoring can redact
// them.
package auth

import (
	"context"
	"strings"

	"github.com/motor-go/motor/bson"
)

// The mechanism names.
const (
	SCRAMSHA1   = "SCRAM-SHA-1"
	SCRAMSHA256 = "SCRAM-SHA-256"
	PLAIN       = "PLAIN"
	X509        = "MONGODB-X509"
)

const external = "$external"

// Runner runs one command on an established connection. db is the
// database the command goes to (its $db). It returns the reply document,
// and returns a reply with ok:0 as an error. The error must not quote the
// command.
type Runner interface {
	RunCommand(ctx context.Context, db string, cmd []byte) (bson.Raw, error)
}

// Credential is what a client authenticates with.
type Credential struct {
	// Mechanism is SCRAMSHA1, SCRAMSHA256, PLAIN or X509 (in any case), or
	// "" to negotiate SCRAM-SHA-256 or SCRAM-SHA-1 with the server.
	Mechanism string
	// Source is the database to authenticate against. "" means the
	// mechanism's default: "admin" for SCRAM, "$external" for PLAIN and
	// MONGODB-X509.
	Source string
	// Username is the user name. It is optional for MONGODB-X509, where
	// the server takes it from the client certificate.
	Username string
	// Password is the password, when PasswordSet.
	Password string
	// PasswordSet says that a password was given, even an empty one.
	PasswordSet bool
	// Props are the mechanism properties; none of the mechanisms here
	// accepts any.
	Props map[string]string
}

// mechanism is one configured mechanism, shared by all connections.
type mechanism interface {
	name() string
	// start begins the conversation of one connection.
	start() conversation
}

// conversation authenticates one connection.
type conversation interface {
	// speculative returns the document for hello's speculativeAuthenticate,
	// or nil when the mechanism has none.
	speculative() (bson.D, error)
	// finish completes authentication. spec is the speculativeAuthenticate
	// document of hello's reply when speculative returned one and the server
	// answered it, and nil otherwise.
	finish(ctx context.Context, conn Runner, spec bson.Raw) error
}

// Authenticator authenticates connections with one credential. It is safe
// for concurrent use, and holds the SCRAM key cache for the credential.
type Authenticator struct {
	mech      mechanism // the configured mechanism; nil when negotiating
	source    string
	username  string
	sha1      *scramMech // the negotiation candidates, when negotiating
	sha256    *scramMech
	sha256Err error // why SCRAM-SHA-256 is impossible (SASLprep failed)
}

// New checks c and returns its Authenticator. The errors are [*Error]
// values wrapping [ErrUnsupportedMechanism] or [ErrInvalidCredential].
func New(c Credential) (*Authenticator, error) {
	mech := strings.ToUpper(c.Mechanism)
	if len(c.Props) > 0 {
		return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, "mechanism properties are not supported"))
	}
	a := &Authenticator{source: c.Source, username: c.Username}
	var err error
	switch mech {
	case "", SCRAMSHA1, SCRAMSHA256, PLAIN:
		if a.source == "" {
			a.source = "admin"
			if mech == PLAIN {
				a.source = external
			}
		}
		if c.Username == "" {
			return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, "no user name"))
		}
		if !c.PasswordSet {
			return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, "no password"))
		}
	case X509:
		if a.source == "" {
			a.source = external
		}
		if a.source != external {
			return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, `the source must be "$external"`))
		}
		if c.PasswordSet {
			return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, "a password is not allowed"))
		}
	default:
		return nil, newError("", "credential", withDetail(ErrUnsupportedMechanism, c.Mechanism))
	}
	switch mech {
	case "":
		a.sha1, err = newSCRAM(SCRAMSHA1, a.source, c.Username, c.Password)
		if err != nil {
			return nil, err
		}
		// A password SASLprep rejects can still be a SCRAM-SHA-1 user's: the
		// error counts only if negotiation picks SCRAM-SHA-256.
		a.sha256, a.sha256Err = newSCRAM(SCRAMSHA256, a.source, c.Username, c.Password)
	case SCRAMSHA1, SCRAMSHA256:
		a.mech, err = newSCRAM(mech, a.source, c.Username, c.Password)
	case PLAIN:
		a.mech = &plainMech{source: a.source, username: c.Username, password: c.Password}
	case X509:
		a.mech = &x509Mech{username: c.Username}
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Mechanism returns the configured mechanism's name, or "" when the
// mechanism is negotiated for each connection.
func (a *Authenticator) Mechanism() string {
	if a.mech == nil {
		return ""
	}
	return a.mech.name()
}

// Source returns the database authentication runs against.
func (a *Authenticator) Source() string { return a.source }

// Begin starts authenticating one new connection. A Handshake is for one
// connection and one goroutine.
func (a *Authenticator) Begin() *Handshake {
	h := &Handshake{a: a}
	switch {
	case a.mech != nil:
		h.conv = a.mech.start()
	case a.sha256 != nil:
		// The handshake spec: speculate with SCRAM-SHA-256 when negotiating.
		h.conv = a.sha256.start()
	}
	return h
}

// Handshake is the authentication of one connection: the fields it adds to
// hello, then the conversation that follows hello.
type Handshake struct {
	a      *Authenticator
	conv   conversation // the speculative (or configured) conversation
	specOK bool         // hello carried speculativeAuthenticate from conv
}

// AppendHello appends to the hello command cmd the fields authentication
// needs: saslSupportedMechs ("<source>.<user>") when the mechanism is
// negotiated, and speculativeAuthenticate when the mechanism has a first
// step to send early.
func (h *Handshake) AppendHello(cmd bson.D) (bson.D, error) {
	if h.a.mech == nil {
		cmd = append(cmd, bson.E{Key: "saslSupportedMechs", Value: h.a.source + "." + h.a.username})
	}
	if h.conv == nil {
		return cmd, nil
	}
	doc, err := h.conv.speculative()
	if err != nil {
		return nil, err
	}
	if doc != nil {
		cmd = append(cmd, bson.E{Key: "speculativeAuthenticate", Value: doc})
		h.specOK = true
	}
	return cmd, nil
}

// Authenticate authenticates the connection that answered hello with the
// reply hello. It continues a speculative conversation the server accepted,
// negotiates the mechanism when the credential names none, and runs the
// rest of the conversation through conn. An arbiter (arbiterOnly: true)
// cannot authenticate, so for one it returns nil at once. Errors are
// [*Error] values.
func (h *Handshake) Authenticate(ctx context.Context, conn Runner, hello bson.Raw) error {
	if arbiter, _ := hello.Lookup("arbiterOnly").BooleanOK(); arbiter {
		return nil
	}
	var spec bson.Raw
	if h.specOK {
		if v := hello.Lookup("speculativeAuthenticate"); v.Type == bson.TypeDocument {
			spec = v.Document()
		}
	}
	if h.a.mech != nil || spec != nil {
		return h.conv.finish(ctx, conn, spec)
	}
	m, err := h.a.negotiate(hello)
	if err != nil {
		return err
	}
	return m.start().finish(ctx, conn, nil)
}
