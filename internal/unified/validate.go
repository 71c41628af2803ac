package unified

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/motor-go/motor/bson"
)

// A ValidationError says where and how a test file breaks the structure of
// the unified test format.
type ValidationError struct {
	// Path locates the value, as "tests[0].operations[2].expectError".
	Path string
	// Problem says what is wrong with it.
	Problem string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("unified: invalid test file: %s: %s", e.Path, e.Problem)
}

// This file holds small checks that compose into the structure of the
// format (schema.go). They are written by hand, one per kind of constraint
// that the format's JSON schema uses: types, required and unknown keys,
// minimum and maximum sizes, enumerations, patterns and alternatives.

// rule checks the value at path.
type rule func(path string, v bson.RawValue) error

func invalid(path, format string, args ...any) error {
	return &ValidationError{Path: path, Problem: fmt.Sprintf(format, args...)}
}

// typeName names a BSON type as JSON would.
func typeName(t bson.Type) string {
	switch t {
	case bson.TypeDocument:
		return "object"
	case bson.TypeArray:
		return "array"
	case bson.TypeString:
		return "string"
	case bson.TypeBoolean:
		return "boolean"
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble:
		return "number"
	case bson.TypeNull:
		return "null"
	}
	return t.String()
}

func isString() rule {
	return func(p string, v bson.RawValue) error {
		if v.Type != bson.TypeString {
			return invalid(p, "must be a string, not %s", typeName(v.Type))
		}
		return nil
	}
}

func isBool() rule {
	return func(p string, v bson.RawValue) error {
		if v.Type != bson.TypeBoolean {
			return invalid(p, "must be a boolean, not %s", typeName(v.Type))
		}
		return nil
	}
}

func isTrue() rule {
	return func(p string, v bson.RawValue) error {
		if b, ok := v.BooleanOK(); !ok || !b {
			return invalid(p, "must be true")
		}
		return nil
	}
}

// isInteger accepts an int32, an int64, or a double with an integral value,
// as JSON schema's "integer" does.
func isInteger() rule {
	return func(p string, v bson.RawValue) error {
		switch v.Type {
		case bson.TypeInt32, bson.TypeInt64:
			return nil
		case bson.TypeDouble:
			if f := v.Double(); f == math.Trunc(f) && !math.IsInf(f, 0) {
				return nil
			}
		}
		return invalid(p, "must be an integer, not %s", typeName(v.Type))
	}
}

func isDocument() rule {
	return func(p string, v bson.RawValue) error {
		if v.Type != bson.TypeDocument {
			return invalid(p, "must be an object, not %s", typeName(v.Type))
		}
		return nil
	}
}

func anything() rule { return func(string, bson.RawValue) error { return nil } }

func enum(values ...string) rule {
	return func(p string, v bson.RawValue) error {
		s, ok := v.StringValueOK()
		if !ok {
			return invalid(p, "must be a string, not %s", typeName(v.Type))
		}
		if !slices.Contains(values, s) {
			return invalid(p, "%q is not one of %s", s, strings.Join(values, ", "))
		}
		return nil
	}
}

var versionPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+){1,2}$`)

// isVersion accepts a version string as the format's schema defines it:
// two or three dot-separated numbers.
func isVersion() rule {
	return func(p string, v bson.RawValue) error {
		s, ok := v.StringValueOK()
		if !ok {
			return invalid(p, "must be a version string, not %s", typeName(v.Type))
		}
		if !versionPattern.MatchString(s) {
			return invalid(p, "%q is not a version (major.minor[.patch])", s)
		}
		return nil
	}
}

// arrayOf accepts an array of at least min items, each passing item.
func arrayOf(min int, item rule) rule {
	return func(p string, v bson.RawValue) error {
		a, ok := v.ArrayOK()
		if !ok {
			return invalid(p, "must be an array, not %s", typeName(v.Type))
		}
		n := 0
		for i, e := range a.Values() {
			if err := item(fmt.Sprintf("%s[%d]", p, i), e); err != nil {
				return err
			}
			n++
		}
		if n < min {
			return invalid(p, "must have at least %d item(s), has %d", min, n)
		}
		return nil
	}
}

// field is a key an object may or must have.
type field struct {
	name     string
	required bool
	rule     rule
}

func req(name string, r rule) field { return field{name: name, required: true, rule: r} }
func opt(name string, r rule) field { return field{name: name, rule: r} }

// shape describes an object: its fields, and how many keys it may have.
type shape struct {
	fields []field
	// minKeys and maxKeys bound the number of keys (maxKeys 0: no bound).
	minKeys, maxKeys int
	// extra checks the keys that no field names; nil rejects them.
	extra func(p, key string, v bson.RawValue) error
	// check runs last, on the whole object, for constraints between keys.
	check func(p string, d bson.Raw) error
}

// object accepts a document of the given shape.
func object(s shape) rule {
	return func(p string, v bson.RawValue) error {
		d, ok := v.DocumentOK()
		if !ok {
			return invalid(p, "must be an object, not %s", typeName(v.Type))
		}
		for _, f := range s.fields {
			if f.required && d.Lookup(f.name).Type == 0 {
				return invalid(p, "required key %q is missing", f.name)
			}
		}
		n := 0
		for k, e := range d.Elements() {
			n++
			i := slices.IndexFunc(s.fields, func(f field) bool { return f.name == k })
			kp := p + "." + k
			switch {
			case i >= 0:
				if err := s.fields[i].rule(kp, e); err != nil {
					return err
				}
			case s.extra != nil:
				if err := s.extra(kp, k, e); err != nil {
					return err
				}
			default:
				return invalid(kp, "unknown key %q", k)
			}
		}
		if n < s.minKeys {
			return invalid(p, "must have at least %d key(s)", s.minKeys)
		}
		if s.maxKeys > 0 && n > s.maxKeys {
			return invalid(p, "must have at most %d key(s), has %d", s.maxKeys, n)
		}
		if s.check != nil {
			return s.check(p, d)
		}
		return nil
	}
}

// fields is object(shape{fields: fs}): an object with these keys only.
func fields(fs ...field) rule { return object(shape{fields: fs}) }

// oneKeyOf accepts an object with exactly one of the given keys, as entity
// and expected event definitions are.
func oneKeyOf(fs ...field) rule { return object(shape{fields: fs, minKeys: 1, maxKeys: 1}) }

// oneOf accepts a value that passes exactly one of the rules. The error for
// a value that passes none is the one found deepest in the value (the
// alternative that got furthest), or the first rule's.
func oneOf(rules ...rule) rule {
	return func(p string, v bson.RawValue) error {
		var best error
		depth := -1
		passed := 0
		for _, r := range rules {
			err := r(p, v)
			if err == nil {
				passed++
				continue
			}
			d := 0
			if ve, ok := err.(*ValidationError); ok {
				d = len(ve.Path)
				if ve.Problem[0] == 'm' && strings.HasPrefix(ve.Problem, "must be a") && ve.Path == p {
					d = 0 // a type mismatch of the value itself: another alternative's type
				}
			}
			if d > depth {
				best, depth = err, d
			}
		}
		switch passed {
		case 0:
			return best
		case 1:
			return nil
		}
		return invalid(p, "matches %d alternatives, must match exactly one", passed)
	}
}

// forbidTogether rejects an object holding both keys a and b.
func forbidTogether(pairs ...[2]string) func(p string, d bson.Raw) error {
	return func(p string, d bson.Raw) error {
		for _, pr := range pairs {
			if d.Lookup(pr[0]).Type != 0 && d.Lookup(pr[1]).Type != 0 {
				return invalid(p, "%q and %q are mutually exclusive", pr[0], pr[1])
			}
		}
		return nil
	}
}
