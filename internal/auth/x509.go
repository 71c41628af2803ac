package auth

import (
	"context"

	"github.com/motor-go/motor/bson"
)

// x509Mech is MONGODB-X509: one authenticate command on "$external". The
// server takes the user from the client certificate; a user name is sent
// only when the credential has one.
type x509Mech struct {
	username string
}

func (m *x509Mech) name() string { return X509 }

func (m *x509Mech) start() conversation { return &x509Conv{m: m} }

// command is {authenticate: 1, mechanism: "MONGODB-X509"[, user][, db]};
// db is set for hello's speculativeAuthenticate.
func (m *x509Mech) command(db string) bson.D {
	d := bson.D{
		{Key: "authenticate", Value: int32(1)},
		{Key: "mechanism", Value: X509},
	}
	if m.username != "" {
		d = append(d, bson.E{Key: "user", Value: m.username})
	}
	if db != "" {
		d = append(d, bson.E{Key: "db", Value: db})
	}
	return d
}

// x509Conv is one MONGODB-X509 authentication.
type x509Conv struct {
	m *x509Mech
}

func (c *x509Conv) speculative() (bson.D, error) { return c.m.command(external), nil }

// finish is done when hello answered the speculative authenticate: the
// server has accepted the certificate. Otherwise it sends authenticate.
func (c *x509Conv) finish(ctx context.Context, conn Runner, spec bson.Raw) error {
	if spec != nil {
		return nil
	}
	cmd, err := encode(c.m.command(""))
	if err != nil {
		return newError(X509, "authenticate", err)
	}
	if _, err := conn.RunCommand(ctx, external, cmd); err != nil {
		return newError(X509, "authenticate", err)
	}
	return nil
}
