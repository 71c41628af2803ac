package bson

import (
	"math"
	"reflect"
	"unsafe"
)

// Decoders by kind. Each stores a BSON value into the Go value at p.

func decodeBool(d *decodeState, t Type, v []byte, p unsafe.Pointer) error {
	switch t {
	case TypeBoolean:
		b, err := d.boolValue(v)
		*(*bool)(p) = b
		return err
	case TypeNull, TypeUndefined:
		*(*bool)(p) = false
		return nil
	}
	return &UnmarshalTypeError{BSON: t, GoType: reflect.TypeFor[bool]()}
}

// numberAsInt64 reads a numeric value as an int64. A double must be
// integral unless truncate is set.
func numberAsInt64(t Type, v []byte, truncate bool) (int64, string, bool) {
	switch t {
	case TypeInt32:
		return int64(readInt32(v)), "", true
	case TypeInt64:
		return readInt64(v), "", true
	case TypeDouble:
		f := readDouble(v)
		if math.IsNaN(f) || f < -(1<<63) || f >= 1<<63 {
			return 0, "value out of range", false
		}
		if f != math.Trunc(f) && !truncate {
			return 0, "value has a fractional part (use the truncate tag option to allow)", false
		}
		return int64(f), "", true
	case TypeNull, TypeUndefined:
		return 0, "", true
	}
	return 0, "", false
}

func intDecoder(t reflect.Type, truncate bool) decodeFunc {
	bits := t.Bits()
	lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		i, why, ok := numberAsInt64(bt, v, truncate)
		if !ok {
			return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: why}
		}
		if i < lo || i > hi {
			return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "value out of range"}
		}
		switch bits {
		case 8:
			*(*int8)(p) = int8(i)
		case 16:
			*(*int16)(p) = int16(i)
		case 32:
			*(*int32)(p) = int32(i)
		default:
			*(*int64)(p) = i
		}
		return nil
	}
}

func uintDecoder(t reflect.Type, truncate bool) decodeFunc {
	bits := t.Bits()
	hi := uint64(1)<<bits - 1
	if bits == 64 {
		hi = math.MaxUint64
	}
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		i, why, ok := numberAsInt64(bt, v, truncate)
		if !ok {
			return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: why}
		}
		if i < 0 || uint64(i) > hi {
			return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "value out of range"}
		}
		switch bits {
		case 8:
			*(*uint8)(p) = uint8(i)
		case 16:
			*(*uint16)(p) = uint16(i)
		case 32:
			*(*uint32)(p) = uint32(i)
		default:
			*(*uint64)(p) = uint64(i)
		}
		return nil
	}
}

func floatDecoder(t reflect.Type, truncate bool) decodeFunc {
	is32 := t.Kind() == reflect.Float32
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		var f float64
		switch bt {
		case TypeDouble:
			f = readDouble(v)
		case TypeInt32:
			f = float64(readInt32(v))
		case TypeInt64:
			i := readInt64(v)
			if (i > 1<<53 || i < -(1<<53)) && !truncate {
				return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "int64 value cannot be represented exactly"}
			}
			f = float64(i)
		case TypeNull, TypeUndefined:
		default:
			return &UnmarshalTypeError{BSON: bt, GoType: t}
		}
		if is32 {
			f32 := float32(f)
			if float64(f32) != f && !math.IsNaN(f) && !truncate {
				return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "value cannot be represented exactly as float32 (use the truncate tag option to allow)"}
			}
			*(*float32)(p) = f32
			return nil
		}
		*(*float64)(p) = f
		return nil
	}
}

// truncateDecoder is the decoder of a field tagged truncate. It returns nil
// where truncate changes nothing.
func truncateDecoder(t reflect.Type) decodeFunc {
	if _, _, special := specialCodec(t); special {
		return nil
	}
	if enc, dec := interfaceCodec(t); enc != nil || dec != nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intDecoder(t, true)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintDecoder(t, true)
	case reflect.Float32, reflect.Float64:
		return floatDecoder(t, true)
	}
	return nil
}

func decodeStringKind(d *decodeState, t Type, v []byte, p unsafe.Pointer) error {
	switch t {
	case TypeString, TypeSymbol, TypeJavaScript:
		s, err := d.stringValue(v)
		*(*string)(p) = s
		return err
	case TypeNull, TypeUndefined:
		*(*string)(p) = ""
		return nil
	}
	return &UnmarshalTypeError{BSON: t, GoType: reflect.TypeFor[string]()}
}

func pointerDecoder(elem *typeCodec) decodeFunc {
	return func(d *decodeState, t Type, v []byte, p unsafe.Pointer) error {
		pp := (*unsafe.Pointer)(p)
		if t == TypeNull || t == TypeUndefined {
			*pp = nil
			return nil
		}
		if *pp == nil {
			*pp = reflect.New(elem.typ).UnsafePointer()
		}
		return elem.dec(d, t, v, *pp)
	}
}

// interfaceDecoder decodes into an interface: a value already there that a
// pointer holds is decoded into in place; otherwise the natural Go value is
// stored, if it has the interface's methods.
func interfaceDecoder(t reflect.Type) decodeFunc {
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		iv := reflect.NewAt(t, p).Elem()
		if bt == TypeNull || bt == TypeUndefined {
			iv.SetZero()
			return nil
		}
		if !iv.IsNil() {
			if cur := iv.Elem(); cur.Kind() == reflect.Pointer && !cur.IsNil() {
				return d.reg.codecFor(cur.Type().Elem()).dec(d, bt, v, cur.UnsafePointer())
			}
		}
		val, err := d.decodeAny(bt, v)
		if err != nil {
			return err
		}
		if t.NumMethod() == 0 {
			*(*any)(p) = val
			return nil
		}
		rv := reflect.ValueOf(val)
		if !rv.Type().Implements(t) {
			return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: rv.Type().String() + " does not implement it"}
		}
		iv.Set(rv)
		return nil
	}
}

func byteSliceDecoder(t reflect.Type) decodeFunc {
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		s := (*[]byte)(p)
		switch bt {
		case TypeBinary:
			b, _ := readBinary(v)
			*s = append((*s)[:0], b.Data...)
			if *s == nil {
				*s = []byte{}
			}
			return nil
		case TypeString:
			str, err := d.stringValue(v)
			*s = append((*s)[:0], str...)
			return err
		case TypeNull, TypeUndefined:
			*s = nil
			return nil
		case TypeArray:
			return sliceDecoder(t, d.reg.codecFor(t.Elem()))(d, bt, v, p)
		}
		return &UnmarshalTypeError{BSON: bt, GoType: t}
	}
}

func sliceDecoder(t reflect.Type, elem *typeCodec) decodeFunc {
	size := t.Elem().Size()
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		switch bt {
		case TypeArray:
		case TypeNull, TypeUndefined:
			typedmemclr(t, p)
			return nil
		default:
			return &UnmarshalTypeError{BSON: bt, GoType: t}
		}
		if err := d.enter(v); err != nil {
			return err
		}
		n := countElements(v)
		sv := reflect.NewAt(t, p).Elem()
		if sv.Cap() < n {
			sv.Set(reflect.MakeSlice(t, n, n))
		} else {
			sv.SetLen(n)
			if n == 0 && sv.IsNil() {
				sv.Set(reflect.MakeSlice(t, 0, 0))
			}
		}
		data := (*sliceHeader)(p).data
		it := newElements(v)
		for i := 0; i < n; i++ {
			el, _ := it.next()
			ep := unsafe.Add(data, uintptr(i)*size)
			typedmemclr(elem.typ, ep)
			if err := elem.dec(d, el.t, el.value, ep); err != nil {
				return withKey(err, indexKey(i))
			}
		}
		if _, ok := it.next(); !ok && it.msg != "" {
			return d.malformedAt(v, it.pos, it.msg)
		}
		d.depth--
		return nil
	}
}

func arrayDecoder(t reflect.Type, elem *typeCodec) decodeFunc {
	size, n := t.Elem().Size(), t.Len()
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		switch bt {
		case TypeArray:
		case TypeNull, TypeUndefined:
			typedmemclr(t, p)
			return nil
		default:
			return &UnmarshalTypeError{BSON: bt, GoType: t}
		}
		if count := countElements(v); count != n {
			return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "array has " + indexKey(count) + " elements"}
		}
		if err := d.enter(v); err != nil {
			return err
		}
		it := newElements(v)
		for i := 0; i < n; i++ {
			el, _ := it.next()
			if err := elem.dec(d, el.t, el.value, unsafe.Add(p, uintptr(i)*size)); err != nil {
				return withKey(err, indexKey(i))
			}
		}
		if _, ok := it.next(); !ok && it.msg != "" {
			return d.malformedAt(v, it.pos, it.msg)
		}
		d.depth--
		return nil
	}
}

func byteArrayDecoder(t reflect.Type) decodeFunc {
	n := t.Len()
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		dst := unsafe.Slice((*byte)(p), n)
		switch bt {
		case TypeBinary:
			b, _ := readBinary(v)
			if len(b.Data) != n {
				return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: "binary length differs from the array length"}
			}
			copy(dst, b.Data)
			return nil
		case TypeNull, TypeUndefined:
			clear(dst)
			return nil
		}
		return &UnmarshalTypeError{BSON: bt, GoType: t}
	}
}

func mapDecoder(t reflect.Type, kc mapKeyCodec, elem *typeCodec) decodeFunc {
	isM := t == reflect.TypeFor[M]() || t == reflect.TypeFor[map[string]any]()
	return func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
		switch bt {
		case TypeDocument:
		case TypeNull, TypeUndefined:
			typedmemclr(t, p)
			return nil
		default:
			return &UnmarshalTypeError{BSON: bt, GoType: t}
		}
		if isM && *(*map[string]any)(p) == nil {
			m, err := d.decodeM(v)
			*(*map[string]any)(p) = m
			return err
		}
		if err := d.enter(v); err != nil {
			return err
		}
		mv := reflect.NewAt(t, p).Elem()
		if mv.IsNil() {
			mv.Set(reflect.MakeMapWithSize(t, countElements(v)))
		}
		it := newElements(v)
		for {
			el, ok := it.next()
			if !ok {
				break
			}
			if err := d.decodeMapEntry(mv, kc, elem, el); err != nil {
				return err
			}
		}
		if it.msg != "" {
			return d.malformedAt(v, it.pos, it.msg)
		}
		d.depth--
		return nil
	}
}

// decodeMapEntry decodes one element into the map mv.
func (d *decodeState) decodeMapEntry(mv reflect.Value, kc mapKeyCodec, elem *typeCodec, el element) error {
	k, err := d.key(el)
	if err != nil {
		return err
	}
	key, err := kc.decode(k)
	if err != nil {
		return &UnmarshalTypeError{BSON: TypeDocument, GoType: mv.Type(), Key: k, Reason: err.Error()}
	}
	val := reflect.New(elem.typ)
	if err := elem.dec(d, el.t, el.value, val.UnsafePointer()); err != nil {
		return withKey(err, k)
	}
	mv.SetMapIndex(key, val.Elem())
	return nil
}
