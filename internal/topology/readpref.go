package topology

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/motor-go/motor/bson"
)

// A Mode is the mode of a read preference.
type Mode uint8

// Read preference modes. The zero value is Primary.
const (
	Primary Mode = iota
	PrimaryPreferred
	Secondary
	SecondaryPreferred
	Nearest
)

var modeNames = [...]string{
	Primary:            "primary",
	PrimaryPreferred:   "primaryPreferred",
	Secondary:          "secondary",
	SecondaryPreferred: "secondaryPreferred",
	Nearest:            "nearest",
}

// String returns the mode as $readPreference spells it, e.g. "primaryPreferred".
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode returns the mode named s, ignoring case.
func ParseMode(s string) (Mode, bool) {
	for i, name := range modeNames {
		if strings.EqualFold(name, s) {
			return Mode(i), true
		}
	}
	return Primary, false
}

// A Tag is a name and value a replica set member is tagged with.
type Tag struct {
	Name, Value string // the tag's name and the value it must have
}

// A TagSet matches a server that carries all of its tags; an empty set
// matches any server.
type TagSet []Tag

// Matches reports whether the server tags include every tag of ts.
func (ts TagSet) Matches(tags map[string]string) bool {
	for _, t := range ts {
		if v, ok := tags[t.Name]; !ok || v != t.Value {
			return false
		}
	}
	return true
}

// A Hedge is the deprecated hedge option of a read preference, passed
// through to mongos.
type Hedge uint8

// Hedge settings. The zero value sends no hedge document.
const (
	HedgeUnset Hedge = iota
	HedgeEnabled
	HedgeDisabled
)

// A ReadPref is a read preference: which servers may serve a read.
type ReadPref struct {
	// Mode is the mode; the zero value is Primary.
	Mode Mode
	// TagSets are tried in order until one matches a candidate. None (or
	// one empty set) matches every server.
	TagSets []TagSet
	// MaxStaleness, when HasMaxStaleness is set, excludes secondaries
	// estimated to lag further behind. For a replica set it must then be
	// at least SmallestMaxStaleness and heartbeat + IdleWritePeriod.
	MaxStaleness time.Duration
	// HasMaxStaleness says MaxStaleness is set (maxStalenessSeconds was
	// given and is not -1).
	HasMaxStaleness bool
	// Hedge is passed to mongos; it does not change selection.
	Hedge Hedge
}

// String describes the read preference for errors, e.g. "secondary with tag
// sets [{dc:ny}, {}] and max staleness 90s".
func (rp ReadPref) String() string {
	var b strings.Builder
	b.WriteString(rp.Mode.String())
	var extra []string
	if len(rp.TagSets) > 0 {
		sets := make([]string, len(rp.TagSets))
		for i, ts := range rp.TagSets {
			tags := make([]string, len(ts))
			for j, t := range ts {
				tags[j] = t.Name + ":" + t.Value
			}
			sets[i] = "{" + strings.Join(tags, ",") + "}"
		}
		extra = append(extra, "tag sets ["+strings.Join(sets, ", ")+"]")
	}
	if rp.HasMaxStaleness {
		extra = append(extra, "max staleness "+rp.MaxStaleness.String())
	}
	if len(extra) > 0 {
		b.WriteString(" with ")
		b.WriteString(strings.Join(extra, " and "))
	}
	return b.String()
}

// ErrInvalidReadPref is wrapped by the errors of [ReadPref.Validate].
var ErrInvalidReadPref = errors.New("invalid read preference")

// Validate checks rp on its own and against a topology of type kind whose
// servers are checked every heartbeat: the primary mode takes no tag set
// and no max staleness, and for a replica set the max staleness must be at
// least SmallestMaxStaleness (90s) and heartbeat + IdleWritePeriod.
func (rp ReadPref) Validate(kind TopologyType, heartbeat time.Duration) error {
	if int(rp.Mode) >= len(modeNames) {
		return fmt.Errorf("%w: unknown mode %d", ErrInvalidReadPref, rp.Mode)
	}
	if rp.Mode == Primary {
		for _, ts := range rp.TagSets {
			if len(ts) > 0 {
				return fmt.Errorf("%w: mode primary takes no tag sets", ErrInvalidReadPref)
			}
		}
		if rp.HasMaxStaleness {
			return fmt.Errorf("%w: mode primary takes no max staleness", ErrInvalidReadPref)
		}
		if rp.Hedge != HedgeUnset {
			return fmt.Errorf("%w: mode primary takes no hedge", ErrInvalidReadPref)
		}
	}
	if rp.HasMaxStaleness && (kind == ReplicaSetNoPrimary || kind == ReplicaSetWithPrimary) {
		if least := max(SmallestMaxStaleness, heartbeat+IdleWritePeriod); rp.MaxStaleness < least {
			return fmt.Errorf("%w: max staleness %v is below %v (at least %v, and heartbeat frequency %v + idle write period %v)",
				ErrInvalidReadPref, rp.MaxStaleness, least, SmallestMaxStaleness, heartbeat, IdleWritePeriod)
		}
	}
	return nil
}

// ReadPrefDocument returns the $readPreference argument of a read sent
// with OP_MSG to a server of type server in a topology of type kind, or
// nil when none must be sent. Nothing goes to a Standalone. A direct
// connection (Single) to a replica set member sends primaryPreferred in
// place of primary, so that any member answers. Otherwise the argument is
// sent whenever the mode is not primary, with tags, maxStalenessSeconds
// and hedge when set. The error is a tag that cannot be encoded (a NUL
// byte in its name).
func ReadPrefDocument(rp ReadPref, kind TopologyType, server ServerType) (bson.Raw, error) {
	if kind == Single {
		switch server {
		case Standalone:
			return nil, nil
		case Mongos:
		default:
			if rp.Mode == Primary {
				rp = ReadPref{Mode: PrimaryPreferred}
			}
		}
	}
	if rp.Mode == Primary {
		return nil, nil
	}
	doc := bson.D{{Key: "mode", Value: rp.Mode.String()}}
	if len(rp.TagSets) > 0 && !(len(rp.TagSets) == 1 && len(rp.TagSets[0]) == 0) {
		tags := make(bson.A, len(rp.TagSets))
		for i, ts := range rp.TagSets {
			set := make(bson.D, len(ts))
			for j, t := range ts {
				set[j] = bson.E{Key: t.Name, Value: t.Value}
			}
			tags[i] = set
		}
		doc = append(doc, bson.E{Key: "tags", Value: tags})
	}
	if rp.HasMaxStaleness && rp.MaxStaleness > 0 {
		doc = append(doc, bson.E{Key: "maxStalenessSeconds", Value: int64(rp.MaxStaleness / time.Second)})
	}
	if rp.Hedge != HedgeUnset {
		doc = append(doc, bson.E{Key: "hedge", Value: bson.D{{Key: "enabled", Value: rp.Hedge == HedgeEnabled}}})
	}
	raw, err := bson.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidReadPref, err)
	}
	return raw, nil
}
