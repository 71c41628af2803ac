package testenv

import (
	"strings"
	"testing"
)

// TestScramVectors runs the example conversations of the MongoDB
// Authentication specification (SCRAM-SHA-1, with MongoDB's password
// digest) and of RFC 7677 (SCRAM-SHA-256), and checks that a wrong server
// signature, an error attribute and a nonce that does not extend the
// client's are rejected.
func TestScramVectors(t *testing.T) {
	for _, tc := range []struct {
		mech, nonce                     string
		first, serverFirst, clientFinal string
		serverFinal                     string
	}{
		{
			ScramSHA1, "fyko+d2lbbFgONRv9qkxdawL",
			"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
			"r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000",
			"c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,p=MC2T8BvbmWRckDw8oWl5IVghwCY=",
			"v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0=",
		},
		{
			ScramSHA256, "rOprNGfwEbeRWgbNEkqO",
			"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
			"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
			"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		},
	} {
		t.Run(tc.mech, func(t *testing.T) {
			c, err := newScramClient(tc.mech, "user", "pencil", tc.nonce)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(c.first()); got != tc.first {
				t.Errorf("first = %q, want %q", got, tc.first)
			}
			final, err := c.final([]byte(tc.serverFirst))
			if err != nil {
				t.Fatal(err)
			}
			if string(final) != tc.clientFinal {
				t.Errorf("final = %q, want %q", final, tc.clientFinal)
			}
			if err := c.verify([]byte(tc.serverFinal)); err != nil {
				t.Errorf("verify: %v", err)
			}
			bad := strings.Replace(tc.serverFinal, "v=", "v=AAAA", 1)
			if err := c.verify([]byte(bad)); err == nil {
				t.Errorf("verify(%q) = nil, want an error", bad)
			}
			if err := c.verify([]byte("e=invalid-proof")); err == nil || !strings.Contains(err.Error(), "invalid-proof") {
				t.Errorf("verify(e=...) = %v, want the server's error", err)
			}
		})
	}

	c, _ := newScramClient(ScramSHA256, "user", "pencil", "abc")
	c.first()
	for _, sf := range []string{
		"r=xyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // not the client's nonce
		"r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // not extended
		"r=abcd,s=!!,i=4096",                       // bad salt
		"r=abcd,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",    // bad count
		"r=abcd,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many", // bad count
	} {
		if _, err := c.final([]byte(sf)); err == nil {
			t.Errorf("final(%q) = nil error", sf)
		}
	}
	if _, err := newScramClient("PLAIN", "u", "p", ""); err == nil {
		t.Error("newScramClient(PLAIN) = nil error")
	}
}

// TestScramUsernameEscape checks the escaping of ',' and '=' in the name.
func TestScramUsernameEscape(t *testing.T) {
	c, _ := newScramClient(ScramSHA256, "a=b,c", "p", "n")
	if got, want := string(c.first()), "n,,n=a=3Db=2Cc,r=n"; got != want {
		t.Errorf("first = %q, want %q", got, want)
	}
}
