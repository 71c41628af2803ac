package bson

import (
	"bytes"
	"math"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// This file parses Extended JSON text and appends the BSON it describes, in
// one pass and without building a tree. Each object is written as a document
// first; when it closes, an object with $-prefixed keys is checked against
// the type wrappers (extjson_wrap.go), and a wrapper's document is replaced
// in place by the value it stands for.

// jsonKind is what a JSON value was written as, which the type wrappers
// check: {"$numberInt": 42} is an error where {"$numberInt": "42"} is not.
type jsonKind uint8

const (
	kindString  jsonKind = iota + 1
	kindNumber           // a JSON number
	kindObject           // an object that is not a type wrapper
	kindWrapper          // an object that was a type wrapper
	kindArray
	kindTrue
	kindFalse
	kindNull
)

// member records one key/value pair of an open object, by its offsets in
// the output, for the type wrapper check at the end of the object.
type member struct {
	keyOff, keyEnd int
	valOff, valEnd int
	t              Type
	kind           jsonKind
}

// extReader is the state of one parse.
type extReader struct {
	data    []byte   // the input
	pos     int      // the next byte to read
	dst     []byte   // the BSON written so far
	tmp     []byte   // scratch for a type wrapper's value
	members []member // the members of the open objects, innermost last
	depth   int
}

// fail returns the error msg at the byte offset at of the input.
func (r *extReader) fail(at int, msg string) error {
	return &ExtJSONError{Offset: at, Msg: msg}
}

// extScratch holds the buffers of a parse that do not outlive it, for
// reuse by the next one.
type extScratch struct {
	members []member
	tmp     []byte
}

var extScratches = sync.Pool{New: func() any { return new(extScratch) }}

// appendExtJSON parses the Extended JSON document data and appends its
// BSON to dst.
func appendExtJSON(dst, data []byte) ([]byte, error) {
	s := extScratches.Get().(*extScratch)
	r := extReader{data: data, dst: dst, members: s.members[:0], tmp: s.tmp[:0]}
	out, err := r.parse()
	if cap(r.members) <= 1024 && cap(r.tmp) <= maxPooledBuffer {
		s.members, s.tmp = r.members[:0], r.tmp[:0]
		extScratches.Put(s)
	}
	if err != nil {
		return dst, err
	}
	return out, nil
}

// parse parses the whole input.
func (r *extReader) parse() ([]byte, error) {
	data, dst := r.data, r.dst
	r.skipSpace()
	if r.pos >= len(data) {
		return dst, r.fail(r.pos, "no document: the input is empty")
	}
	if data[r.pos] != '{' {
		return dst, r.fail(r.pos, "the top-level value must be an object (a document)")
	}
	start := len(r.dst)
	if _, _, err := r.object(true); err != nil {
		return dst, err
	}
	r.skipSpace()
	if r.pos != len(data) {
		return dst, r.fail(r.pos, "data after the top-level document")
	}
	if len(r.dst)-start > math.MaxInt32 {
		return dst, r.fail(0, "document too large for BSON")
	}
	return r.dst, nil
}

func (r *extReader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// expect skips space and then the byte c, or reports what is there instead.
func (r *extReader) expect(c byte, what string) error {
	r.skipSpace()
	if r.pos >= len(r.data) {
		return r.fail(r.pos, "unexpected end of input, expecting "+what)
	}
	if r.data[r.pos] != c {
		return r.fail(r.pos, "unexpected "+quoteByte(r.data[r.pos])+", expecting "+what)
	}
	r.pos++
	return nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// value parses one JSON value and appends its BSON bytes; it returns the
// BSON type, which the caller writes into the element's type byte.
func (r *extReader) value() (Type, jsonKind, error) {
	r.skipSpace()
	if r.pos >= len(r.data) {
		return 0, 0, r.fail(r.pos, "unexpected end of input, expecting a value")
	}
	switch c := r.data[r.pos]; {
	case c == '{':
		return r.object(false)
	case c == '[':
		return r.array()
	case c == '"':
		start := len(r.dst)
		r.dst = append(r.dst, 0, 0, 0, 0)
		if err := r.str(); err != nil {
			return 0, 0, err
		}
		r.dst = append(r.dst, 0)
		putInt32(r.dst[start:], int32(len(r.dst)-start-4))
		return TypeString, kindString, nil
	case c == '-' || (c >= '0' && c <= '9'):
		t, err := r.number()
		return t, kindNumber, err
	case c == 't':
		if err := r.literal("true"); err != nil {
			return 0, 0, err
		}
		r.dst = append(r.dst, 1)
		return TypeBoolean, kindTrue, nil
	case c == 'f':
		if err := r.literal("false"); err != nil {
			return 0, 0, err
		}
		r.dst = append(r.dst, 0)
		return TypeBoolean, kindFalse, nil
	case c == 'n':
		return TypeNull, kindNull, r.literal("null")
	default:
		return 0, 0, r.fail(r.pos, "unexpected "+quoteByte(c)+", expecting a value")
	}
}

func (r *extReader) literal(word string) error {
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return r.fail(r.pos, "invalid literal, expecting "+word)
	}
	r.pos += len(word)
	return nil
}

// enter counts one more level of nesting, for the object or array that
// opens at offset at.
func (r *extReader) enter(at int) error {
	if r.depth++; r.depth > maxDepth {
		return r.fail(at, "nested too deeply (more than "+strconv.Itoa(maxDepth)+" levels)")
	}
	return nil
}

// object parses an object at r.pos ('{') as a document and, unless it is the
// top-level one, converts it when it is a type wrapper.
func (r *extReader) object(top bool) (Type, jsonKind, error) {
	at := r.pos
	r.pos++
	if err := r.enter(at); err != nil {
		return 0, 0, err
	}
	base := len(r.members)
	dollar := false
	var start int
	r.dst, start = startDocument(r.dst)
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == '}' {
		r.pos++
	} else {
		for {
			r.skipSpace()
			if r.pos >= len(r.data) || r.data[r.pos] != '"' {
				return 0, 0, r.expect('"', "a key")
			}
			tpos := len(r.dst)
			r.dst = append(r.dst, 0)
			keyAt, keyOff := r.pos, len(r.dst)
			if err := r.str(); err != nil {
				return 0, 0, err
			}
			keyEnd := len(r.dst)
			if bytes.IndexByte(r.dst[keyOff:], 0) >= 0 {
				return 0, 0, r.fail(keyAt, "key contains a NUL character")
			}
			r.dst = append(r.dst, 0)
			if err := r.expect(':', "':' after a key"); err != nil {
				return 0, 0, err
			}
			valOff := len(r.dst)
			t, kind, err := r.value()
			if err != nil {
				return 0, 0, err
			}
			r.dst[tpos] = byte(t)
			if !top {
				dollar = dollar || (keyEnd > keyOff && r.dst[keyOff] == '$')
				r.members = append(r.members, member{keyOff, keyEnd, valOff, len(r.dst), t, kind})
			}
			r.skipSpace()
			if r.pos < len(r.data) && r.data[r.pos] == ',' {
				r.pos++
				continue
			}
			if err := r.expect('}', "',' or '}' in an object"); err != nil {
				return 0, 0, err
			}
			break
		}
	}
	r.dst = endDocument(r.dst, start)
	r.depth--
	t, kind := TypeDocument, kindObject
	if dollar {
		wt, ok, err := r.wrapper(start, r.members[base:], at)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			t, kind = wt, kindWrapper
		}
	}
	r.members = r.members[:base]
	return t, kind, nil
}

// array parses an array at r.pos ('[').
func (r *extReader) array() (Type, jsonKind, error) {
	r.pos++
	if err := r.enter(r.pos - 1); err != nil {
		return 0, 0, err
	}
	var start int
	r.dst, start = startDocument(r.dst)
	r.skipSpace()
	if r.pos < len(r.data) && r.data[r.pos] == ']' {
		r.pos++
	} else {
		for i := 0; ; i++ {
			tpos := len(r.dst)
			r.dst = append(r.dst, 0)
			r.dst = appendIndexKey(r.dst, i)
			t, _, err := r.value()
			if err != nil {
				return 0, 0, err
			}
			r.dst[tpos] = byte(t)
			r.skipSpace()
			if r.pos < len(r.data) && r.data[r.pos] == ',' {
				r.pos++
				continue
			}
			if err := r.expect(']', "',' or ']' in an array"); err != nil {
				return 0, 0, err
			}
			break
		}
	}
	r.dst = endDocument(r.dst, start)
	r.depth--
	return TypeArray, kindArray, nil
}

// str decodes the JSON string at r.pos (its opening quote) and appends its
// bytes, unquoted and unescaped, to r.dst.
func (r *extReader) str() error {
	r.pos++
	for {
		start := r.pos
		for r.pos < len(r.data) {
			c := r.data[r.pos]
			if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			r.pos++
		}
		r.dst = append(r.dst, r.data[start:r.pos]...)
		if r.pos >= len(r.data) {
			return r.fail(r.pos, "unterminated string")
		}
		switch c := r.data[r.pos]; {
		case c == '"':
			r.pos++
			return nil
		case c == '\\':
			if err := r.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return r.fail(r.pos, "control character in a string (it must be escaped)")
		default:
			ru, size := utf8.DecodeRune(r.data[r.pos:])
			if ru == utf8.RuneError && size == 1 {
				return r.fail(r.pos, "invalid UTF-8 in a string")
			}
			r.dst = append(r.dst, r.data[r.pos:r.pos+size]...)
			r.pos += size
		}
	}
}

// escape decodes the escape sequence at r.pos (its backslash).
func (r *extReader) escape() error {
	at := r.pos
	if r.pos+1 >= len(r.data) {
		return r.fail(at, "unterminated escape sequence")
	}
	c := r.data[r.pos+1]
	r.pos += 2
	switch c {
	case '"', '\\', '/':
		r.dst = append(r.dst, c)
	case 'b':
		r.dst = append(r.dst, '\b')
	case 'f':
		r.dst = append(r.dst, '\f')
	case 'n':
		r.dst = append(r.dst, '\n')
	case 'r':
		r.dst = append(r.dst, '\r')
	case 't':
		r.dst = append(r.dst, '\t')
	case 'u':
		ru, ok := r.hex4()
		if !ok {
			return r.fail(at, `invalid \u escape`)
		}
		if utf16.IsSurrogate(ru) {
			// A pair makes one character; a lone surrogate becomes U+FFFD.
			lo := utf8.RuneError
			if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
				save := r.pos
				r.pos += 2
				if l, ok := r.hex4(); ok && utf16.DecodeRune(ru, l) != utf8.RuneError {
					lo = l
				} else {
					r.pos = save
				}
			}
			ru = utf16.DecodeRune(ru, lo)
		}
		r.dst = utf8.AppendRune(r.dst, ru)
	default:
		return r.fail(at, "invalid escape sequence "+quoteByte(c))
	}
	return nil
}

// hex4 reads the four hexadecimal digits of a \u escape.
func (r *extReader) hex4() (rune, bool) {
	if r.pos+4 > len(r.data) {
		return 0, false
	}
	var v rune
	for _, c := range r.data[r.pos : r.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return v, true
}

// number parses a JSON number: an integer becomes an int32 when it fits,
// else an int64 when it fits, else a double; any other number is a double.
func (r *extReader) number() (Type, error) {
	start := r.pos
	if r.data[r.pos] == '-' {
		r.pos++
	}
	integer := true
	first := r.pos
	if !r.digits() {
		return 0, r.fail(r.pos, "invalid number: digits expected")
	}
	if r.data[first] == '0' && r.pos-first > 1 {
		return 0, r.fail(start, "invalid number: leading zero")
	}
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		r.pos++
		integer = false
		if !r.digits() {
			return 0, r.fail(r.pos, "invalid number: digits expected after the decimal point")
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.pos++
		integer = false
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		if !r.digits() {
			return 0, r.fail(r.pos, "invalid number: digits expected in the exponent")
		}
	}
	lit := bytesToString(r.data[start:r.pos])
	if integer {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			if i >= math.MinInt32 && i <= math.MaxInt32 {
				r.dst = appendInt32(r.dst, int32(i))
				return TypeInt32, nil
			}
			r.dst = appendInt64(r.dst, i)
			return TypeInt64, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return 0, r.fail(start, "number out of the range of a double")
	}
	r.dst = appendDouble(r.dst, f)
	return TypeDouble, nil
}

// digits skips one or more decimal digits, reporting whether there was one.
func (r *extReader) digits() bool {
	start := r.pos
	for r.pos < len(r.data) && r.data[r.pos] >= '0' && r.data[r.pos] <= '9' {
		r.pos++
	}
	return r.pos > start
}
