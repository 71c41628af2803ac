package conn

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/auth"
)

// ContextDialer opens network connections. *net.Dialer implements it, and so
// does a SOCKS5 proxy dialer or a test's fault-injecting dialer.
type ContextDialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// ServerAPI is a declared Stable API version. Every command a connection
// sends, the handshake and authentication included, carries apiVersion, and
// apiStrict and apiDeprecationErrors when they are set (even to false).
type ServerAPI struct {
	Version           string // "1"
	Strict            *bool  // nil: not sent
	DeprecationErrors *bool  // nil: not sent
}

// Config is what Dial needs to establish a connection. The layer above fills
// it from the client's configuration once and shares it, read-only, between
// all the connections to all the servers. The zero Config dials plain TCP
// with no time limit other than the context's, no compression, no
// authentication, and the client metadata of the process's environment.
type Config struct {
	// Dialer opens the network connection. nil means a net.Dialer with
	// KeepAlive.
	Dialer ContextDialer
	// ConnectTimeout bounds the whole of Dial: the network connection, TLS,
	// the hello and authentication. 0 means no limit beyond the context's.
	ConnectTimeout time.Duration
	// KeepAlive is the TCP keep-alive period of the default dialer: 0 means
	// Go's default (15 seconds), a negative value turns keep-alive off.
	KeepAlive time.Duration
	// SocketTimeout bounds each round trip (write, then the reads up to the
	// reply) after the handshake, in addition to the context's deadline:
	// whichever comes first applies. 0 means no limit beyond the context's;
	// the layer above leaves it 0 when timeoutMS governs operations.
	SocketTimeout time.Duration

	// TLSConfig, when not nil, makes Dial speak TLS. When its ServerName is
	// empty Dial uses a copy whose ServerName is the address's host (for a
	// Unix domain socket there is none: set ServerName, or skip
	// verification). It is never modified.
	TLSConfig *tls.Config

	// Metadata is the client document of the handshake, as NewMetadata
	// builds it. nil means NewMetadata(MetadataOptions{AppName: AppName})
	// computed at each Dial.
	Metadata bson.Raw
	// AppName is the application name for the default Metadata.
	AppName string

	// Compressors are the compressors to offer, in order of preference
	// ("snappy", "zlib", "zstd"). The first one the server also names is
	// used for every command that may be compressed.
	Compressors []string
	// ZlibLevel is the zlib compression level, -1 (zlib's default) to 9.
	// Note that 0, the zero value, means level 0: no compression at all.
	ZlibLevel int

	// LoadBalanced says that the server is a load balancer: the hello
	// carries loadBalanced: true and its reply must carry a serviceId.
	LoadBalanced bool
	// ServerAPI is the declared Stable API version, nil for none.
	ServerAPI *ServerAPI
	// Authenticator authenticates each new connection; nil for none.
	// Connections for monitoring leave it nil.
	Authenticator *auth.Authenticator

	// MaxMessageSize, when positive, caps the size of the messages the
	// connection reads instead of the server's maxMessageSizeBytes (itself
	// held to four times wire.DefaultMaxMessageSize).
	MaxMessageSize int
}
