package motor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/motor-go/motor/internal/srv"
)

const maxInt32 = math.MaxInt32

// warn sends a warning about the connection string to the sink.
func (p *parser) warn(msg string) {
	p.opts.Warn("motor: connection string: " + msg)
}

// warnf warns about the option being applied.
func (p *parser) warnf(format string, args ...any) {
	where := p.cur.name
	if p.txt {
		where += " (TXT record)"
	}
	p.warn(where + ": " + fmt.Sprintf(format, args...))
}

// errorf returns an error about the option being applied.
func (p *parser) errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.txt {
		msg += " (in the TXT record)"
	}
	return uriError(p.cur.name, msg)
}

// parseBool accepts "true" and "false" in any case.
func parseBool(v string) (bool, error) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, nil
	case strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, invalid(`must be "true" or "false"`)
}

// parseInt parses a decimal integer from lo to hi.
func parseInt(v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, invalid("must be an integer")
	}
	if n < lo || n > hi {
		if hi == maxInt32 || hi == math.MaxInt64 {
			return 0, invalid(fmt.Sprintf("must be at least %d", lo))
		}
		return 0, invalid(fmt.Sprintf("must be from %d to %d", lo, hi))
	}
	return n, nil
}

func boolSetter(set func(*Config, bool)) func(*parser, string) error {
	return func(p *parser, v string) error {
		b, err := parseBool(v)
		if err != nil {
			return err
		}
		set(p.cfg, b)
		return nil
	}
}

func intSetter(lo, hi int, set func(*Config, int)) func(*parser, string) error {
	return func(p *parser, v string) error {
		n, err := parseInt(v, int64(lo), int64(hi))
		if err != nil {
			return err
		}
		set(p.cfg, int(n))
		return nil
	}
}

// msDuration is a duration given in milliseconds.
type msDuration struct{ d time.Duration }

// msSetter parses a 32-bit count of milliseconds of at least lo.
func msSetter(lo int, set func(*Config, msDuration)) func(*parser, string) error {
	return func(p *parser, v string) error {
		n, err := parseInt(v, int64(lo), maxInt32)
		if err != nil {
			return err
		}
		set(p.cfg, msDuration{time.Duration(n) * time.Millisecond})
		return nil
	}
}

func setAppName(p *parser, v string) error {
	if len(v) > 128 {
		return invalid("must be at most 128 bytes long")
	}
	p.cfg.AppName = v
	return nil
}

// knownCompressors are the compressors of the OP_COMPRESSED specification.
var knownCompressors = []string{"snappy", "zlib", "zstd"}

func setCompressors(p *parser, v string) error {
	var list []string
	for name := range strings.SplitSeq(v, ",") {
		name = strings.ToLower(name)
		switch {
		case name == "":
		case !contains(knownCompressors, name):
			p.warnf("unknown compressor %s ignored", p.quote(name))
		case !contains(list, name):
			list = append(list, name)
		}
	}
	p.cfg.Compressors = list
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func setServerMonitoringMode(p *parser, v string) error {
	for _, m := range []ServerMonitoringMode{ServerMonitoringAuto, ServerMonitoringStream, ServerMonitoringPoll} {
		if strings.EqualFold(v, string(m)) {
			p.cfg.ServerMonitoringMode = m
			return nil
		}
	}
	return invalid(`must be "auto", "stream" or "poll"`)
}

func setUUIDRepresentation(p *parser, v string) error {
	if strings.EqualFold(v, uuidUnspecifiedURI) {
		p.cfg.UUIDRepresentation = ""
		return nil
	}
	for _, u := range uuidRepresentations {
		if strings.EqualFold(v, string(u)) {
			p.cfg.UUIDRepresentation = u
			return nil
		}
	}
	return invalid(`must be "unspecified", "standard", "csharpLegacy", "javaLegacy" or "pythonLegacy"`)
}

func setSRVMaxHosts(p *parser, v string) error {
	if !p.srv {
		return p.errorf("only a mongodb+srv connection string may set it")
	}
	n, err := parseInt(v, 0, maxInt32)
	if err != nil {
		return err
	}
	p.cfg.SRVMaxHosts = int(n)
	return nil
}

func setSRVServiceName(p *parser, v string) error {
	if !p.srv {
		return p.errorf("only a mongodb+srv connection string may set it")
	}
	if err := srv.CheckServiceName(v); err != nil {
		return invalid(err.Error())
	}
	p.cfg.SRVServiceName = v
	return nil
}

// setTLS sets tls and its alias ssl; every instance must agree.
func setTLS(p *parser, v string) error {
	b, err := parseBool(v)
	if err != nil {
		return err
	}
	if p.tlsFlag != nil && *p.tlsFlag != b {
		return p.errorf("tls and ssl are given different values")
	}
	p.tlsFlag = &b
	return nil
}

func setProxyHost(p *parser, v string) error {
	p.proxyHost = v
	return nil
}

func setProxyPort(p *parser, v string) error {
	n, err := parseInt(v, 1, 65535)
	if err != nil {
		return err
	}
	p.proxyPort = int(n)
	return nil
}

func setProxyUsername(p *parser, v string) error {
	if len(v) > 255 {
		return invalid("must be at most 255 bytes long")
	}
	p.proxyUser = v
	return nil
}

func setProxyPassword(p *parser, v string) error {
	if len(v) > 255 {
		return invalid("must be at most 255 bytes long")
	}
	p.proxyPass = v
	return nil
}
