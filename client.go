package motor

import (
	"context"
	"fmt"
	"sync"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/cluster"
	"github.com/motor-go/motor/internal/op"
	"github.com/motor-go/motor/internal/session"
	"github.com/motor-go/motor/internal/topology"
)

// Client is a handle to a MongoDB deployment: a standalone server, a replica
// set, a sharded cluster or a load balancer. It discovers and monitors the
// servers and keeps a pool of connections to each. A Client is safe for
// concurrent use; create one per deployment and share it.
type Client struct {
	cfg      Config
	cluster  *cluster.Cluster
	exec     *op.Executor
	readPref topology.ReadPref

	closeOnce sync.Once
	open      openSet // cursors and futures that Close ends (client_cursors.go)
}

// Connect parses uri with ParseURI and returns a Client for it. It returns
// at once: servers are discovered in the background, and the first
// operation waits for a suitable one (set Config.ConnectEagerly, through
// ConnectConfig, to wait in Connect instead). ctx bounds the DNS lookups of
// a mongodb+srv URI.
//
//	client, err := motor.Connect(ctx, "mongodb://localhost:27017/?serverSelectionTimeoutMS=5000")
//	if err != nil { ... }
//	defer client.Close(context.Background())
func Connect(ctx context.Context, uri string) (*Client, error) {
	cfg, err := ParseURIWith(ctx, uri, ParseOptions{})
	if err != nil {
		return nil, err
	}
	return ConnectConfig(ctx, cfg)
}

// ConnectConfig returns a Client for cfg, typically a Config from ParseURI
// with fields changed in code. The Client keeps a copy: later changes to cfg
// do not affect it.
func ConnectConfig(ctx context.Context, cfg *Config) (*Client, error) {
	if cfg == nil {
		return nil, configError("", "nil Config")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	internal, err := newInternalConfig(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: *cfg, readPref: internal.readPref}
	clock := &session.Clock{}
	internal.cluster.ClusterTime = clock.Advance
	c.cluster = cluster.New(internal.cluster)
	c.exec = &op.Executor{
		Cluster:     c.cluster,
		Sessions:    &session.Pool{},
		Monitor:     cfg.CommandMonitor,
		Log:         internal.cluster.Log,
		RetryReads:  cfg.RetryReads,
		RetryWrites: cfg.RetryWrites,
		ServerAPI:   internal.cluster.Conn.ServerAPI,
		Clock:       clock,
	}
	if cfg.ConnectEagerly {
		crit := topology.Criteria{ReadPref: c.readPref, Operation: "connect"}
		srv, _, err := c.cluster.Select(ctx, crit)
		if err != nil {
			c.cluster.Close()
			_ = c.exec.Log.Close() // the file of MONGODB_LOG_PATH, as Close does
			return nil, fmt.Errorf("motor: connect: %w", err)
		}
		srv.Done()
	}
	return c, nil
}

// Close stops monitoring, closes every connection and waits for the
// Client's goroutines to end; none outlives Close. Operations in progress
// fail, and later ones return ErrClientClosed. ctx bounds the farewell
// messages to the servers (ending sessions, killing cursors), not the
// release of resources, which always completes.
func (c *Client) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		c.closeOpen(ctx, c.cluster.Close)
		_ = c.exec.Log.Close() // the file of MONGODB_LOG_PATH, if the client opened one
	})
	return nil
}

// Database returns a handle to the database name. It does no I/O.
func (c *Client) Database(name string) *Database {
	return &Database{client: c, name: name, readPref: c.readPref, rc: c.cfg.ReadConcern, wc: c.cfg.WriteConcern}
}

// Ping checks that a server serving the Client's read preference answers.
func (c *Client) Ping(ctx context.Context) error {
	return c.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// ServerInfo describes the server's build, from its buildInfo command.
type ServerInfo struct {
	// Version is the server's version, as "7.0.12".
	Version string
	// VersionArray is the version as numbers: major, minor, patch, extra.
	VersionArray []int32
	// GitVersion is the commit the server was built from.
	GitVersion string
	// MaxBSONObjectSize is the largest document the server accepts.
	MaxBSONObjectSize int64
	// Raw is the whole buildInfo reply.
	Raw bson.Raw
}

// ServerInfo runs buildInfo on a server serving the Client's read
// preference and returns what it says.
func (c *Client) ServerInfo(ctx context.Context) (*ServerInfo, error) {
	raw, err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		return nil, err
	}
	info := &ServerInfo{
		Version:    raw.Lookup("version").StringValue(),
		GitVersion: raw.Lookup("gitVersion").StringValue(),
		Raw:        raw,
	}
	info.MaxBSONObjectSize, _ = raw.Lookup("maxBsonObjectSize").AsInt64OK()
	for _, v := range raw.Lookup("versionArray").Array().Values() {
		if n, ok := v.AsInt64OK(); ok {
			info.VersionArray = append(info.VersionArray, int32(n))
		}
	}
	return info, nil
}
