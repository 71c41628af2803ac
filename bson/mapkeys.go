package bson

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
)

// mapKeyCodec converts the keys of a Go map to and from document keys.
type mapKeyCodec struct {
	encode func(k reflect.Value) (string, error)
	decode func(s string) (reflect.Value, error)
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
var textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()

// mapKeyCodecFor supports keys of string kinds (used as they are), types
// with MarshalText/UnmarshalText, and integers (in decimal).
func mapKeyCodecFor(kt reflect.Type) (mapKeyCodec, error) {
	switch {
	case kt.Kind() == reflect.String:
		return mapKeyCodec{
			encode: func(k reflect.Value) (string, error) { return k.String(), nil },
			decode: func(s string) (reflect.Value, error) { return reflect.ValueOf(s).Convert(kt), nil },
		}, nil
	case kt.Implements(textMarshalerType) && reflect.PointerTo(kt).Implements(textUnmarshalerType):
		return mapKeyCodec{
			encode: func(k reflect.Value) (string, error) {
				b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
				return string(b), err
			},
			decode: func(s string) (reflect.Value, error) {
				k := reflect.New(kt)
				err := k.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
				return k.Elem(), err
			},
		}, nil
	}
	switch kt.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return mapKeyCodec{
			encode: func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil },
			decode: func(s string) (reflect.Value, error) {
				i, err := strconv.ParseInt(s, 10, kt.Bits())
				if err != nil {
					return reflect.Value{}, fmt.Errorf("key %q is not an integer of %d bits", s, kt.Bits())
				}
				return reflect.ValueOf(i).Convert(kt), nil
			},
		}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return mapKeyCodec{
			encode: func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil },
			decode: func(s string) (reflect.Value, error) {
				u, err := strconv.ParseUint(s, 10, kt.Bits())
				if err != nil {
					return reflect.Value{}, fmt.Errorf("key %q is not an unsigned integer of %d bits", s, kt.Bits())
				}
				return reflect.ValueOf(u).Convert(kt), nil
			},
		}, nil
	}
	return mapKeyCodec{}, fmt.Errorf("map key type %s is not supported (string kinds, integers and encoding.TextMarshaler are)", kt)
}
