package bson

import (
	"reflect"
	"unsafe"
)

// Codecs of this package's value types, each stored as its own BSON type.

// emptyValue is a codec for the value-less types (Null, Undefined, MinKey,
// MaxKey): the BSON type alone.
func emptyValue(goType reflect.Type, bt Type) (encodeFunc, decodeFunc) {
	return func(_ *encodeState, dst []byte, _ unsafe.Pointer) ([]byte, Type, error) {
			return dst, bt, nil
		}, func(_ *decodeState, got Type, _ []byte, _ unsafe.Pointer) error {
			if got != bt && got != TypeNull {
				return &UnmarshalTypeError{BSON: got, GoType: goType}
			}
			return nil
		}
}

// stringTyped is a codec for the string-kinded types stored as a BSON
// string-like type (JavaScript, Symbol).
func stringTyped(goType reflect.Type, bt Type) (encodeFunc, decodeFunc) {
	return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		return appendString(dst, *(*string)(p)), bt, nil
	}, decodeStringKind
}

func primitiveCodec(t reflect.Type) (encodeFunc, decodeFunc, bool) {
	var enc encodeFunc
	var dec decodeFunc
	mismatch := func(bt Type) error { return &UnmarshalTypeError{BSON: bt, GoType: t} }
	switch t {
	case reflect.TypeFor[ObjectID]():
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return append(dst, (*ObjectID)(p)[:]...), TypeObjectID, nil
		}
		dec = func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			switch bt {
			case TypeObjectID:
				*(*ObjectID)(p) = ObjectID(v)
			case TypeNull, TypeUndefined:
				*(*ObjectID)(p) = NilObjectID
			case TypeString:
				// A hex string, as some applications store ids.
				s, err := d.stringValue(v)
				if err != nil {
					return err
				}
				id, err := ObjectIDFromHex(s)
				if err != nil {
					return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: err.Error()}
				}
				*(*ObjectID)(p) = id
			default:
				return mismatch(bt)
			}
			return nil
		}
	case reflect.TypeFor[DateTime]():
		enc, dec = valueCodec(t, TypeDateTime,
			func(dst []byte, d DateTime) ([]byte, error) { return appendInt64(dst, int64(d)), nil },
			func(_ *decodeState, v []byte) (DateTime, error) { return DateTime(readInt64(v)), nil })
	case reflect.TypeFor[Timestamp]():
		enc, dec = valueCodec(t, TypeTimestamp,
			func(dst []byte, ts Timestamp) ([]byte, error) { return appendTimestamp(dst, ts), nil },
			func(_ *decodeState, v []byte) (Timestamp, error) {
				return RawValue{Type: TypeTimestamp, Value: v}.Timestamp(), nil
			})
	case reflect.TypeFor[Decimal128]():
		enc, dec = valueCodec(t, TypeDecimal128,
			func(dst []byte, d Decimal128) ([]byte, error) { return appendDecimal128Bytes(dst, d), nil },
			func(_ *decodeState, v []byte) (Decimal128, error) {
				return RawValue{Type: TypeDecimal128, Value: v}.Decimal128(), nil
			})
	case reflect.TypeFor[Binary]():
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			b := (*Binary)(p)
			return appendBinary(dst, b.Subtype, b.Data), TypeBinary, nil
		}
		dec = func(_ *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			switch bt {
			case TypeBinary:
				b, _ := readBinary(v)
				*(*Binary)(p) = Binary{Subtype: b.Subtype, Data: append([]byte(nil), b.Data...)}
			case TypeNull, TypeUndefined:
				*(*Binary)(p) = Binary{}
			default:
				return mismatch(bt)
			}
			return nil
		}
	case reflect.TypeFor[UUID]():
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendBinary(dst, BinaryUUID, (*UUID)(p)[:]), TypeBinary, nil
		}
		dec = func(_ *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			switch bt {
			case TypeBinary:
				b, _ := readBinary(v)
				u, err := UUIDFromBinary(b)
				if err != nil {
					return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: err.Error()}
				}
				*(*UUID)(p) = u
			case TypeNull, TypeUndefined:
				*(*UUID)(p) = UUID{}
			default:
				return mismatch(bt)
			}
			return nil
		}
	case reflect.TypeFor[Vector]():
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			vec := (*Vector)(p)
			dst = appendInt32(dst, int32(vec.dataLen()))
			dst = append(dst, BinaryVector)
			return vec.appendData(dst), TypeBinary, nil
		}
		dec = func(_ *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			switch bt {
			case TypeBinary:
				b, _ := readBinary(v)
				vec, err := NewVectorFromBinary(b)
				if err != nil {
					return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: err.Error()}
				}
				*(*Vector)(p) = vec
			case TypeNull, TypeUndefined:
				*(*Vector)(p) = Vector{}
			default:
				return mismatch(bt)
			}
			return nil
		}
	case reflect.TypeFor[Regex]():
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			r := (*Regex)(p)
			if indexByteString(r.Pattern, 0) >= 0 || indexByteString(r.Options, 0) >= 0 {
				return dst, 0, &MarshalError{GoType: t, Reason: "regex pattern or options contain a NUL byte"}
			}
			dst = appendCString(dst, r.Pattern)
			return appendCString(dst, sortedRegexOptions(r.Options)), TypeRegex, nil
		}
		_, dec = valueCodec(t, TypeRegex, nil, func(d *decodeState, v []byte) (Regex, error) {
			val, err := d.decodeAny(TypeRegex, v)
			if err != nil {
				return Regex{}, err
			}
			return val.(Regex), nil
		})
	case reflect.TypeFor[DBPointer]():
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			ptr := (*DBPointer)(p)
			dst = appendString(dst, ptr.DB)
			return append(dst, ptr.Pointer[:]...), TypeDBPointer, nil
		}
		_, dec = valueCodec(t, TypeDBPointer, nil, func(d *decodeState, v []byte) (DBPointer, error) {
			val, err := d.decodeAny(TypeDBPointer, v)
			if err != nil {
				return DBPointer{}, err
			}
			return val.(DBPointer), nil
		})
	case reflect.TypeFor[CodeWithScope]():
		enc = func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			c := (*CodeWithScope)(p)
			start := len(dst)
			dst = appendInt32(dst, 0)
			dst = appendString(dst, string(c.Code))
			var err error
			var st Type
			if c.Scope == nil {
				dst = append(dst, 5, 0, 0, 0, 0)
			} else if dst, st, err = e.encodeAny(dst, c.Scope); err != nil {
				return dst, 0, err
			} else if st != TypeDocument {
				return dst, 0, &MarshalError{GoType: t, Reason: "scope must be a document"}
			}
			putInt32(dst[start:], int32(len(dst)-start))
			return dst, TypeCodeWithScope, nil
		}
		dec = func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			switch bt {
			case TypeCodeWithScope:
				val, err := d.decodeAny(bt, v)
				if err != nil {
					return err
				}
				*(*CodeWithScope)(p) = val.(CodeWithScope)
			case TypeJavaScript:
				s, err := d.stringValue(v)
				*(*CodeWithScope)(p) = CodeWithScope{Code: JavaScript(s)}
				return err
			case TypeNull, TypeUndefined:
				*(*CodeWithScope)(p) = CodeWithScope{}
			default:
				return mismatch(bt)
			}
			return nil
		}
	case reflect.TypeFor[JavaScript]():
		enc, dec = stringTyped(t, TypeJavaScript)
	case reflect.TypeFor[Symbol]():
		enc, dec = stringTyped(t, TypeSymbol)
	case reflect.TypeFor[Null]():
		enc, dec = emptyValue(t, TypeNull)
	case reflect.TypeFor[Undefined]():
		enc, dec = emptyValue(t, TypeUndefined)
	case reflect.TypeFor[MinKey]():
		enc, dec = emptyValue(t, TypeMinKey)
	case reflect.TypeFor[MaxKey]():
		enc, dec = emptyValue(t, TypeMaxKey)
	default:
		return nil, nil, false
	}
	return enc, dec, true
}

// valueCodec builds the codec of a Go type V stored as the one BSON type bt:
// encode appends the value (nil leaves the encoder nil, for the caller to
// set), read decodes it, and null or undefined decode to V's zero value.
func valueCodec[V any](goType reflect.Type, bt Type, encode func([]byte, V) ([]byte, error), read func(*decodeState, []byte) (V, error)) (encodeFunc, decodeFunc) {
	var enc encodeFunc
	if encode != nil {
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			out, err := encode(dst, *(*V)(p))
			return out, bt, err
		}
	}
	dec := func(d *decodeState, got Type, v []byte, p unsafe.Pointer) error {
		switch got {
		case bt:
			val, err := read(d, v)
			if err != nil {
				return err
			}
			*(*V)(p) = val
		case TypeNull, TypeUndefined:
			var zero V
			*(*V)(p) = zero
		default:
			return &UnmarshalTypeError{BSON: got, GoType: goType}
		}
		return nil
	}
	return enc, dec
}

func putInt32(b []byte, v int32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// sortedRegexOptions returns the options in alphabetical order, as BSON
// requires.
func sortedRegexOptions(o string) string {
	sorted := true
	for i := 1; i < len(o); i++ {
		if o[i] < o[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return o
	}
	b := []byte(o)
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && b[j] < b[j-1]; j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
	return string(b)
}
