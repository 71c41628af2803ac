package bson

import (
	"encoding/binary"
	"math"
	"time"
)

// RawValue is one encoded BSON value and its type. Value slices into the
// document it came from. The accessors return the zero value of their type
// when the RawValue holds another type; the ...OK forms also say whether it
// did. None of them panics, whatever the bytes.
type RawValue struct {
	Type  Type
	Value []byte
}

// IsZero reports whether v is the zero RawValue, as returned for a missing key.
func (v RawValue) IsZero() bool { return v.Type == 0 && len(v.Value) == 0 }

// Equal reports whether v and other have the same type and bytes.
func (v RawValue) Equal(other RawValue) bool {
	return v.Type == other.Type && string(v.Value) == string(other.Value)
}

// Validate checks the value's bytes, as [Raw.Validate] does for documents.
func (v RawValue) Validate() error {
	n, msg := valueLen(v.Type, v.Value)
	if msg != "" {
		return &DecodeError{Msg: msg}
	}
	if n != len(v.Value) {
		return &DecodeError{Offset: n, Msg: "bytes after the end of the value"}
	}
	return validateValue(v.Value, v.Type, v.Value, 0)
}

// Unmarshal decodes the value into the Go value that out points to.
func (v RawValue) Unmarshal(out any) error {
	return UnmarshalValue(v.Type, v.Value, out)
}

func (v RawValue) fixed(t Type) []byte {
	if v.Type != t || len(v.Value) < int(fixedSize[t]) {
		return nil
	}
	return v.Value
}

// DoubleOK returns the value of a double.
func (v RawValue) DoubleOK() (float64, bool) {
	if b := v.fixed(TypeDouble); b != nil {
		return readDouble(b), true
	}
	return 0, false
}

// Double returns the value of a double, or 0.
func (v RawValue) Double() float64 { f, _ := v.DoubleOK(); return f }

// StringValueOK returns the value of a string. The string is a copy.
func (v RawValue) StringValueOK() (string, bool) {
	if v.Type != TypeString {
		return "", false
	}
	s, ok := rawString(v.Value)
	return string(s), ok
}

// StringValue returns the value of a string, or "".
func (v RawValue) StringValue() string { s, _ := v.StringValueOK(); return s }

// rawString returns the bytes of the BSON string at the start of b.
func rawString(b []byte) ([]byte, bool) {
	n, msg := strLen(b)
	if msg != "" {
		return nil, false
	}
	return b[4 : n-1], true
}

// DocumentOK returns the value of a document.
func (v RawValue) DocumentOK() (Raw, bool) {
	if v.Type != TypeDocument {
		return nil, false
	}
	return Raw(v.Value), true
}

// Document returns the value of a document, or nil.
func (v RawValue) Document() Raw { d, _ := v.DocumentOK(); return d }

// ArrayOK returns the value of an array.
func (v RawValue) ArrayOK() (RawArray, bool) {
	if v.Type != TypeArray {
		return nil, false
	}
	return RawArray(v.Value), true
}

// Array returns the value of an array, or nil.
func (v RawValue) Array() RawArray { a, _ := v.ArrayOK(); return a }

// BinaryOK returns the value of a binary. Data slices into v.
func (v RawValue) BinaryOK() (Binary, bool) {
	if v.Type != TypeBinary {
		return Binary{}, false
	}
	b, ok := readBinary(v.Value)
	return b, ok
}

// Binary returns the value of a binary, or the zero Binary.
func (v RawValue) Binary() Binary { b, _ := v.BinaryOK(); return b }

func readBinary(b []byte) (Binary, bool) {
	n, msg := valueLen(TypeBinary, b)
	if msg != "" {
		return Binary{}, false
	}
	if b[4] == BinaryBinaryOld {
		return Binary{Subtype: BinaryBinaryOld, Data: b[9:n]}, true
	}
	return Binary{Subtype: b[4], Data: b[5:n]}, true
}

// ObjectIDOK returns the value of an ObjectID.
func (v RawValue) ObjectIDOK() (ObjectID, bool) {
	var id ObjectID
	if b := v.fixed(TypeObjectID); b != nil {
		copy(id[:], b)
		return id, true
	}
	return id, false
}

// ObjectID returns the value of an ObjectID, or the zero ObjectID.
func (v RawValue) ObjectID() ObjectID { id, _ := v.ObjectIDOK(); return id }

// BooleanOK returns the value of a boolean.
func (v RawValue) BooleanOK() (bool, bool) {
	if b := v.fixed(TypeBoolean); b != nil {
		return b[0] != 0, true
	}
	return false, false
}

// Boolean returns the value of a boolean, or false.
func (v RawValue) Boolean() bool { b, _ := v.BooleanOK(); return b }

// DateTimeOK returns the value of a UTC datetime.
func (v RawValue) DateTimeOK() (DateTime, bool) {
	if b := v.fixed(TypeDateTime); b != nil {
		return DateTime(readInt64(b)), true
	}
	return 0, false
}

// DateTime returns the value of a UTC datetime, or 0.
func (v RawValue) DateTime() DateTime { d, _ := v.DateTimeOK(); return d }

// Time returns the value of a UTC datetime as a time.Time, or the zero time.
func (v RawValue) Time() time.Time {
	d, ok := v.DateTimeOK()
	if !ok {
		return time.Time{}
	}
	return d.Time()
}

// RegexOK returns the value of a regular expression.
func (v RawValue) RegexOK() (Regex, bool) {
	if v.Type != TypeRegex {
		return Regex{}, false
	}
	n1, msg := cstrLen(v.Value)
	if msg != "" {
		return Regex{}, false
	}
	n2, msg := cstrLen(v.Value[n1:])
	if msg != "" {
		return Regex{}, false
	}
	return Regex{Pattern: string(v.Value[:n1-1]), Options: string(v.Value[n1 : n1+n2-1])}, true
}

// Regex returns the value of a regular expression, or the zero Regex.
func (v RawValue) Regex() Regex { r, _ := v.RegexOK(); return r }

// DBPointerOK returns the value of a DBPointer.
func (v RawValue) DBPointerOK() (DBPointer, bool) {
	if v.Type != TypeDBPointer {
		return DBPointer{}, false
	}
	s, ok := rawString(v.Value)
	if !ok || len(v.Value) < len(s)+5+12 {
		return DBPointer{}, false
	}
	var p DBPointer
	p.DB = string(s)
	copy(p.Pointer[:], v.Value[len(s)+5:])
	return p, true
}

// JavaScriptOK returns the value of JavaScript code.
func (v RawValue) JavaScriptOK() (JavaScript, bool) {
	if v.Type != TypeJavaScript {
		return "", false
	}
	s, ok := rawString(v.Value)
	return JavaScript(s), ok
}

// JavaScript returns the value of JavaScript code, or "".
func (v RawValue) JavaScript() JavaScript { s, _ := v.JavaScriptOK(); return s }

// SymbolOK returns the value of a symbol.
func (v RawValue) SymbolOK() (Symbol, bool) {
	if v.Type != TypeSymbol {
		return "", false
	}
	s, ok := rawString(v.Value)
	return Symbol(s), ok
}

// CodeWithScopeOK returns the code and the scope document of JavaScript
// code with scope. The scope slices into v.
func (v RawValue) CodeWithScopeOK() (JavaScript, Raw, bool) {
	if v.Type != TypeCodeWithScope {
		return "", nil, false
	}
	if _, msg := valueLen(TypeCodeWithScope, v.Value); msg != "" {
		return "", nil, false
	}
	s, _ := rawString(v.Value[4:])
	return JavaScript(s), Raw(v.Value[4+len(s)+5:]), true
}

// Int32OK returns the value of an int32.
func (v RawValue) Int32OK() (int32, bool) {
	if b := v.fixed(TypeInt32); b != nil {
		return readInt32(b), true
	}
	return 0, false
}

// Int32 returns the value of an int32, or 0.
func (v RawValue) Int32() int32 { i, _ := v.Int32OK(); return i }

// TimestampOK returns the value of a timestamp.
func (v RawValue) TimestampOK() (Timestamp, bool) {
	if b := v.fixed(TypeTimestamp); b != nil {
		return Timestamp{I: binary.LittleEndian.Uint32(b), T: binary.LittleEndian.Uint32(b[4:])}, true
	}
	return Timestamp{}, false
}

// Timestamp returns the value of a timestamp, or the zero Timestamp.
func (v RawValue) Timestamp() Timestamp { t, _ := v.TimestampOK(); return t }

// Int64OK returns the value of an int64.
func (v RawValue) Int64OK() (int64, bool) {
	if b := v.fixed(TypeInt64); b != nil {
		return readInt64(b), true
	}
	return 0, false
}

// Int64 returns the value of an int64, or 0.
func (v RawValue) Int64() int64 { i, _ := v.Int64OK(); return i }

// Decimal128OK returns the value of a decimal128.
func (v RawValue) Decimal128OK() (Decimal128, bool) {
	if b := v.fixed(TypeDecimal128); b != nil {
		return NewDecimal128(binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b)), true
	}
	return Decimal128{}, false
}

// Decimal128 returns the value of a decimal128, or the zero Decimal128.
func (v RawValue) Decimal128() Decimal128 { d, _ := v.Decimal128OK(); return d }

// AsInt64OK returns a numeric value (int32, int64, or a double with an
// integral value in range) as an int64.
func (v RawValue) AsInt64OK() (int64, bool) {
	switch v.Type {
	case TypeInt32:
		i, ok := v.Int32OK()
		return int64(i), ok
	case TypeInt64:
		return v.Int64OK()
	case TypeDouble:
		f, ok := v.DoubleOK()
		if !ok || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// AsFloat64OK returns a numeric value (double, int32, or int64) as a float64;
// an int64 beyond ±2^53, which a float64 cannot hold exactly, is not converted.
func (v RawValue) AsFloat64OK() (float64, bool) {
	switch v.Type {
	case TypeDouble:
		return v.DoubleOK()
	case TypeInt32:
		i, ok := v.Int32OK()
		return float64(i), ok
	case TypeInt64:
		i, ok := v.Int64OK()
		if !ok || i > 1<<53 || i < -(1<<53) {
			return 0, false
		}
		return float64(i), true
	}
	return 0, false
}
