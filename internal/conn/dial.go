package conn

import (
	"context"
	"crypto/tls"
	"net"
	"strings"

	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/mongoerr"
)

// Dial establishes a connection to address, "host:port" ("[::1]:27017" for
// IPv6) or the path of a Unix domain socket (ending in ".sock", or
// absolute): the network connection, TLS when cfg.TLSConfig is set, the
// hello, and authentication when cfg.Authenticator is set. ctx and
// cfg.ConnectTimeout bound all of it. cfg may be nil for the zero Config.
//
// On failure the socket is closed and the error is a *mongoerr.NetworkError
// with Op "dial", "tls" or "handshake" (wrapping ctx.Err() when ctx ended
// it, a *mongoerr.ServerError when the server refused the hello, or
// ErrNoServiceID), or an *auth.Error when authentication failed. Network
// errors and timeouts up to and including the hello carry the backpressure
// labels LabelSystemOverloaded and LabelRetryable (see overloadLabels).
func Dial(ctx context.Context, address string, cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
	}
	d := cfg.Dialer
	if d == nil {
		d = &net.Dialer{KeepAlive: cfg.KeepAlive}
	}
	network := "tcp"
	if isUnixSocket(address) {
		network = "unix"
	}
	raw, err := d.DialContext(ctx, network, address)
	if err != nil {
		if ctx.Err() != nil {
			err = ctxCause(ctx)
		}
		return nil, overloadLabels(&mongoerr.NetworkError{Address: address, Op: "dial", Err: err})
	}
	c := newConn(address, raw)
	c.maxRead = cfg.MaxMessageSize
	c.desc.MaxMessageSize = wire.DefaultMaxMessageSize
	c.api = appendServerAPI(nil, cfg.ServerAPI)
	if cfg.TLSConfig != nil {
		if err := c.startTLS(ctx, cfg.TLSConfig); err != nil {
			c.fail(err)
			return nil, overloadLabels(err)
		}
	}
	c.br = newReader(c.nc)
	if err := c.handshake(ctx, cfg); err != nil {
		c.fail(err)
		return nil, err
	}
	c.timeout = cfg.SocketTimeout
	return c, nil
}

// isUnixSocket reports whether address is the path of a Unix domain socket.
func isUnixSocket(address string) bool {
	return strings.HasSuffix(address, ".sock") || strings.HasPrefix(address, "/")
}

// startTLS runs the TLS handshake over the socket, under the same watch as
// the other exchanges: no goroutine waits on ctx.
func (c *Conn) startTLS(ctx context.Context, conf *tls.Config) error {
	if conf.ServerName == "" && !isUnixSocket(c.addr) {
		host, _, err := net.SplitHostPort(c.addr)
		if err != nil {
			host = c.addr
		}
		conf = conf.Clone()
		conf.ServerName = host
	}
	tc := tls.Client(c.raw, conf)
	stop, fromCtx, err := c.watch(ctx, 0)
	if err != nil {
		return &mongoerr.NetworkError{Address: c.addr, Op: "tls", Err: err}
	}
	err = tc.Handshake()
	c.unwatch(stop)
	if err != nil {
		return c.ioFailure(ctx, "tls", err, fromCtx)
	}
	c.nc = tc
	return nil
}

// appendServerAPI encodes the Stable API elements every command carries.
func appendServerAPI(dst []byte, api *ServerAPI) []byte {
	if api == nil {
		return dst
	}
	dst = appendString(dst, "apiVersion", api.Version)
	if api.Strict != nil {
		dst = appendBool(dst, "apiStrict", *api.Strict)
	}
	if api.DeprecationErrors != nil {
		dst = appendBool(dst, "apiDeprecationErrors", *api.DeprecationErrors)
	}
	return dst
}
