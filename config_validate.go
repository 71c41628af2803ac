package motor

import (
	"fmt"
	"time"
)

// finish builds the grouped options into Config fields, validates the
// result and only then reads the TLS files.
func (p *parser) finish() error {
	tlsOn, err := p.checkTLS()
	if err != nil {
		return err
	}
	if err := p.buildCredential(); err != nil {
		return err
	}
	p.buildConcerns()
	p.buildReadPreference()
	p.buildProxy()
	if err := p.cfg.Validate(); err != nil {
		return asURIError(err)
	}
	if tlsOn {
		tc, err := newTLSConfig(p.cfg.TLSOptions, p.opts.readFile)
		if err != nil {
			return asURIError(err)
		}
		p.cfg.TLSConfig = tc
	}
	return nil
}

// Validate reports the first problem of a Config: a value out of range, or
// fields that contradict each other, such as DirectConnection with several
// hosts or a credential that its mechanism rejects. ParseURI validates what
// it returns; call Validate again after changing fields (connecting does).
// It returns a *ConfigError.
func (c *Config) Validate() error {
	if c.MaxDocumentLength < 0 {
		return configError("MaxDocumentLength", fmt.Sprintf("must be >= 0, got %d", c.MaxDocumentLength))
	}
	if err := c.LogLevels.validate(); err != nil {
		return err
	}
	if len(c.Hosts) == 0 {
		return configError("", "no host given")
	}
	for _, h := range c.Hosts {
		if h == "" {
			return configError("", "empty host in Hosts")
		}
	}
	if err := c.validateTopology(); err != nil {
		return err
	}
	if c.Auth != nil {
		if err := validateCredential(c.Auth); err != nil {
			return err
		}
	}
	if c.WriteConcern != nil {
		if err := c.WriteConcern.validate(); err != nil {
			return err
		}
	}
	if c.ReadPreference != nil {
		if err := c.ReadPreference.validate(); err != nil {
			return err
		}
	}
	if c.Proxy != nil {
		if err := c.Proxy.validate(); err != nil {
			return err
		}
	}
	if err := c.validateLimits(); err != nil {
		return err
	}
	return c.validateNames()
}

// validateTopology checks the options that decide the topology type.
func (c *Config) validateTopology() error {
	if c.SRVHost == "" {
		if c.SRVMaxHosts != 0 {
			return configError("srvMaxHosts", "requires a mongodb+srv connection string")
		}
		if c.SRVServiceName != "" {
			return configError("srvServiceName", "requires a mongodb+srv connection string")
		}
	}
	if c.SRVMaxHosts < 0 {
		return configError("srvMaxHosts", "must not be negative")
	}
	if c.DirectConnection {
		if c.SRVHost != "" {
			return configError("directConnection", "directConnection=true cannot be used with mongodb+srv")
		}
		if len(c.Hosts) > 1 {
			return configError("directConnection", "directConnection=true requires exactly one host")
		}
	}
	if c.LoadBalanced {
		switch {
		case len(c.Hosts) > 1:
			return configError("loadBalanced", "loadBalanced=true requires exactly one host")
		case c.ReplicaSet != "":
			return configError("loadBalanced", "loadBalanced=true cannot be used with replicaSet")
		case c.DirectConnection:
			return configError("loadBalanced", "loadBalanced=true cannot be used with directConnection=true")
		}
	}
	if c.SRVMaxHosts > 0 {
		if c.ReplicaSet != "" {
			return configError("srvMaxHosts", "a positive srvMaxHosts cannot be used with replicaSet")
		}
		if c.LoadBalanced {
			return configError("srvMaxHosts", "a positive srvMaxHosts cannot be used with loadBalanced=true")
		}
	}
	return nil
}

// validateLimits checks durations, pool sizes and levels.
func (c *Config) validateLimits() error {
	nonNegative := []struct {
		name string
		d    time.Duration
	}{
		{"connectTimeoutMS", c.ConnectTimeout},
		{"socketTimeoutMS", c.SocketTimeout},
		{"localThresholdMS", c.LocalThreshold},
		{"maxIdleTimeMS", c.MaxIdleTime},
		{"waitQueueTimeoutMS", c.WaitQueueTimeout},
	}
	for _, o := range nonNegative {
		if o.d < 0 {
			return configError(o.name, "must not be negative")
		}
	}
	switch {
	case c.Timeout != nil && *c.Timeout < 0:
		return configError("timeoutMS", "must not be negative")
	case c.ServerSelectionTimeout <= 0:
		return configError("serverSelectionTimeoutMS", "must be positive")
	case c.HeartbeatFrequency < 500*time.Millisecond:
		return configError("heartbeatFrequencyMS", "must be at least 500ms")
	case c.MaxPoolSize < 0:
		return configError("maxPoolSize", "must not be negative")
	case c.MinPoolSize < 0:
		return configError("minPoolSize", "must not be negative")
	case c.MaxPoolSize > 0 && c.MinPoolSize > c.MaxPoolSize:
		return configError("minPoolSize", fmt.Sprintf("%d exceeds maxPoolSize %d", c.MinPoolSize, c.MaxPoolSize))
	case c.MaxConnecting < 1:
		return configError("maxConnecting", "must be positive")
	case c.MaxAdaptiveRetries < 0:
		return configError("maxAdaptiveRetries", "must not be negative")
	case c.ZlibCompressionLevel < -1 || c.ZlibCompressionLevel > 9:
		return configError("zlibCompressionLevel", "must be from -1 to 9")
	}
	return nil
}

// validateNames checks the options that take one of a set of names.
func (c *Config) validateNames() error {
	for _, name := range c.Compressors {
		if !contains(knownCompressors, name) {
			return configError("compressors", fmt.Sprintf("unknown compressor %q", name))
		}
	}
	switch c.ServerMonitoringMode {
	case "", ServerMonitoringAuto, ServerMonitoringStream, ServerMonitoringPoll:
	default:
		return configError("serverMonitoringMode", fmt.Sprintf("unknown mode %q", c.ServerMonitoringMode))
	}
	if c.UUIDRepresentation != "" && !containsUUID(c.UUIDRepresentation) {
		return configError("uuidRepresentation", fmt.Sprintf("unknown representation %q", c.UUIDRepresentation))
	}
	if len(c.AppName) > 128 {
		return configError("appName", "must be at most 128 bytes long")
	}
	if c.ServerAPI != nil && c.ServerAPI.Version != ServerAPIVersion1 {
		return configError("", fmt.Sprintf("unsupported Stable API version %q", c.ServerAPI.Version))
	}
	return nil
}

func containsUUID(u UUIDRepresentation) bool {
	for _, x := range uuidRepresentations {
		if x == u {
			return true
		}
	}
	return false
}
