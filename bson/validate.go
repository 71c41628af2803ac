package bson

import "unicode/utf8"

// validateTop checks that b is exactly one valid document.
func validateTop(b []byte) error {
	n, msg := docLen(b)
	if msg != "" {
		return &DecodeError{Offset: 0, Msg: msg}
	}
	if n != len(b) {
		return &DecodeError{Offset: n, Msg: "bytes after the end of the document"}
	}
	return validateDoc(b, b, 0)
}

// validateDoc checks the document doc (already sized by docLen) and all it
// contains. base is the whole input, for error offsets.
func validateDoc(base, doc []byte, depth int) error {
	if depth > maxDepth {
		return &DecodeError{Offset: offsetIn(base, doc), Msg: "documents nested too deeply"}
	}
	it := newElements(doc)
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		if !utf8.Valid(el.key) {
			return &DecodeError{Offset: offsetIn(base, el.key), Msg: "key is not valid UTF-8"}
		}
		if err := validateValue(base, el.t, el.value, depth); err != nil {
			return err
		}
	}
	if it.msg != "" {
		return &DecodeError{Offset: offsetIn(base, doc) + it.pos, Msg: it.msg}
	}
	return nil
}

// validateValue checks the contents of a value whose length valueLen has
// already checked.
func validateValue(base []byte, t Type, v []byte, depth int) error {
	switch t {
	case TypeString, TypeJavaScript, TypeSymbol, TypeDBPointer:
		n := int(readInt32(v))
		if !utf8.Valid(v[4 : 4+n-1]) {
			return &DecodeError{Offset: offsetIn(base, v), Msg: t.String() + " is not valid UTF-8"}
		}
	case TypeDocument, TypeArray:
		return validateDoc(base, v, depth+1)
	case TypeBoolean:
		if v[0] > 1 {
			return &DecodeError{Offset: offsetIn(base, v), Msg: "boolean value is neither 0 nor 1"}
		}
	case TypeRegex:
		if !utf8.Valid(v) {
			return &DecodeError{Offset: offsetIn(base, v), Msg: "regex is not valid UTF-8"}
		}
	case TypeCodeWithScope:
		n := int(readInt32(v[4:]))
		if !utf8.Valid(v[8 : 8+n-1]) {
			return &DecodeError{Offset: offsetIn(base, v), Msg: "code is not valid UTF-8"}
		}
		return validateDoc(base, v[8+n:], depth+1)
	}
	return nil
}
