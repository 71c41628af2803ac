package motor

import "fmt"

// A ServerMonitoringMode chooses how servers are monitored
// (serverMonitoringMode).
type ServerMonitoringMode string

// Server monitoring modes.
const (
	// ServerMonitoringAuto streams, except on a FaaS platform such as AWS
	// Lambda, where it polls. It is the default.
	ServerMonitoringAuto ServerMonitoringMode = "auto"
	// ServerMonitoringStream has servers push their state as it changes.
	ServerMonitoringStream ServerMonitoringMode = "stream"
	// ServerMonitoringPoll checks each server every HeartbeatFrequency.
	ServerMonitoringPoll ServerMonitoringMode = "poll"
)

// A UUIDRepresentation is a value of the uuidRepresentation option, the
// binary subtype drivers with a native UUID type store UUIDs as.
type UUIDRepresentation string

// UUID representations. The zero value means unspecified.
const (
	UUIDStandard       UUIDRepresentation = "standard"
	UUIDCSharpLegacy   UUIDRepresentation = "csharpLegacy"
	UUIDJavaLegacy     UUIDRepresentation = "javaLegacy"
	UUIDPythonLegacy   UUIDRepresentation = "pythonLegacy"
	uuidUnspecifiedURI                    = "unspecified"
)

var uuidRepresentations = []UUIDRepresentation{UUIDStandard, UUIDCSharpLegacy, UUIDJavaLegacy, UUIDPythonLegacy}

// ServerAPIVersion1 is Stable API version "1".
const ServerAPIVersion1 = "1"

// A ServerAPI declares the Stable API version that every command is sent
// with. It has no connection string option.
type ServerAPI struct {
	// Version is the API version, ServerAPIVersion1.
	Version string
	// Strict makes the server reject commands outside the version.
	Strict bool
	// DeprecationErrors makes the server reject deprecated commands.
	DeprecationErrors bool
}

// ProxyOptions name a SOCKS5 proxy: the proxyHost, proxyPort,
// proxyUsername and proxyPassword options.
type ProxyOptions struct {
	// Host is the proxy's host name or IP address.
	Host string
	// Port is its port, 1080 by default.
	Port int
	// Username and Password, given together or not at all, authenticate to
	// the proxy (RFC 1929); each is at most 255 bytes.
	Username string
	Password string
}

// String describes o without its password.
func (o ProxyOptions) String() string {
	pw := ""
	if o.Password != "" {
		pw = "REDACTED"
	}
	return fmt.Sprintf("{Host:%s Port:%d Username:%s Password:%s}", o.Host, o.Port, o.Username, pw)
}

// GoString is String, so that %#v shows no password either.
func (o ProxyOptions) GoString() string { return "motor.ProxyOptions" + o.String() }

// validate checks the proxy settings.
func (o *ProxyOptions) validate() error {
	switch {
	case o.Host == "":
		return configError("proxyHost", "is required by the other proxy options")
	case o.Port < 1 || o.Port > 65535:
		return configError("proxyPort", "must be from 1 to 65535")
	case (o.Username == "") != (o.Password == ""):
		return configError("proxyUsername", "proxyUsername and proxyPassword go together")
	case len(o.Username) > 255 || len(o.Password) > 255:
		return configError("proxyUsername", "proxyUsername and proxyPassword are at most 255 bytes")
	}
	return nil
}

// buildProxy turns the proxy options into a Config field.
func (p *parser) buildProxy() {
	if p.proxyHost == "" && p.proxyPort == 0 && p.proxyUser == "" && p.proxyPass == "" {
		return
	}
	o := &ProxyOptions{Host: p.proxyHost, Port: p.proxyPort, Username: p.proxyUser, Password: p.proxyPass}
	if o.Port == 0 {
		o.Port = 1080
	}
	p.cfg.Proxy = o
}
