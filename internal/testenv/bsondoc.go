package testenv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// This file holds the subset of BSON that testenv's OP_MSG client needs.

// elem is one element of a document, in order.
type elem struct {
	Key string
	Val any
}

// doc is an ordered document. The encoder accepts values of the Go types
// int32, int64, float64, string, bool, []byte (binary subtype 0), []string
// (an array), []any (an array), doc and nil (null). The decoder produces the
// same types, plus time.Time for a UTC datetime.
type doc []elem

// get returns the value of the first element named key, or nil.
func (d doc) get(key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Val
		}
	}
	return nil
}

// str returns the string value of key, or "".
func (d doc) str(key string) string {
	s, _ := d.get(key).(string)
	return s
}

// strings returns the array value of key as strings, skipping elements of
// other types. It returns nil when key is absent or not an array.
func (d doc) strings(key string) []string {
	a, ok := d.get(key).([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for _, v := range a {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ok reports whether the reply's ok field is 1 (of any numeric type or true).
func (d doc) ok() bool {
	switch v := d.get("ok").(type) {
	case float64:
		return v == 1
	case int32:
		return v == 1
	case int64:
		return v == 1
	case bool:
		return v
	}
	return false
}

// BSON type bytes used here.
const (
	bsonDouble   = 0x01
	bsonString   = 0x02
	bsonDocument = 0x03
	bsonArray    = 0x04
	bsonBinary   = 0x05
	bsonObjectID = 0x07
	bsonBool     = 0x08
	bsonDateTime = 0x09
	bsonNull     = 0x0A
	bsonInt32    = 0x10
	bsonTS       = 0x11
	bsonInt64    = 0x12
)

// appendDoc appends the BSON encoding of d to dst.
func appendDoc(dst []byte, d doc) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	for _, e := range d {
		var err error
		if dst, err = appendElem(dst, e.Key, e.Val); err != nil {
			return nil, err
		}
	}
	dst = append(dst, 0)
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst, nil
}

// appendElem appends one element (type byte, key, value) to dst.
func appendElem(dst []byte, key string, v any) ([]byte, error) {
	cstring := func(t byte) {
		dst = append(dst, t)
		dst = append(dst, key...)
		dst = append(dst, 0)
	}
	switch v := v.(type) {
	case float64:
		cstring(bsonDouble)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	case string:
		cstring(bsonString)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(v)+1))
		dst = append(dst, v...)
		dst = append(dst, 0)
	case doc:
		cstring(bsonDocument)
		return appendDoc(dst, v)
	case []string:
		a := make([]any, len(v))
		for i, s := range v {
			a[i] = s
		}
		return appendElem(dst, key, a)
	case []any:
		cstring(bsonArray)
		arr := make(doc, len(v))
		for i, x := range v {
			arr[i] = elem{fmt.Sprint(i), x}
		}
		return appendDoc(dst, arr)
	case []byte:
		cstring(bsonBinary)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, 0)
		dst = append(dst, v...)
	case bool:
		cstring(bsonBool)
		if v {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	case nil:
		cstring(bsonNull)
	case int32:
		cstring(bsonInt32)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
	case int64:
		cstring(bsonInt64)
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
	default:
		return nil, fmt.Errorf("testenv: cannot encode %T", v)
	}
	return dst, nil
}

// errBSON is returned for malformed or unsupported BSON.
var errBSON = errors.New("testenv: malformed or unsupported BSON")

// maxDepth bounds the nesting that decodeDoc accepts.
const maxDepth = 64

// decodeDoc decodes one BSON document that must fill src exactly. It copies
// what it keeps: the result does not alias src.
func decodeDoc(src []byte) (doc, error) {
	return decodeDocDepth(src, 0)
}

func decodeDocDepth(src []byte, depth int) (doc, error) {
	if depth > maxDepth || len(src) < 5 || int(binary.LittleEndian.Uint32(src)) != len(src) || src[len(src)-1] != 0 {
		return nil, errBSON
	}
	var d doc
	b := src[4 : len(src)-1]
	for len(b) > 0 {
		t := b[0]
		b = b[1:]
		n := indexZero(b)
		if n < 0 {
			return nil, errBSON
		}
		key := string(b[:n])
		b = b[n+1:]
		v, rest, err := decodeValue(t, b, depth)
		if err != nil {
			return nil, err
		}
		d = append(d, elem{key, v})
		b = rest
	}
	return d, nil
}

// decodeValue decodes the value of type t at the start of b and returns it
// with the bytes that follow it.
func decodeValue(t byte, b []byte, depth int) (any, []byte, error) {
	fixed := func(n int) ([]byte, []byte, error) {
		if len(b) < n {
			return nil, nil, errBSON
		}
		return b[:n], b[n:], nil
	}
	switch t {
	case bsonDouble:
		v, rest, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(v)), rest, nil
	case bsonString:
		if len(b) < 4 {
			return nil, nil, errBSON
		}
		n := int64(binary.LittleEndian.Uint32(b))
		if n < 1 || n > int64(len(b)-4) || b[4+n-1] != 0 {
			return nil, nil, errBSON
		}
		return string(b[4 : 4+n-1]), b[4+n:], nil
	case bsonDocument, bsonArray:
		if len(b) < 4 {
			return nil, nil, errBSON
		}
		n := int64(binary.LittleEndian.Uint32(b))
		if n < 5 || n > int64(len(b)) {
			return nil, nil, errBSON
		}
		d, err := decodeDocDepth(b[:n], depth+1)
		if err != nil {
			return nil, nil, err
		}
		if t == bsonDocument {
			return d, b[n:], nil
		}
		a := make([]any, len(d))
		for i, e := range d {
			a[i] = e.Val
		}
		return a, b[n:], nil
	case bsonBinary:
		if len(b) < 5 {
			return nil, nil, errBSON
		}
		n := int64(binary.LittleEndian.Uint32(b))
		if n > int64(len(b)-5) {
			return nil, nil, errBSON
		}
		return append([]byte(nil), b[5:5+n]...), b[5+n:], nil
	case bsonObjectID:
		v, rest, err := fixed(12)
		if err != nil {
			return nil, nil, err
		}
		return append([]byte(nil), v...), rest, nil
	case bsonBool:
		v, rest, err := fixed(1)
		if err != nil || v[0] > 1 {
			return nil, nil, errBSON
		}
		return v[0] == 1, rest, nil
	case bsonDateTime:
		v, rest, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return time.UnixMilli(int64(binary.LittleEndian.Uint64(v))).UTC(), rest, nil
	case bsonNull:
		return nil, b, nil
	case bsonInt32:
		v, rest, err := fixed(4)
		if err != nil {
			return nil, nil, err
		}
		return int32(binary.LittleEndian.Uint32(v)), rest, nil
	case bsonTS, bsonInt64:
		v, rest, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		return int64(binary.LittleEndian.Uint64(v)), rest, nil
	}
	return nil, nil, errBSON
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}
