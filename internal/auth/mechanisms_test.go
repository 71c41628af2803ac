package auth

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestPLAIN(t *testing.T) {
	cases := []struct {
		name, source, wantDB string
	}{
		{"default source", "", external},
		{"given source", "ldapdb", "ldapdb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFakeServer(t, &fakeUser{source: c.wantDB, name: "user", password: "pencil", plain: true})
			s.speculative = true // PLAIN must not speculate all the same
			a := mustNew(t, Credential{Mechanism: "plain", Source: c.source, Username: "user", Password: "pencil", PasswordSet: true})
			if a.Mechanism() != PLAIN || a.Source() != c.wantDB {
				t.Errorf("Mechanism %q Source %q", a.Mechanism(), a.Source())
			}
			if err := connect(a, s); err != nil {
				t.Fatal(err)
			}
			if got := s.names(); !slices.Equal(got, []string{"hello", "saslStart"}) {
				t.Fatalf("commands %v", got)
			}
			if keys := s.commands[0].cmd.Keys(); !slices.Equal(keys, []string{"hello"}) {
				t.Errorf("hello carries %v", keys)
			}
			start := s.commands[1]
			if start.db != c.wantDB {
				t.Errorf("saslStart on %q, want %q", start.db, c.wantDB)
			}
			if keys := start.cmd.Keys(); !slices.Equal(keys, []string{"saslStart", "mechanism", "payload"}) {
				t.Errorf("saslStart keys %v", keys)
			}
			// The auth spec's example payload, "AHVzZXIAcGVuY2ls" in base64.
			if p := start.cmd.Lookup("payload").Binary(); p.Subtype != 0 || string(p.Data) != "\x00user\x00pencil" {
				t.Errorf("payload %+v", p)
			}
		})
	}
}

func TestPLAINNotDone(t *testing.T) {
	a := mustNew(t, cred(PLAIN, "user", "pencil"))
	s := &script{t: t, steps: []scriptStep{
		{db: external, command: "saslStart", payload: "\x00user\x00pencil", reply: saslReplyDoc(false, "")},
	}}
	if err := a.Begin().Authenticate(context.Background(), s, nil); !errors.Is(err, ErrMalformedReply) {
		t.Fatalf("error %v, want ErrMalformedReply", err)
	}
	s.done()
}

func TestX509(t *testing.T) {
	for _, user := range []string{"", "CN=client"} {
		for _, spec := range []bool{false, true} {
			name := "no user"
			if user != "" {
				name = "user"
			}
			if spec {
				name += "/speculative"
			}
			t.Run(name, func(t *testing.T) {
				s := newFakeServer(t)
				s.speculative = spec
				a := mustNew(t, Credential{Mechanism: X509, Username: user})
				if err := connect(a, s); err != nil {
					t.Fatal(err)
				}
				want := []string{"hello"}
				if !spec {
					want = append(want, "authenticate")
				}
				if got := s.names(); !slices.Equal(got, want) {
					t.Fatalf("commands %v, want %v", got, want)
				}
				wantKeys := []string{"authenticate", "mechanism"}
				if user != "" {
					wantKeys = append(wantKeys, "user")
				}
				// hello's speculativeAuthenticate is the authenticate command
				// plus db.
				specDoc := s.commands[0].cmd.Lookup("speculativeAuthenticate").Document()
				if got := specDoc.Keys(); !slices.Equal(got, append(slices.Clone(wantKeys), "db")) {
					t.Errorf("speculativeAuthenticate keys %v", got)
				}
				if db := specDoc.Lookup("db").StringValue(); db != external {
					t.Errorf("speculativeAuthenticate db %q", db)
				}
				if _, ok := s.commands[0].cmd.Lookup("saslSupportedMechs").StringValueOK(); ok {
					t.Error("X509 hello asks for saslSupportedMechs")
				}
				if !spec {
					c := s.commands[1]
					if got := c.cmd.Keys(); c.db != external || !slices.Equal(got, wantKeys) {
						t.Errorf("authenticate %v on %q", got, c.db)
					}
					if m := c.cmd.Lookup("mechanism").StringValue(); m != X509 {
						t.Errorf("mechanism %q", m)
					}
					if u := c.cmd.Lookup("user").StringValue(); u != user {
						t.Errorf("user %q, want %q", u, user)
					}
				}
			})
		}
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		cred Credential
		want error
	}{
		{"unknown mechanism", Credential{Mechanism: "FOO", Username: "u", Password: "p", PasswordSet: true}, ErrUnsupportedMechanism},
		{"GSSAPI", Credential{Mechanism: "GSSAPI", Username: "u"}, ErrUnsupportedMechanism},
		{"MONGODB-AWS", Credential{Mechanism: "MONGODB-AWS"}, ErrUnsupportedMechanism},
		{"MONGODB-OIDC", Credential{Mechanism: "MONGODB-OIDC"}, ErrUnsupportedMechanism},
		{"no credentials", Credential{}, ErrInvalidCredential},
		{"negotiated without password", Credential{Username: "u"}, ErrInvalidCredential},
		{"sha1 without user", Credential{Mechanism: SCRAMSHA1, Password: "p", PasswordSet: true}, ErrInvalidCredential},
		{"sha1 without password", Credential{Mechanism: SCRAMSHA1, Username: "u"}, ErrInvalidCredential},
		{"sha256 without password", Credential{Mechanism: SCRAMSHA256, Username: "u", Password: "ignored"}, ErrInvalidCredential},
		{"sha256 prohibited password", Credential{Mechanism: SCRAMSHA256, Username: "u", Password: "a\u0007b", PasswordSet: true}, ErrInvalidCredential},
		{"sha256 with properties", Credential{Mechanism: SCRAMSHA256, Username: "u", Password: "p", PasswordSet: true, Props: map[string]string{"SERVICE_NAME": "x"}}, ErrInvalidCredential},
		{"plain without user", Credential{Mechanism: PLAIN, Password: "p", PasswordSet: true}, ErrInvalidCredential},
		{"plain without password", Credential{Mechanism: PLAIN, Username: "u"}, ErrInvalidCredential},
		{"x509 with password", Credential{Mechanism: X509, Password: "p", PasswordSet: true}, ErrInvalidCredential},
		{"x509 on admin", Credential{Mechanism: X509, Source: "admin"}, ErrInvalidCredential},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := New(c.cred)
			var ae *Error
			if a != nil || !errors.As(err, &ae) || !errors.Is(err, c.want) || ae.Step != "credential" {
				t.Fatalf("New = %v, %v; want an *Error wrapping %v at step credential", a, err, c.want)
			}
		})
	}
}

func TestEmptyPassword(t *testing.T) {
	// "user:@host" sets an empty password, which SCRAM accepts.
	for _, mech := range []string{SCRAMSHA1, SCRAMSHA256} {
		s := newFakeServer(t, scramUser("u", "", mech))
		if err := connect(mustNew(t, cred(mech, "u", "")), s); err != nil {
			t.Errorf("%s with an empty password: %v", mech, err)
		}
	}
}

// TestNegotiatedUnpreppablePassword: a password SASLprep rejects still
// works for a SCRAM-SHA-1 user, and fails cleanly if negotiation picks
// SCRAM-SHA-256.
func TestNegotiatedUnpreppablePassword(t *testing.T) {
	const pw = "a\u0007b"
	a := mustNew(t, cred("", "u", pw))
	s := newFakeServer(t, scramUser("u", pw, SCRAMSHA1))
	s.speculative = true
	if err := connect(a, s); err != nil {
		t.Fatalf("SCRAM-SHA-1 user: %v", err)
	}
	if _, ok := s.commands[0].cmd.Lookup("speculativeAuthenticate").DocumentOK(); ok {
		t.Error("speculated with SCRAM-SHA-256 for a password it cannot use")
	}
	s = newFakeServer(t, scramUser("u", "ab", SCRAMSHA256))
	err := connect(a, s)
	if ae := (*Error)(nil); !errors.As(err, &ae) || !errors.Is(err, ErrInvalidCredential) || ae.Mechanism != SCRAMSHA256 {
		t.Fatalf("error %v, want ErrInvalidCredential for SCRAM-SHA-256", err)
	}
}

func TestIsSensitive(t *testing.T) {
	withSpec, _ := bson.Marshal(bson.D{{Key: "hello", Value: int32(1)}, {Key: "speculativeAuthenticate", Value: bson.D{}}})
	plainHello, _ := bson.Marshal(bson.D{{Key: "hello", Value: int32(1)}})
	cases := []struct {
		name string
		cmd  bson.Raw
		want bool
	}{
		{"saslStart", nil, true},
		{"saslContinue", nil, true},
		{"authenticate", nil, true},
		{"getnonce", nil, true},
		{"createUser", nil, true},
		{"updateUser", nil, true},
		{"copydbgetnonce", nil, true},
		{"copydbsaslstart", nil, true},
		{"copydb", nil, true},
		{"SASLSTART", nil, true},
		{"hello", withSpec, true},
		{"isMaster", withSpec, true},
		{"ismaster", withSpec, true},
		{"hello", plainHello, false},
		{"ismaster", plainHello, false},
		{"hello", bson.Raw{1, 2}, true}, // unreadable: assume the worst
		{"find", withSpec, false},
		{"ping", nil, false},
	}
	for _, c := range cases {
		if got := IsSensitive(c.name, c.cmd); got != c.want {
			t.Errorf("IsSensitive(%q, %v) = %v, want %v", c.name, c.cmd, got, c.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Mechanism: SCRAMSHA256, Step: "saslContinue", Err: ErrServerSignature}, "auth SCRAM-SHA-256: saslContinue: server signature mismatch"},
		{&Error{Step: "credential", Err: withDetail(ErrUnsupportedMechanism, "FOO")}, "auth: credential: unsupported mechanism: FOO"},
		{&Error{Mechanism: X509}, "auth MONGODB-X509"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	server := &serverError{code: 18, msg: "Authentication failed."}
	if err := (&Error{Err: server}); !errors.Is(err, server) || errors.Unwrap(err) != server {
		t.Error("Unwrap does not reach the server's error")
	}
}
