package motor

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// redacted replaces secrets in Config.String.
const redacted = "REDACTED"

// String returns c as a connection string that ParseURI accepts, with the
// password, proxyPassword, tlsCertificateKeyFilePassword and any unknown
// mechanism property replaced by "REDACTED". Options at their default value
// are left out. A mongodb+srv Config shows its SRV host, not the hosts the
// SRV records named, and its TXT record's options as URI options. Fields
// without an option (TLSConfig beyond the tls options, ServerAPI) are not
// shown.
func (c *Config) String() string { return c.uri(true) }

// uri formats c as a connection string, with or without its secrets.
func (c *Config) uri(redact bool) string {
	var b strings.Builder
	if c.SRVHost != "" {
		b.WriteString(schemeSRV)
	} else {
		b.WriteString(schemeMongoDB)
	}
	if a := c.Auth; a != nil && (a.Username != "" || a.PasswordSet) {
		b.WriteString(escape(a.Username, "!$&'()*+,;="))
		if a.PasswordSet {
			b.WriteByte(':')
			b.WriteString(secret(a.Password, redact, "!$&'()*+,;="))
		}
		b.WriteByte('@')
	}
	if c.SRVHost != "" {
		b.WriteString(escape(c.SRVHost, ""))
	} else {
		for i, h := range c.Hosts {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(hostString(h))
		}
	}
	opts := c.uriOptions(redact)
	if c.Database != "" || len(opts) > 0 {
		b.WriteByte('/')
		b.WriteString(escape(c.Database, "!&'()*+,;=:"))
	}
	for i, kv := range opts {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(kv[0])
		b.WriteByte('=')
		b.WriteString(kv[1])
	}
	return b.String()
}

// hostString formats one entry of Hosts for a connection string.
func hostString(h string) string {
	switch {
	case strings.Contains(h, "/"):
		return escape(h, "") // a socket path: '/' and ':' are escaped too
	case strings.HasPrefix(h, "["):
		return strings.ReplaceAll(h, "%", "%25")
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		return escape(h[:i], "!$&'()*+;=") + h[i:]
	}
	return escape(h, "!$&'()*+;=")
}

// valueSafe are the characters left as they are in option values.
const valueSafe = "!$'()*+,;:/@"

// uriOptions lists the options of c that differ from their defaults, as
// escaped key=value pairs in the order of the options table.
func (c *Config) uriOptions(redact bool) [][2]string {
	var out [][2]string
	add := func(k, v string) { out = append(out, [2]string{k, escape(v, valueSafe)}) }
	addRaw := func(k, v string) { out = append(out, [2]string{k, v}) }
	ms := func(k string, d, def time.Duration) {
		if d != def {
			add(k, strconv.FormatInt(d.Milliseconds(), 10))
		}
	}
	num := func(k string, n, def int) {
		if n != def {
			add(k, strconv.Itoa(n))
		}
	}
	flag := func(k string, b, def bool) {
		if b != def {
			add(k, strconv.FormatBool(b))
		}
	}
	str := func(k, v string) {
		if v != "" {
			add(k, v)
		}
	}

	str("appName", c.AppName)
	if a := c.Auth; a != nil {
		str("authMechanism", a.Mechanism)
		if len(a.Properties) > 0 {
			addRaw("authMechanismProperties", propsString(a.Properties, redact))
		}
		if a.Source != "" && a.Source != defaultSource(a.Mechanism, c.Database) {
			add("authSource", a.Source)
		}
	} else {
		str("authSource", c.authSource)
	}
	if len(c.Compressors) > 0 {
		add("compressors", strings.Join(c.Compressors, ","))
	}
	num("zlibCompressionLevel", c.ZlibCompressionLevel, -1)
	ms("connectTimeoutMS", c.ConnectTimeout, 10*time.Second)
	flag("directConnection", c.DirectConnection, false)
	ms("heartbeatFrequencyMS", c.HeartbeatFrequency, 10*time.Second)
	flag("loadBalanced", c.LoadBalanced, false)
	ms("localThresholdMS", c.LocalThreshold, 15*time.Millisecond)
	ms("maxIdleTimeMS", c.MaxIdleTime, 0)
	num("maxPoolSize", c.MaxPoolSize, 100)
	num("minPoolSize", c.MinPoolSize, 0)
	num("maxConnecting", c.MaxConnecting, 2)
	ms("waitQueueTimeoutMS", c.WaitQueueTimeout, 0)
	num("maxAdaptiveRetries", c.MaxAdaptiveRetries, 2)
	flag("enableOverloadRetargeting", c.EnableOverloadRetargeting, false)
	if o := c.Proxy; o != nil {
		str("proxyHost", o.Host)
		num("proxyPort", o.Port, 1080)
		str("proxyUsername", o.Username)
		if o.Password != "" {
			addRaw("proxyPassword", secret(o.Password, redact, valueSafe))
		}
	}
	if c.ReadConcern != nil {
		str("readConcernLevel", c.ReadConcern.Level)
	}
	if rp := c.ReadPreference; rp != nil {
		mode := rp.Mode
		if mode == "" {
			mode = ReadPrimary
		}
		add("readPreference", string(mode))
		for _, ts := range rp.TagSets {
			tags := make([]string, len(ts))
			for i, t := range ts {
				tags[i] = escape(t.Name, valueSafe) + ":" + escape(t.Value, valueSafe)
			}
			addRaw("readPreferenceTags", strings.Join(tags, ","))
		}
		if rp.MaxStaleness > 0 {
			add("maxStalenessSeconds", strconv.FormatInt(int64(rp.MaxStaleness/time.Second), 10))
		}
	}
	str("replicaSet", c.ReplicaSet)
	flag("retryReads", c.RetryReads, true)
	flag("retryWrites", c.RetryWrites, true)
	if c.ServerMonitoringMode != ServerMonitoringAuto {
		str("serverMonitoringMode", string(c.ServerMonitoringMode))
	}
	ms("serverSelectionTimeoutMS", c.ServerSelectionTimeout, 30*time.Second)
	flag("serverSelectionTryOnce", c.ServerSelectionTryOnce, true)
	ms("socketTimeoutMS", c.SocketTimeout, 0)
	if c.Timeout != nil {
		add("timeoutMS", strconv.FormatInt(c.Timeout.Milliseconds(), 10))
	}
	num("srvMaxHosts", c.SRVMaxHosts, 0)
	if c.SRVServiceName != "mongodb" {
		str("srvServiceName", c.SRVServiceName)
	}
	c.tlsOptions(redact, add, addRaw)
	str("uuidRepresentation", string(c.UUIDRepresentation))
	if wc := c.WriteConcern; wc != nil {
		str("w", wc.W.String())
		if wc.Journal != nil {
			add("journal", strconv.FormatBool(*wc.Journal))
		}
		ms("wTimeoutMS", wc.WTimeout, 0)
	}
	return out
}

// tlsOptions adds the tls options of c: tls itself when it differs from the
// scheme's default, the others only when TLS is on.
func (c *Config) tlsOptions(redact bool, add, addRaw func(k, v string)) {
	on := c.TLSConfig != nil
	if on != (c.SRVHost != "") {
		add("tls", strconv.FormatBool(on))
	}
	if !on {
		return
	}
	o := c.TLSOptions
	for _, kv := range [][2]string{{"tlsCAFile", o.CAFile}, {"tlsCertificateKeyFile", o.CertificateKeyFile}} {
		if kv[1] != "" {
			add(kv[0], kv[1])
		}
	}
	if o.CertificateKeyFilePassword != "" {
		addRaw("tlsCertificateKeyFilePassword", secret(o.CertificateKeyFilePassword, redact, valueSafe))
	}
	flags := []struct {
		name string
		on   bool
	}{
		{"tlsInsecure", o.Insecure},
		{"tlsAllowInvalidCertificates", o.AllowInvalidCertificates},
		{"tlsAllowInvalidHostnames", o.AllowInvalidHostnames},
		{"tlsDisableOCSPEndpointCheck", o.DisableOCSPEndpointCheck},
		{"tlsDisableCertificateRevocationCheck", o.DisableCertificateRevocationCheck},
	}
	for _, f := range flags {
		if f.on {
			add(f.name, "true")
		}
	}
}

// propsString formats mechanism properties as NAME:value pairs, sorted.
func propsString(props map[string]string, redact bool) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		v := props[k]
		if redact && !isPublicProperty(k) {
			v = redacted
		}
		keys[i] = escape(k, valueSafe) + ":" + escape(v, valueSafe)
	}
	return strings.Join(keys, ",")
}

// secret escapes s, or replaces it when redacting.
func secret(s string, redact bool, safe string) string {
	if redact {
		return redacted
	}
	return escape(s, safe)
}

// escape percent-encodes s, leaving RFC 3986 unreserved characters, the
// ASCII characters in safe and printable non-ASCII characters as they are.
func escape(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isUnreserved(c) || strings.IndexByte(safe, c) >= 0 {
				b.WriteByte(c)
			} else {
				writeEscaped(&b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError && unicode.IsPrint(r) && !isSpaceOrControl(r) {
			b.WriteString(s[i : i+n])
		} else {
			for j := i; j < i+n; j++ {
				writeEscaped(&b, s[j])
			}
		}
		i += n
	}
	return b.String()
}

func writeEscaped(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('%')
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&15])
}
