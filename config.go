package motor

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/motor-go/motor/event"
)

// A Dialer opens network connections; *net.Dialer is one.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Config holds everything needed to connect to a deployment. Create it with
// ParseURI or ParseURIWith, which fill in every default, then change the
// fields you need before connecting: fields set in code win over the
// connection string. The zero Config is not ready to use.
//
// Durations correspond to the URI's ...MS options; a zero duration means "no
// limit" where the option allows 0. Validate reports a Config whose fields
// contradict each other.
type Config struct {
	// Hosts is the seed list: "host:port" (IPv6 as "[addr]:port") or the path
	// of a Unix domain socket, which ends in ".sock". Host names are
	// lower-cased. For a mongodb+srv URI it holds the hosts the SRV records
	// named, at most SRVMaxHosts of them.
	Hosts []string

	// SRVHost is the host of a mongodb+srv URI, "" for mongodb://. The
	// topology layer rescans its SRV records for sharded clusters.
	SRVHost string
	// SRVServiceName is the SRV service name (srvServiceName), "mongodb" by
	// default for mongodb+srv and "" otherwise.
	SRVServiceName string
	// SRVMaxHosts caps how many SRV hosts are used (srvMaxHosts); 0 means all.
	SRVMaxHosts int

	// Database is the database named in the URI path, "" if none. It is the
	// default authentication database, and the Client's default database.
	Database string
	// Auth holds the credential, nil when no authentication is configured.
	Auth *Credential

	// AppName is sent to the server in the handshake (appName), at most 128 bytes.
	AppName string
	// ReplicaSet is the required replica set name (replicaSet).
	ReplicaSet string
	// DirectConnection connects to the single host given, whatever its type.
	DirectConnection bool
	// LoadBalanced says the one host is a load balancer in front of mongos.
	LoadBalanced bool

	// TLSConfig is the TLS configuration used to dial, nil for plain TCP. See
	// TLSOptions for when a connection string turns TLS on.
	TLSConfig *tls.Config
	// TLSOptions holds the tls* options as the connection string gave them,
	// for reference; TLSConfig was built from them. Changing TLSOptions does
	// not change TLSConfig: use NewTLSConfig.
	TLSOptions TLSOptions
	// Proxy is the SOCKS5 proxy to dial through, nil for none.
	Proxy *ProxyOptions

	// Compressors lists the wire compressors to offer, in order of
	// preference: "snappy", "zlib" or "zstd". Empty means no compression.
	Compressors []string
	// ZlibCompressionLevel is the zlib level, -1 (default level) to 9.
	ZlibCompressionLevel int

	// ConnectTimeout bounds establishing a TCP connection and its handshake
	// (connectTimeoutMS, default 10s; 0 means no limit).
	ConnectTimeout time.Duration
	// SocketTimeout bounds each network read or write of an operation
	// (socketTimeoutMS, deprecated by Timeout; 0 means no limit).
	SocketTimeout time.Duration
	// Timeout is the client-side operation timeout (timeoutMS): nil when not
	// set, a pointer to 0 for "no limit". Set it with new(5 * time.Second).
	Timeout *time.Duration
	// ServerSelectionTimeout bounds server selection
	// (serverSelectionTimeoutMS, default 30s; must be positive).
	ServerSelectionTimeout time.Duration
	// ServerSelectionTryOnce is the serverSelectionTryOnce option (default
	// true). It applies to single-threaded drivers only; Motor keeps it for
	// completeness and does not use it.
	ServerSelectionTryOnce bool
	// HeartbeatFrequency is the interval between server checks
	// (heartbeatFrequencyMS, default 10s, at least 500ms).
	HeartbeatFrequency time.Duration
	// LocalThreshold is the latency window of server selection
	// (localThresholdMS, default 15ms).
	LocalThreshold time.Duration
	// ServerMonitoringMode chooses streaming or polling server monitoring.
	ServerMonitoringMode ServerMonitoringMode

	// MaxPoolSize caps the connections per server (default 100; 0 means no cap).
	MaxPoolSize int
	// MinPoolSize is the number of connections kept open per server.
	MinPoolSize int
	// MaxConnecting caps the connections being established per server (default 2).
	MaxConnecting int
	// MaxIdleTime closes connections idle for longer (0 means never).
	MaxIdleTime time.Duration
	// WaitQueueTimeout bounds waiting for a pooled connection
	// (waitQueueTimeoutMS, deprecated by Timeout; 0 means no limit).
	WaitQueueTimeout time.Duration

	// ReadPreference is the default read preference; nil means primary.
	ReadPreference *ReadPreference
	// ReadConcern is the default read concern; nil means the server's default.
	ReadConcern *ReadConcern
	// WriteConcern is the default write concern; nil means the server's default.
	WriteConcern *WriteConcern
	// RetryReads retries reads once on a retryable error (default true).
	RetryReads bool
	// RetryWrites retries writes once on a retryable error (default true).
	RetryWrites bool
	// MaxAdaptiveRetries caps the retries of an operation rejected by an
	// overloaded server (maxAdaptiveRetries, default 2).
	MaxAdaptiveRetries int
	// EnableOverloadRetargeting lets such retries go to another server.
	EnableOverloadRetargeting bool

	// UUIDRepresentation is the uuidRepresentation option: how UUIDs are
	// stored by drivers that map a native UUID type ("" means unspecified).
	UUIDRepresentation UUIDRepresentation
	// ServerAPI declares the Stable API version to use; nil for none. It has
	// no connection string option.
	ServerAPI *ServerAPI

	// The fields below have no connection string option: they are set in
	// code only.

	// Dialer opens the network connections; nil means a net.Dialer with
	// keep-alive. Use it for a proxy of your own or to inject faults in tests.
	Dialer Dialer
	// PoolMonitor receives the connection pool events; nil for none.
	PoolMonitor *event.PoolMonitor
	// ServerMonitor receives the server discovery and monitoring events;
	// nil for none.
	ServerMonitor *event.ServerMonitor
	// CommandMonitor receives an event before and after every command;
	// nil for none.
	CommandMonitor *event.CommandMonitor
	// Logger receives the log messages of the Logging specification:
	// commands, server discovery, server selection and connection pools,
	// each with the specification's message text, its fields as attributes
	// and a "component" attribute. Nil means a JSON handler writing to
	// MONGODB_LOG_PATH ("stdout", "stderr" or a file appended to; standard
	// error by default), used only when an environment variable enables a
	// component.
	Logger *slog.Logger
	// LogLevels are the minimum levels of the log components; a level left
	// at LogUnset comes from the environment (MONGODB_LOG_COMMAND,
	// MONGODB_LOG_TOPOLOGY, MONGODB_LOG_SERVER_SELECTION,
	// MONGODB_LOG_CONNECTION, MONGODB_LOG_ALL). Levels set here win.
	LogLevels LogLevels
	// MaxDocumentLength is the length in bytes at which the extended JSON
	// of a document (a command, a reply) in a log message is cut, on a
	// character boundary, and "..." appended. 0 means
	// MONGODB_LOG_MAX_DOCUMENT_LENGTH, else 1000.
	MaxDocumentLength int
	// ConnectEagerly makes Connect wait until a server that serves the
	// ReadPreference answers, and fail if none does within the context and
	// ServerSelectionTimeout. By default Connect returns at once and the
	// first operation waits instead, as in Python's Motor.
	ConnectEagerly bool

	// authSource is the authSource option when the URI gives no credential:
	// it becomes the Source of a Credential set in code with an empty Source.
	authSource string
	// srvResolver is the ParseOptions.Resolver a mongodb+srv URI was
	// resolved with, kept for the client's periodic SRV rescans (nil means
	// net.DefaultResolver).
	srvResolver Resolver
}

// A Resolver answers the DNS queries of a mongodb+srv connection string.
// *net.Resolver implements it; tests can supply records of their own.
type Resolver interface {
	// LookupSRV queries _service._proto.name and returns its SRV records.
	LookupSRV(ctx context.Context, service, proto, name string) (cname string, addrs []*net.SRV, err error)
	// LookupTXT returns the TXT records of name, one string per record, the
	// record's character strings joined without separator.
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// ParseOptions adjusts ParseURIWith. The zero value gives ParseURI's behavior.
type ParseOptions struct {
	// Resolver answers the SRV and TXT queries of mongodb+srv URIs; nil
	// means net.DefaultResolver.
	Resolver Resolver
	// Warn receives each warning, such as an unknown option; nil means
	// slog.Default().Warn. Messages never contain the password.
	Warn func(msg string)
	// Lenient ignores an invalid option value with a warning instead of
	// failing, as the connection string specification requires of drivers.
	// Conflicting options and malformed URIs are errors all the same.
	Lenient bool

	// readFile reads TLS files; nil means readFileLimited. Tests replace it.
	readFile func(name string) ([]byte, error)
}

// ParseURI parses a mongodb:// or mongodb+srv:// connection string into a
// Config holding every default, resolving a mongodb+srv name with
// net.DefaultResolver. Warnings go to slog.Default(). It is
// ParseURIWith(context.Background(), uri, ParseOptions{}).
//
// For example:
//
//	cfg, err := motor.ParseURI("mongodb+srv://user:pw@cluster0.example.net/app?retryWrites=true&w=majority")
//	if err != nil { ... }
//	cfg.AppName = "inventory" // fields set in code win over the URI
func ParseURI(uri string) (*Config, error) {
	return ParseURIWith(context.Background(), uri, ParseOptions{})
}

// ParseURIWith is ParseURI with a context bounding the DNS lookups of a
// mongodb+srv URI and the ParseOptions given. It returns a *ConfigError for
// any problem with the connection string, the DNS records or the files that
// the tls options name.
func ParseURIWith(ctx context.Context, uri string, opts ParseOptions) (*Config, error) {
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.Warn == nil {
		opts.Warn = func(msg string) { slog.Default().Warn(msg) }
	}
	if opts.readFile == nil {
		opts.readFile = readFileLimited
	}
	p := &parser{opts: opts, cfg: defaultConfig(), seen: map[string]bool{}}
	if err := p.parse(ctx, uri); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

// defaultConfig returns a Config holding the default of every option.
func defaultConfig() *Config {
	return &Config{
		ZlibCompressionLevel:   -1,
		ConnectTimeout:         10 * time.Second,
		ServerSelectionTimeout: 30 * time.Second,
		ServerSelectionTryOnce: true,
		HeartbeatFrequency:     10 * time.Second,
		LocalThreshold:         15 * time.Millisecond,
		ServerMonitoringMode:   ServerMonitoringAuto,
		MaxPoolSize:            100,
		MaxConnecting:          2,
		RetryReads:             true,
		RetryWrites:            true,
		MaxAdaptiveRetries:     2,
	}
}
