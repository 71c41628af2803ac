package bson

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"
	"unsafe"
)

// Marshaler is implemented by types that encode themselves as a BSON
// document.
type Marshaler interface {
	MarshalBSON() ([]byte, error)
}

// Unmarshaler is implemented by types that decode themselves from a BSON
// document. The bytes are valid only during the call: copy what you keep.
type Unmarshaler interface {
	UnmarshalBSON(data []byte) error
}

// ValueMarshaler is implemented by types that encode themselves as any BSON
// value, returning its type and bytes.
type ValueMarshaler interface {
	MarshalBSONValue() (Type, []byte, error)
}

// ValueUnmarshaler is implemented by types that decode themselves from any
// BSON value. The bytes are valid only during the call: copy what you keep.
type ValueUnmarshaler interface {
	UnmarshalBSONValue(t Type, data []byte) error
}

var (
	marshalerType        = reflect.TypeFor[Marshaler]()
	unmarshalerType      = reflect.TypeFor[Unmarshaler]()
	valueMarshalerType   = reflect.TypeFor[ValueMarshaler]()
	valueUnmarshalerType = reflect.TypeFor[ValueUnmarshaler]()
	zeroerType           = reflect.TypeFor[interface{ IsZero() bool }]()
)

// interfaceCodec returns the encoder and decoder that call the methods t
// (or *t) has of the interfaces above; either may be nil.
func interfaceCodec(t reflect.Type) (encodeFunc, decodeFunc) {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
		return nil, nil // pointers encode what they point to, which is checked itself
	}
	var enc encodeFunc
	var dec decodeFunc
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(valueMarshalerType):
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			bt, b, err := reflect.NewAt(t, p).Interface().(ValueMarshaler).MarshalBSONValue()
			if err != nil {
				return dst, 0, &MarshalError{GoType: t, Reason: "MarshalBSONValue", Err: err}
			}
			if n, msg := valueLen(bt, b); msg != "" || n != len(b) {
				return dst, 0, &MarshalError{GoType: t, Reason: "MarshalBSONValue returned an invalid " + bt.String() + " value"}
			}
			return append(dst, b...), bt, nil
		}
	case pt.Implements(marshalerType):
		enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			b, err := reflect.NewAt(t, p).Interface().(Marshaler).MarshalBSON()
			if err != nil {
				return dst, 0, &MarshalError{GoType: t, Reason: "MarshalBSON", Err: err}
			}
			if n, msg := docLen(b); msg != "" || n != len(b) {
				return dst, 0, &MarshalError{GoType: t, Reason: "MarshalBSON returned an invalid document"}
			}
			return append(dst, b...), TypeDocument, nil
		}
	}
	switch {
	case pt.Implements(valueUnmarshalerType):
		dec = func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			if err := validateValueAt(d, bt, v); err != nil {
				return err
			}
			return reflect.NewAt(t, p).Interface().(ValueUnmarshaler).UnmarshalBSONValue(bt, v)
		}
	case pt.Implements(unmarshalerType):
		dec = func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			if bt == TypeNull || bt == TypeUndefined {
				typedmemclr(t, p)
				return nil
			}
			if bt != TypeDocument {
				return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "UnmarshalBSON takes a document"}
			}
			if err := validateValueAt(d, bt, v); err != nil {
				return err
			}
			return reflect.NewAt(t, p).Interface().(Unmarshaler).UnmarshalBSON(v)
		}
	}
	return enc, dec
}

// zeroChecker returns the omitempty test for t: the zero value, or an empty
// slice, map or string.
func zeroChecker(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice:
		return func(p unsafe.Pointer) bool { return (*sliceHeader)(p).len == 0 }
	case reflect.Map:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().Len() == 0 }
	case reflect.Pointer, reflect.Interface:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsNil() }
	case reflect.Struct:
		if t.Implements(zeroerType) || reflect.PointerTo(t).Implements(zeroerType) {
			return isZeroer(t)
		}
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
}

// isZeroer returns the omitzero test for t: its IsZero method if it has
// one, otherwise the zero value.
func isZeroer(t reflect.Type) func(unsafe.Pointer) bool {
	switch {
	case t.Kind() == reflect.Pointer && t.Implements(zeroerType):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(zeroerType):
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
}

// specialCodec returns the codec of the types of this package and the
// standard library types that have a BSON meaning of their own.
func specialCodec(t reflect.Type) (encodeFunc, decodeFunc, bool) {
	switch t {
	case reflect.TypeFor[D]():
		return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
				d := *(*D)(p)
				if d == nil && !e.opts.NilMapAsEmpty {
					return dst, TypeNull, nil
				}
				return e.encodeD(dst, d)
			}, func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
				switch bt {
				case TypeDocument, TypeArray:
					doc, err := d.decodeD(v)
					*(*D)(p) = doc
					return err
				case TypeNull, TypeUndefined:
					*(*D)(p) = nil
					return nil
				}
				return &UnmarshalTypeError{BSON: bt, GoType: t}
			}, true
	case reflect.TypeFor[A](), reflect.TypeFor[[]any]():
		return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
				return e.encodeA(dst, *(*[]any)(p))
			}, func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
				switch bt {
				case TypeArray:
					a, err := d.decodeA(v)
					*(*[]any)(p) = a
					return err
				case TypeNull, TypeUndefined:
					*(*[]any)(p) = nil
					return nil
				}
				return &UnmarshalTypeError{BSON: bt, GoType: t}
			}, true
	case reflect.TypeFor[Raw](), reflect.TypeFor[RawArray]():
		want := TypeDocument
		if t == reflect.TypeFor[RawArray]() {
			want = TypeArray
		}
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
				out, _, err := appendRawDocument(dst, *(*Raw)(p))
				if err != nil || *(*Raw)(p) == nil {
					return out, TypeNull, err
				}
				return out, want, nil
			}, func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
				switch bt {
				case want:
					if err := validateValueAt(d, bt, v); err != nil {
						return err
					}
					*(*[]byte)(p) = append([]byte(nil), v...)
					return nil
				case TypeNull, TypeUndefined:
					*(*[]byte)(p) = nil
					return nil
				}
				return &UnmarshalTypeError{BSON: bt, GoType: t}
			}, true
	case reflect.TypeFor[RawValue]():
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
				rv := *(*RawValue)(p)
				if rv.Type == 0 {
					return dst, TypeNull, nil
				}
				return appendRawValue(dst, rv)
			}, func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
				if err := validateValueAt(d, bt, v); err != nil {
					return err
				}
				*(*RawValue)(p) = RawValue{Type: bt, Value: append([]byte(nil), v...)}
				return nil
			}, true
	case reflect.TypeFor[time.Time]():
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendInt64(dst, timeToMillis(*(*time.Time)(p))), TypeDateTime, nil
		}, decodeTime, true
	case reflect.TypeFor[json.Number]():
		return encodeJSONNumber, decodeJSONNumber, true
	}
	return primitiveCodec(t)
}

func decodeTime(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
	switch bt {
	case TypeDateTime:
		*(*time.Time)(p) = DateTime(readInt64(v)).Time()
	case TypeTimestamp:
		*(*time.Time)(p) = time.Unix(int64(RawValue{Type: bt, Value: v}.Timestamp().T), 0).UTC()
	case TypeNull, TypeUndefined:
		*(*time.Time)(p) = time.Time{}
	default:
		return &UnmarshalTypeError{BSON: bt, GoType: reflect.TypeFor[time.Time]()}
	}
	return nil
}

// encodeJSONNumber writes a json.Number as an int64 when it is an integer,
// and as a double otherwise.
func encodeJSONNumber(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	n := *(*json.Number)(p)
	if i, err := n.Int64(); err == nil {
		return appendInt64(dst, i), TypeInt64, nil
	}
	f, err := n.Float64()
	if err != nil {
		return dst, 0, &MarshalError{GoType: reflect.TypeFor[json.Number](), Reason: "not a number: " + strconv.Quote(string(n))}
	}
	return appendDouble(dst, f), TypeDouble, nil
}

func decodeJSONNumber(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
	n := (*json.Number)(p)
	switch bt {
	case TypeInt32:
		*n = json.Number(strconv.FormatInt(int64(readInt32(v)), 10))
	case TypeInt64:
		*n = json.Number(strconv.FormatInt(readInt64(v), 10))
	case TypeDouble:
		*n = json.Number(strconv.FormatFloat(readDouble(v), 'g', -1, 64))
	case TypeDecimal128:
		dec := RawValue{Type: bt, Value: v}.Decimal128()
		if dec.IsNaN() || dec.IsInf() != 0 {
			return &UnmarshalTypeError{BSON: bt, GoType: reflect.TypeFor[json.Number](), Reason: "not a finite number"}
		}
		*n = json.Number(dec.String())
	case TypeNull, TypeUndefined:
		*n = ""
	default:
		return &UnmarshalTypeError{BSON: bt, GoType: reflect.TypeFor[json.Number]()}
	}
	return nil
}
