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
	// str is a copy of base when the target is generic (D, M, any): keys
	// and strings are then substrings of it, one allocation in all.
	str   string
	depth int
}

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
	*d = decodeState{}
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

// countElements counts a document's elements without decoding them.
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

func (d *decodeState) enter(v []byte) error {
	if d.depth++; d.depth > maxDepth {
		return d.malformed(v, "documents nested too deeply")
	}
	return nil
}

// decodeD decodes the document doc into a D.
func (d *decodeState) decodeD(doc []byte) (D, error) {
	if err := d.enter(doc); err != nil {
		return nil, err
	}
	out := make(D, 0, countElements(doc))
	it := newElements(doc)
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		k, err := d.key(el)
		if err != nil {
			return nil, err
		}
		val, err := d.decodeAny(el.t, el.value)
		if err != nil {
			return nil, withKey(err, k)
		}
		out = append(out, E{Key: k, Value: val})
	}
	if it.msg != "" {
		return nil, d.malformedAt(doc, it.pos, it.msg)
	}
	d.depth--
	return out, nil
}

// decodeM decodes the document doc into an M.
func (d *decodeState) decodeM(doc []byte) (M, error) {
	if err := d.enter(doc); err != nil {
		return nil, err
	}
	out := make(M, countElements(doc))
	it := newElements(doc)
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		k, err := d.key(el)
		if err != nil {
			return nil, err
		}
		val, err := d.decodeAny(el.t, el.value)
		if err != nil {
			return nil, withKey(err, k)
		}
		out[k] = val
	}
	if it.msg != "" {
		return nil, d.malformedAt(doc, it.pos, it.msg)
	}
	d.depth--
	return out, nil
}

// decodeA decodes the array doc into an A.
func (d *decodeState) decodeA(doc []byte) (A, error) {
	if err := d.enter(doc); err != nil {
		return nil, err
	}
	out := make(A, 0, countElements(doc))
	it := newElements(doc)
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		if !utf8.Valid(el.key) {
			return nil, d.malformed(el.key, "key is not valid UTF-8")
		}
		val, err := d.decodeAny(el.t, el.value)
		if err != nil {
			return nil, withKey(err, string(el.key))
		}
		out = append(out, val)
	}
	if it.msg != "" {
		return nil, d.malformedAt(doc, it.pos, it.msg)
	}
	d.depth--
	return out, nil
}

// decodeAny decodes a value into the Go type it naturally maps to.
func (d *decodeState) decodeAny(t Type, v []byte) (any, error) {
	switch t {
	case TypeDouble:
		return readDouble(v), nil
	case TypeString:
		return d.stringValue(v)
	case TypeDocument:
		if d.opts.DefaultDocumentM {
			return d.decodeM(v)
		}
		return d.decodeD(v)
	case TypeArray:
		return d.decodeA(v)
	case TypeBinary:
		b, _ := readBinary(v)
		return Binary{Subtype: b.Subtype, Data: append([]byte(nil), b.Data...)}, nil
	case TypeUndefined:
		return Undefined{}, nil
	case TypeObjectID:
		return ObjectID(v), nil
	case TypeBoolean:
		return d.boolValue(v)
	case TypeDateTime:
		return DateTime(readInt64(v)), nil
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
		return readInt32(v), nil
	case TypeTimestamp:
		return RawValue{Type: t, Value: v}.Timestamp(), nil
	case TypeInt64:
		return readInt64(v), nil
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
