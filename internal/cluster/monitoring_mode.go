package cluster

import (
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/conn"
)

// MonitoringMode is serverMonitoringMode: which protocol the monitors use.
type MonitoringMode uint8

// Monitoring modes. The zero value is MonitorAuto.
const (
	// MonitorAuto streams, except on a FaaS platform (AWS Lambda, Azure
	// Functions, Google Cloud Functions, Vercel), where it polls.
	MonitorAuto MonitoringMode = iota
	// MonitorStream streams from every server that supports it (its
	// replies carry a topologyVersion) and polls the others.
	MonitorStream
	// MonitorPoll polls every server.
	MonitorPoll
)

// String returns the mode as the URI option spells it.
func (m MonitoringMode) String() string {
	switch m {
	case MonitorStream:
		return "stream"
	case MonitorPoll:
		return "poll"
	default:
		return "auto"
	}
}

// streamingEnabled reports whether monitors may use the streaming
// protocol: in stream mode, and in auto mode off FaaS platforms. FaaS
// platforms are detected by the rules of the handshake's client.env,
// read from the client metadata the monitoring connections send (nil
// metadata means the process's own, computed as the handshake would).
func streamingEnabled(mode MonitoringMode, cfg *conn.Config) bool {
	switch mode {
	case MonitorPoll:
		return false
	case MonitorStream:
		return true
	}
	var meta bson.Raw
	if cfg != nil {
		meta = cfg.Metadata
		if meta == nil {
			meta, _ = conn.NewMetadata(conn.MetadataOptions{AppName: cfg.AppName})
		}
	} else {
		meta, _ = conn.NewMetadata(conn.MetadataOptions{})
	}
	return !isFaaS(meta)
}

// faasNames are the values of client.env.name that name a FaaS platform.
var faasNames = map[string]bool{"aws.lambda": true, "azure.func": true, "gcp.func": true, "vercel": true}

// isFaaS reports whether client metadata names a FaaS platform in
// env.name.
func isFaaS(meta bson.Raw) bool {
	name, ok := meta.Lookup("env", "name").StringValueOK()
	return ok && faasNames[name]
}

// monitorConnConfig returns the configuration of monitoring connections:
// cfg with no socket timeout, since each check sets its own deadline
// (connectTimeoutMS, plus heartbeatFrequencyMS for an awaitable hello).
func monitorConnConfig(cfg *conn.Config) *conn.Config {
	var c conn.Config
	if cfg != nil {
		c = *cfg
	}
	c.SocketTimeout = 0
	c.Authenticator = nil
	return &c
}
