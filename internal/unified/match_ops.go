package unified

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/motor-go/motor/bson"
)

// typeAliases maps the type names of $$type (those of the $type query
// operator) to BSON types.
var typeAliases = map[string][]bson.Type{
	"double":              {bson.TypeDouble},
	"string":              {bson.TypeString},
	"object":              {bson.TypeDocument},
	"array":               {bson.TypeArray},
	"binData":             {bson.TypeBinary},
	"undefined":           {bson.TypeUndefined},
	"objectId":            {bson.TypeObjectID},
	"bool":                {bson.TypeBoolean},
	"date":                {bson.TypeDateTime},
	"null":                {bson.TypeNull},
	"regex":               {bson.TypeRegex},
	"dbPointer":           {bson.TypeDBPointer},
	"javascript":          {bson.TypeJavaScript},
	"symbol":              {bson.TypeSymbol},
	"javascriptWithScope": {bson.TypeCodeWithScope},
	"int":                 {bson.TypeInt32},
	"timestamp":           {bson.TypeTimestamp},
	"long":                {bson.TypeInt64},
	"decimal":             {bson.TypeDecimal128},
	"minKey":              {bson.TypeMinKey},
	"maxKey":              {bson.TypeMaxKey},
	"number":              {bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDecimal128},
}

// operator evaluates the special operator op with argument arg against
// actual (absent for a missing key). root is passed on to the operators
// that match a nested expected value and do not change it.
func (m *matcher) operator(path, op string, arg, actual bson.RawValue, root bool) error {
	switch op {
	case "$$exists":
		want, ok := arg.BooleanOK()
		if !ok {
			return fmt.Errorf("unified: %s: $$exists takes a boolean, not %s", path, show(arg))
		}
		if got := actual.Type != 0; got != want {
			if want {
				return mismatch(path, "key missing; expected it to exist")
			}
			return mismatch(path, "expected no such key, got %s", show(actual))
		}
		return nil
	case "$$type":
		return matchType(path, arg, actual)
	case "$$unsetOrMatches":
		if actual.Type == 0 {
			return nil
		}
		return m.match(path, arg, actual, root)
	case "$$matchesEntity":
		name, ok := arg.StringValueOK()
		if !ok {
			return fmt.Errorf("unified: %s: $$matchesEntity takes an entity name, not %s", path, show(arg))
		}
		v, err := m.entities.bsonValue(name)
		if err != nil {
			return fmt.Errorf("unified: %s: $$matchesEntity: %w", path, err)
		}
		return m.match(path, v, actual, root)
	case "$$matchesHexBytes":
		return matchHexBytes(path, arg, actual)
	case "$$sessionLsid":
		name, ok := arg.StringValueOK()
		if !ok {
			return fmt.Errorf("unified: %s: $$sessionLsid takes a session entity name, not %s", path, show(arg))
		}
		lsid, err := m.entities.sessionLsid(name)
		if err != nil {
			return fmt.Errorf("unified: %s: $$sessionLsid: %w", path, err)
		}
		if !exactEqual(docValue(lsid), actual) {
			return mismatch(path, "expected the lsid of session %q, %s, got %s", name, show(docValue(lsid)), show(actual))
		}
		return nil
	case "$$lte":
		if !isNumber(arg.Type) {
			return fmt.Errorf("unified: %s: $$lte takes a number, not %s", path, show(arg))
		}
		if actual.Type == 0 {
			return mismatch(path, "missing; expected a number <= %s", show(arg))
		}
		c, ok := compareNumbers(actual, arg)
		if !ok || c > 0 {
			return mismatch(path, "expected a number <= %s, got %s", show(arg), show(actual))
		}
		return nil
	case "$$matchAsDocument":
		s, ok := actual.StringValueOK()
		if !ok {
			return mismatch(path, "$$matchAsDocument: expected an Extended JSON string, got %s", show(actual))
		}
		var d bson.Raw
		if err := bson.UnmarshalExtJSON([]byte(s), &d); err != nil {
			return mismatch(path, "$$matchAsDocument: the string is not an Extended JSON document: %v", err)
		}
		return m.match(path, arg, docValue(d), false)
	case "$$matchAsRoot":
		if arg.Type != bson.TypeDocument {
			return fmt.Errorf("unified: %s: $$matchAsRoot takes a document, not %s", path, show(arg))
		}
		if actual.Type != bson.TypeDocument {
			return mismatch(path, "$$matchAsRoot: expected a document, got %s", show(actual))
		}
		return m.match(path, arg, actual, true)
	}
	return fmt.Errorf("unified: %s: unknown matching operator %s", path, op)
}

// matchType implements $$type: actual exists and has one of the types.
func matchType(path string, arg, actual bson.RawValue) error {
	var names []string
	switch arg.Type {
	case bson.TypeString:
		names = []string{arg.StringValue()}
	case bson.TypeArray:
		for _, v := range arg.Array().Values() {
			s, ok := v.StringValueOK()
			if !ok {
				return fmt.Errorf("unified: %s: $$type takes type names, not %s", path, show(v))
			}
			names = append(names, s)
		}
	default:
		return fmt.Errorf("unified: %s: $$type takes a type name or an array of them, not %s", path, show(arg))
	}
	var types []bson.Type
	for _, n := range names {
		ts, ok := typeAliases[n]
		if !ok {
			return fmt.Errorf("unified: %s: $$type: unknown type name %q", path, n)
		}
		types = append(types, ts...)
	}
	if actual.Type == 0 {
		return mismatch(path, "missing; expected a value of type %s", strings.Join(names, " or "))
	}
	if !slices.Contains(types, actual.Type) {
		return mismatch(path, "expected a value of type %s, got %s", strings.Join(names, " or "), show(actual))
	}
	return nil
}

// decodeHexBytes decodes the string of $$hexBytes and $$matchesHexBytes:
// an even number of hexadecimal digits, in either case, possibly none.
func decodeHexBytes(v bson.RawValue) ([]byte, error) {
	s, ok := v.StringValueOK()
	if !ok {
		return nil, fmt.Errorf("hex bytes must be a string, not %s", show(v))
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("malformed hex bytes %q: %w", s, err)
	}
	return b, nil
}

// matchHexBytes implements $$matchesHexBytes. The actual value is the
// string (of bytes) an operation such as download returned; a binary value
// is accepted too.
func matchHexBytes(path string, arg, actual bson.RawValue) error {
	want, err := decodeHexBytes(arg)
	if err != nil {
		return fmt.Errorf("unified: %s: $$matchesHexBytes: %w", path, err)
	}
	var got []byte
	switch actual.Type {
	case bson.TypeString:
		got = []byte(actual.StringValue())
	case bson.TypeBinary:
		got = actual.Binary().Data
	default:
		return mismatch(path, "$$matchesHexBytes: expected a string of bytes, got %s", show(actual))
	}
	if !bytes.Equal(want, got) {
		return mismatch(path, "expected the bytes %x, got %x", want, got)
	}
	return nil
}
