package auth

import (
	"context"

	"github.com/motor-go/motor/bson"
)

// plainMech is PLAIN (RFC 4616), which MongoDB uses for LDAP: one
// saslStart whose payload is "\x00user\x00password", with no authorization
// identity and no SASLprep. It has no speculative step.
type plainMech struct {
	source   string
	username string
	password string
}

func (m *plainMech) name() string { return PLAIN }

func (m *plainMech) start() conversation { return &plainConv{m: m} }

// plainConv is one PLAIN conversation.
type plainConv struct {
	m    *plainMech
	sent bool
}

func (c *plainConv) speculative() (bson.D, error) { return nil, nil }

func (c *plainConv) finish(ctx context.Context, conn Runner, _ bson.Raw) error {
	return runSASL(ctx, conn, PLAIN, c.m.source, c, false, nil)
}

func (c *plainConv) first() ([]byte, error) {
	p := make([]byte, 0, 2+len(c.m.username)+len(c.m.password))
	p = append(p, 0)
	p = append(p, c.m.username...)
	p = append(p, 0)
	p = append(p, c.m.password...)
	c.sent = true
	return p, nil
}

// next is never reached: PLAIN is complete once its payload is sent.
func (c *plainConv) next([]byte) ([]byte, error) {
	return nil, withDetail(ErrMalformedReply, "unexpected PLAIN challenge")
}

func (c *plainConv) complete() bool { return c.sent }
