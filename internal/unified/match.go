package unified

import (
	"fmt"
	"math"
	"strings"

	"github.com/motor-go/motor/bson"
)

// This file implements the matching rules of the specification's
// "Evaluating Matches" section; match_ops.go holds the special operators.

// absent is the actual value of a key that a document does not have.
var absent = bson.RawValue{}

// A MatchError reports an actual value that does not match the expected one.
type MatchError struct {
	// Path locates the value, as "$.cursor.firstBatch[0].x".
	Path string
	// Problem says how it differs.
	Problem string
}

func (e *MatchError) Error() string { return "mismatch at " + e.Path + ": " + e.Problem }

func mismatch(path, format string, args ...any) error {
	return &MatchError{Path: path, Problem: fmt.Sprintf(format, args...)}
}

// entityValues gives the matcher the entities its operators refer to.
type entityValues interface {
	// bsonValue returns the BSON value stored as entity name.
	bsonValue(name string) (bson.RawValue, error)
	// sessionLsid returns the logical session id of session entity name.
	sessionLsid(name string) (bson.Raw, error)
}

// matcher evaluates expected values against actual ones.
type matcher struct {
	entities entityValues
}

// show prints a value for an error message.
func show(v bson.RawValue) string {
	if v.Type == 0 {
		return "(absent)"
	}
	s := v.String()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return typeName(v.Type) + " " + s
}

// operator returns the name and argument of a special operator: a document
// whose first and only key starts with "$$".
func operator(d bson.Raw) (string, bson.RawValue, bool) {
	var name string
	var arg bson.RawValue
	n := 0
	for k, v := range d.Elements() {
		name, arg = k, v
		n++
		if n > 1 {
			return "", absent, false
		}
	}
	if n == 1 && strings.HasPrefix(name, "$$") {
		return name, arg, true
	}
	return "", absent, false
}

// match checks that actual matches expected. root says whether the actual
// value, when a document, is a root-level document, which may hold keys
// that expected does not name. actual is absent for a missing key.
func (m *matcher) match(path string, expected, actual bson.RawValue, root bool) error {
	switch expected.Type {
	case bson.TypeDocument:
		d := expected.Document()
		if op, arg, ok := operator(d); ok {
			return m.operator(path, op, arg, actual, root)
		}
		if actual.Type == 0 {
			return mismatch(path, "missing; expected %s", show(expected))
		}
		ad, ok := actual.DocumentOK()
		if !ok {
			return mismatch(path, "expected a document, got %s", show(actual))
		}
		for k, ev := range d.Elements() {
			if err := m.match(path+"."+k, ev, ad.Lookup(k), false); err != nil {
				return err
			}
		}
		if !root {
			for k := range ad.Elements() {
				if d.Lookup(k).Type == 0 {
					return mismatch(path, "unexpected key %q in %s (extra keys are allowed in root-level documents only)", k, show(actual))
				}
			}
		}
		return nil
	case bson.TypeArray:
		if actual.Type == 0 {
			return mismatch(path, "missing; expected %s", show(expected))
		}
		aa, ok := actual.ArrayOK()
		if !ok {
			return mismatch(path, "expected an array, got %s", show(actual))
		}
		ea := expected.Array()
		if en, an := ea.Len(), aa.Len(); en != an {
			return mismatch(path, "expected %d element(s), got %d: %s", en, an, show(actual))
		}
		for i, ev := range ea.Values() {
			if err := m.match(fmt.Sprintf("%s[%d]", path, i), ev, aa.Index(i), false); err != nil {
				return err
			}
		}
		return nil
	}
	if actual.Type == 0 {
		return mismatch(path, "missing; expected %s", show(expected))
	}
	if !scalarEqual(expected, actual) {
		return mismatch(path, "expected %s, got %s", show(expected), show(actual))
	}
	return nil
}

// matchRootArray matches an iterable's documents: same number of elements,
// each one matched as a root-level document.
func (m *matcher) matchRootArray(path string, expected, actual bson.RawValue) error {
	ea, ok := expected.ArrayOK()
	if !ok {
		return m.match(path, expected, actual, true)
	}
	aa, ok := actual.ArrayOK()
	if !ok {
		return mismatch(path, "expected an array, got %s", show(actual))
	}
	if en, an := ea.Len(), aa.Len(); en != an {
		return mismatch(path, "expected %d document(s), got %d: %s", en, an, show(actual))
	}
	for i, ev := range ea.Values() {
		if err := m.match(fmt.Sprintf("%s[%d]", path, i), ev, aa.Index(i), true); err != nil {
			return err
		}
	}
	return nil
}

func isNumber(t bson.Type) bool {
	return t == bson.TypeInt32 || t == bson.TypeInt64 || t == bson.TypeDouble
}

// compareNumbers compares two int32, int64 or double values by value. ok is
// false when either is not such a number or is NaN.
func compareNumbers(a, b bson.RawValue) (cmp int, ok bool) {
	if !isNumber(a.Type) || !isNumber(b.Type) {
		return 0, false
	}
	if a.Type != bson.TypeDouble && b.Type != bson.TypeDouble {
		x, _ := a.AsInt64OK()
		y, _ := b.AsInt64OK()
		return cmpOrdered(x, y), true
	}
	x, y := asFloat(a), asFloat(b)
	if math.IsNaN(x) || math.IsNaN(y) {
		return 0, false
	}
	return cmpOrdered(x, y), true
}

func asFloat(v bson.RawValue) float64 {
	switch v.Type {
	case bson.TypeDouble:
		return v.Double()
	case bson.TypeInt32:
		return float64(v.Int32())
	}
	return float64(v.Int64())
}

func cmpOrdered[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// scalarEqual compares values that are not documents or arrays: numbers
// (but not Decimal128) by value whatever their type, the others by type
// and value.
func scalarEqual(expected, actual bson.RawValue) bool {
	if isNumber(expected.Type) && isNumber(actual.Type) {
		if c, ok := compareNumbers(expected, actual); ok {
			return c == 0
		}
		// Two NaNs are the same value for a test's purpose.
		return expected.Type == bson.TypeDouble && actual.Type == bson.TypeDouble &&
			math.IsNaN(expected.Double()) && math.IsNaN(actual.Double())
	}
	if expected.Type != actual.Type {
		return false
	}
	if expected.Type == bson.TypeCodeWithScope {
		ec, es, _ := expected.CodeWithScopeOK()
		ac, as, _ := actual.CodeWithScopeOK()
		return ec == ac && exactEqual(docValue(es), docValue(as))
	}
	return expected.Equal(actual)
}

func docValue(d bson.Raw) bson.RawValue { return bson.RawValue{Type: bson.TypeDocument, Value: d} }

// exactEqual reports whether two values are the same, with documents
// compared whatever the order of their keys and numbers by value: the
// comparison of a test's outcome, where matching operators do not apply
// and no extra key is allowed at any level.
func exactEqual(a, b bson.RawValue) bool {
	switch a.Type {
	case bson.TypeDocument:
		ad := a.Document()
		bd, ok := b.DocumentOK()
		if !ok || ad.Len() != bd.Len() {
			return false
		}
		for k, av := range ad.Elements() {
			bv := bd.Lookup(k)
			if bv.Type == 0 || !exactEqual(av, bv) {
				return false
			}
		}
		return true
	case bson.TypeArray:
		aa := a.Array()
		ba, ok := b.ArrayOK()
		if !ok || aa.Len() != ba.Len() {
			return false
		}
		for i, av := range aa.Values() {
			if !exactEqual(av, ba.Index(i)) {
				return false
			}
		}
		return true
	}
	return b.Type != 0 && scalarEqual(a, b)
}
