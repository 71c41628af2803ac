package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

// replayRunner answers each command with the next canned reply.
type replayRunner struct {
	replies []bson.Raw
	n       int
}

func (r *replayRunner) RunCommand(context.Context, string, []byte) (bson.Raw, error) {
	if r.n >= len(r.replies) {
		return nil, errors.New("no more replies")
	}
	r.n++
	return r.replies[r.n-1], nil
}

// FuzzSCRAMServerMessages plays arbitrary server-first and server-final
// messages against a SCRAM-SHA-256 client: it must never panic, never
// accept a server that did not prove the password, and never put the
// password in an error.
func FuzzSCRAMServerMessages(f *testing.F) {
	f.Add("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", true)
	f.Add("r=rOprNGfwEbeRWgbNEkqOx,s=,i=4096", "e=other-error", false)
	f.Add("r=rOprNGfwEbeRWgbNEkqOx,s=c2FsdA==,i=99999999999999999999", "v=", true)
	f.Add("m=x,r=,s=,i=", "v=AAAA,extra", false)
	f.Fuzz(func(t *testing.T, first, final string, done bool) {
		if slowIterations(first) {
			return // valid but slow to derive; TestMalformedServerMessages covers the limits
		}
		m, err := newSCRAM(SCRAMSHA256, "admin", "user", "pencil")
		if err != nil {
			t.Fatal(err)
		}
		m.setNonceGenerator(func() string { return "rOprNGfwEbeRWgbNEkqO" })
		r := &replayRunner{}
		for _, d := range []bson.D{saslReplyDoc(false, first), saslReplyDoc(done, final), saslReplyDoc(true, "")} {
			raw, err := bson.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			r.replies = append(r.replies, raw)
		}
		conv := m.start().(*scramConv)
		err = conv.finish(context.Background(), r, nil)
		if err == nil && !conv.complete() {
			t.Fatal("accepted a server that did not prove the password")
		}
		if err != nil && strings.Contains(err.Error(), "pencil") {
			t.Fatalf("error %q holds the password", err)
		}
	})
}

// FuzzParseSASLReply reads arbitrary bytes as a saslStart reply.
func FuzzParseSASLReply(f *testing.F) {
	for _, d := range []bson.D{saslReplyDoc(false, "r=x"), saslReplyDoc(true, ""), {{Key: "done", Value: "no"}}} {
		raw, _ := bson.Marshal(d)
		f.Add(raw)
	}
	f.Add([]byte{5, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseSASLReply(data)
		_ = supportedMechs(data)
		_ = IsSensitive("hello", data)
	})
}

// slowIterations reports whether a server-first-message asks for an
// iteration count the client accepts but needs long to compute.
func slowIterations(first string) bool {
	for _, f := range strings.Split(first, ",") {
		if v, ok := strings.CutPrefix(f, "i="); ok {
			n, err := strconv.Atoi(v)
			return err == nil && n > 100_000 && n <= maxIterations
		}
	}
	return false
}
