package unified

import (
	"fmt"
	"slices"
	"strings"

	"github.com/motor-go/motor/bson"
)

// args are the arguments of an operation. Every accessor marks its key as
// known; check then rejects the keys no accessor asked for, as the
// specification requires of arguments an operation does not support.
type args struct {
	op      string
	raw     bson.Raw
	used    map[string]bool
	checked bool
}

func newArgs(op string, raw bson.Raw) *args {
	return &args{op: op, raw: raw, used: map[string]bool{}}
}

// value returns the argument key, absent if not given.
func (a *args) value(key string) bson.RawValue {
	a.used[key] = true
	if a.raw == nil {
		return absent
	}
	return a.raw.Lookup(key)
}

func (a *args) missing(key string) error {
	return fmt.Errorf("unified: %s: required argument %q is missing", a.op, key)
}

func (a *args) wrongType(key, want string, v bson.RawValue) error {
	return fmt.Errorf("unified: %s: argument %q must be %s, not %s", a.op, key, want, show(v))
}

// required returns the argument key, which must be given.
func (a *args) required(key string) (bson.RawValue, error) {
	v := a.value(key)
	if v.Type == 0 {
		return v, a.missing(key)
	}
	return v, nil
}

// document returns a document argument; ok is false when it is not given.
func (a *args) document(key string, required bool) (d bson.Raw, ok bool, err error) {
	v := a.value(key)
	if v.Type == 0 {
		if required {
			return nil, false, a.missing(key)
		}
		return nil, false, nil
	}
	d, ok = v.DocumentOK()
	if !ok {
		return nil, false, a.wrongType(key, "a document", v)
	}
	return d, true, nil
}

// str returns a string argument, "" when not given and not required.
func (a *args) str(key string, required bool) (string, error) {
	v := a.value(key)
	if v.Type == 0 {
		if required {
			return "", a.missing(key)
		}
		return "", nil
	}
	s, ok := v.StringValueOK()
	if !ok {
		return "", a.wrongType(key, "a string", v)
	}
	return s, nil
}

// integer returns an integer argument; ok is false when it is not given.
func (a *args) integer(key string, required bool) (n int64, ok bool, err error) {
	v := a.value(key)
	if v.Type == 0 {
		if required {
			return 0, false, a.missing(key)
		}
		return 0, false, nil
	}
	n, ok = v.AsInt64OK()
	if !ok {
		return 0, false, a.wrongType(key, "an integer", v)
	}
	return n, true, nil
}

// boolean returns a boolean argument; ok is false when it is not given.
func (a *args) boolean(key string) (b, ok bool, err error) {
	v := a.value(key)
	if v.Type == 0 {
		return false, false, nil
	}
	b, ok = v.BooleanOK()
	if !ok {
		return false, false, a.wrongType(key, "a boolean", v)
	}
	return b, true, nil
}

// noSession checks that the session argument, if any, names a session
// entity. runOperation has already given that session to the operation
// through its context (motor.WithSession), for every operation alike.
func (a *args) noSession(tr *testRun) error {
	v := a.value("session")
	if v.Type == 0 {
		return nil
	}
	name, ok := v.StringValueOK()
	if !ok {
		return a.wrongType("session", "a session entity name", v)
	}
	if _, err := tr.entities.sessionLsid(name); err != nil {
		return fmt.Errorf("unified: %s: session: %w", a.op, err)
	}
	return nil
}

// check rejects the arguments that no accessor asked for. Operations call
// it after reading their arguments and before doing anything.
func (a *args) check() error {
	a.checked = true
	var unknown []string
	for k := range a.raw.Elements() {
		if !a.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("unified: %s: unsupported argument(s) %s", a.op, strings.Join(unknown, ", "))
	}
	return nil
}
