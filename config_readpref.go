package motor

import (
	"strings"
	"time"
)

// A ReadMode is the mode of a read preference.
type ReadMode string

// Read preference modes.
const (
	ReadPrimary            ReadMode = "primary"
	ReadPrimaryPreferred   ReadMode = "primaryPreferred"
	ReadSecondary          ReadMode = "secondary"
	ReadSecondaryPreferred ReadMode = "secondaryPreferred"
	ReadNearest            ReadMode = "nearest"
)

var readModes = []ReadMode{ReadPrimary, ReadPrimaryPreferred, ReadSecondary, ReadSecondaryPreferred, ReadNearest}

// A ReadPreference says which members of a replica set may serve reads: the
// readPreference, readPreferenceTags and maxStalenessSeconds options.
type ReadPreference struct {
	// Mode is the mode; "" means ReadPrimary.
	Mode ReadMode
	// TagSets are tried in order; a member must carry every tag of a set to
	// match it. An empty set matches any member. Primary mode takes none.
	TagSets []TagSet
	// MaxStaleness excludes secondaries lagging further behind the primary;
	// 0 means no limit. Primary mode takes none. Server selection requires
	// at least 90 seconds.
	MaxStaleness time.Duration
}

// A TagSet is a list of server tags, such as dc:ny,rack:1.
type TagSet []Tag

// A Tag is a name and value that a replica set member is tagged with.
type Tag struct {
	Name, Value string
}

// validate checks a read preference built in code or from a URI.
func (rp *ReadPreference) validate() error {
	mode := rp.Mode
	if mode == "" {
		mode = ReadPrimary
	}
	known := false
	for _, m := range readModes {
		known = known || m == mode
	}
	if !known {
		return configError("readPreference", "unknown mode "+quoteValue(string(mode)))
	}
	if rp.MaxStaleness < 0 {
		return configError("maxStalenessSeconds", "must not be negative")
	}
	if mode == ReadPrimary {
		for _, ts := range rp.TagSets {
			if len(ts) > 0 {
				return configError("readPreferenceTags", "the primary read preference takes no tag sets")
			}
		}
		if rp.MaxStaleness > 0 {
			return configError("maxStalenessSeconds", "the primary read preference takes no maximum staleness")
		}
	}
	return nil
}

func setReadPreference(p *parser, v string) error {
	for _, m := range readModes {
		if strings.EqualFold(v, string(m)) {
			p.readMode = m
			return nil
		}
	}
	return invalid(`must be "primary", "primaryPreferred", "secondary", "secondaryPreferred" or "nearest"`)
}

// setReadPreferenceTags adds one tag set, "name:value,name2:value2"; an empty
// value adds an empty set, which matches any member.
func setReadPreferenceTags(p *parser, v string) error {
	set := TagSet{}
	if v != "" {
		for pair := range strings.SplitSeq(v, ",") {
			name, value, ok := strings.Cut(pair, ":")
			if !ok || name == "" {
				return invalid(`each tag must be "name:value"`)
			}
			for _, t := range set {
				if t.Name == name {
					return invalid("tag " + p.quote(name) + " is repeated")
				}
			}
			set = append(set, Tag{Name: name, Value: value})
		}
	}
	p.tagSets = append(p.tagSets, set)
	return nil
}

// setMaxStaleness accepts -1 (no maximum) or a positive number of seconds.
func setMaxStaleness(p *parser, v string) error {
	n, err := parseInt(v, -1, maxInt32)
	if err != nil {
		return err
	}
	if n == 0 {
		return invalid("must be -1 (no maximum) or a positive number of seconds")
	}
	d := time.Duration(max(n, 0)) * time.Second
	p.maxStaleness = &d
	return nil
}

// buildReadPreference turns the read preference options into a Config field.
func (p *parser) buildReadPreference() {
	if p.readMode == "" && p.tagSets == nil && p.maxStaleness == nil {
		return
	}
	rp := &ReadPreference{Mode: p.readMode, TagSets: p.tagSets}
	if rp.Mode == "" {
		rp.Mode = ReadPrimary
	}
	if p.maxStaleness != nil {
		rp.MaxStaleness = *p.maxStaleness
	}
	p.cfg.ReadPreference = rp
}
