package sim

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/motor-go/motor/bson"
)

// FailCommandName is the name of the only fail point the simulator has.
const FailCommandName = "failCommand"

// Mode says when a fail point triggers, as the configureFailPoint command's
// mode does: "off", "alwaysOn", {times: n} or {skip: n}. The zero value is
// Off.
type Mode struct {
	kind modeKind
	n    int64
}

type modeKind uint8

const (
	modeOff modeKind = iota
	modeAlwaysOn
	modeTimes
	modeSkip
)

var (
	// Off disables the fail point.
	Off = Mode{}
	// AlwaysOn triggers the fail point for every command it matches.
	AlwaysOn = Mode{kind: modeAlwaysOn}
)

// Times triggers the fail point for the next n commands it matches, then
// turns it off. Times(0) is Off.
func Times(n int64) Mode {
	if n <= 0 {
		return Off
	}
	return Mode{kind: modeTimes, n: n}
}

// Skip lets the next n commands the fail point matches through, then
// triggers it for every one after them, as AlwaysOn.
func Skip(n int64) Mode {
	if n <= 0 {
		return AlwaysOn
	}
	return Mode{kind: modeSkip, n: n}
}

// String returns the mode as the command would spell it.
func (m Mode) String() string {
	switch m.kind {
	case modeAlwaysOn:
		return "alwaysOn"
	case modeTimes:
		return "{times: " + strconv.FormatInt(m.n, 10) + "}"
	case modeSkip:
		return "{skip: " + strconv.FormatInt(m.n, 10) + "}"
	default:
		return "off"
	}
}

// FailPoint configures a member's failCommand fail point: the mode and the
// fields of the command's data document. A command the fail point matches
// — its name (or an alias of it) is in FailCommands, and AppName and
// Namespace, when set, are the connection's and the command's — triggers
// it as Mode says. Then, in this order: ErrorLabels replace the labels the
// server would add; the command waits BlockTime if BlockConnection is set;
// the connection is closed without a reply if CloseConnection is set; the
// command fails with ErrorCode if it is set; otherwise it runs, and
// WriteConcernError, if set, is added to its reply. configureFailPoint
// itself is never failed.
type FailPoint struct {
	Mode Mode
	// FailCommands are the names of the commands to fail.
	FailCommands []string
	// CloseConnection closes the connection instead of replying.
	CloseConnection bool
	// ErrorCode, when not 0, is the code of the error the command fails
	// with; its errmsg is "Failing command via 'failCommand' failpoint".
	ErrorCode int32
	// ErrorLabels, when not nil, are the error labels of the failure (an
	// empty, non-nil slice for none); nil leaves the labels the server
	// would add (RetryableWriteError, TransientTransactionError).
	ErrorLabels []string
	// WriteConcernError is a writeConcernError document added to the reply
	// of a command that runs.
	WriteConcernError bson.Raw
	// BlockConnection holds the command for BlockTime (blockTimeMS).
	BlockConnection bool
	BlockTime       time.Duration
	// AppName limits the fail point to connections whose handshake gave
	// this application name.
	AppName string
	// Namespace limits the fail point to commands on this namespace,
	// "db.collection".
	Namespace string
	// FailInternalCommands is accepted for compatibility. Every client of
	// the simulator is external, so it changes nothing.
	FailInternalCommands bool
}

// String describes the fail point, for test failure messages.
func (f FailPoint) String() string {
	return fmt.Sprintf("failCommand{mode: %v, failCommands: %v, closeConnection: %v, errorCode: %d, blockTimeMS: %d, appName: %q}",
		f.Mode, f.FailCommands, f.CloseConnection, f.ErrorCode, f.BlockTime.Milliseconds(), f.AppName)
}

// failPoint is a member's configured fail point and its counts.
type failPoint struct {
	cfg     FailPoint
	left    int64 // times left (modeTimes) or skips left (modeSkip)
	entered int64 // times triggered since configured
}

// commandAliases maps command names to the other names of the same
// command, for matching failCommands as mongod does.
var commandAliases = map[string]string{
	"isMaster":      "ismaster",
	"ismaster":      "isMaster",
	"findAndModify": "findandmodify",
	"findandmodify": "findAndModify",
	"dropIndexes":   "deleteIndexes",
	"deleteIndexes": "dropIndexes",
	"buildInfo":     "buildinfo",
	"buildinfo":     "buildInfo",
}

// matches reports whether the fail point applies to a command.
func (f *FailPoint) matches(name, appName, ns string) bool {
	if name == "configureFailPoint" {
		return false
	}
	if f.AppName != "" && f.AppName != appName {
		return false
	}
	if f.Namespace != "" && f.Namespace != ns {
		return false
	}
	alias := commandAliases[name]
	for _, c := range f.FailCommands {
		if c == name || (alias != "" && c == alias) {
			return true
		}
	}
	return false
}

// effective reports whether the fail point does anything to a command, as
// mongod asks before it counts a command against the mode: closing, blocking
// or failing it, or adding a writeConcernError to a command that takes a
// write concern (supportsWC).
func (f *FailPoint) effective(supportsWC bool) bool {
	return f.CloseConnection || f.BlockConnection || f.ErrorCode != 0 ||
		(f.WriteConcernError != nil && supportsWC)
}

// trigger evaluates the fail point for a command and reports whether it
// fires, counting down its mode. The caller holds the cluster's mu.
func (fp *failPoint) trigger(name, appName, ns string, supportsWC bool) bool {
	if fp == nil || fp.cfg.Mode.kind == modeOff || !fp.cfg.effective(supportsWC) ||
		!fp.cfg.matches(name, appName, ns) {
		return false
	}
	return countDown(&fp.cfg.Mode, &fp.left, &fp.entered)
}

// countDown evaluates a fail point's mode once, for a command (or a
// statement) it applies to: it reports whether the fail point fires,
// counting down times and skips in left (times: left is what remains, and
// the mode turns off at 0; skip: left is the skips to go) and the firings
// in entered.
func countDown(mode *Mode, left, entered *int64) bool {
	switch mode.kind {
	case modeOff:
		return false
	case modeTimes:
		if *left <= 0 {
			return false
		}
		*left--
		if *left == 0 {
			*mode = Off
		}
	case modeSkip:
		if *left > 0 {
			*left--
			return false
		}
	}
	*entered++
	return true
}

// ParseFailPoint reads a configureFailPoint command for failCommand:
// {configureFailPoint: "failCommand", mode: ..., data: {...}}. It accepts
// the forms the server does and rejects other fail points, unknown modes and
// fields of the wrong type; unknown data fields are ignored, as the server
// ignores them.
func ParseFailPoint(cmd bson.Raw) (FailPoint, error) {
	var fp FailPoint
	if err := cmd.Validate(); err != nil {
		return fp, err
	}
	name, ok := cmd.Lookup("configureFailPoint").StringValueOK()
	if !ok {
		return fp, fmt.Errorf("configureFailPoint must be a string")
	}
	if name != FailCommandName {
		return fp, fmt.Errorf("unknown fail point %q: the simulator has only %s", name, FailCommandName)
	}
	mode, err := parseMode(cmd.Lookup("mode"))
	if err != nil {
		return fp, err
	}
	fp.Mode = mode
	data := cmd.Lookup("data")
	if data.Type == 0 {
		return fp, nil
	}
	d, ok := data.DocumentOK()
	if !ok {
		return fp, fmt.Errorf("data must be a document")
	}
	for k, v := range d.Elements() {
		if err := fp.setField(k, v); err != nil {
			return fp, err
		}
	}
	return fp, nil
}

// setField sets the field of fp that the data element k holds.
func (fp *FailPoint) setField(k string, v bson.RawValue) error {
	var ok bool
	switch k {
	case "failCommands":
		var a bson.RawArray
		if a, ok = v.ArrayOK(); ok {
			fp.FailCommands = fp.FailCommands[:0]
			for _, e := range a.Values() {
				s, isStr := e.StringValueOK()
				if !isStr {
					return fmt.Errorf("failCommands must hold strings")
				}
				fp.FailCommands = append(fp.FailCommands, s)
			}
		}
	case "closeConnection":
		fp.CloseConnection, ok = v.BooleanOK()
	case "errorCode":
		var n int64
		if n, ok = integer(v); ok {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return fmt.Errorf("errorCode %d out of range", n)
			}
			fp.ErrorCode = int32(n)
		}
	case "errorLabels":
		var a bson.RawArray
		if a, ok = v.ArrayOK(); ok {
			fp.ErrorLabels = []string{}
			for _, e := range a.Values() {
				s, isStr := e.StringValueOK()
				if !isStr {
					return fmt.Errorf("errorLabels must hold strings")
				}
				fp.ErrorLabels = append(fp.ErrorLabels, s)
			}
		}
	case "writeConcernError":
		var doc bson.Raw
		if doc, ok = v.DocumentOK(); ok {
			fp.WriteConcernError = bytes.Clone(doc)
		}
	case "blockConnection":
		fp.BlockConnection, ok = v.BooleanOK()
	case "blockTimeMS":
		var n int64
		if n, ok = integer(v); ok {
			if n < 0 || n > int64(time.Hour/time.Millisecond) {
				return fmt.Errorf("blockTimeMS %d out of range", n)
			}
			fp.BlockTime = time.Duration(n) * time.Millisecond
		}
	case "appName":
		fp.AppName, ok = v.StringValueOK()
	case "namespace":
		fp.Namespace, ok = v.StringValueOK()
	case "failInternalCommands":
		fp.FailInternalCommands, ok = v.BooleanOK()
	default:
		return nil
	}
	if !ok {
		return fmt.Errorf("data.%s has the wrong type (%v)", k, v.Type)
	}
	return nil
}

// parseMode reads a fail point's mode.
func parseMode(v bson.RawValue) (Mode, error) {
	if s, ok := v.StringValueOK(); ok {
		switch s {
		case "off":
			return Off, nil
		case "alwaysOn":
			return AlwaysOn, nil
		}
		return Off, fmt.Errorf("unknown mode %q", s)
	}
	d, ok := v.DocumentOK()
	if !ok {
		return Off, fmt.Errorf("mode must be a string or a document")
	}
	var mode Mode
	n := 0
	for k, e := range d.Elements() {
		n++
		v, isInt := integer(e)
		if !isInt || v < 0 || v > math.MaxInt32 {
			return Off, fmt.Errorf("mode.%s must be a non-negative 32-bit integer", k)
		}
		switch k {
		case "times":
			mode = Times(v)
		case "skip":
			mode = Skip(v)
		default:
			return Off, fmt.Errorf("unsupported mode field %q", k)
		}
	}
	if n != 1 {
		return Off, fmt.Errorf("mode must have exactly one of times and skip")
	}
	return mode, nil
}

// integer returns an integral number, whatever its BSON type: an int32, an
// int64 or a double without a fraction.
func integer(v bson.RawValue) (int64, bool) { return v.AsInt64OK() }
