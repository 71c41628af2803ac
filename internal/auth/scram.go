package auth

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"
	"github.com/xdg-go/stringprep"

	"github.com/motor-go/motor/bson"
)

// The PBKDF2 iteration counts a server may ask for. A lower count than
// minIterations could be a downgrade by a man in the middle (the auth spec
// sets the minimum); a higher one than maxIterations would keep the client
// deriving keys for seconds, beyond the reach of its context. Servers use
// 10,000 (SCRAM-SHA-1) and 15,000 (SCRAM-SHA-256) by default.
const (
	minIterations = 4096
	maxIterations = 10_000_000
)

// scramMech is SCRAM-SHA-1 or SCRAM-SHA-256 for one credential. Its
// scram.Client caches the derived keys by salt and iteration count, which
// is the SCRAM credential cache the auth spec requires.
type scramMech struct {
	mech   string
	source string
	client *scram.Client
}

// newSCRAM prepares the password as mech requires: MongoDB's digest for
// SCRAM-SHA-1, SASLprep for SCRAM-SHA-256. The user name is never
// SASLprepped.
func newSCRAM(mech, source, username, password string) (*scramMech, error) {
	var hash scram.HashGeneratorFcn
	switch mech {
	case SCRAMSHA1:
		hash = scram.SHA1
		password = mongoPasswordDigest(username, password)
	case SCRAMSHA256:
		hash = scram.SHA256
		prepped, err := stringprep.SASLprep.Prepare(password)
		if err != nil {
			// stringprep's message names the offending rune; keep only
			// its reason.
			why := "SASLprep rejects the password"
			var pe stringprep.Error
			if errors.As(err, &pe) {
				why += ": " + pe.Msg
			}
			return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, why))
		}
		password = prepped
	}
	client, err := hash.NewClientUnprepped(username, password, "")
	if err != nil {
		return nil, newError(mech, "credential", withDetail(ErrInvalidCredential, "cannot set up SCRAM"))
	}
	client.WithMinIterations(minIterations)
	return &scramMech{mech: mech, source: source, client: client}, nil
}

// mongoPasswordDigest is the password SCRAM-SHA-1 uses in MongoDB:
// hex(MD5(username + ":mongo:" + password)), with neither part SASLprepped.
func mongoPasswordDigest(username, password string) string {
	sum := md5.Sum([]byte(username + ":mongo:" + password))
	return hex.EncodeToString(sum[:])
}

// setNonceGenerator replaces the random client nonce; tests use it to
// replay published conversations.
func (m *scramMech) setNonceGenerator(f func() string) { m.client.WithNonceGenerator(f) }

func (m *scramMech) name() string { return m.mech }

func (m *scramMech) start() conversation {
	return &scramConv{m: m, conv: m.client.NewConversation()}
}

// The states of a scramConv.
const (
	scramNew       = iota
	scramFirstSent // client-first-message sent
	scramFinalSent // client-final-message sent
	scramVerified  // the server's signature checked out
)

// scramConv is one SCRAM conversation.
type scramConv struct {
	m        *scramMech
	conv     *scram.ClientConversation
	state    int
	nonce    string // the client nonce
	firstMsg []byte // the client-first-message
}

func (s *scramConv) speculative() (bson.D, error) {
	payload, err := s.first()
	if err != nil {
		return nil, newError(s.m.mech, "speculativeAuthenticate", err)
	}
	return saslStartDoc(s.m.mech, payload, true, s.m.source), nil
}

func (s *scramConv) finish(ctx context.Context, conn Runner, spec bson.Raw) error {
	return runSASL(ctx, conn, s.m.mech, s.m.source, s, true, spec)
}

// first returns the client-first-message. It returns the same message
// again until the server has answered it: a speculative first step that
// hello did not answer is sent again in saslStart.
func (s *scramConv) first() ([]byte, error) {
	switch s.state {
	case scramFirstSent:
		return s.firstMsg, nil
	case scramNew:
	default:
		return nil, errors.New("the conversation has already started")
	}
	msg, err := s.conv.Step("")
	if err != nil {
		return nil, errors.New("cannot build the client-first-message")
	}
	// "n,,n=<user>,r=<nonce>": the user name has its commas escaped, so
	// the last ",r=" starts the nonce.
	i := strings.LastIndex(msg, ",r=")
	if i < 0 {
		return nil, errors.New("cannot build the client-first-message")
	}
	s.nonce = msg[i+3:]
	s.firstMsg = []byte(msg)
	s.state = scramFirstSent
	return s.firstMsg, nil
}

func (s *scramConv) complete() bool { return s.state == scramVerified }

func (s *scramConv) next(challenge []byte) ([]byte, error) {
	switch s.state {
	case scramFirstSent:
		if err := checkServerFirst(string(challenge), s.nonce); err != nil {
			return nil, err
		}
		out, err := s.conv.Step(string(challenge))
		if err != nil {
			// The library's message may quote the server's; give ours.
			return nil, withDetail(ErrMalformedReply, "bad server-first-message")
		}
		s.state = scramFinalSent
		return []byte(out), nil
	case scramFinalSent:
		if err := checkServerFinal(string(challenge)); err != nil {
			return nil, err
		}
		if _, err := s.conv.Step(string(challenge)); err != nil || !s.conv.Valid() {
			return nil, ErrServerSignature
		}
		s.state = scramVerified
		return nil, nil
	}
	return nil, withDetail(ErrMalformedReply, "unexpected SCRAM message")
}

// checkServerFirst checks "r=<nonce>,s=<salt>,i=<count>[,ext]" and says
// precisely what is wrong, without quoting the message.
func checkServerFirst(msg, clientNonce string) error {
	f := strings.Split(msg, ",")
	if len(f) < 3 || !strings.HasPrefix(f[0], "r=") || !strings.HasPrefix(f[1], "s=") || !strings.HasPrefix(f[2], "i=") {
		return withDetail(ErrMalformedReply, "bad server-first-message")
	}
	nonce := f[0][2:]
	if len(nonce) <= len(clientNonce) || !strings.HasPrefix(nonce, clientNonce) {
		return withDetail(ErrMalformedReply, "the server nonce does not extend the client nonce")
	}
	if salt, err := base64.StdEncoding.DecodeString(f[1][2:]); err != nil || len(salt) == 0 {
		return withDetail(ErrMalformedReply, "bad salt")
	}
	n, err := strconv.Atoi(f[2][2:])
	if err != nil || n <= 0 {
		return withDetail(ErrMalformedReply, "bad iteration count")
	}
	if n < minIterations {
		return withDetail(ErrIterationCount, "the server asked for "+strconv.Itoa(n)+", fewer than 4096")
	}
	if n > maxIterations {
		return withDetail(ErrIterationCount, "the server asked for "+strconv.Itoa(n)+", more than 10000000")
	}
	return nil
}

// checkServerFinal checks "v=<signature>" or "e=<error>".
func checkServerFinal(msg string) error {
	if msg == "" {
		return withDetail(ErrServerSignature, "the server sent no signature")
	}
	if e, ok := strings.CutPrefix(msg, "e="); ok {
		return withDetail(ErrServerSignature, "the server sent the error "+safeToken(e)+" instead of its signature")
	}
	v, ok := strings.CutPrefix(msg, "v=")
	if !ok {
		return withDetail(ErrMalformedReply, "bad server-final-message")
	}
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i] // extensions follow
	}
	if _, err := base64.StdEncoding.DecodeString(v); err != nil {
		return withDetail(ErrMalformedReply, "bad server-final-message")
	}
	return nil
}

// safeToken returns a SCRAM server-error-value if it is a plain token
// (RFC 5802 defines lower-case words joined by '-'), and a placeholder
// otherwise, so that nothing else a server sends lands in an error.
func safeToken(s string) string {
	if len(s) == 0 || len(s) > 64 {
		return "(unreadable)"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '-' {
			return "(unreadable)"
		}
	}
	return strconv.Quote(s)
}
