package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/internal/wire/wiretest"
	"github.com/motor-go/motor/mongoerr"
)

// failingDialer fails every dial with err.
type failingDialer struct{ err error }

func (d failingDialer) DialContext(context.Context, string, string) (net.Conn, error) {
	return nil, d.err
}

// TestDialOverloadLabels checks which failures of connection establishment
// carry the backpressure labels: network errors and timeouts up to and
// including the hello do; DNS failures, TLS errors that are not I/O, the
// server's refusal of the hello, a caller's cancellation and everything in
// authentication do not.
func TestDialOverloadLabels(t *testing.T) {
	closeOnHello := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Close: true}}
	})
	refuseHello := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Doc: bson.D{{Key: "ok", Value: 0.0}, {Key: "code", Value: int32(8000)}, {Key: "errmsg", Value: "no"}}}}
	})
	closeOnAuth := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		if isHello(req) {
			return []wiretest.Reply{{Doc: helloReply(bson.E{Key: "saslSupportedMechs", Value: bson.A{"SCRAM-SHA-256"}})}}
		}
		return []wiretest.Reply{{Close: true}}
	})
	silent := wiretest.NewServer(t, func(req wiretest.Request) []wiretest.Reply {
		return []wiretest.Reply{{Delay: time.Hour}}
	})
	authn, err := auth.New(auth.Credential{Username: "u", Password: "p", PasswordSet: true, Source: "admin", Mechanism: "SCRAM-SHA-256"})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name     string
		ctx      context.Context
		addr     string
		cfg      *Config
		labelled bool
	}{
		{"connection refused", nil, "127.0.0.1:1", nil, true},
		{"dial timeout", nil, "127.0.0.1:1", &Config{Dialer: failingDialer{&net.OpError{Op: "dial", Net: "tcp", Err: context.DeadlineExceeded}}}, true},
		{"DNS failure", nil, "nowhere.invalid:27017", &Config{Dialer: failingDialer{&net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}}, false},
		{"connection closed at the hello", nil, closeOnHello.Addr(), nil, true},
		{"hello timeout", nil, silent.Addr(), &Config{ConnectTimeout: 100 * time.Millisecond}, true},
		{"hello refused by the server", nil, refuseHello.Addr(), nil, false},
		{"connection closed during authentication", nil, closeOnAuth.Addr(), &Config{Authenticator: authn}, false},
		{"TLS handshake cut by EOF", nil, closeOnHello.Addr(), &Config{TLSConfig: &tls.Config{InsecureSkipVerify: true}}, true},
		{"cancelled by the caller", cancelled, silent.Addr(), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
			}
			c, err := Dial(ctx, tt.addr, tt.cfg)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			for _, l := range []string{LabelSystemOverloaded, LabelRetryable} {
				if got := mongoerr.HasLabel(err, l); got != tt.labelled {
					t.Errorf("HasLabel(%q) = %v, want %v; error: %v", l, got, tt.labelled, err)
				}
			}
			var ne *mongoerr.NetworkError
			if !errors.As(err, &ne) && tt.labelled {
				t.Errorf("labelled error %v is not a *mongoerr.NetworkError", err)
			}
		})
	}
}
