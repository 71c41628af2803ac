package bson

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file writes Extended JSON straight from BSON bytes. The writer checks
// what it reads as it goes (lengths, UTF-8, booleans, nesting), so it needs
// no separate validation pass and never reads out of range.

// extWriter holds the settings of one conversion. base is the whole input,
// for error offsets.
type extWriter struct {
	base      []byte
	canonical bool
	// limited stops the writer, with errExtLimit, before the next element
	// once the output is longer than limit.
	limited bool
	limit   int
}

// The largest datetime that relaxed mode writes as an ISO-8601 string: the
// last millisecond of the year 9999.
const maxISODate = 253402300799999

func (w *extWriter) malformed(at []byte, msg string) error {
	return &DecodeError{Offset: offsetIn(w.base, at), Msg: msg}
}

// appendDoc appends the document (or, with array set, the array) whose
// bytes, already sized by docLen, are doc.
func (w *extWriter) appendDoc(dst, doc []byte, array bool, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, w.malformed(doc, "documents nested too deeply")
	}
	open, closing := byte('{'), byte('}')
	if array {
		open, closing = '[', ']'
	}
	dst = append(dst, open)
	it := newElements(doc)
	first := true
	for {
		if w.limited && len(dst) > w.limit {
			return dst, errExtLimit
		}
		el, ok := it.next()
		if !ok {
			break
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		if !array {
			var err error
			if dst, err = w.appendString(dst, el.key, "key"); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
		}
		var err error
		if dst, err = w.appendValue(dst, el.t, el.value, depth); err != nil {
			return dst, err
		}
	}
	if it.msg != "" {
		return dst, &DecodeError{Offset: offsetIn(w.base, doc) + it.pos, Msg: it.msg}
	}
	return append(dst, closing), nil
}

// appendValue appends the value of type t whose bytes, already sized by
// valueLen, are v. depth is the nesting of the document holding it.
func (w *extWriter) appendValue(dst []byte, t Type, v []byte, depth int) ([]byte, error) {
	switch t {
	case TypeDouble:
		return w.appendDouble(dst, readDouble(v)), nil
	case TypeString:
		return w.appendString(dst, v[4:len(v)-1], "string")
	case TypeDocument:
		return w.appendDoc(dst, v, false, depth+1)
	case TypeArray:
		return w.appendDoc(dst, v, true, depth+1)
	case TypeBinary:
		b, _ := readBinary(v)
		dst = append(dst, `{"$binary":{"base64":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, b.Data)
		dst = append(dst, `","subType":"`...)
		dst = append(dst, hexDigits[b.Subtype>>4], hexDigits[b.Subtype&0xF])
		return append(dst, `"}}`...), nil
	case TypeUndefined:
		return append(dst, `{"$undefined":true}`...), nil
	case TypeObjectID:
		return appendOID(dst, v), nil
	case TypeBoolean:
		switch v[0] {
		case 0:
			return append(dst, "false"...), nil
		case 1:
			return append(dst, "true"...), nil
		}
		return dst, w.malformed(v, "boolean value is neither 0 nor 1")
	case TypeDateTime:
		return w.appendDate(dst, readInt64(v)), nil
	case TypeNull:
		return append(dst, "null"...), nil
	case TypeRegex:
		return w.appendRegex(dst, v)
	case TypeDBPointer:
		n := len(v) - 12
		dst = append(dst, `{"$dbPointer":{"$ref":`...)
		dst, err := w.appendString(dst, v[4:n-1], "DBPointer namespace")
		if err != nil {
			return dst, err
		}
		dst = append(dst, `,"$id":`...)
		return append(appendOID(dst, v[n:]), "}}"...), nil
	case TypeJavaScript:
		dst = append(dst, `{"$code":`...)
		dst, err := w.appendString(dst, v[4:len(v)-1], "code")
		return append(dst, '}'), err
	case TypeSymbol:
		dst = append(dst, `{"$symbol":`...)
		dst, err := w.appendString(dst, v[4:len(v)-1], "symbol")
		return append(dst, '}'), err
	case TypeCodeWithScope:
		n := int(readInt32(v[4:])) // checked by valueLen
		dst = append(dst, `{"$code":`...)
		dst, err := w.appendString(dst, v[8:8+n-1], "code")
		if err != nil {
			return dst, err
		}
		dst = append(dst, `,"$scope":`...)
		if dst, err = w.appendDoc(dst, v[8+n:], false, depth+1); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	case TypeInt32:
		if w.canonical {
			dst = append(dst, `{"$numberInt":"`...)
			dst = strconv.AppendInt(dst, int64(readInt32(v)), 10)
			return append(dst, `"}`...), nil
		}
		return strconv.AppendInt(dst, int64(readInt32(v)), 10), nil
	case TypeTimestamp:
		ts := RawValue{Type: t, Value: v}.Timestamp()
		dst = append(dst, `{"$timestamp":{"t":`...)
		dst = strconv.AppendUint(dst, uint64(ts.T), 10)
		dst = append(dst, `,"i":`...)
		dst = strconv.AppendUint(dst, uint64(ts.I), 10)
		return append(dst, "}}"...), nil
	case TypeInt64:
		if w.canonical {
			return appendNumberLong(dst, readInt64(v)), nil
		}
		return strconv.AppendInt(dst, readInt64(v), 10), nil
	case TypeDecimal128:
		dst = append(dst, `{"$numberDecimal":"`...)
		dst = appendDecimal128(dst, RawValue{Type: t, Value: v}.Decimal128())
		return append(dst, `"}`...), nil
	case TypeMinKey:
		return append(dst, `{"$minKey":1}`...), nil
	case TypeMaxKey:
		return append(dst, `{"$maxKey":1}`...), nil
	}
	return dst, w.malformed(v, "invalid element type "+t.String())
}

func appendOID(dst, id []byte) []byte {
	dst = append(dst, `{"$oid":"`...)
	dst = hex.AppendEncode(dst, id[:12])
	return append(dst, `"}`...)
}

func appendNumberLong(dst []byte, i int64) []byte {
	dst = append(dst, `{"$numberLong":"`...)
	dst = strconv.AppendInt(dst, i, 10)
	return append(dst, `"}`...)
}

// appendDate writes a datetime: canonical mode and dates outside the years
// 1970 to 9999 as milliseconds, relaxed mode as an RFC 3339 string with
// milliseconds when there are any.
func (w *extWriter) appendDate(dst []byte, ms int64) []byte {
	dst = append(dst, `{"$date":`...)
	if w.canonical || ms < 0 || ms > maxISODate {
		return append(appendNumberLong(dst, ms), '}')
	}
	layout := "2006-01-02T15:04:05Z"
	if ms%1000 != 0 {
		layout = "2006-01-02T15:04:05.000Z"
	}
	dst = append(dst, '"')
	dst = time.UnixMilli(ms).UTC().AppendFormat(dst, layout)
	return append(dst, `"}`...)
}

// appendDouble writes a double: in canonical mode, and for the non-finite
// values, as {"$numberDouble": "..."}; in relaxed mode as a JSON number.
func (w *extWriter) appendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `{"$numberDouble":"NaN"}`...)
	case math.IsInf(f, 1):
		return append(dst, `{"$numberDouble":"Infinity"}`...)
	case math.IsInf(f, -1):
		return append(dst, `{"$numberDouble":"-Infinity"}`...)
	case w.canonical:
		dst = append(dst, `{"$numberDouble":"`...)
		dst = appendFloat(dst, f)
		return append(dst, `"}`...)
	}
	return appendFloat(dst, f)
}

// appendFloat writes a finite double in the shortest form that parses back
// to the same value, always with a fraction or an exponent so that it reads
// as a double: 1.0, -0.0, 0.001, 1.2345678921232E+18, 1E-7. Numbers from
// 1e-4 up to 1e15 are written out in full, others in scientific notation.
func appendFloat(dst []byte, f float64) []byte {
	var buf [32]byte
	// 'e' gives [-]d[.ddd]e±dd: the shortest digits and the exponent.
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	if b[0] == '-' {
		dst = append(dst, '-')
		b = b[1:]
	}
	e := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == 'e' {
			e, _ = strconv.Atoi(string(b[i+1:]))
			b = b[:i]
			break
		}
	}
	// Gather the digits without the point.
	var digs [24]byte
	n := copy(digs[:], b[:1])
	if len(b) > 2 {
		n += copy(digs[n:], b[2:])
	}
	d := digs[:n]
	switch {
	case e < -4 || e >= 15:
		dst = append(dst, d[0])
		if len(d) > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'E')
		if e >= 0 {
			dst = append(dst, '+')
		}
		return strconv.AppendInt(dst, int64(e), 10)
	case e < 0:
		dst = append(dst, "0."...)
		for range -e - 1 {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case len(d) <= e+1:
		dst = append(dst, d...)
		for range e + 1 - len(d) {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	}
	dst = append(dst, d[:e+1]...)
	dst = append(dst, '.')
	return append(dst, d[e+1:]...)
}

// appendRegex writes a regular expression, its options in alphabetical
// order.
func (w *extWriter) appendRegex(dst, v []byte) ([]byte, error) {
	n1, _ := cstrLen(v) // checked by valueLen
	pattern, options := v[:n1-1], v[n1:len(v)-1]
	dst = append(dst, `{"$regularExpression":{"pattern":`...)
	dst, err := w.appendString(dst, pattern, "regex pattern")
	if err != nil {
		return dst, err
	}
	dst = append(dst, `,"options":`...)
	var buf [16]byte
	sorted := append(buf[:0], options...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	if dst, err = w.appendString(dst, sorted, "regex options"); err != nil {
		return dst, err
	}
	return append(dst, "}}"...), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a quoted JSON string, escaping the quote, the
// backslash and the control characters. s must be valid UTF-8; what names
// the string in the error otherwise.
func (w *extWriter) appendString(dst, s []byte, what string) ([]byte, error) {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, w.malformed(s[i:], what+" is not valid UTF-8")
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}
