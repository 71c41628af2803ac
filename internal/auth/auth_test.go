package auth

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/motor-go/motor/bson"
)

// connect runs the handshake as the connection layer will: hello with the
// fields AppendHello adds, then Authenticate with the reply.
func connect(a *Authenticator, s *fakeServer) error {
	h := a.Begin()
	cmd, err := h.AppendHello(bson.D{{Key: "hello", Value: int32(1)}})
	if err != nil {
		return err
	}
	return h.Authenticate(context.Background(), s, s.hello(cmd))
}

func mustNew(t *testing.T, c Credential) *Authenticator {
	t.Helper()
	a, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func scramUser(name, password string, mechs ...string) *fakeUser {
	return &fakeUser{source: "admin", name: name, password: password, mechs: mechs}
}

// authMechanism returns the mechanism the conversation used: from the
// saslStart command, or from hello's speculativeAuthenticate when the
// server took it.
func authMechanism(s *fakeServer) string {
	for _, c := range s.commands {
		if m, ok := c.cmd.Lookup("saslStart").Int32OK(); ok && m == 1 {
			return c.cmd.Lookup("mechanism").StringValue()
		}
	}
	if s.speculative {
		return s.commands[0].cmd.Lookup("speculativeAuthenticate", "mechanism").StringValue()
	}
	return ""
}

func TestSCRAMSuccess(t *testing.T) {
	for _, mech := range []string{"", SCRAMSHA1, SCRAMSHA256} {
		for _, legacy := range []bool{false, true} {
			for _, spec := range []bool{false, true} {
				name := mech
				if name == "" {
					name = "negotiated"
				}
				if legacy {
					name += "/legacy"
				}
				if spec {
					name += "/speculative"
				}
				t.Run(name, func(t *testing.T) {
					s := newFakeServer(t, scramUser("both", "both", SCRAMSHA1, SCRAMSHA256))
					s.legacy, s.speculative = legacy, spec
					a := mustNew(t, Credential{Mechanism: mech, Username: "both", Password: "both", PasswordSet: true})
					if err := connect(a, s); err != nil {
						t.Fatalf("connect: %v", err)
					}
					want := []string{"hello"}
					if !spec {
						want = append(want, "saslStart")
					}
					want = append(want, "saslContinue")
					if legacy {
						want = append(want, "saslContinue")
					}
					if got := s.names(); !slices.Equal(got, want) {
						t.Errorf("commands %v, want %v", got, want)
					}
					wantMech := mech
					if mech == "" {
						wantMech = SCRAMSHA256 // negotiation picks it when the server lists it
					}
					if got := authMechanism(s); got != wantMech {
						t.Errorf("mechanism %q, want %q", got, wantMech)
					}
					hello := s.commands[0].cmd
					_, negotiating := hello.Lookup("saslSupportedMechs").StringValueOK()
					if negotiating != (mech == "") {
						t.Errorf("hello has saslSupportedMechs: %v, want %v", negotiating, mech == "")
					}
					if mech == "" && hello.Lookup("saslSupportedMechs").StringValue() != "admin.both" {
						t.Errorf("saslSupportedMechs = %v", hello.Lookup("saslSupportedMechs"))
					}
					for _, c := range s.commands[1:] {
						if c.db != "admin" {
							t.Errorf("%s ran on %q, want admin", c.cmd.Keys()[0], c.db)
						}
					}
				})
			}
		}
	}
}

func TestSCRAMCommandShapes(t *testing.T) {
	s := newFakeServer(t, scramUser("user", "pencil", SCRAMSHA256))
	s.speculative = true
	a := mustNew(t, Credential{Mechanism: SCRAMSHA256, Source: "admin", Username: "user", Password: "pencil", PasswordSet: true})
	if err := connect(a, s); err != nil {
		t.Fatal(err)
	}
	spec := s.commands[0].cmd.Lookup("speculativeAuthenticate").Document()
	if got, want := spec.Keys(), []string{"saslStart", "mechanism", "payload", "options", "db"}; !slices.Equal(got, want) {
		t.Errorf("speculativeAuthenticate keys %v, want %v", got, want)
	}
	if v, _ := spec.Lookup("options", "skipEmptyExchange").BooleanOK(); !v {
		t.Error("speculativeAuthenticate lacks options.skipEmptyExchange: true")
	}
	if db := spec.Lookup("db").StringValue(); db != "admin" {
		t.Errorf("speculativeAuthenticate db %q", db)
	}
	cont := s.commands[1].cmd
	if got, want := cont.Keys(), []string{"saslContinue", "conversationId", "payload"}; !slices.Equal(got, want) {
		t.Errorf("saslContinue keys %v, want %v", got, want)
	}

	// Without speculation: saslStart carries options but no db.
	s = newFakeServer(t, scramUser("user", "pencil", SCRAMSHA256))
	if err := connect(a, s); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.commands[0].cmd.Lookup("speculativeAuthenticate").DocumentOK(); !ok {
		t.Error("hello lacks speculativeAuthenticate")
	}
	start := s.commands[1].cmd
	if got, want := start.Keys(), []string{"saslStart", "mechanism", "payload", "options"}; !slices.Equal(got, want) {
		t.Errorf("saslStart keys %v, want %v", got, want)
	}
}

// TestSASLprep is the auth spec's SASLprep prose test: users created with
// exact bytes, passwords given in normalized and unnormalized forms.
func TestSASLprep(t *testing.T) {
	users := []*fakeUser{
		scramUser("IX", "IX", SCRAMSHA256),
		scramUser("\u2168", "IV", SCRAMSHA256), // the server stores SASLprep("\u2163")
	}
	cases := []struct{ user, password string }{
		{"IX", "IX"},
		{"IX", "I\u00ADX"},
		{"\u2168", "IV"},
		{"\u2168", "I\u00ADV"},
		{"\u2168", "\u2163"},
	}
	for _, c := range cases {
		for _, mech := range []string{"", SCRAMSHA256} {
			t.Run(c.user+"/"+c.password+"/"+mech, func(t *testing.T) {
				s := newFakeServer(t, users...)
				a := mustNew(t, Credential{Mechanism: mech, Username: c.user, Password: c.password, PasswordSet: true})
				if err := connect(a, s); err != nil {
					t.Fatalf("connect: %v", err)
				}
				// The user name goes out as given, never SASLprepped.
				if got := s.commands[0].cmd.Lookup("saslSupportedMechs").StringValue(); mech == "" && got != "admin."+c.user {
					t.Errorf("saslSupportedMechs %q", got)
				}
			})
		}
	}
}

func TestNegotiation(t *testing.T) {
	cases := []struct {
		name        string
		user        *fakeUser
		speculative bool
		noList      bool
		wantMech    string
	}{
		{"sha1 only", scramUser("u", "p", SCRAMSHA1), false, false, SCRAMSHA1},
		{"sha1 only, speculation refused", scramUser("u", "p", SCRAMSHA1), true, false, SCRAMSHA1},
		{"sha256 only", scramUser("u", "p", SCRAMSHA256), false, false, SCRAMSHA256},
		{"both", scramUser("u", "p", SCRAMSHA1, SCRAMSHA256), false, false, SCRAMSHA256},
		{"no saslSupportedMechs", scramUser("u", "p", SCRAMSHA1, SCRAMSHA256), false, true, SCRAMSHA1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFakeServer(t, c.user)
			s.speculative, s.noSupportList = c.speculative, c.noList
			a := mustNew(t, Credential{Username: "u", Password: "p", PasswordSet: true})
			if a.Mechanism() != "" {
				t.Errorf("Mechanism() = %q for a negotiated credential", a.Mechanism())
			}
			if err := connect(a, s); err != nil {
				t.Fatalf("connect: %v", err)
			}
			if got := authMechanism(s); got != c.wantMech {
				t.Errorf("mechanism %q, want %q", got, c.wantMech)
			}
			if spec := s.commands[0].cmd.Lookup("speculativeAuthenticate", "mechanism").StringValue(); spec != SCRAMSHA256 {
				t.Errorf("speculated with %q, want SCRAM-SHA-256", spec)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct {
		mechs []string
		want  string
	}{
		{[]string{"SCRAM-SHA-1", "SCRAM-SHA-256"}, SCRAMSHA256},
		{[]string{"SCRAM-SHA-256"}, SCRAMSHA256},
		{[]string{"SCRAM-SHA-1"}, SCRAMSHA1},
		{[]string{}, SCRAMSHA1},
		{nil, SCRAMSHA1},
		{[]string{"PLAIN"}, SCRAMSHA1},
		{[]string{"GSSAPI", "NOT-A-MECHANISM"}, SCRAMSHA1},
		{[]string{"scram-sha-256"}, SCRAMSHA1}, // names are exact
	}
	for _, c := range cases {
		if got := Negotiate(c.mechs); got != c.want {
			t.Errorf("Negotiate(%q) = %q, want %q", c.mechs, got, c.want)
		}
	}
	// hello's field is read without validation.
	replies := []struct {
		reply bson.D
		want  []string
	}{
		{bson.D{{Key: "saslSupportedMechs", Value: "SCRAM-SHA-256"}}, nil},
		{bson.D{{Key: "saslSupportedMechs", Value: bson.A{int32(1), "SCRAM-SHA-256"}}}, []string{"SCRAM-SHA-256"}},
		{bson.D{{Key: "ok", Value: 1.0}}, nil},
	}
	for _, r := range replies {
		raw, err := bson.Marshal(r.reply)
		if err != nil {
			t.Fatal(err)
		}
		if got := supportedMechs(raw); !slices.Equal(got, r.want) {
			t.Errorf("supportedMechs(%v) = %q, want %q", r.reply, got, r.want)
		}
	}
}

func TestAuthenticateFailures(t *testing.T) {
	sha1User := scramUser("sha1", "sha1", SCRAMSHA1)
	sha256User := scramUser("sha256", "sha256", SCRAMSHA256)
	cases := []struct {
		name     string
		user     *fakeUser
		cred     Credential
		server   func(*fakeServer)
		wantIs   error
		wantStep string
	}{
		{"wrong password sha256", sha256User, cred(SCRAMSHA256, "sha256", "wrong"), nil, errAuthFailed, "saslContinue"},
		{"wrong password sha1", sha1User, cred(SCRAMSHA1, "sha1", "wrong"), nil, errAuthFailed, "saslContinue"},
		{"wrong password negotiated", sha256User, cred("", "sha256", "wrong"), nil, errAuthFailed, "saslContinue"},
		{"wrong password speculative", sha256User, cred(SCRAMSHA256, "sha256", "wrong"), func(s *fakeServer) { s.speculative = true }, errAuthFailed, "saslContinue"},
		{"wrong mechanism", sha1User, cred(SCRAMSHA256, "sha1", "sha1"), nil, errAuthFailed, "saslStart"},
		{"other wrong mechanism", sha256User, cred(SCRAMSHA1, "sha256", "sha256"), nil, errAuthFailed, "saslStart"},
		{"no such user", sha256User, cred("", "nobody", "x"), nil, errAuthFailed, "saslStart"},
		{"forged signature", sha256User, cred(SCRAMSHA256, "sha256", "sha256"), func(s *fakeServer) { s.forge = true }, ErrServerSignature, "saslContinue"},
		{"forged signature legacy", sha1User, cred(SCRAMSHA1, "sha1", "sha1"), func(s *fakeServer) { s.forge, s.legacy = true, true }, ErrServerSignature, "saslContinue"},
		{"forged signature speculative", sha256User, cred("", "sha256", "sha256"), func(s *fakeServer) { s.forge, s.speculative = true, true }, ErrServerSignature, "saslContinue"},
		{"done before proof", sha256User, cred(SCRAMSHA256, "sha256", "sha256"), func(s *fakeServer) { s.forgeDone = true }, ErrServerSignature, "saslStart"},
		{"done before proof speculative", sha256User, cred(SCRAMSHA256, "sha256", "sha256"), func(s *fakeServer) { s.forgeDone, s.speculative = true, true }, ErrServerSignature, "speculativeAuthenticate"},
		{"too few iterations", sha256User, cred(SCRAMSHA256, "sha256", "sha256"), func(s *fakeServer) { s.iterations = 4095 }, ErrIterationCount, "saslStart"},
		{"too few iterations sha1", sha1User, cred(SCRAMSHA1, "sha1", "sha1"), func(s *fakeServer) { s.iterations = 1 }, ErrIterationCount, "saslStart"},
		{"nonce not extended", sha256User, cred(SCRAMSHA256, "sha256", "sha256"), func(s *fakeServer) { s.serverNonce = "" }, ErrMalformedReply, "saslStart"},
		{"plain wrong password", &fakeUser{source: external, name: "ldap", password: "pw", plain: true}, cred(PLAIN, "ldap", "wrong"), nil, errAuthFailed, "saslStart"},
		{"x509 wrong user", &fakeUser{x509: true}, Credential{Mechanism: X509, Username: "CN=other"}, nil, errAuthFailed, "authenticate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFakeServer(t, c.user)
			if c.server != nil {
				c.server(s)
			}
			a := mustNew(t, c.cred)
			err := connect(a, s)
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want an *Error", err, err)
			}
			if !errors.Is(err, c.wantIs) {
				t.Errorf("error %v is not %v", err, c.wantIs)
			}
			if ae.Step != c.wantStep {
				t.Errorf("step %q, want %q (%v)", ae.Step, c.wantStep, err)
			}
			if want := mechOf(c.cred, s); ae.Mechanism != want {
				t.Errorf("mechanism %q, want %q", ae.Mechanism, want)
			}
		})
	}
}

func cred(mech, user, password string) Credential {
	return Credential{Mechanism: mech, Username: user, Password: password, PasswordSet: true}
}

// mechOf is the mechanism an error should name: the configured one, or the
// one the conversation used.
func mechOf(c Credential, s *fakeServer) string {
	if c.Mechanism != "" {
		return c.Mechanism
	}
	return authMechanism(s)
}

func TestArbiter(t *testing.T) {
	a := mustNew(t, cred(SCRAMSHA256, "u", "p"))
	s := newFakeServer(t)
	reply, err := bson.Marshal(bson.D{{Key: "arbiterOnly", Value: true}, {Key: "ok", Value: 1.0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Begin().Authenticate(context.Background(), s, reply); err != nil {
		t.Fatalf("Authenticate on an arbiter: %v", err)
	}
	if len(s.commands) != 0 {
		t.Errorf("ran %v on an arbiter", s.names())
	}
}

// TestConcurrent shares one Authenticator, and so its key cache, between
// connections authenticating at once.
func TestConcurrent(t *testing.T) {
	for _, mech := range []string{"", SCRAMSHA1, SCRAMSHA256} {
		a := mustNew(t, cred(mech, "both", "both"))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			s := newFakeServer(t, scramUser("both", "both", SCRAMSHA1, SCRAMSHA256))
			s.speculative = i%2 == 0
			wg.Go(func() { errs[i] = connect(a, s) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%q connection %d: %v", mech, i, err)
			}
		}
	}
}
