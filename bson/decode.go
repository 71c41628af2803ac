package bson

import (
	"reflect"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// UnmarshalOptions holds the less common decoding settings. The zero value
// is the default behaviour of [Unmarshal].
type UnmarshalOptions struct {
	// Registry supplies the codecs; nil means DefaultRegistry.
	Registry *Registry
	// DefaultDocumentM makes documents decoded into an interface value
	// (any) become M rather than D.
	DefaultDocumentM bool
}

// decodeState is the state of one Unmarshal call. States are pooled, as
// encodeStates are.
type decodeState struct {
	reg  *Registry
	opts UnmarshalOptions
	base []byte // the whole input, for error offsets
	// str is a copy of base when the target is generic (D, M, any), or a
	// small struct: keys and strings are then substrings of it, one
	// allocation in all.
	str   string
	depth int
	slabs slabs
}

// shareLimit is the largest input whose strings share one copy when
// decoding into a struct: beyond it, a struct that keeps one small string
// would keep the whole copy alive.
const shareLimit = 32 << 10

// Unmarshal decodes the BSON document data into the value v points to: a
// struct, a map with string keys, a [D], [M], [Raw], or an interface.
//
// Unmarshal checks the bytes as it goes and returns a [*DecodeError] for
// malformed input, or an [*UnmarshalTypeError] for a value that does not fit
// the Go type. The decoded value does not share memory with data.
func Unmarshal(data []byte, v any) error { return UnmarshalOptions{}.Unmarshal(data, v) }

// Unmarshal is [Unmarshal] with these options.
func (o UnmarshalOptions) Unmarshal(data []byte, v any) error {
	n, msg := docLen(data)
	if msg != "" {
		return &DecodeError{Msg: msg}
	}
	if n != len(data) {
		return &DecodeError{Offset: n, Msg: "bytes after the end of the document"}
	}
	return o.unmarshalValue(TypeDocument, data, v)
}

// UnmarshalValue decodes one BSON value of type t, whose bytes are data,
// into the value v points to.
func UnmarshalValue(t Type, data []byte, v any) error {
	n, msg := valueLen(t, data)
	if msg != "" {
		return &DecodeError{Msg: msg}
	}
	if n != len(data) {
		return &DecodeError{Offset: n, Msg: "bytes after the end of the value"}
	}
	return UnmarshalOptions{}.unmarshalValue(t, data, v)
}

func (o UnmarshalOptions) unmarshalValue(t Type, data []byte, v any) error {
	d := decodeStates.Get().(*decodeState)
	*d = decodeState{reg: o.Registry, opts: o, base: data}
	if d.reg == nil {
		d.reg = DefaultRegistry
	}
	err := d.unmarshal(t, data, v)
	*d = decodeState{} // drop every reference to the caller's data
	decodeStates.Put(d)
	return err
}

var decodeStates = sync.Pool{New: func() any { return new(decodeState) }}

func (d *decodeState) unmarshal(t Type, data []byte, v any) error {
	switch x := v.(type) {
	case *D:
		if x == nil {
			return ErrNilValue
		}
		d.share()
		if t != TypeDocument {
			return &UnmarshalTypeError{BSON: t, GoType: reflect.TypeFor[D]()}
		}
		doc, err := d.decodeD(data)
		if err != nil {
			return err
		}
		*x = doc
		return nil
	case *M:
		if x == nil {
			return ErrNilValue
		}
		d.share()
		if t != TypeDocument {
			return &UnmarshalTypeError{BSON: t, GoType: reflect.TypeFor[M]()}
		}
		doc, err := d.decodeM(data)
		if err != nil {
			return err
		}
		*x = doc
		return nil
	case *any:
		if x == nil {
			return ErrNilValue
		}
		d.share()
		val, err := d.decodeAny(t, data)
		if err != nil {
			return err
		}
		*x = val
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return ErrNilValue
	}
	if len(data) <= shareLimit {
		d.share()
	}
	c := d.reg.codecFor(rv.Type().Elem())
	return c.dec(d, t, data, rv.UnsafePointer())
}

// share makes strings share one copy of the input.
func (d *decodeState) share() { d.str = string(d.base) }

func (d *decodeState) malformed(at []byte, msg string) error {
	return &DecodeError{Offset: offsetIn(d.base, at), Msg: msg}
}

func (d *decodeState) malformedAt(doc []byte, pos int, msg string) error {
	return &DecodeError{Offset: offsetIn(d.base, doc) + pos, Msg: msg}
}

// toString returns b, a sub-slice of the input, as a string.
func (d *decodeState) toString(b []byte) string {
	if d.str != "" {
		off := offsetIn(d.base, b)
		if off+len(b) <= len(d.str) {
			return d.str[off : off+len(b)]
		}
	}
	return string(b)
}

// stringValue returns the BSON string value v after checking it.
func (d *decodeState) stringValue(v []byte) (string, error) {
	s := v[4 : len(v)-1]
	if !utf8.Valid(s) {
		return "", d.malformed(v, "string is not valid UTF-8")
	}
	return d.toString(s), nil
}

// key returns an element's key after checking it is UTF-8.
func (d *decodeState) key(el element) (string, error) {
	if !utf8.Valid(el.key) {
		return "", d.malformed(el.key, "key is not valid UTF-8")
	}
	return d.toString(el.key), nil
}

func (d *decodeState) enter(v []byte) error {
	if d.depth++; d.depth > maxDepth {
		return d.malformed(v, "documents nested too deeply")
	}
	return nil
}

// countElements counts a document's elements without decoding them, so
// that the D, M or A can be allocated at its exact size.
func countElements(doc []byte) int {
	it := newElements(doc)
	n := 0
	for {
		if _, ok := it.next(); !ok {
			return n
		}
		n++
	}
}

// decodeElements decodes the elements of doc, calling add for each.
func (d *decodeState) decodeElements(doc []byte, keys bool, add func(k string, v any)) error {
	if err := d.enter(doc); err != nil {
		return err
	}
	it := newElements(doc)
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		var k string
		if !utf8.Valid(el.key) {
			return d.malformed(el.key, "key is not valid UTF-8")
		}
		if keys {
			k = d.toString(el.key)
		}
		val, err := d.decodeAny(el.t, el.value)
		if err != nil {
			if !keys {
				k = string(el.key)
			}
			return withKey(err, k)
		}
		add(k, val)
	}
	if it.msg != "" {
		return d.malformedAt(doc, it.pos, it.msg)
	}
	d.depth--
	return nil
}

// decodeD decodes the document doc into a D.
func (d *decodeState) decodeD(doc []byte) (D, error) {
	out := make(D, 0, countElements(doc))
	err := d.decodeElements(doc, true, func(k string, v any) { out = append(out, E{k, v}) })
	return out, err
}

// decodeM decodes the document doc into an M.
func (d *decodeState) decodeM(doc []byte) (M, error) {
	out := make(M, countElements(doc))
	err := d.decodeElements(doc, true, func(k string, v any) { out[k] = v })
	return out, err
}

// decodeA decodes the array doc into an A.
func (d *decodeState) decodeA(doc []byte) (A, error) {
	out := make(A, 0, countElements(doc))
	err := d.decodeElements(doc, false, func(_ string, v any) { out = append(out, v) })
	return out, err
}

// decodeAny decodes a value into the Go type it naturally maps to.
func (d *decodeState) decodeAny(t Type, v []byte) (any, error) {
	switch t {
	case TypeDouble:
		return d.slabs.boxFloat64(readDouble(v)), nil
	case TypeString:
		s, err := d.stringValue(v)
		if err != nil {
			return nil, err
		}
		return d.slabs.boxString(s), nil
	case TypeDocument:
		if d.opts.DefaultDocumentM {
			return d.decodeM(v)
		}
		doc, err := d.decodeD(v)
		if err != nil {
			return nil, err
		}
		return d.slabs.boxD(doc), nil
	case TypeArray:
		a, err := d.decodeA(v)
		if err != nil {
			return nil, err
		}
		return d.slabs.boxA(a), nil
	case TypeBinary:
		b, _ := readBinary(v)
		return Binary{Subtype: b.Subtype, Data: append([]byte(nil), b.Data...)}, nil
	case TypeUndefined:
		return Undefined{}, nil
	case TypeObjectID:
		return d.slabs.boxObjectID(v), nil
	case TypeBoolean:
		return d.boolValue(v)
	case TypeDateTime:
		return d.slabs.boxDateTime(DateTime(readInt64(v))), nil
	case TypeNull:
		return nil, nil
	case TypeRegex:
		if !utf8.Valid(v) {
			return nil, d.malformed(v, "regex is not valid UTF-8")
		}
		r := RawValue{Type: t, Value: v}.Regex()
		return r, nil
	case TypeDBPointer:
		s, err := d.stringValue(v[:len(v)-12])
		if err != nil {
			return nil, err
		}
		return DBPointer{DB: s, Pointer: ObjectID(v[len(v)-12:])}, nil
	case TypeJavaScript:
		s, err := d.stringValue(v)
		return JavaScript(s), err
	case TypeSymbol:
		s, err := d.stringValue(v)
		return Symbol(s), err
	case TypeCodeWithScope:
		n := int(readInt32(v[4:]))
		code, err := d.stringValue(v[4 : 8+n])
		if err != nil {
			return nil, err
		}
		scope, err := d.decodeD(v[8+n:])
		if err != nil {
			return nil, err
		}
		return CodeWithScope{Code: JavaScript(code), Scope: scope}, nil
	case TypeInt32:
		return d.slabs.boxInt32(readInt32(v)), nil
	case TypeTimestamp:
		return RawValue{Type: t, Value: v}.Timestamp(), nil
	case TypeInt64:
		return d.slabs.boxInt64(readInt64(v)), nil
	case TypeDecimal128:
		return RawValue{Type: t, Value: v}.Decimal128(), nil
	case TypeMinKey:
		return MinKey{}, nil
	case TypeMaxKey:
		return MaxKey{}, nil
	}
	return nil, d.malformed(v, "invalid element type "+t.String())
}

func (d *decodeState) boolValue(v []byte) (bool, error) {
	switch v[0] {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, d.malformed(v, "boolean value is neither 0 nor 1")
}

// validateValueAt checks a value that is skipped rather than decoded.
func validateValueAt(d *decodeState, t Type, v []byte) error {
	return validateValue(d.base, t, v, d.depth)
}

// typedmemclr sets the value of type t at p to its zero value.
func typedmemclr(t reflect.Type, p unsafe.Pointer) {
	reflect.NewAt(t, p).Elem().SetZero()
}
