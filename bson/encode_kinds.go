package bson

import (
	"math"
	"reflect"
	"unsafe"
)

// Encoders by kind. Each takes a pointer to the value.

func encodeBool(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	return appendBool(dst, *(*bool)(p)), TypeBoolean, nil
}

// intEncoder writes int8, int16 and int32 as int32, int64 as int64, and int
// as int32 when it fits (int64 otherwise). With minSize an int64 that fits is
// written as int32 too.
func intEncoder(t reflect.Type, minSize bool) encodeFunc {
	switch t.Kind() {
	case reflect.Int8:
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendInt32(dst, int32(*(*int8)(p))), TypeInt32, nil
		}
	case reflect.Int16:
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendInt32(dst, int32(*(*int16)(p))), TypeInt32, nil
		}
	case reflect.Int32:
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendInt32(dst, *(*int32)(p)), TypeInt32, nil
		}
	case reflect.Int:
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendFittingInt(dst, int64(*(*int)(p)))
		}
	}
	if minSize {
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendFittingInt(dst, *(*int64)(p))
		}
	}
	return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		return appendInt64(dst, *(*int64)(p)), TypeInt64, nil
	}
}

func appendFittingInt(dst []byte, i int64) ([]byte, Type, error) {
	if i >= math.MinInt32 && i <= math.MaxInt32 {
		return appendInt32(dst, int32(i)), TypeInt32, nil
	}
	return appendInt64(dst, i), TypeInt64, nil
}

// uintEncoder writes uint8 and uint16 as int32 and wider unsigned integers
// as int64 (int32 with minSize when they fit); a value above MaxInt64 is an
// error.
func uintEncoder(t reflect.Type, minSize bool) encodeFunc {
	switch t.Kind() {
	case reflect.Uint8:
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendInt32(dst, int32(*(*uint8)(p))), TypeInt32, nil
		}
	case reflect.Uint16:
		return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			return appendInt32(dst, int32(*(*uint16)(p))), TypeInt32, nil
		}
	}
	load := uintLoader(t)
	return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		u := load(p)
		if u > math.MaxInt64 {
			return dst, 0, &MarshalError{GoType: t, Reason: "value overflows int64"}
		}
		if minSize && u <= math.MaxInt32 {
			return appendInt32(dst, int32(u)), TypeInt32, nil
		}
		return appendInt64(dst, int64(u)), TypeInt64, nil
	}
}

func uintLoader(t reflect.Type) func(unsafe.Pointer) uint64 {
	switch t.Kind() {
	case reflect.Uint8:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint8)(p)) }
	case reflect.Uint16:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint16)(p)) }
	case reflect.Uint32:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint32)(p)) }
	case reflect.Uint:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint)(p)) }
	case reflect.Uintptr:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uintptr)(p)) }
	}
	return func(p unsafe.Pointer) uint64 { return *(*uint64)(p) }
}

// minSizeEncoder is the encoder of a field tagged minsize.
// It returns nil where minsize changes nothing.
func minSizeEncoder(t reflect.Type) encodeFunc {
	if _, _, special := specialCodec(t); special {
		return nil
	}
	if enc, dec := interfaceCodec(t); enc != nil || dec != nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Int64:
		return intEncoder(t, true)
	case reflect.Uint32, reflect.Uint64, reflect.Uint:
		return uintEncoder(t, true)
	}
	return nil
}

func encodeFloat32(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	return appendDouble(dst, float64(*(*float32)(p))), TypeDouble, nil
}

func encodeFloat64(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	return appendDouble(dst, *(*float64)(p)), TypeDouble, nil
}

func encodeStringKind(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	return appendString(dst, *(*string)(p)), TypeString, nil
}

func pointerEncoder(elem *typeCodec) encodeFunc {
	return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		ep := *(*unsafe.Pointer)(p)
		if ep == nil {
			return dst, TypeNull, nil
		}
		return elem.enc(e, dst, ep)
	}
}

func encodeInterface(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	return e.encodeAny(dst, *(*any)(p))
}

// interfaceEncoder encodes a non-empty interface type.
func interfaceEncoder(t reflect.Type) encodeFunc {
	return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() {
			return dst, TypeNull, nil
		}
		return e.encodeAny(dst, v.Elem().Interface())
	}
}

func encodeByteSlice(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	b := *(*[]byte)(p)
	if b == nil && !e.opts.NilSliceAsEmpty {
		return dst, TypeNull, nil
	}
	return appendBinary(dst, BinaryGeneric, b), TypeBinary, nil
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

func sliceEncoder(t reflect.Type, elem *typeCodec) encodeFunc {
	size := t.Elem().Size()
	return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		h := (*sliceHeader)(p)
		if h.data == nil && !e.opts.NilSliceAsEmpty {
			return dst, TypeNull, nil
		}
		return encodeElems(e, dst, h.data, h.len, size, elem)
	}
}

func arrayEncoder(t reflect.Type, elem *typeCodec) encodeFunc {
	size, n := t.Elem().Size(), t.Len()
	return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		return encodeElems(e, dst, p, n, size, elem)
	}
}

// encodeElems encodes n values of size bytes each, starting at data, as an
// array.
func encodeElems(e *encodeState, dst []byte, data unsafe.Pointer, n int, size uintptr, elem *typeCodec) ([]byte, Type, error) {
	if e.depth++; e.depth > maxDepth {
		return dst, 0, &MarshalError{GoType: elem.typ, Reason: "values nested too deeply (a cycle?)"}
	}
	dst, start := startDocument(dst)
	for i := 0; i < n; i++ {
		tpos := len(dst)
		dst = append(dst, 0)
		dst = appendIndexKey(dst, i)
		var t Type
		var err error
		if dst, t, err = elem.enc(e, dst, unsafe.Add(data, uintptr(i)*size)); err != nil {
			return dst, 0, withKey(err, indexKey(i))
		}
		dst[tpos] = byte(t)
	}
	e.depth--
	return endDocument(dst, start), TypeArray, nil
}

func byteArrayEncoder(t reflect.Type) encodeFunc {
	n := t.Len()
	return func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		return appendBinary(dst, BinaryGeneric, unsafe.Slice((*byte)(p), n)), TypeBinary, nil
	}
}

func mapEncoder(t reflect.Type) encodeFunc {
	return func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
		return encodeMapValue(e, dst, reflect.NewAt(t, p).Elem())
	}
}

// encodeMapValue encodes the map m.
func encodeMapValue(e *encodeState, dst []byte, m reflect.Value) ([]byte, Type, error) {
	if m.IsNil() && !e.opts.NilMapAsEmpty {
		return dst, TypeNull, nil
	}
	switch mm := m.Interface().(type) {
	case M:
		return e.encodeM(dst, mm)
	case map[string]any:
		return e.encodeM(dst, mm)
	}
	t := m.Type()
	kc, err := mapKeyCodecFor(t.Key())
	if err != nil {
		return dst, 0, &MarshalError{GoType: t, Reason: err.Error()}
	}
	if e.depth++; e.depth > maxDepth {
		return dst, 0, &MarshalError{GoType: t, Reason: "values nested too deeply (a cycle?)"}
	}
	dst, start := startDocument(dst)
	if dst, err = encodeMapElements(e, dst, m, kc, e.reg.codecFor(t.Elem()), nil); err != nil {
		return dst, 0, err
	}
	e.depth--
	return endDocument(dst, start), TypeDocument, nil
}

// encodeMapElements appends the elements of the map m, leaving out the keys
// in skip (the keys of struct fields, for an inline map).
func encodeMapElements(e *encodeState, dst []byte, m reflect.Value, kc mapKeyCodec, elem *typeCodec, skip map[string]int) ([]byte, error) {
	if m.Len() == 0 {
		return dst, nil
	}
	val := reflect.New(elem.typ)
	vp := val.UnsafePointer()
	iter := m.MapRange()
	for iter.Next() {
		key, err := kc.encode(iter.Key())
		if err != nil {
			return dst, &MarshalError{GoType: m.Type(), Reason: err.Error()}
		}
		if _, claimed := skip[key]; claimed {
			return dst, &MarshalError{GoType: m.Type(), Key: key, Reason: "inline map key duplicates a struct field"}
		}
		if len(key) > 0 && indexByteString(key, 0) >= 0 {
			return dst, &MarshalError{Key: key, Reason: "key contains a NUL byte"}
		}
		val.Elem().SetIterValue(iter)
		tpos := len(dst)
		dst = append(dst, 0)
		dst = appendCString(dst, key)
		var t Type
		if dst, t, err = elem.enc(e, dst, vp); err != nil {
			return dst, withKey(err, key)
		}
		dst[tpos] = byte(t)
	}
	return dst, nil
}

func indexByteString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
