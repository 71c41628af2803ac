package bson

import (
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// MarshalOptions holds the less common encoding settings. The zero value is
// the default behaviour of [Marshal].
type MarshalOptions struct {
	// Registry supplies the codecs; nil means DefaultRegistry.
	Registry *Registry
	// MaxDocumentSize is the largest document to produce; 0 means
	// MaxDocumentSize (16 MiB), negative means no limit.
	MaxDocumentSize int
	// NilSliceAsEmpty writes a nil slice as an empty array, not null.
	NilSliceAsEmpty bool
	// NilMapAsEmpty writes a nil map as an empty document, not null.
	NilMapAsEmpty bool
}

// encodeState is the state of one Marshal call. States are pooled: the
// codec functions take it by pointer, which would otherwise move it to the
// heap on every call.
type encodeState struct {
	reg   *Registry
	opts  MarshalOptions
	depth int
}

var encodeStates = sync.Pool{New: func() any { return new(encodeState) }}

func newEncodeState(o *MarshalOptions) *encodeState {
	e := encodeStates.Get().(*encodeState)
	e.opts, e.reg, e.depth = *o, o.Registry, 0
	if e.reg == nil {
		e.reg = DefaultRegistry
	}
	return e
}

func (e *encodeState) release() {
	e.opts, e.reg = MarshalOptions{}, nil
	encodeStates.Put(e)
}

// Marshal returns the BSON document for v: a struct, a map with string keys,
// a [D], [M] or [Raw], or a pointer to one of them.
func Marshal(v any) ([]byte, error) { return MarshalOptions{}.Marshal(v) }

// MarshalAppend appends the BSON document for v to dst and returns the
// extended buffer. On error it returns dst as it was given. Reusing one
// buffer across calls avoids allocating:
//
//	buf, err = bson.MarshalAppend(buf[:0], doc)
func MarshalAppend(dst []byte, v any) ([]byte, error) {
	return MarshalOptions{}.MarshalAppend(dst, v)
}

// Marshal is [Marshal] with these options.
//
// It encodes into a pooled scratch buffer and returns an exactly sized copy,
// so that a call allocates once, however the document grows while encoding.
func (o MarshalOptions) Marshal(v any) ([]byte, error) {
	bp := scratchBuffers.Get().(*[]byte)
	out, err := o.MarshalAppend((*bp)[:0], v)
	var res []byte
	if err == nil {
		res = make([]byte, len(out))
		copy(res, out)
	}
	if cap(out) <= maxPooledBuffer {
		*bp = out[:0]
		scratchBuffers.Put(bp)
	}
	return res, err
}

// maxPooledBuffer is the largest scratch buffer kept for reuse; larger ones
// are left to the garbage collector so that one huge document does not pin
// memory.
const maxPooledBuffer = 1 << 20

var scratchBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, 4096)
	return &b
}}

// MarshalAppend is [MarshalAppend] with these options.
func (o MarshalOptions) MarshalAppend(dst []byte, v any) ([]byte, error) {
	e := newEncodeState(&o)
	start := len(dst)
	out, t, err := e.encodeTop(dst, v)
	e.release()
	if err != nil {
		return dst[:start], err
	}
	if t != TypeDocument {
		return dst[:start], &MarshalError{GoType: reflect.TypeOf(v), Reason: "a top-level value must be a document, not " + t.String()}
	}
	limit := o.MaxDocumentSize
	if limit == 0 {
		limit = MaxDocumentSize
	}
	if size := len(out) - start; limit > 0 && size > limit {
		return dst[:start], tooLargeError(size, limit)
	}
	return out, nil
}

// MarshalValue returns the BSON type and bytes of any value, document or not.
func MarshalValue(v any) (Type, []byte, error) {
	e := newEncodeState(&MarshalOptions{})
	b, t, err := e.encodeTop(nil, v)
	e.release()
	if err != nil {
		return 0, nil, err
	}
	return t, b, nil
}

// encodeTop encodes the top-level value.
func (e *encodeState) encodeTop(dst []byte, v any) ([]byte, Type, error) {
	switch x := v.(type) {
	case D:
		return e.encodeD(dst, x)
	case nil:
		return dst, 0, &MarshalError{Reason: "cannot marshal nil"}
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	var p unsafe.Pointer
	if t.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return dst, 0, &MarshalError{GoType: t, Reason: "cannot marshal a nil pointer"}
		}
		t = t.Elem()
		p = rv.UnsafePointer()
	} else if t.Kind() == reflect.Map {
		return encodeMapValue(e, dst, rv)
	} else {
		p = valuePointer(v, rv)
	}
	return e.reg.codecFor(t).enc(e, dst, p)
}

type eface struct {
	typ, data unsafe.Pointer
}

// valuePointer returns a pointer to the value held in the interface v, whose
// type is not a pointer or map. It reads the interface's data word, which
// points to the value unless the type is stored directly in the word.
func valuePointer(v any, rv reflect.Value) unsafe.Pointer {
	if !isDirectIface(rv.Type()) {
		return (*eface)(unsafe.Pointer(&v)).data
	}
	pv := reflect.New(rv.Type())
	pv.Elem().Set(rv)
	return pv.UnsafePointer()
}

// isDirectIface reports whether values of t are stored in an interface's
// data word itself rather than behind it.
func isDirectIface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Struct:
		return t.NumField() == 1 && isDirectIface(t.Field(0).Type)
	case reflect.Array:
		return t.Len() == 1 && isDirectIface(t.Elem())
	}
	return false
}

// encodeD encodes a D.
func (e *encodeState) encodeD(dst []byte, d D) ([]byte, Type, error) {
	if e.depth++; e.depth > maxDepth {
		return dst, 0, &MarshalError{Reason: "values nested too deeply (a cycle?)"}
	}
	dst, start := startDocument(dst)
	for i := range d {
		el := &d[i]
		var err error
		if dst, err = e.encodeElement(dst, el.Key, el.Value); err != nil {
			return dst, 0, err
		}
	}
	e.depth--
	return endDocument(dst, start), TypeDocument, nil
}

// encodeElement appends one element: type byte, key and value.
func (e *encodeState) encodeElement(dst []byte, key string, v any) ([]byte, error) {
	if strings.IndexByte(key, 0) >= 0 {
		return dst, &MarshalError{Key: key, Reason: "key contains a NUL byte"}
	}
	tpos := len(dst)
	dst = append(dst, 0)
	dst = append(dst, key...)
	dst = append(dst, 0)
	dst, t, err := e.encodeAny(dst, v)
	if err != nil {
		return dst, withKey(err, key)
	}
	dst[tpos] = byte(t)
	return dst, nil
}

// encodeAny encodes a value held in an interface, with fast paths for the
// types that documents built in code usually hold.
func (e *encodeState) encodeAny(dst []byte, v any) ([]byte, Type, error) {
	switch x := v.(type) {
	case nil:
		return dst, TypeNull, nil
	case string:
		return appendString(dst, x), TypeString, nil
	case int32:
		return appendInt32(dst, x), TypeInt32, nil
	case int64:
		return appendInt64(dst, x), TypeInt64, nil
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return appendInt32(dst, int32(x)), TypeInt32, nil
		}
		return appendInt64(dst, int64(x)), TypeInt64, nil
	case float64:
		return appendDouble(dst, x), TypeDouble, nil
	case bool:
		return appendBool(dst, x), TypeBoolean, nil
	case D:
		return e.encodeD(dst, x)
	case M:
		return e.encodeM(dst, x)
	case map[string]any:
		return e.encodeM(dst, x)
	case A:
		return e.encodeA(dst, x)
	case []any:
		return e.encodeA(dst, x)
	case ObjectID:
		return append(dst, x[:]...), TypeObjectID, nil
	case DateTime:
		return appendInt64(dst, int64(x)), TypeDateTime, nil
	case time.Time:
		return appendInt64(dst, timeToMillis(x)), TypeDateTime, nil
	case Raw:
		return appendRawDocument(dst, x)
	case []byte:
		return appendBinary(dst, BinaryGeneric, x), TypeBinary, nil
	case Binary:
		return appendBinary(dst, x.Subtype, x.Data), TypeBinary, nil
	case Decimal128:
		return appendDecimal128Bytes(dst, x), TypeDecimal128, nil
	case Timestamp:
		return appendTimestamp(dst, x), TypeTimestamp, nil
	case Null:
		return dst, TypeNull, nil
	case RawValue:
		return appendRawValue(dst, x)
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	switch t.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return dst, TypeNull, nil
		}
		// The interface holds the pointer itself: encode what it points to.
		return e.reg.codecFor(t.Elem()).enc(e, dst, rv.UnsafePointer())
	case reflect.Map:
		return encodeMapValue(e, dst, rv)
	}
	return e.reg.codecFor(t).enc(e, dst, valuePointer(v, rv))
}

// encodeM encodes a map[string]any.
func (e *encodeState) encodeM(dst []byte, m map[string]any) ([]byte, Type, error) {
	if m == nil && !e.opts.NilMapAsEmpty {
		return dst, TypeNull, nil
	}
	if e.depth++; e.depth > maxDepth {
		return dst, 0, &MarshalError{Reason: "values nested too deeply (a cycle?)"}
	}
	dst, start := startDocument(dst)
	for k, v := range m {
		var err error
		if dst, err = e.encodeElement(dst, k, v); err != nil {
			return dst, 0, err
		}
	}
	e.depth--
	return endDocument(dst, start), TypeDocument, nil
}

// encodeA encodes a []any as an array.
func (e *encodeState) encodeA(dst []byte, a []any) ([]byte, Type, error) {
	if a == nil && !e.opts.NilSliceAsEmpty {
		return dst, TypeNull, nil
	}
	if e.depth++; e.depth > maxDepth {
		return dst, 0, &MarshalError{Reason: "values nested too deeply (a cycle?)"}
	}
	dst, start := startDocument(dst)
	for i, v := range a {
		tpos := len(dst)
		dst = append(dst, 0)
		dst = appendIndexKey(dst, i)
		var t Type
		var err error
		if dst, t, err = e.encodeAny(dst, v); err != nil {
			return dst, 0, withKey(err, indexKey(i))
		}
		dst[tpos] = byte(t)
	}
	e.depth--
	return endDocument(dst, start), TypeArray, nil
}

func indexKey(i int) string {
	if i < len(indexKeys) {
		return indexKeys[i]
	}
	return string(appendIndexKey(nil, i)[:len(appendIndexKey(nil, i))-1])
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendTimestamp(dst []byte, ts Timestamp) []byte {
	dst = appendInt32(dst, int32(ts.I))
	return appendInt32(dst, int32(ts.T))
}

// timeToMillis converts t to milliseconds since the epoch, rounding toward
// negative infinity like the server does.
func timeToMillis(t time.Time) int64 {
	return t.Unix()*1000 + int64(t.Nanosecond())/1e6
}

// appendRawDocument appends an already encoded document after checking its
// framing.
func appendRawDocument(dst []byte, r Raw) ([]byte, Type, error) {
	if r == nil {
		return dst, TypeNull, nil
	}
	if n, msg := docLen(r); msg != "" || n != len(r) {
		if msg == "" {
			msg = "bytes after the end of the document"
		}
		return dst, 0, &MarshalError{GoType: reflect.TypeFor[Raw](), Reason: "invalid document: " + msg}
	}
	return append(dst, r...), TypeDocument, nil
}

func appendRawValue(dst []byte, v RawValue) ([]byte, Type, error) {
	if n, msg := valueLen(v.Type, v.Value); msg != "" || n != len(v.Value) {
		if msg == "" {
			msg = "bytes after the end of the value"
		}
		return dst, 0, &MarshalError{GoType: reflect.TypeFor[RawValue](), Reason: "invalid value: " + msg}
	}
	return append(dst, v.Value...), v.Type, nil
}
