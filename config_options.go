package motor

import (
	"errors"
	"strings"
)

// How an option treats an empty value ("key=").
const (
	emptyIgnored = iota // ignored with a warning, as the specification asks
	emptyAllowed        // passed to set (readPreferenceTags: an empty tag set)
	emptyError          // an error (authSource)
)

// optionSpec describes one connection string option.
type optionSpec struct {
	name    string // canonical spelling, e.g. "maxPoolSize"
	aliases []string
	set     func(p *parser, v string) error
	list    bool // repeats add to a list instead of replacing
	once    bool // repeats are an error
	secret  bool // the value is never quoted in a message
	empty   int
}

// options lists every supported option. The order is the order of
// Config.String.
var options = []*optionSpec{
	{name: "appName", set: setAppName},
	{name: "authMechanism", set: setAuthMechanism},
	{name: "authMechanismProperties", set: setAuthProps, secret: true},
	{name: "authSource", set: setAuthSource, empty: emptyError},
	{name: "gssapiServiceName", set: setGSSAPIServiceName},
	{name: "compressors", set: setCompressors},
	{name: "zlibCompressionLevel", set: intSetter(-1, 9, func(c *Config, n int) { c.ZlibCompressionLevel = n })},
	{name: "connectTimeoutMS", set: msSetter(0, func(c *Config, d msDuration) { c.ConnectTimeout = d.d })},
	{name: "directConnection", set: boolSetter(func(c *Config, b bool) { c.DirectConnection = b })},
	{name: "heartbeatFrequencyMS", set: msSetter(500, func(c *Config, d msDuration) { c.HeartbeatFrequency = d.d })},
	{name: "loadBalanced", set: boolSetter(func(c *Config, b bool) { c.LoadBalanced = b })},
	{name: "localThresholdMS", set: msSetter(0, func(c *Config, d msDuration) { c.LocalThreshold = d.d })},
	{name: "maxIdleTimeMS", set: msSetter(0, func(c *Config, d msDuration) { c.MaxIdleTime = d.d })},
	{name: "maxPoolSize", set: intSetter(0, maxInt32, func(c *Config, n int) { c.MaxPoolSize = n })},
	{name: "minPoolSize", set: intSetter(0, maxInt32, func(c *Config, n int) { c.MinPoolSize = n })},
	{name: "maxConnecting", set: intSetter(1, maxInt32, func(c *Config, n int) { c.MaxConnecting = n })},
	{name: "waitQueueTimeoutMS", set: msSetter(0, func(c *Config, d msDuration) { c.WaitQueueTimeout = d.d })},
	{name: "maxAdaptiveRetries", set: intSetter(0, maxInt32, func(c *Config, n int) { c.MaxAdaptiveRetries = n })},
	{name: "enableOverloadRetargeting", set: boolSetter(func(c *Config, b bool) { c.EnableOverloadRetargeting = b })},
	{name: "proxyHost", set: setProxyHost, once: true},
	{name: "proxyPort", set: setProxyPort, once: true},
	{name: "proxyUsername", set: setProxyUsername, once: true},
	{name: "proxyPassword", set: setProxyPassword, once: true, secret: true},
	{name: "readConcernLevel", set: setReadConcernLevel},
	{name: "readPreference", set: setReadPreference},
	{name: "readPreferenceTags", set: setReadPreferenceTags, list: true, empty: emptyAllowed},
	{name: "maxStalenessSeconds", set: setMaxStaleness},
	{name: "replicaSet", set: func(p *parser, v string) error { p.cfg.ReplicaSet = v; return nil }},
	{name: "retryReads", set: boolSetter(func(c *Config, b bool) { c.RetryReads = b })},
	{name: "retryWrites", set: boolSetter(func(c *Config, b bool) { c.RetryWrites = b })},
	{name: "serverMonitoringMode", set: setServerMonitoringMode},
	{name: "serverSelectionTimeoutMS", set: msSetter(1, func(c *Config, d msDuration) { c.ServerSelectionTimeout = d.d })},
	{name: "serverSelectionTryOnce", set: boolSetter(func(c *Config, b bool) { c.ServerSelectionTryOnce = b })},
	{name: "socketTimeoutMS", set: msSetter(0, func(c *Config, d msDuration) { c.SocketTimeout = d.d })},
	{name: "timeoutMS", set: msSetter(0, func(c *Config, d msDuration) { c.Timeout = &d.d })},
	{name: "srvMaxHosts", set: setSRVMaxHosts},
	{name: "srvServiceName", set: setSRVServiceName},
	{name: "tls", aliases: []string{"ssl"}, set: setTLS},
	{name: "tlsCAFile", set: func(p *parser, v string) error { p.cfg.TLSOptions.CAFile = v; return nil }},
	{name: "tlsCertificateKeyFile", set: func(p *parser, v string) error { p.cfg.TLSOptions.CertificateKeyFile = v; return nil }},
	{name: "tlsCertificateKeyFilePassword", secret: true, set: func(p *parser, v string) error {
		p.cfg.TLSOptions.CertificateKeyFilePassword = v
		return nil
	}},
	{name: "tlsInsecure", set: boolSetter(func(c *Config, b bool) { c.TLSOptions.Insecure = b })},
	{name: "tlsAllowInvalidCertificates", set: boolSetter(func(c *Config, b bool) { c.TLSOptions.AllowInvalidCertificates = b })},
	{name: "tlsAllowInvalidHostnames", set: boolSetter(func(c *Config, b bool) { c.TLSOptions.AllowInvalidHostnames = b })},
	{name: "tlsDisableOCSPEndpointCheck", set: boolSetter(func(c *Config, b bool) { c.TLSOptions.DisableOCSPEndpointCheck = b })},
	{name: "tlsDisableCertificateRevocationCheck", set: boolSetter(func(c *Config, b bool) {
		c.TLSOptions.DisableCertificateRevocationCheck = b
	})},
	{name: "uuidRepresentation", set: setUUIDRepresentation},
	{name: "w", set: setW},
	{name: "journal", set: setJournal},
	{name: "wTimeoutMS", set: setWTimeout},
	{name: "wtimeout", set: setWTimeoutOld},
}

// optionIndex maps lower-cased names and aliases to their spec.
var optionIndex = func() map[string]*optionSpec {
	m := make(map[string]*optionSpec, len(options)+1)
	for _, o := range options {
		m[strings.ToLower(o.name)] = o
		for _, a := range o.aliases {
			m[a] = o
		}
	}
	return m
}()

// lookupOption returns the spec of key, matched case-insensitively (ASCII
// letters only, as the specification says), or nil.
func lookupOption(key string) *optionSpec {
	return optionIndex[asciiLower(key)]
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// apply applies one decoded option; raw is the value as written, for
// messages. From a TXT record, options the URI gave are skipped.
func (p *parser) apply(key, value, raw string) error {
	spec := lookupOption(key)
	if spec == nil {
		p.warn("unknown option " + p.quote(key) + " ignored")
		return nil
	}
	if p.txt && p.seen[spec.name] {
		return nil
	}
	p.cur, p.curKey = spec, key
	if value == "" {
		switch spec.empty {
		case emptyError:
			return p.errorf("the value may not be empty")
		case emptyIgnored:
			p.warnf("empty value ignored")
			return nil
		}
	}
	if !p.txt && p.seen[spec.name] && !spec.list && spec.name != "tls" {
		if spec.once {
			return p.errorf("the option may be given only once")
		}
		p.warnf("option repeated; the last value is used")
	}
	if !p.txt {
		p.seen[spec.name] = true
	}
	err := spec.set(p, value)
	var bad *badValue
	if errors.As(err, &bad) {
		msg := "invalid value"
		if !spec.secret {
			msg += " " + p.quote(raw)
		}
		msg += ": " + bad.msg
		if p.opts.Lenient {
			p.warnf("%s; option ignored", msg)
			return nil
		}
		return p.errorf("%s", msg)
	}
	return err
}

// A badValue is an invalid option value: an error, or a warning when
// ParseOptions.Lenient is set.
type badValue struct{ msg string }

func (e *badValue) Error() string { return e.msg }

func invalid(msg string) error { return &badValue{msg} }

// softInvalid reports a bad part of a list value, such as one malformed
// key:value pair, that a lenient parse skips while keeping the rest.
func (p *parser) softInvalid(msg string) error {
	if p.opts.Lenient {
		p.warnf("invalid value: %s; ignored", msg)
		return nil
	}
	return p.errorf("invalid value: %s", msg)
}
