package bson

import (
	"bytes"
	"unsafe"
)

// This file finds the ends of things: the length of a value of a given type
// and the next element of a document. It checks every length against the
// bytes at hand; deeper checks (UTF-8, booleans, nested documents) are in
// validate.go.

// docLen checks the header of the document (or array) at the start of b and
// returns its length.
func docLen(b []byte) (int, string) {
	if len(b) < 4 {
		return 0, "document length truncated"
	}
	n := int(readInt32(b))
	switch {
	case n < 5:
		return 0, "document length too small"
	case n > len(b):
		return 0, "document length longer than the bytes available"
	case b[n-1] != 0:
		return 0, "document not terminated by a NUL byte"
	}
	return n, ""
}

// strLen checks the BSON string at the start of b and returns the length of
// the whole value (length prefix, bytes and NUL).
func strLen(b []byte) (int, string) {
	if len(b) < 4 {
		return 0, "string length truncated"
	}
	n := int(readInt32(b))
	switch {
	case n < 1:
		return 0, "string length must be at least 1"
	case n > len(b)-4:
		return 0, "string length longer than the bytes available"
	case b[4+n-1] != 0:
		return 0, "string not terminated by a NUL byte"
	}
	return 4 + n, ""
}

// cstrLen returns the length of the NUL-terminated string at the start of b,
// with its NUL.
func cstrLen(b []byte) (int, string) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return 0, "string not terminated by a NUL byte"
	}
	return i + 1, ""
}

// valueLen returns the length of the value of type t at the start of b.
func valueLen(t Type, b []byte) (int, string) {
	switch t {
	case TypeDouble, TypeDateTime, TypeInt64, TypeTimestamp, TypeInt32,
		TypeObjectID, TypeBoolean, TypeDecimal128:
		n := int(fixedSize[t])
		if len(b) < n {
			return 0, t.String() + " value truncated"
		}
		return n, ""
	case TypeNull, TypeUndefined, TypeMinKey, TypeMaxKey:
		return 0, ""
	case TypeString, TypeJavaScript, TypeSymbol:
		return strLen(b)
	case TypeDocument, TypeArray:
		return docLen(b)
	case TypeBinary:
		if len(b) < 5 {
			return 0, "binary length truncated"
		}
		n := int(readInt32(b))
		if n < 0 || n > len(b)-5 {
			return 0, "binary length out of range"
		}
		if b[4] == BinaryBinaryOld {
			if n < 4 || int(readInt32(b[5:])) != n-4 {
				return 0, "binary subtype 0x02 inner length does not match"
			}
		}
		return 5 + n, ""
	case TypeRegex:
		n1, msg := cstrLen(b)
		if msg != "" {
			return 0, "regex pattern not terminated by a NUL byte"
		}
		n2, msg := cstrLen(b[n1:])
		if msg != "" {
			return 0, "regex options not terminated by a NUL byte"
		}
		return n1 + n2, ""
	case TypeDBPointer:
		n, msg := strLen(b)
		if msg != "" {
			return 0, msg
		}
		if len(b)-n < 12 {
			return 0, "DBPointer ObjectID truncated"
		}
		return n + 12, ""
	case TypeCodeWithScope:
		if len(b) < 4 {
			return 0, "code with scope length truncated"
		}
		n := int(readInt32(b))
		if n < 14 || n > len(b) {
			return 0, "code with scope length out of range"
		}
		sn, msg := strLen(b[4:n])
		if msg != "" {
			return 0, "code with scope: " + msg
		}
		dn, msg := docLen(b[4+sn : n])
		if msg != "" {
			return 0, "code with scope: " + msg
		}
		if 4+sn+dn != n {
			return 0, "code with scope length does not match its contents"
		}
		return n, ""
	}
	return 0, "invalid element type " + t.String()
}

// element is one element of a document, as slices of the document.
type element struct {
	t     Type
	key   []byte // without the NUL
	value []byte
}

// elements walks the elements of one document. Start it with newElements on
// a slice that docLen has checked (exactly the document's bytes).
type elements struct {
	doc []byte
	pos int
	msg string // the problem found, if any
}

func newElements(doc []byte) elements { return elements{doc: doc, pos: 4} }

// next returns the next element; ok is false at the end or on malformed
// bytes, with e.msg set in the latter case and e.pos where it was found.
func (e *elements) next() (el element, ok bool) {
	end := len(e.doc) - 1 // the terminating NUL
	if e.pos >= end {
		return el, false
	}
	t := Type(e.doc[e.pos])
	if t == typeEndOfDocument {
		e.msg = "document terminator before the end of the document"
		return el, false
	}
	k := bytes.IndexByte(e.doc[e.pos+1:end], 0)
	if k < 0 {
		e.msg = "key not terminated by a NUL byte"
		return el, false
	}
	el.t = t
	el.key = e.doc[e.pos+1 : e.pos+1+k]
	vstart := e.pos + 2 + k
	n, msg := valueLen(t, e.doc[vstart:end])
	if msg != "" {
		e.pos = vstart
		if !t.Valid() {
			e.pos = e.pos - 2 - k
		}
		e.msg = msg
		return el, false
	}
	el.value = e.doc[vstart : vstart+n]
	e.pos = vstart + n
	return el, true
}

// offsetIn returns the offset of sub's first byte in base, where sub is a
// sub-slice of base; it is used only to report where an error was found.
func offsetIn(base, sub []byte) int {
	if len(base) == 0 || cap(sub) == 0 {
		return len(base)
	}
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(sub))) - uintptr(unsafe.Pointer(unsafe.SliceData(base))))
	if off < 0 || off > len(base) {
		return 0
	}
	return off
}
