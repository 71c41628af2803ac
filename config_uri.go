package motor

import (
	"context"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/motor-go/motor/internal/srv"
)

const (
	schemeMongoDB = "mongodb://"
	schemeSRV     = "mongodb+srv://"
	defaultPort   = "27017"
)

// parser turns one connection string into a Config. The options of a group
// (credential, TLS, read preference, write concern, proxy) are collected
// first and turned into Config fields by finish, once the TXT record of a
// mongodb+srv URI has been applied.
type parser struct {
	opts   ParseOptions
	cfg    *Config
	srv    bool
	noEcho bool            // the URI has an '@' after the hosts: quote nothing (see quote)
	seen   map[string]bool // canonical names of the options the URI gave a value
	cur    *optionSpec     // the option being applied, for messages
	curKey string          // its key as written
	txt    bool            // applying the TXT record's options

	// userinfo and auth options
	hasUserinfo       bool
	username          string
	password          string
	passwordSet       bool
	mechanism         string
	authSource        string
	authProps         map[string]string
	gssapiServiceName string

	// TLS: tlsFlag is the tls/ssl value, nil when absent.
	tlsFlag *bool

	// read preference, read concern and write concern
	readMode     ReadMode
	tagSets      []TagSet
	maxStaleness *time.Duration
	readLevel    *string
	w            W
	journal      *bool
	wTimeout     *time.Duration
	wTimeoutOld  *time.Duration // the deprecated wtimeout option

	// SOCKS5 proxy
	proxyHost, proxyUser, proxyPass string
	proxyPort                       int
}

// parse parses uri into p.cfg: the URI's parts, its options, the DNS records
// of a mongodb+srv name, then the checks of the result.
func (p *parser) parse(ctx context.Context, uri string) error {
	var rest string
	switch {
	case hasPrefixFold(uri, schemeMongoDB):
		rest = uri[len(schemeMongoDB):]
	case hasPrefixFold(uri, schemeSRV):
		rest = uri[len(schemeSRV):]
		p.srv = true
	case uri == "":
		return uriError("", "empty connection string")
	default:
		return uriError("", "the scheme must be mongodb:// or mongodb+srv://")
	}

	// The host list ends at the first '/' or '?'; the user information ends
	// at its last '@'. An '@' after it means the user information was badly
	// escaped or an option holds an '@': quote no fragment in messages then.
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	hostInfo, tail := rest[:end], rest[end:]
	p.noEcho = strings.Contains(tail, "@")
	hostList := hostInfo
	if at := strings.LastIndexByte(hostInfo, '@'); at >= 0 {
		if err := p.parseUserinfo(hostInfo[:at]); err != nil {
			return err
		}
		hostList = hostInfo[at+1:]
	}
	if err := p.parseHosts(hostList); err != nil {
		return err
	}

	var query string
	if strings.HasPrefix(tail, "/") {
		db, q, _ := strings.Cut(tail[1:], "?")
		if err := p.parseDatabase(db); err != nil {
			return err
		}
		query = q
	} else if strings.HasPrefix(tail, "?") {
		query = tail[1:]
	}
	if err := p.parseOptions(query); err != nil {
		return err
	}
	if p.srv {
		if err := p.resolve(ctx); err != nil {
			return err
		}
	}
	return p.finish()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseUserinfo checks and decodes "user[:password]". Nothing of it is ever
// quoted in a message.
func (p *parser) parseUserinfo(info string) error {
	const encode = "; percent-encode it in the user name and password"
	for i := 0; i < len(info); i++ {
		c := info[i]
		switch {
		case c == '@':
			return uriError("", "the user information holds an unescaped '@'"+encode)
		case c >= 0x80 || isUnreserved(c) || strings.IndexByte("!$&'()*+,;=:%", c) >= 0:
		default:
			return uriError("", "the user information holds a character that must be percent-encoded"+encode)
		}
	}
	if strings.Count(info, ":") > 1 {
		return uriError("", "the user information holds more than one ':'"+encode)
	}
	rawUser, rawPass, hasPass := strings.Cut(info, ":")
	user, err1 := url.PathUnescape(rawUser)
	pass, err2 := url.PathUnescape(rawPass)
	if err1 != nil || err2 != nil {
		return uriError("", "the user information holds a '%' that is not a percent-encoding"+encode)
	}
	p.hasUserinfo = true
	p.username, p.password, p.passwordSet = user, pass, hasPass
	return nil
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// parseHosts parses the comma-separated host list into cfg.Hosts, or into
// cfg.SRVHost for a mongodb+srv URI.
func (p *parser) parseHosts(list string) error {
	if list == "" {
		return uriError("", "no host given")
	}
	for raw := range strings.SplitSeq(list, ",") {
		h, err := p.parseHost(raw)
		if err != nil {
			return err
		}
		if p.srv {
			switch {
			case len(p.cfg.Hosts) > 0:
				return uriError("", "a mongodb+srv connection string takes exactly one host name")
			case h.port:
				return uriError("", "a mongodb+srv connection string may not give a port")
			case h.kind != hostName:
				return uriError("", "a mongodb+srv connection string needs a host name, not an IP address or socket")
			}
			name, err := srv.CheckHost(h.name)
			if err != nil {
				return uriError("", "host "+p.quote(raw)+": "+err.Error())
			}
			p.cfg.SRVHost = name
		}
		p.cfg.Hosts = append(p.cfg.Hosts, h.addr)
	}
	return nil
}

// Kinds of host identifier.
const (
	hostName = iota // a host name or an IPv4 address
	hostIPv6
	hostSocket
)

// host is one parsed host identifier.
type host struct {
	addr string // "host:port", "[ip]:port" or the socket path
	name string // the decoded, lower-cased host name
	kind int
	port bool // a port was given
}

// parseHost parses one host identifier: a host name or IPv4 address, an IP
// literal in brackets, or a percent-encoded Unix domain socket path, with an
// optional port.
func (p *parser) parseHost(raw string) (host, error) {
	if raw == "" {
		return host{}, uriError("", "empty host in the host list")
	}
	if raw[0] == '[' {
		end := strings.IndexByte(raw, ']')
		if end < 0 {
			return host{}, uriError("", "IP literal "+p.quote(raw)+" has no closing ']'")
		}
		lit, err := url.PathUnescape(raw[1:end])
		addr, perr := netip.ParseAddr(lit)
		if err != nil || perr != nil || !addr.Is6() {
			return host{}, uriError("", p.quote(raw)+" is not an IPv6 literal")
		}
		h := host{name: strings.ToLower(lit), kind: hostIPv6}
		port := defaultPort
		if rest := raw[end+1:]; rest != "" {
			if rest[0] != ':' {
				return host{}, uriError("", "unexpected text after IP literal "+p.quote(raw))
			}
			if port, err = p.parsePort(rest[1:]); err != nil {
				return host{}, err
			}
			h.port = true
		}
		h.addr = "[" + h.name + "]:" + port
		return h, nil
	}
	hostPart, portPart, hasPort := strings.Cut(raw, ":")
	if strings.Contains(portPart, ":") {
		return host{}, uriError("", "host "+p.quote(raw)+" has more than one ':'; put an IPv6 address in brackets")
	}
	name, err := url.PathUnescape(hostPart)
	if err != nil {
		return host{}, uriError("", "host "+p.quote(raw)+" holds a '%' that is not a percent-encoding")
	}
	if strings.Contains(name, "/") {
		if !strings.HasSuffix(name, ".sock") {
			return host{}, uriError("", "Unix domain socket path "+p.quote(raw)+` must end in ".sock"`)
		}
		if hasPort {
			return host{}, uriError("", "Unix domain socket "+p.quote(raw)+" cannot have a port")
		}
		return host{addr: name, name: name, kind: hostSocket}, nil
	}
	if name == "" || strings.ContainsAny(name, ":/?#[]@,\\%") || strings.ContainsFunc(name, isSpaceOrControl) {
		return host{}, uriError("", "invalid host "+p.quote(raw))
	}
	h := host{name: strings.ToLower(name), kind: hostName, port: hasPort}
	port := defaultPort
	if hasPort {
		if port, err = p.parsePort(portPart); err != nil {
			return host{}, err
		}
	}
	h.addr = h.name + ":" + port
	return h, nil
}

func isSpaceOrControl(r rune) bool {
	return r <= ' ' || r == 0x7f || r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029
}

// parsePort checks a port: decimal digits, 1 to 65535.
func (p *parser) parsePort(s string) (string, error) {
	n, err := strconv.Atoi(s)
	if err != nil || s[0] < '0' || s[0] > '9' || n < 1 || n > 65535 {
		return "", uriError("", "port "+p.quote(s)+" is not a number from 1 to 65535")
	}
	return strconv.Itoa(n), nil
}

// parseDatabase decodes and checks the database of the URI path.
func (p *parser) parseDatabase(raw string) error {
	db, err := url.PathUnescape(raw)
	if err != nil {
		return uriError("", "database name "+p.quote(raw)+" holds a '%' that is not a percent-encoding")
	}
	if strings.ContainsAny(db, "/\\ \"$\x00") {
		return uriError("", "database name "+p.quote(raw)+` may not contain '/', '\', ' ', '"', '$' or NUL; percent-encode a '/' that belongs to a socket path`)
	}
	p.cfg.Database = db
	return nil
}

// parseOptions applies the key=value pairs of the query, in order.
func (p *parser) parseOptions(query string) error {
	for pair := range strings.SplitSeq(query, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, ok := strings.Cut(pair, "=")
		if !ok {
			return uriError("", "option "+p.quote(rawKey)+" has no '=' and value")
		}
		key, err := url.PathUnescape(rawKey)
		if err != nil || key == "" {
			return uriError("", "option key "+p.quote(rawKey)+" is empty or badly percent-encoded")
		}
		value, err := url.PathUnescape(rawValue)
		if err != nil {
			if spec := lookupOption(key); spec != nil {
				return uriError(spec.name, "the value holds a '%' that is not a percent-encoding")
			}
			return uriError("", "the value of option "+p.quote(rawKey)+" holds a '%' that is not a percent-encoding")
		}
		if err := p.apply(key, value, rawValue); err != nil {
			return err
		}
	}
	return nil
}
