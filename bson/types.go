package bson

import (
	"strconv"
	"time"
)

// Type is a BSON element type, the byte that precedes each key in a document.
type Type byte

// The BSON element types.
const (
	TypeDouble          Type = 0x01
	TypeString          Type = 0x02
	TypeDocument        Type = 0x03
	TypeArray           Type = 0x04
	TypeBinary          Type = 0x05
	TypeUndefined       Type = 0x06
	TypeObjectID        Type = 0x07
	TypeBoolean         Type = 0x08
	TypeDateTime        Type = 0x09
	TypeNull            Type = 0x0A
	TypeRegex           Type = 0x0B
	TypeDBPointer       Type = 0x0C
	TypeJavaScript      Type = 0x0D
	TypeSymbol          Type = 0x0E
	TypeCodeWithScope   Type = 0x0F
	TypeInt32           Type = 0x10
	TypeTimestamp       Type = 0x11
	TypeInt64           Type = 0x12
	TypeDecimal128      Type = 0x13
	TypeMinKey          Type = 0xFF
	TypeMaxKey          Type = 0x7F
	typeEndOfDocument   Type = 0x00
	typeFirstUnassigned Type = 0x14
)

var typeNames = [...]string{
	TypeDouble:        "double",
	TypeString:        "string",
	TypeDocument:      "document",
	TypeArray:         "array",
	TypeBinary:        "binary",
	TypeUndefined:     "undefined",
	TypeObjectID:      "objectId",
	TypeBoolean:       "bool",
	TypeDateTime:      "date",
	TypeNull:          "null",
	TypeRegex:         "regex",
	TypeDBPointer:     "dbPointer",
	TypeJavaScript:    "javascript",
	TypeSymbol:        "symbol",
	TypeCodeWithScope: "javascriptWithScope",
	TypeInt32:         "int",
	TypeTimestamp:     "timestamp",
	TypeInt64:         "long",
	TypeDecimal128:    "decimal",
}

// String returns the type's name as the server's $type operator spells it
// ("double", "objectId", "long", ...).
func (t Type) String() string {
	switch {
	case t == TypeMinKey:
		return "minKey"
	case t == TypeMaxKey:
		return "maxKey"
	case int(t) < len(typeNames) && typeNames[t] != "":
		return typeNames[t]
	}
	return "invalid type 0x" + strconv.FormatUint(uint64(t), 16)
}

// Valid reports whether t is one of the BSON element types.
func (t Type) Valid() bool {
	return (t >= TypeDouble && t < typeFirstUnassigned) || t == TypeMinKey || t == TypeMaxKey
}

// D is an ordered document: a slice of key/value pairs. Use it where the
// order of keys matters, as in commands and sort specifications:
//
//	bson.D{{Key: "find", Value: "users"}, {Key: "filter", Value: bson.D{{Key: "age", Value: 30}}}}
type D []E

// E is one element of a [D].
type E struct {
	Key   string
	Value any
}

// M is an unordered document. Encoding an M writes its keys in Go's map
// iteration order, which varies; use [D] where the order matters.
type M map[string]any

// A is a BSON array.
type A []any

// Map returns the document's elements as an [M]. A later duplicate key wins.
func (d D) Map() M {
	m := make(M, len(d))
	for _, e := range d {
		m[e.Key] = e.Value
	}
	return m
}

// DateTime is a BSON UTC datetime: milliseconds since the Unix epoch.
type DateTime int64

// NewDateTimeFromTime returns the DateTime of t, truncated to milliseconds.
func NewDateTimeFromTime(t time.Time) DateTime {
	return DateTime(t.Unix()*1000 + int64(t.Nanosecond()/1e6))
}

// Time returns d as a time.Time in UTC.
func (d DateTime) Time() time.Time {
	return time.UnixMilli(int64(d)).UTC()
}

// String returns d formatted as RFC 3339 with milliseconds, in UTC.
func (d DateTime) String() string {
	return d.Time().Format("2006-01-02T15:04:05.000Z07:00")
}

// Timestamp is a BSON timestamp, used internally by MongoDB (oplog entries,
// cluster times): T is seconds since the epoch and I an ordinal within the
// second.
type Timestamp struct {
	T uint32
	I uint32
}

// IsZero reports whether ts is the zero timestamp.
func (ts Timestamp) IsZero() bool { return ts.T == 0 && ts.I == 0 }

// Compare returns -1, 0 or +1 as ts is before, equal to or after other.
func (ts Timestamp) Compare(other Timestamp) int {
	switch {
	case ts.T < other.T || (ts.T == other.T && ts.I < other.I):
		return -1
	case ts == other:
		return 0
	}
	return 1
}

// Regex is a BSON regular expression. Options are the flags, each a letter,
// which BSON stores in alphabetical order.
type Regex struct {
	Pattern string
	Options string
}

// String returns the regular expression as /pattern/options.
func (r Regex) String() string { return "/" + r.Pattern + "/" + r.Options }

// DBPointer is the deprecated BSON DBPointer type: a namespace and an ObjectID.
type DBPointer struct {
	DB      string
	Pointer ObjectID
}

// JavaScript is BSON JavaScript code.
type JavaScript string

// Symbol is the deprecated BSON symbol type.
type Symbol string

// CodeWithScope is BSON JavaScript code with a scope document. Scope is
// encoded like any document ([D], [M], [Raw] or a struct); when decoded it is
// a [D].
type CodeWithScope struct {
	Code  JavaScript
	Scope any
}

// Null is the BSON null value. A nil interface or pointer also encodes as
// null; Null is for places where a value must be given.
type Null struct{}

// Undefined is the deprecated BSON undefined value.
type Undefined struct{}

// MinKey is the BSON value that sorts before every other.
type MinKey struct{}

// MaxKey is the BSON value that sorts after every other.
type MaxKey struct{}
