package bson

import (
	"errors"
	"strconv"
)

// Extended JSON is MongoDB's JSON form of BSON (the Extended JSON
// specification, version 2). It comes in two modes:
//
//   - canonical keeps every type: {"n": {"$numberInt": "1"}} for an int32,
//     {"$date": {"$numberLong": "..."}} for a datetime, and so on;
//   - relaxed writes int32, int64 and finite doubles as plain JSON numbers
//     and dates from 1970 to 9999 as RFC 3339 strings, and is the mode of
//     the String methods.
//
// Both convert straight between BSON bytes and JSON text, without an
// intermediate tree.

// ErrInvalidExtJSON is wrapped by every [*ExtJSONError].
var ErrInvalidExtJSON = errors.New("bson: invalid Extended JSON")

// ExtJSONError reports Extended JSON text that cannot be parsed: what is
// wrong and the byte offset in the input where it was found (for a type
// wrapper, the offset of its opening brace).
type ExtJSONError struct {
	Offset int    // byte offset in the input
	Msg    string // what is wrong
}

// Error returns the message with the offset.
func (e *ExtJSONError) Error() string {
	return "bson: invalid Extended JSON at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap returns [ErrInvalidExtJSON].
func (e *ExtJSONError) Unwrap() error { return ErrInvalidExtJSON }

// MarshalExtJSON returns the Extended JSON of v, in canonical or relaxed
// mode. v is anything [Marshal] accepts; a [Raw] is written from its bytes
// (and checked on the way, as [Raw.Validate] would). Keys keep their order
// and the output has no spaces. Malformed bytes give a [*DecodeError].
//
// Doubles are written in the shortest form that reads back to the same
// value, always with a fraction or exponent (1.0, 0.5, 1.2345678921232E+18);
// NaN and the infinities are {"$numberDouble": "NaN"} and so on in both
// modes.
func MarshalExtJSON(v any, canonical bool) ([]byte, error) {
	bp := scratchBuffers.Get().(*[]byte)
	out, err := MarshalExtJSONAppend((*bp)[:0], v, canonical)
	var res []byte
	if err == nil {
		res = make([]byte, len(out))
		copy(res, out)
	}
	if cap(out) <= maxPooledBuffer {
		*bp = out[:0]
		scratchBuffers.Put(bp)
	}
	return res, err
}

// MarshalExtJSONAppend appends the Extended JSON of v to dst, as
// [MarshalExtJSON] returns it, and returns the extended buffer. On error it
// returns dst as it was given.
func MarshalExtJSONAppend(dst []byte, v any, canonical bool) ([]byte, error) {
	switch r := v.(type) {
	case Raw:
		return appendExtJSONDocument(dst, r, canonical)
	case *Raw:
		if r != nil {
			return appendExtJSONDocument(dst, *r, canonical)
		}
	}
	bp := scratchBuffers.Get().(*[]byte)
	doc, err := MarshalAppend((*bp)[:0], v)
	if err == nil {
		dst, err = appendExtJSONDocument(dst, doc, canonical)
	}
	if cap(doc) <= maxPooledBuffer {
		*bp = doc[:0]
		scratchBuffers.Put(bp)
	}
	return dst, err
}

// appendExtJSONDocument writes the document doc, which must be exactly one
// document.
func appendExtJSONDocument(dst, doc []byte, canonical bool) ([]byte, error) {
	n, msg := docLen(doc)
	if msg == "" && n != len(doc) {
		msg = "bytes after the end of the document"
	}
	if msg != "" {
		return dst, &DecodeError{Offset: 0, Msg: msg}
	}
	w := extWriter{base: doc, canonical: canonical}
	out, err := w.appendDoc(dst, doc, false, 0)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// errExtLimit stops the writer of AppendExtJSONPrefix.
var errExtLimit = errors.New("bson: Extended JSON output limit reached")

// AppendExtJSONPrefix appends the Extended JSON of the document doc to dst
// as [MarshalExtJSONAppend] would, but stops early once more than max bytes
// were appended: cut then reports that the text appended is a prefix, of
// more than max bytes, of the whole. It costs O(max) plus the size of the
// element it stopped in, whatever the size of doc, which suits log
// messages that show documents cut at a maximum length. Malformed bytes
// after the point where it stopped are not reported.
func AppendExtJSONPrefix(dst []byte, doc Raw, canonical bool, max int) (out []byte, cut bool, err error) {
	n, msg := docLen(doc)
	if msg == "" && n != len(doc) {
		msg = "bytes after the end of the document"
	}
	if msg != "" {
		return dst, false, &DecodeError{Offset: 0, Msg: msg}
	}
	w := extWriter{base: doc, canonical: canonical, limited: true, limit: len(dst) + max}
	out, err = w.appendDoc(dst, doc, false, 0)
	switch {
	case err == errExtLimit:
		return out, true, nil
	case err != nil:
		return dst, false, err
	}
	return out, len(out)-len(dst) > max, nil
}

// UnmarshalExtJSON parses the Extended JSON document data, in canonical or
// relaxed mode or a mix, and decodes it into the value v points to, as
// [Unmarshal] does; into a *[Raw] it stores the BSON bytes.
//
// The top-level value must be an object. An object whose keys are those of
// a type wrapper ({"$oid": ...}, {"$date": ...}) is read as that type, and
// an object that has a wrapper's key but is not that wrapper (a missing or
// extra key, or a value of the wrong JSON type) is an error. Other
// $-prefixed keys, as in {"$ref": ..., "$id": ...} or query operators, are
// ordinary keys. JSON integers become int32 when they fit, else int64, else
// a double; other numbers become doubles. The legacy forms
// {"$binary": base64, "$type": hex}, {"$regex": string, "$options": string},
// {"$uuid": string} and {"$date": RFC 3339 string} are read too.
//
// Syntax errors and wrapper errors are an [*ExtJSONError] with the offset in
// data. Nesting is limited to 1024 levels of objects and arrays.
func UnmarshalExtJSON(data []byte, v any) error {
	bp := scratchBuffers.Get().(*[]byte)
	doc, err := appendExtJSON((*bp)[:0], data)
	if err == nil {
		if r, ok := v.(*Raw); ok {
			if r == nil {
				err = ErrNilValue
			} else {
				*r = append(Raw(nil), doc...)
			}
		} else {
			err = Unmarshal(doc, v)
		}
	}
	if cap(doc) <= maxPooledBuffer {
		*bp = doc[:0]
		scratchBuffers.Put(bp)
	}
	return err
}

// String returns d as relaxed Extended JSON, or a description of why d
// cannot be encoded, in angle brackets.
func (d D) String() string {
	bp := scratchBuffers.Get().(*[]byte)
	doc, err := MarshalAppend((*bp)[:0], d)
	var s string
	if err != nil {
		s = "<" + err.Error() + ">"
	} else {
		s = extJSONString(doc, TypeDocument)
	}
	if cap(doc) <= maxPooledBuffer {
		*bp = doc[:0]
		scratchBuffers.Put(bp)
	}
	return s
}

// String returns r as relaxed Extended JSON, or <malformed: ...> for bytes
// that are not a valid document.
func (r Raw) String() string { return extJSONString(r, TypeDocument) }

// String returns a as relaxed Extended JSON, or <malformed: ...> for bytes
// that are not a valid array.
func (a RawArray) String() string { return extJSONString(a, TypeArray) }

// String returns the value as relaxed Extended JSON (a string value in
// quotes, a document as an object), <malformed: ...> for bytes that are not
// a valid value of the type, or <none> for the zero RawValue.
func (v RawValue) String() string {
	if v.IsZero() {
		return "<none>"
	}
	return extJSONString(v.Value, v.Type)
}

// extJSONString returns the relaxed Extended JSON of the value of type t
// whose bytes are b.
func extJSONString(b []byte, t Type) string {
	n, msg := valueLen(t, b)
	if msg == "" && n != len(b) {
		msg = "bytes after the end of the value"
	}
	if msg != "" {
		return "<malformed: " + msg + ">"
	}
	bp := scratchBuffers.Get().(*[]byte)
	w := extWriter{base: b}
	out, err := w.appendValue((*bp)[:0], t, b, 0)
	var s string
	if de, ok := err.(*DecodeError); ok {
		s = "<malformed: offset " + strconv.Itoa(de.Offset) + ": " + de.Msg + ">"
	} else if err != nil {
		s = "<malformed: " + err.Error() + ">"
	} else {
		s = string(out)
	}
	if cap(out) <= maxPooledBuffer {
		*bp = out[:0]
		scratchBuffers.Put(bp)
	}
	return s
}
