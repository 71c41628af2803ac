package testenv

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net"
	"strconv"
	"strings"
)

// This file holds a SCRAM client (RFC 5802, RFC 7677) just large enough for
// testenv to log in as the administrator it set up and create the other
// users, and for its tests to check which mechanisms each user accepts. The
// driver has its own authentication; this one exists so that testenv depends
// on the standard library only. Passwords must be ASCII without the
// characters SASLprep would change; testenv generates such passwords.

// Mechanism names, as MongoDB spells them.
const (
	ScramSHA1   = "SCRAM-SHA-1"
	ScramSHA256 = "SCRAM-SHA-256"
)

// scramClient runs one SCRAM conversation.
type scramClient struct {
	mech     string
	user     string
	password string // for SCRAM-SHA-1: already the MongoDB digest
	nonce    string
	newHash  func() hash.Hash

	clientFirstBare string
	serverSignature []byte
}

// newScramClient prepares a conversation for user and password with mech.
// A nonce of "" is replaced by a random one.
func newScramClient(mech, user, password, nonce string) (*scramClient, error) {
	c := &scramClient{mech: mech, user: user, password: password, nonce: nonce}
	switch mech {
	case ScramSHA1:
		c.newHash = sha1.New
		// MongoDB hashes the password as hex(MD5("user:mongo:password")) for
		// SCRAM-SHA-1 (the Authentication specification).
		sum := md5.Sum([]byte(user + ":mongo:" + password))
		c.password = hex.EncodeToString(sum[:])
	case ScramSHA256:
		c.newHash = sha256.New
	default:
		return nil, fmt.Errorf("testenv: unknown SCRAM mechanism %q", mech)
	}
	if c.nonce == "" {
		var b [24]byte
		_, _ = rand.Read(b[:])
		c.nonce = base64.StdEncoding.EncodeToString(b[:])
	}
	return c, nil
}

// first returns the client-first message.
func (c *scramClient) first() []byte {
	name := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.user)
	c.clientFirstBare = "n=" + name + ",r=" + c.nonce
	return []byte("n,," + c.clientFirstBare)
}

// final answers the server-first message with the client-final message.
func (c *scramClient) final(serverFirst []byte) ([]byte, error) {
	attrs := scramAttrs(serverFirst)
	nonce, salt64, iters := attrs["r"], attrs["s"], attrs["i"]
	if !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) {
		return nil, errors.New("testenv: SCRAM server nonce does not extend the client's")
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil {
		return nil, fmt.Errorf("testenv: SCRAM salt: %w", err)
	}
	n, err := strconv.Atoi(iters)
	if err != nil || n < 1 || n > 1<<20 {
		return nil, fmt.Errorf("testenv: SCRAM iteration count %q", iters)
	}
	salted, err := pbkdf2.Key(c.newHash, c.password, salt, n, c.newHash().Size())
	if err != nil {
		return nil, err
	}
	clientKey := c.hmac(salted, "Client Key")
	h := c.newHash()
	h.Write(clientKey)
	storedKey := h.Sum(nil)
	withoutProof := "c=biws,r=" + nonce
	authMessage := c.clientFirstBare + "," + string(serverFirst) + "," + withoutProof
	sig := c.hmac(storedKey, authMessage)
	proof := make([]byte, len(clientKey))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	c.serverSignature = c.hmac(c.hmac(salted, "Server Key"), authMessage)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// verify checks the server-final message.
func (c *scramClient) verify(serverFinal []byte) error {
	attrs := scramAttrs(serverFinal)
	if e, ok := attrs["e"]; ok {
		return fmt.Errorf("testenv: SCRAM server error %q", e)
	}
	v, err := base64.StdEncoding.DecodeString(attrs["v"])
	if err != nil || !hmac.Equal(v, c.serverSignature) {
		return errors.New("testenv: SCRAM server signature does not verify")
	}
	return nil
}

func (c *scramClient) hmac(key []byte, msg string) []byte {
	m := hmac.New(c.newHash, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// scramAttrs splits "a=1,b=2" into a map.
func scramAttrs(msg []byte) map[string]string {
	out := map[string]string{}
	for part := range bytes.SplitSeq(msg, []byte(",")) {
		if k, v, ok := bytes.Cut(part, []byte("=")); ok && len(k) == 1 {
			out[string(k)] = string(v)
		}
	}
	return out
}

// authenticate runs saslStart/saslContinue on c for user in authDB.
func authenticate(ctx context.Context, c net.Conn, mech, authDB, user, password string) error {
	sc, err := newScramClient(mech, user, password, "")
	if err != nil {
		return err
	}
	reply, err := roundTrip(ctx, c, doc{
		{"saslStart", int32(1)},
		{"mechanism", mech},
		{"payload", sc.first()},
		{"options", doc{{"skipEmptyExchange", true}}},
		{"$db", authDB},
	})
	if err != nil {
		return err
	}
	serverFirst, _ := reply.get("payload").([]byte)
	finalMsg, err := sc.final(serverFirst)
	if err != nil {
		return err
	}
	reply, err = roundTrip(ctx, c, doc{
		{"saslContinue", int32(1)},
		{"conversationId", reply.get("conversationId")},
		{"payload", finalMsg},
		{"$db", authDB},
	})
	if err != nil {
		return err
	}
	serverFinal, _ := reply.get("payload").([]byte)
	if err := sc.verify(serverFinal); err != nil {
		return err
	}
	for i := 0; reply.get("done") != true; i++ {
		if i == 2 {
			return errors.New("testenv: SCRAM conversation does not finish")
		}
		reply, err = roundTrip(ctx, c, doc{
			{"saslContinue", int32(1)},
			{"conversationId", reply.get("conversationId")},
			{"payload", []byte{}},
			{"$db", authDB},
		})
		if err != nil {
			return err
		}
	}
	return nil
}
