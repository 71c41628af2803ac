package motor

import (
	"strconv"
	"time"
)

// Read concern levels. A ReadConcern may hold any level, for levels that
// newer servers add.
const (
	ReadConcernLocal        = "local"
	ReadConcernMajority     = "majority"
	ReadConcernLinearizable = "linearizable"
	ReadConcernAvailable    = "available"
	ReadConcernSnapshot     = "snapshot"
)

// A ReadConcern is the default read concern of a Client (readConcernLevel).
type ReadConcern struct {
	// Level is the level, such as ReadConcernMajority; "" is the server's default.
	Level string
}

// A WriteConcern is the default write concern of a Client: the w, journal
// and wTimeoutMS options.
type WriteConcern struct {
	// W is how many members, or which tag set, must acknowledge a write; the
	// zero W leaves it to the server.
	W W
	// Journal asks for the write to be in the on-disk journal; nil leaves
	// it to the server. Set it with new(true).
	Journal *bool
	// WTimeout bounds waiting for the acknowledgements (0: no limit). It is
	// deprecated in favor of Config.Timeout.
	WTimeout time.Duration
}

// W is the w field of a write concern: a number of members or the name of a
// tag set such as "majority". The zero W is unset. Make one with WNodes,
// WTag or WMajority.
type W struct {
	n   int
	tag string
	set bool
}

// WNodes returns a W asking n members to acknowledge; WNodes(0) makes writes
// unacknowledged.
func WNodes(n int) W { return W{n: n, set: true} }

// WTag returns a W naming a tag set, as defined in the replica set's
// settings, or "majority". WTag("") is the zero W.
func WTag(name string) W { return W{tag: name, set: name != ""} }

// WMajority returns WTag("majority").
func WMajority() W { return WTag("majority") }

// IsZero reports whether w is unset.
func (w W) IsZero() bool { return !w.set }

// Nodes returns the number of members and true if w is a number.
func (w W) Nodes() (int, bool) { return w.n, w.set && w.tag == "" }

// Tag returns the tag set name and true if w is a name.
func (w W) Tag() (string, bool) { return w.tag, w.tag != "" }

// String returns the w value as a connection string writes it, or "" when
// unset.
func (w W) String() string {
	switch {
	case !w.set:
		return ""
	case w.tag != "":
		return w.tag
	}
	return strconv.Itoa(w.n)
}

// isUnacknowledged reports w: 0.
func (w W) isUnacknowledged() bool {
	n, ok := w.Nodes()
	return ok && n == 0
}

// validate checks a write concern built in code or from a URI.
func (wc *WriteConcern) validate() error {
	if n, ok := wc.W.Nodes(); ok && n < 0 {
		return configError("w", "must not be negative")
	}
	if wc.WTimeout < 0 {
		return configError("wTimeoutMS", "must not be negative")
	}
	if wc.W.isUnacknowledged() && wc.Journal != nil && *wc.Journal {
		return configError("journal", "journal=true asks for an acknowledgement that w=0 turns off")
	}
	return nil
}

func setReadConcernLevel(p *parser, v string) error {
	p.readLevel = &v
	return nil
}

// setW accepts a non-negative integer or any other string, a tag set name.
func setW(p *parser, v string) error {
	if n, err := strconv.ParseInt(v, 10, 32); err == nil {
		if n < 0 {
			return invalid("must be a non-negative number or a tag set name")
		}
		p.w = WNodes(int(n))
		return nil
	}
	p.w = WTag(v)
	return nil
}

func setJournal(p *parser, v string) error {
	b, err := parseBool(v)
	if err != nil {
		return err
	}
	p.journal = &b
	return nil
}

// parseWTimeout parses a 64-bit count of milliseconds.
func parseWTimeout(v string) (time.Duration, error) {
	n, err := parseInt(v, 0, int64(time.Duration(1<<63-1)/time.Millisecond))
	if err != nil {
		return 0, err
	}
	return time.Duration(n) * time.Millisecond, nil
}

func setWTimeout(p *parser, v string) error {
	d, err := parseWTimeout(v)
	if err != nil {
		return err
	}
	p.wTimeout = &d
	return nil
}

// setWTimeoutOld sets the deprecated wtimeout, which wTimeoutMS overrides.
func setWTimeoutOld(p *parser, v string) error {
	p.warnf("deprecated; use wTimeoutMS")
	d, err := parseWTimeout(v)
	if err != nil {
		return err
	}
	p.wTimeoutOld = &d
	return nil
}

// buildConcerns turns the concern options into Config fields.
func (p *parser) buildConcerns() {
	if p.readLevel != nil {
		p.cfg.ReadConcern = &ReadConcern{Level: *p.readLevel}
	}
	if p.wTimeoutOld != nil {
		if p.wTimeout != nil {
			p.warn("wtimeout: ignored because wTimeoutMS is given")
		} else {
			p.wTimeout = p.wTimeoutOld
		}
	}
	if p.w.set || p.journal != nil || p.wTimeout != nil {
		wc := &WriteConcern{W: p.w, Journal: p.journal}
		if p.wTimeout != nil {
			wc.WTimeout = *p.wTimeout
		}
		p.cfg.WriteConcern = wc
	}
}
