package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"slices"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

// fakeServer plays the server side of authentication for the tests. Its
// SCRAM is written from RFC 5802 directly, not with the library the client
// uses, so that the two check each other.
type fakeServer struct {
	t     *testing.T
	users map[string]*fakeUser // by "source.user"

	legacy        bool // ignore skipEmptyExchange (servers before 4.4)
	speculative   bool // answer hello's speculativeAuthenticate
	forge         bool // send a wrong server signature
	forgeDone     bool // say done right after server-first, with no signature
	iterations    int  // 0 means 4096
	serverNonce   string
	noSupportList bool // leave saslSupportedMechs out of hello's reply

	// What happened.
	commands []recorded
	payloads [][]byte // every SASL payload either way

	conv *fakeConv
}

type fakeUser struct {
	source, name string
	password     string // SASLprepped already, for SCRAM-SHA-256
	mechs        []string
	x509         bool
	plain        bool
}

type recorded struct {
	db  string
	cmd bson.Raw
}

// fakeConv is the state of one SCRAM conversation on the server.
type fakeConv struct {
	mech                string
	user                *fakeUser
	clientFirstBare     string
	serverFirst         string
	nonce               string
	storedKey, serverKy []byte
	proved              bool
	skipEmpty           bool
}

// serverError is what a Runner returns for ok:0, as the connection layer's
// error would: code and message, never the command.
type serverError struct {
	code int32
	msg  string
}

func (e *serverError) Error() string { return fmt.Sprintf("server error %d: %s", e.code, e.msg) }

var errAuthFailed = &serverError{code: 18, msg: "Authentication failed."}

func newFakeServer(t *testing.T, users ...*fakeUser) *fakeServer {
	s := &fakeServer{t: t, users: map[string]*fakeUser{}, serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"}
	for _, u := range users {
		s.users[u.source+"."+u.name] = u
	}
	return s
}

func hashFor(mech string) func() hash.Hash {
	if mech == SCRAMSHA1 {
		return sha1.New
	}
	return sha256.New
}

func hmacOf(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// keys derives StoredKey and ServerKey as a server stores them (RFC 5802
// section 3), with MongoDB's digest for SCRAM-SHA-1.
func (s *fakeServer) keys(mech string, u *fakeUser, salt []byte, iters int) (stored, server []byte) {
	h := hashFor(mech)
	pw := u.password
	if mech == SCRAMSHA1 {
		pw = fmt.Sprintf("%x", md5.Sum([]byte(u.name+":mongo:"+u.password)))
	}
	salted, err := pbkdf2.Key(h, pw, salt, iters, h().Size())
	if err != nil {
		s.t.Error(err)
	}
	clientKey := hmacOf(h, salted, "Client Key")
	sum := h()
	sum.Write(clientKey)
	return sum.Sum(nil), hmacOf(h, salted, "Server Key")
}

// RunCommand implements Runner.
func (s *fakeServer) RunCommand(_ context.Context, db string, cmd []byte) (bson.Raw, error) {
	raw := bson.Raw(bytes.Clone(cmd))
	if err := raw.Validate(); err != nil {
		s.t.Errorf("client sent malformed BSON: %v", err)
		return nil, &serverError{code: 2, msg: "bad BSON"}
	}
	s.commands = append(s.commands, recorded{db: db, cmd: raw})
	keys := raw.Keys()
	if len(keys) == 0 {
		return nil, &serverError{code: 59, msg: "empty command"}
	}
	switch keys[0] {
	case "saslStart":
		return s.saslStart(db, raw)
	case "saslContinue":
		return s.saslContinue(db, raw)
	case "authenticate":
		return s.authenticate(db, raw)
	}
	return nil, &serverError{code: 59, msg: "no such command"}
}

// hello answers a hello command as the connection layer would run it.
func (s *fakeServer) hello(cmd bson.D) bson.Raw {
	b, err := bson.Marshal(cmd)
	if err != nil {
		s.t.Error(err)
	}
	raw := bson.Raw(b)
	s.commands = append(s.commands, recorded{db: "admin", cmd: raw})
	reply := bson.D{{Key: "isWritablePrimary", Value: true}, {Key: "maxWireVersion", Value: int32(21)}}
	if who, ok := raw.Lookup("saslSupportedMechs").StringValueOK(); ok && !s.noSupportList {
		if u := s.users[who]; u != nil {
			reply = append(reply, bson.E{Key: "saslSupportedMechs", Value: u.mechs})
		}
	}
	if spec, ok := raw.Lookup("speculativeAuthenticate").DocumentOK(); ok && s.speculative {
		db, _ := spec.Lookup("db").StringValueOK()
		var r bson.Raw
		var err error
		if _, isAuth := spec.Lookup("authenticate").Int32OK(); isAuth {
			r, err = s.authenticate(db, spec)
		} else {
			r, err = s.saslStart(db, spec)
		}
		// A failed speculative attempt leaves the field out; the client
		// then authenticates normally.
		if err == nil {
			reply = append(reply, bson.E{Key: "speculativeAuthenticate", Value: r})
		}
	}
	reply = append(reply, bson.E{Key: "ok", Value: 1.0})
	out, err := bson.Marshal(reply)
	if err != nil {
		s.t.Error(err)
	}
	return out
}

func (s *fakeServer) reply(done bool, payload []byte) (bson.Raw, error) {
	s.payloads = append(s.payloads, payload)
	out, err := bson.Marshal(bson.D{
		{Key: "conversationId", Value: int32(1)},
		{Key: "done", Value: done},
		{Key: "payload", Value: bson.Binary{Data: payload}},
		{Key: "ok", Value: 1.0},
	})
	if err != nil {
		s.t.Error(err)
	}
	return out, nil
}

func (s *fakeServer) saslStart(db string, cmd bson.Raw) (bson.Raw, error) {
	mech, _ := cmd.Lookup("mechanism").StringValueOK()
	payload := cmd.Lookup("payload").Binary().Data
	s.payloads = append(s.payloads, payload)
	if mech == PLAIN {
		parts := strings.Split(string(payload), "\x00")
		if len(parts) != 3 || parts[0] != "" {
			return nil, errAuthFailed
		}
		u := s.users[db+"."+parts[1]]
		if u == nil || !u.plain || u.password != parts[2] {
			return nil, errAuthFailed
		}
		return s.reply(true, nil)
	}
	bare, ok := strings.CutPrefix(string(payload), "n,,")
	if !ok {
		return nil, errAuthFailed
	}
	attrs := strings.Split(bare, ",")
	if len(attrs) != 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, errAuthFailed
	}
	name := strings.NewReplacer("=2C", ",", "=3D", "=").Replace(attrs[0][2:])
	u := s.users[db+"."+name]
	if u == nil || !slices.Contains(u.mechs, mech) {
		return nil, errAuthFailed
	}
	iters := s.iterations
	if iters == 0 {
		iters = 4096
	}
	salt := []byte("fake salt " + mech)
	c := &fakeConv{mech: mech, user: u, clientFirstBare: bare, nonce: attrs[1][2:] + s.serverNonce}
	if opts, ok := cmd.Lookup("options").DocumentOK(); ok && !s.legacy {
		c.skipEmpty, _ = opts.Lookup("skipEmptyExchange").BooleanOK()
	}
	c.storedKey, c.serverKy = s.keys(mech, u, salt, iters)
	c.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", c.nonce, base64.StdEncoding.EncodeToString(salt), iters)
	s.conv = c
	if s.forgeDone {
		return s.reply(true, []byte(c.serverFirst))
	}
	return s.reply(false, []byte(c.serverFirst))
}

func (s *fakeServer) saslContinue(db string, cmd bson.Raw) (bson.Raw, error) {
	c := s.conv
	if id, _ := cmd.Lookup("conversationId").Int32OK(); id != 1 || c == nil || c.user.source != db {
		return nil, &serverError{code: 17, msg: "no such conversation"}
	}
	payload := cmd.Lookup("payload").Binary().Data
	s.payloads = append(s.payloads, payload)
	if c.proved {
		// The empty exchange of servers before 4.4.
		if len(payload) != 0 {
			return nil, errAuthFailed
		}
		s.conv = nil
		return s.reply(true, nil)
	}
	msg := string(payload)
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, errAuthFailed
	}
	withoutProof, proofB64 := msg[:i], msg[i+3:]
	if withoutProof != "c=biws,r="+c.nonce {
		return nil, errAuthFailed
	}
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil || len(proof) != len(c.storedKey) {
		return nil, errAuthFailed
	}
	h := hashFor(c.mech)
	authMsg := c.clientFirstBare + "," + c.serverFirst + "," + withoutProof
	clientSig := hmacOf(h, c.storedKey, authMsg)
	clientKey := make([]byte, len(proof))
	for i := range proof {
		clientKey[i] = proof[i] ^ clientSig[i]
	}
	sum := h()
	sum.Write(clientKey)
	if !hmac.Equal(sum.Sum(nil), c.storedKey) {
		return nil, errAuthFailed
	}
	c.proved = true
	sig := hmacOf(h, c.serverKy, authMsg)
	if s.forge {
		sig[0] ^= 0xff
	}
	final := []byte("v=" + base64.StdEncoding.EncodeToString(sig))
	if c.skipEmpty {
		s.conv = nil
	}
	return s.reply(c.skipEmpty, final)
}

func (s *fakeServer) authenticate(db string, cmd bson.Raw) (bson.Raw, error) {
	if db != external {
		return nil, &serverError{code: 2, msg: "X509 only on $external"}
	}
	// The certificate's subject is "CN=client"; a user name, when sent,
	// must match it.
	user, hasUser := cmd.Lookup("user").StringValueOK()
	if hasUser && user != "CN=client" {
		return nil, errAuthFailed
	}
	out, err := bson.Marshal(bson.D{{Key: "dbname", Value: external}, {Key: "user", Value: "CN=client"}, {Key: "ok", Value: 1.0}})
	if err != nil {
		s.t.Error(err)
	}
	return out, nil
}

// names returns the first keys of the commands run, in order.
func (s *fakeServer) names() []string {
	var out []string
	for _, c := range s.commands {
		if k := c.cmd.Keys(); len(k) > 0 {
			out = append(out, k[0])
		}
	}
	return out
}
