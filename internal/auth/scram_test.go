package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/xdg-go/scram"

	"github.com/motor-go/motor/bson"
)

// script is a Runner that replays a conversation: each call must match
// the next step.
type script struct {
	t     *testing.T
	steps []scriptStep
	n     int
}

type scriptStep struct {
	db      string // the database the command must go to
	command string // its first key
	payload string // the client payload it must carry, unless "-"
	reply   bson.D
	err     error
}

func (s *script) RunCommand(_ context.Context, db string, cmd []byte) (bson.Raw, error) {
	s.t.Helper()
	raw := bson.Raw(cmd)
	if err := raw.Validate(); err != nil {
		s.t.Fatalf("malformed command: %v", err)
	}
	if s.n >= len(s.steps) {
		s.t.Fatalf("unexpected command %v after the script", raw.Keys())
	}
	st := s.steps[s.n]
	s.n++
	if k := raw.Keys(); len(k) == 0 || k[0] != st.command || db != st.db {
		s.t.Fatalf("step %d: got %v on %q, want %s on %q", s.n, k, db, st.command, st.db)
	}
	if p := string(raw.Lookup("payload").Binary().Data); st.payload != "-" && p != st.payload {
		s.t.Errorf("step %d: client payload\n%q, want\n%q", s.n, p, st.payload)
	}
	if st.err != nil {
		return nil, st.err
	}
	return bson.Marshal(st.reply)
}

func (s *script) done() {
	s.t.Helper()
	if s.n != len(s.steps) {
		s.t.Errorf("ran %d of %d scripted commands", s.n, len(s.steps))
	}
}

func saslReplyDoc(done bool, payload string) bson.D {
	return bson.D{
		{Key: "conversationId", Value: int32(1)},
		{Key: "done", Value: done},
		{Key: "payload", Value: bson.Binary{Data: []byte(payload)}},
		{Key: "ok", Value: 1.0},
	}
}

func b64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRFCVectors replays the example conversations of RFC 5802 (SCRAM-SHA-1,
// section 5) and RFC 7677 (SCRAM-SHA-256, section 3), with the password used
// as the RFCs do (no MongoDB digest).
func TestRFCVectors(t *testing.T) {
	cases := []struct {
		name, mech            string
		hash                  scram.HashGeneratorFcn
		nonce                 string
		serverFirst, clientFi string
		serverFinal           string
	}{
		{
			name: "RFC 5802", mech: SCRAMSHA1, hash: scram.SHA1, nonce: "fyko+d2lbbFgONRv9qkxdawL",
			serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
			clientFi:    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		},
		{
			name: "RFC 7677", mech: SCRAMSHA256, hash: scram.SHA256, nonce: "rOprNGfwEbeRWgbNEkqO",
			serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			clientFi:    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client, err := c.hash.NewClientUnprepped("user", "pencil", "")
			if err != nil {
				t.Fatal(err)
			}
			m := &scramMech{mech: c.mech, source: "admin", client: client.WithMinIterations(minIterations)}
			m.setNonceGenerator(func() string { return c.nonce })
			conv := m.start().(*scramConv)
			first, err := conv.first()
			if err != nil || string(first) != "n,,n=user,r="+c.nonce {
				t.Fatalf("client-first %q, %v", first, err)
			}
			final, err := conv.next([]byte(c.serverFirst))
			if err != nil || string(final) != c.clientFi {
				t.Fatalf("client-final %q, %v; want %q", final, err, c.clientFi)
			}
			if out, err := conv.next([]byte(c.serverFinal)); err != nil || len(out) != 0 || !conv.complete() {
				t.Fatalf("server-final: %q, %v, complete %v", out, err, conv.complete())
			}
		})
	}
}

func TestMongoPasswordDigest(t *testing.T) {
	// The auth spec's rule: hex(MD5("user:mongo:pencil")).
	if got := mongoPasswordDigest("user", "pencil"); got != "1c33006ec1ffd90f9cadcbcc0e118200" {
		t.Errorf("digest %q", got)
	}
}

// TestSpecConversations replays the auth spec's SCRAM-SHA-1 and
// SCRAM-SHA-256 conversations over MongoDB's SASL commands, byte for byte,
// in the short form (skipEmptyExchange) and the long one of older servers.
func TestSpecConversations(t *testing.T) {
	cases := []struct {
		mech, nonce                          string
		start, first, final, cont, signature string // base64, as the spec prints them
	}{
		{
			mech: SCRAMSHA1, nonce: "fyko+d2lbbFgONRv9qkxdawL",
			start:     "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM",
			first:     "cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0xIbytWZ2s3cXZVT0tVd3VXTElXZzRsLzlTcmFHTUhFRSxzPXJROVpZM01udEJldVAzRTFURFZDNHc9PSxpPTEwMDAw",
			cont:      "Yz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMSG8rVmdrN3F2VU9LVXd1V0xJV2c0bC85U3JhR01IRUUscD1NQzJUOEJ2Ym1XUmNrRHc4b1dsNUlWZ2h3Q1k9",
			signature: "dj1VTVdlSTI1SkQxeU5ZWlJNcFo0Vkh2aFo5ZTA9",
		},
		{
			mech: SCRAMSHA256, nonce: "rOprNGfwEbeRWgbNEkqO",
			start:     "biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=",
			first:     "cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=",
			cont:      "Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==",
			signature: "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==",
		},
	}
	for _, c := range cases {
		for _, long := range []bool{false, true} {
			name := c.mech
			if long {
				name += "/extra round trip"
			}
			t.Run(name, func(t *testing.T) {
				a := mustNew(t, cred(c.mech, "user", "pencil"))
				a.mech.(*scramMech).setNonceGenerator(func() string { return c.nonce })
				s := &script{t: t, steps: []scriptStep{
					{db: "admin", command: "saslStart", payload: b64(t, c.start), reply: saslReplyDoc(false, b64(t, c.first))},
					{db: "admin", command: "saslContinue", payload: b64(t, c.cont), reply: saslReplyDoc(!long, b64(t, c.signature))},
				}}
				if long {
					s.steps = append(s.steps, scriptStep{db: "admin", command: "saslContinue", payload: "", reply: saslReplyDoc(true, "")})
				}
				if err := a.Begin().Authenticate(context.Background(), s, nil); err != nil {
					t.Fatal(err)
				}
				s.done()
			})
		}
	}
}

// TestMalformedServerMessages feeds replies that break the protocol; each
// must fail cleanly with the right error, naming the step.
func TestMalformedServerMessages(t *testing.T) {
	const nonce = "clientnonce"
	good := "r=" + nonce + "server,s=c2FsdA==,i=4096"
	cases := []struct {
		name     string
		replies  []bson.D
		wantIs   error
		wantStep string
	}{
		{"no done", []bson.D{{{Key: "conversationId", Value: int32(1)}, {Key: "payload", Value: bson.Binary{}}}}, ErrMalformedReply, "saslStart"},
		{"string payload", []bson.D{{{Key: "conversationId", Value: int32(1)}, {Key: "done", Value: false}, {Key: "payload", Value: good}}}, ErrMalformedReply, "saslStart"},
		{"no conversationId", []bson.D{{{Key: "done", Value: false}, {Key: "payload", Value: bson.Binary{Data: []byte(good)}}}}, ErrMalformedReply, "saslStart"},
		{"garbage server-first", []bson.D{saslReplyDoc(false, "garbage")}, ErrMalformedReply, "saslStart"},
		{"extension first", []bson.D{saslReplyDoc(false, "m=ext,"+good)}, ErrMalformedReply, "saslStart"},
		{"foreign nonce", []bson.D{saslReplyDoc(false, "r=othernonce,s=c2FsdA==,i=4096")}, ErrMalformedReply, "saslStart"},
		{"same nonce", []bson.D{saslReplyDoc(false, "r="+nonce+",s=c2FsdA==,i=4096")}, ErrMalformedReply, "saslStart"},
		{"bad salt", []bson.D{saslReplyDoc(false, "r="+nonce+"x,s=!!!,i=4096")}, ErrMalformedReply, "saslStart"},
		{"bad count", []bson.D{saslReplyDoc(false, "r="+nonce+"x,s=c2FsdA==,i=many")}, ErrMalformedReply, "saslStart"},
		{"low count", []bson.D{saslReplyDoc(false, "r="+nonce+"x,s=c2FsdA==,i=4095")}, ErrIterationCount, "saslStart"},
		{"high count", []bson.D{saslReplyDoc(false, "r="+nonce+"x,s=c2FsdA==,i=10000001")}, ErrIterationCount, "saslStart"},
		{"huge count", []bson.D{saslReplyDoc(false, "r="+nonce+"x,s=c2FsdA==,i=99999999999999999")}, ErrIterationCount, "saslStart"},
		{"overflowing count", []bson.D{saslReplyDoc(false, "r="+nonce+"x,s=c2FsdA==,i=99999999999999999999")}, ErrMalformedReply, "saslStart"},
		{"server error", []bson.D{saslReplyDoc(false, good), saslReplyDoc(true, "e=invalid-proof")}, ErrServerSignature, "saslContinue"},
		{"garbage final", []bson.D{saslReplyDoc(false, good), saslReplyDoc(true, "x=1")}, ErrMalformedReply, "saslContinue"},
		{"bad signature base64", []bson.D{saslReplyDoc(false, good), saslReplyDoc(true, "v=!!!")}, ErrMalformedReply, "saslContinue"},
		{"wrong signature", []bson.D{saslReplyDoc(false, good), saslReplyDoc(true, "v=AAAA")}, ErrServerSignature, "saslContinue"},
		{"done without signature", []bson.D{saslReplyDoc(false, good), saslReplyDoc(true, "")}, ErrServerSignature, "saslContinue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := mustNew(t, cred(SCRAMSHA256, "user", "pencil"))
			a.mech.(*scramMech).setNonceGenerator(func() string { return nonce })
			s := &script{t: t}
			for i, r := range c.replies {
				cmd := "saslContinue"
				if i == 0 {
					cmd = "saslStart"
				}
				s.steps = append(s.steps, scriptStep{db: "admin", command: cmd, payload: "-", reply: r})
			}
			err := a.Begin().Authenticate(context.Background(), s, nil)
			var ae *Error
			if !errors.As(err, &ae) || !errors.Is(err, c.wantIs) || ae.Step != c.wantStep {
				t.Fatalf("error %v, want %v at %s", err, c.wantIs, c.wantStep)
			}
			s.done()
		})
	}
}

// TestServerNeverDone: after the client has proved and checked everything,
// the server must end the conversation after at most one empty exchange.
func TestServerNeverDone(t *testing.T) {
	const nonce = "rOprNGfwEbeRWgbNEkqO"
	a := mustNew(t, cred(SCRAMSHA256, "user", "pencil"))
	a.mech.(*scramMech).setNonceGenerator(func() string { return nonce })
	s := &script{t: t, steps: []scriptStep{
		{db: "admin", command: "saslStart", payload: "-", reply: saslReplyDoc(false, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")},
		{db: "admin", command: "saslContinue", payload: "-", reply: saslReplyDoc(false, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")},
		{db: "admin", command: "saslContinue", payload: "", reply: saslReplyDoc(false, "")},
	}}
	err := a.Begin().Authenticate(context.Background(), s, nil)
	if !errors.Is(err, ErrMalformedReply) {
		t.Fatalf("error %v, want ErrMalformedReply", err)
	}
	s.done()
}

// TestUnansweredSpeculation: a server that ignores speculativeAuthenticate
// gets the same client-first-message in saslStart.
func TestUnansweredSpeculation(t *testing.T) {
	a := mustNew(t, cred(SCRAMSHA256, "user", "pencil"))
	a.mech.(*scramMech).setNonceGenerator(func() string { return "rOprNGfwEbeRWgbNEkqO" })
	h := a.Begin()
	hello, err := h.AppendHello(nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bson.Marshal(hello)
	if err != nil {
		t.Fatal(err)
	}
	want := string(bson.Raw(raw).Lookup("speculativeAuthenticate", "payload").Binary().Data)
	if want != "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" {
		t.Fatalf("speculative payload %q", want)
	}
	s := &script{t: t, steps: []scriptStep{
		{db: "admin", command: "saslStart", payload: want, reply: saslReplyDoc(false, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")},
		{db: "admin", command: "saslContinue", payload: "-", reply: saslReplyDoc(true, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")},
	}}
	okReply, _ := bson.Marshal(bson.D{{Key: "ok", Value: 1.0}})
	if err := h.Authenticate(context.Background(), s, okReply); err != nil {
		t.Fatal(err)
	}
	s.done()
}

// TestUserNameEscaping: ',' and '=' in a user name are escaped as RFC 5802
// requires, and nothing else is changed (no SASLprep).
func TestUserNameEscaping(t *testing.T) {
	a := mustNew(t, cred(SCRAMSHA256, "a,b=c\u00AD", "pw"))
	a.mech.(*scramMech).setNonceGenerator(func() string { return "nonce" })
	got, err := a.mech.start().(*scramConv).first()
	if err != nil {
		t.Fatal(err)
	}
	if want := "n,,n=a=2Cb=3Dc\u00AD,r=nonce"; string(got) != want {
		t.Errorf("client-first %q, want %q", got, want)
	}
}
