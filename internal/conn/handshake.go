package conn

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/auth"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/mongoerr"
)

// maxReadLimit bounds the size of the messages a connection reads when the
// server names a maxMessageSizeBytes larger than any MongoDB server does, so
// that a hostile server cannot make the driver allocate gigabytes.
const maxReadLimit = 4 * wire.DefaultMaxMessageSize

// Defaults for the limits a hello reply leaves out.
const (
	DefaultMaxBSONObjectSize = 16 * 1024 * 1024
	DefaultMaxWriteBatchSize = 100_000
)

// Description is what the hello reply of a connection's handshake said.
type Description struct {
	// Hello is a copy of the whole reply, for the topology layer to build
	// its server description from, without speculativeAuthenticate.
	Hello bson.Raw
	// RTT is how long the hello took.
	RTT time.Duration

	// HelloOK says that the server understands hello, so that monitoring
	// uses it rather than the legacy isMaster.
	HelloOK bool

	MinWireVersion int32
	MaxWireVersion int32
	// MaxBSONObjectSize is maxBsonObjectSize (DefaultMaxBSONObjectSize when
	// absent).
	MaxBSONObjectSize int32
	// MaxMessageSize is maxMessageSizeBytes (wire.DefaultMaxMessageSize
	// when absent).
	MaxMessageSize int
	// MaxWriteBatchSize is maxWriteBatchSize (DefaultMaxWriteBatchSize when
	// absent).
	MaxWriteBatchSize int32
	// SessionTimeoutMinutes is logicalSessionTimeoutMinutes, when
	// HasSessionTimeout says the reply had it.
	SessionTimeoutMinutes int32
	HasSessionTimeout     bool

	// ConnectionID is the server's id for this connection, 0 if absent.
	ConnectionID int64
	// ServiceID is the serviceId of a server behind a load balancer, when
	// HasServiceID says the reply had one.
	ServiceID    bson.ObjectID
	HasServiceID bool

	// Compressor is the compressor in use, "" for none.
	Compressor string
	// SASLSupportedMechs is saslSupportedMechs, nil when absent. It is not
	// validated: unknown names are kept as they are.
	SASLSupportedMechs []string
}

// parseDescription reads the fields of a hello reply. It never fails: a
// field of the wrong type counts as absent.
func parseDescription(hello bson.Raw) Description {
	d := Description{
		MaxBSONObjectSize: DefaultMaxBSONObjectSize,
		MaxMessageSize:    wire.DefaultMaxMessageSize,
		MaxWriteBatchSize: DefaultMaxWriteBatchSize,
	}
	for k, v := range hello.Elements() {
		switch k {
		case "helloOk":
			d.HelloOK, _ = v.BooleanOK()
		case "minWireVersion":
			d.MinWireVersion = int32Of(v, d.MinWireVersion)
		case "maxWireVersion":
			d.MaxWireVersion = int32Of(v, d.MaxWireVersion)
		case "maxBsonObjectSize":
			d.MaxBSONObjectSize = positive(int32Of(v, 0), d.MaxBSONObjectSize)
		case "maxMessageSizeBytes":
			d.MaxMessageSize = int(positive(int32Of(v, 0), int32(d.MaxMessageSize)))
		case "maxWriteBatchSize":
			d.MaxWriteBatchSize = positive(int32Of(v, 0), d.MaxWriteBatchSize)
		case "logicalSessionTimeoutMinutes":
			if n, ok := v.AsInt64OK(); ok && n >= 0 && n <= 1<<31-1 {
				d.SessionTimeoutMinutes, d.HasSessionTimeout = int32(n), true
			}
		case "connectionId":
			if n, ok := v.AsInt64OK(); ok {
				d.ConnectionID = n
			}
		case "serviceId":
			d.ServiceID, d.HasServiceID = v.ObjectIDOK()
		case "saslSupportedMechs":
			if a, ok := v.ArrayOK(); ok {
				d.SASLSupportedMechs = []string{}
				for _, m := range a.Values() {
					if s, ok := m.StringValueOK(); ok {
						d.SASLSupportedMechs = append(d.SASLSupportedMechs, s)
					}
				}
			}
		}
	}
	return d
}

// int32Of returns v as an int32 when it is an integer that fits, def
// otherwise.
func int32Of(v bson.RawValue, def int32) int32 {
	n, ok := v.AsInt64OK()
	if !ok || n < -1<<31 || n > 1<<31-1 {
		return def
	}
	return int32(n)
}

func positive(n, def int32) int32 {
	if n > 0 {
		return n
	}
	return def
}

// serverCompressors returns the compression list of a hello reply.
func serverCompressors(hello bson.Raw) []string {
	a, ok := hello.Lookup("compression").ArrayOK()
	if !ok {
		return nil
	}
	var names []string
	for _, v := range a.Values() {
		if s, ok := v.StringValueOK(); ok {
			names = append(names, s)
		}
	}
	return names
}

// helloCommand builds the initial hello of the handshake specification.
func helloCommand(cfg *Config, metadata bson.Raw) bson.D {
	cmd := make(bson.D, 0, 9)
	if cfg.ServerAPI != nil || cfg.LoadBalanced {
		cmd = append(cmd, bson.E{Key: "hello", Value: int32(1)})
	} else {
		cmd = append(cmd, bson.E{Key: "isMaster", Value: int32(1)}, bson.E{Key: "helloOk", Value: true})
	}
	// The version of the client backpressure specification the driver
	// follows, as a string.
	cmd = append(cmd, bson.E{Key: "backpressure", Value: "2"}, bson.E{Key: "client", Value: metadata})
	if len(cfg.Compressors) > 0 {
		cmd = append(cmd, bson.E{Key: "compression", Value: cfg.Compressors})
	}
	if cfg.LoadBalanced {
		cmd = append(cmd, bson.E{Key: "loadBalanced", Value: true})
	}
	return cmd
}

// handshake runs the initial hello and authentication on a new connection,
// within ctx, and fills in the connection's Description.
func (c *Conn) handshake(ctx context.Context, cfg *Config) error {
	meta := cfg.Metadata
	if meta == nil {
		var err error
		if meta, err = NewMetadata(MetadataOptions{AppName: cfg.AppName}); err != nil {
			return c.handshakeError(err)
		}
	}
	cmd := helloCommand(cfg, meta)
	var h *auth.Handshake
	if cfg.Authenticator != nil {
		h = cfg.Authenticator.Begin()
		var err error
		if cmd, err = h.AppendHello(cmd); err != nil {
			return err // an *auth.Error, without secrets
		}
	}
	body, err := bson.Marshal(cmd)
	if err != nil {
		return c.handshakeError(err)
	}
	start := time.Now()
	r, err := c.roundTrip(ctx, &Command{DB: "admin", Body: body}, 0)
	rtt := time.Since(start)
	if err != nil {
		// The hello's I/O failing may be the server shedding load; the
		// authentication that follows gets no such labels.
		return overloadLabels(c.handshakeError(err))
	}
	hello := bson.Raw(bytes.Clone(r.Body))
	r.Release()
	if err := hello.Validate(); err != nil {
		return c.handshakeError(err)
	}
	d := parseDescription(hello)
	d.RTT = rtt
	if cfg.LoadBalanced && !d.HasServiceID {
		return c.handshakeError(ErrNoServiceID)
	}
	if comp, ok := wire.Negotiate(cfg.Compressors, serverCompressors(hello), cfg.ZlibLevel); ok {
		c.comp, c.compress = comp, true
		d.Compressor = comp.ID().String()
	}
	if cfg.MaxMessageSize <= 0 {
		c.maxRead = min(d.MaxMessageSize, maxReadLimit)
	}
	d.Hello = hello
	c.desc = d
	if h != nil {
		if err := h.Authenticate(ctx, authRunner{c}, hello); err != nil {
			return err
		}
	}
	c.desc.Hello = withoutElement(hello, "speculativeAuthenticate")
	return nil
}

// handshakeError makes err the NetworkError of a failed handshake: network
// errors say "handshake", and a server's refusal or a bad reply is wrapped.
func (c *Conn) handshakeError(err error) error {
	var ne *mongoerr.NetworkError
	if errors.As(err, &ne) {
		ne.Op = "handshake"
		return ne
	}
	return &mongoerr.NetworkError{Address: c.addr, Op: "handshake", Err: err}
}

// authRunner runs authentication's commands on the connection being
// established.
type authRunner struct{ c *Conn }

// RunCommand implements auth.Runner. The reply is a copy: the conversation
// may hold on to it across the next command.
func (r authRunner) RunCommand(ctx context.Context, db string, cmd []byte) (bson.Raw, error) {
	reply, err := r.c.roundTrip(ctx, &Command{DB: db, Body: cmd}, 0)
	if err != nil {
		return nil, err
	}
	out := bson.Raw(bytes.Clone(reply.Body))
	reply.Release()
	return out, nil
}

// withoutElement returns doc without its top-level key, doc itself when it
// has no such key.
func withoutElement(doc bson.Raw, key string) bson.Raw {
	found := false
	for k := range doc.Elements() {
		if k == key {
			found = true
			break
		}
	}
	if !found {
		return doc
	}
	out := make([]byte, 4, len(doc))
	for k, v := range doc.Elements() {
		if k == key {
			continue
		}
		out = append(out, byte(v.Type))
		out = append(out, k...)
		out = append(out, 0)
		out = append(out, v.Value...)
	}
	out = append(out, 0)
	out[0], out[1], out[2], out[3] = byte(len(out)), byte(len(out)>>8), byte(len(out)>>16), byte(len(out)>>24)
	return out
}
