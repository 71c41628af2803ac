package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

const secretPassword = "Sup3r-Secret\u00ADPa55"

// secretsOf lists what must never appear in an error: the password in its
// forms, and every payload exchanged, whole, base64-encoded, and attribute
// by attribute (nonces, salts, proofs, signatures).
func secretsOf(password, user string, payloads [][]byte) []string {
	out := []string{password, strings.ReplaceAll(password, "\u00AD", ""), mongoPasswordDigest(user, password)}
	for _, p := range payloads {
		out = append(out, string(p), base64.StdEncoding.EncodeToString(p))
		for _, f := range strings.FieldsFunc(string(p), func(r rune) bool { return r == ',' || r == 0 }) {
			if len(f) > 2 && f[1] == '=' {
				f = f[2:]
			}
			out = append(out, f)
		}
	}
	// Short fragments ("n", "biws") could match by chance and are not
	// secrets.
	long := out[:0]
	for _, s := range out {
		if len(s) >= 6 {
			long = append(long, s)
		}
	}
	return long
}

func checkNoSecrets(t *testing.T, err error, secrets []string) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("error %q holds the secret %q", text, s)
			}
		}
	}
}

// TestErrorsHoldNoSecrets drives every failure path and scans the errors
// for the password and the conversation's bytes.
func TestErrorsHoldNoSecrets(t *testing.T) {
	const user = "secret-user"
	both := func() *fakeUser { return scramUser(user, "Sup3r-SecretPa55", SCRAMSHA1, SCRAMSHA256) }
	servers := []struct {
		name   string
		mech   string
		pw     string
		server func(*fakeServer)
	}{
		{"wrong password", SCRAMSHA256, secretPassword + "x", nil},
		{"wrong password sha1", SCRAMSHA1, secretPassword + "x", nil},
		{"forged", SCRAMSHA256, secretPassword, func(s *fakeServer) { s.forge = true }},
		{"forged sha1 legacy", SCRAMSHA1, secretPassword, func(s *fakeServer) { s.forge, s.legacy = true, true }},
		{"forged speculative", "", secretPassword, func(s *fakeServer) { s.forge, s.speculative = true, true }},
		{"done early", SCRAMSHA256, secretPassword, func(s *fakeServer) { s.forgeDone = true }},
		{"few iterations", SCRAMSHA256, secretPassword, func(s *fakeServer) { s.iterations = 100 }},
		{"nonce", SCRAMSHA256, secretPassword, func(s *fakeServer) { s.serverNonce = "" }},
		{"plain", PLAIN, secretPassword + "x", nil},
	}
	for _, c := range servers {
		t.Run(c.name, func(t *testing.T) {
			u := both()
			if c.mech == PLAIN {
				u = &fakeUser{source: external, name: user, password: "Sup3r-SecretPa55", plain: true}
			}
			s := newFakeServer(t, u)
			if c.server != nil {
				c.server(s)
			}
			err := connect(mustNew(t, cred(c.mech, user, c.pw)), s)
			checkNoSecrets(t, err, secretsOf(c.pw, user, s.payloads))
		})
	}

	// Replies that break the protocol, with a distinctive nonce and salt
	// that must not be echoed.
	const nonce = "CLIENTNONCEclientnonce"
	first := "r=" + nonce + "SERVERNONCE,s=U0VDUkVUU0FMVFNBTFQ=,i=4096"
	replies := [][]bson.D{
		{saslReplyDoc(false, "r=FOREIGNNONCE123,s=U0VDUkVUU0FMVFNBTFQ=,i=4096")},
		{saslReplyDoc(false, "r="+nonce+"SERVERNONCE,s=U0VDUkVUU0FMVFNBTFQ=,i=100")},
		{saslReplyDoc(false, "m=MANDATORYEXT,"+first)},
		{saslReplyDoc(false, "r="+nonce+"SERVERNONCE,s=U0VDUkVUU0FMVFNBTFQ=,i=NOTANUMBER")},
		{saslReplyDoc(false, first), saslReplyDoc(true, "v=WRONGSIGNATURE1234=")},
		{saslReplyDoc(false, first), saslReplyDoc(true, "v=V1JPTkdTSUdOQVRVUkU=")},
		{saslReplyDoc(false, first), saslReplyDoc(true, "e=SECRET-LOOKING,ERROR")},
		{saslReplyDoc(false, first), saslReplyDoc(true, "GARBAGEFINALMESSAGE")},
	}
	for i, rs := range replies {
		t.Run(fmt.Sprint("scripted ", i), func(t *testing.T) {
			a := mustNew(t, cred(SCRAMSHA256, user, secretPassword))
			a.mech.(*scramMech).setNonceGenerator(func() string { return nonce })
			s := &script{t: t}
			var payloads [][]byte
			for j, r := range rs {
				cmd := "saslContinue"
				if j == 0 {
					cmd = "saslStart"
				}
				s.steps = append(s.steps, scriptStep{db: "admin", command: cmd, payload: "-", reply: r})
				raw, _ := bson.Marshal(r)
				payloads = append(payloads, bson.Raw(raw).Lookup("payload").Binary().Data)
			}
			err := a.Begin().Authenticate(context.Background(), s, nil)
			checkNoSecrets(t, err, secretsOf(secretPassword, user, payloads))
		})
	}

	// The credential checks of New.
	for _, c := range []Credential{
		{Mechanism: SCRAMSHA256, Username: user, Password: "Sup3r\u0007Secret", PasswordSet: true},
		{Mechanism: X509, Password: secretPassword, PasswordSet: true},
		{Mechanism: "MONGODB-AWS", Username: user, Password: secretPassword, PasswordSet: true},
	} {
		_, err := New(c)
		checkNoSecrets(t, err, []string{c.Password, "\u0007"})
	}
}
