package bson

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// encodeFunc appends the value at p (a pointer to a value of the codec's Go
// type) and returns the BSON type it wrote. It writes only the value: the
// caller writes the type byte and key.
type encodeFunc func(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error)

// decodeFunc stores the BSON value v of type t into the Go value at p. v is
// exactly the value's bytes, its length checked by valueLen; its contents are
// not yet checked.
type decodeFunc func(d *decodeState, t Type, v []byte, p unsafe.Pointer) error

// typeCodec is the compiled plan for one Go type. Plans refer to each
// other through *typeCodec so that recursive types compile.
type typeCodec struct {
	typ reflect.Type
	enc encodeFunc
	dec decodeFunc
	// isEmpty reports whether the value at p counts as empty for omitempty.
	isEmpty func(p unsafe.Pointer) bool
}

// Registry holds the codecs for Go types: the built-in ones, compiled the
// first time a type is seen, and those added with [Register]. The zero
// Registry is not usable; call [NewRegistry]. A Registry is safe for
// concurrent use.
type Registry struct {
	mu     sync.Mutex
	custom map[reflect.Type]*typeCodec // registered by the user
	cache  sync.Map                    // reflect.Type -> *typeCodec
}

// DefaultRegistry is the registry used when options name none.
var DefaultRegistry = NewRegistry()

// NewRegistry returns a registry with only the built-in codecs.
func NewRegistry() *Registry {
	return &Registry{custom: make(map[reflect.Type]*typeCodec)}
}

// TypeCodec is a codec of your own for the Go type T, given to [Register].
type TypeCodec[T any] struct {
	// Encode appends the BSON value of v to dst (the value only: no type
	// byte or key) and returns the BSON type it wrote.
	Encode func(dst []byte, v T) ([]byte, Type, error)
	// Decode stores the BSON value of type t, whose bytes are data, into
	// *v. data is valid only during the call: copy what you keep.
	Decode func(t Type, data []byte, v *T) error
}

// Register makes r use c for values of type T wherever they appear: at the
// top level, in struct fields, slices, maps and interfaces. Either function
// of c may be nil to keep the built-in behaviour for that direction. Register
// before r is used for T: types already compiled keep their old plan, so
// Register clears r's cache.
func Register[T any](r *Registry, c TypeCodec[T]) {
	t := reflect.TypeFor[T]()
	tc := &typeCodec{typ: t}
	if c.Encode != nil {
		enc := c.Encode
		tc.enc = func(_ *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
			start := len(dst)
			out, bt, err := enc(dst, *(*T)(p))
			if err != nil {
				return dst[:start], 0, &MarshalError{GoType: t, Reason: "custom codec", Err: err}
			}
			return out, bt, nil
		}
	}
	if c.Decode != nil {
		dec := c.Decode
		tc.dec = func(d *decodeState, bt Type, v []byte, p unsafe.Pointer) error {
			if err := validateValue(v, bt, v, d.depth); err != nil {
				return err
			}
			return dec(bt, v, (*T)(p))
		}
	}
	r.mu.Lock()
	r.custom[t] = tc
	r.cache.Clear()
	r.mu.Unlock()
}

// codecFor returns the compiled codec for t, compiling it on first use.
func (r *Registry) codecFor(t reflect.Type) *typeCodec {
	if c, ok := r.cache.Load(t); ok {
		return c.(*typeCodec)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.compileLocked(t, make(map[reflect.Type]*typeCodec))
}

// compileLocked compiles t; inProgress holds the plans being built so that a
// type that refers to itself gets its own (not yet finished) plan.
func (r *Registry) compileLocked(t reflect.Type, inProgress map[reflect.Type]*typeCodec) *typeCodec {
	if c, ok := r.cache.Load(t); ok {
		return c.(*typeCodec)
	}
	if c, ok := inProgress[t]; ok {
		return c
	}
	c := &typeCodec{typ: t}
	inProgress[t] = c
	builtin := r.buildLocked(t, inProgress)
	*c = *builtin
	if custom, ok := r.custom[t]; ok {
		if custom.enc != nil {
			c.enc = custom.enc
		}
		if custom.dec != nil {
			c.dec = custom.dec
		}
	}
	if c.isEmpty == nil {
		c.isEmpty = zeroChecker(t)
	}
	r.cache.Store(t, c)
	return c
}

// buildLocked builds the built-in plan for t.
func (r *Registry) buildLocked(t reflect.Type, inProgress map[reflect.Type]*typeCodec) *typeCodec {
	c := &typeCodec{typ: t}
	if enc, dec, ok := specialCodec(t); ok {
		c.enc, c.dec = enc, dec
	} else {
		c.enc, c.dec, c.isEmpty = r.kindCodec(t, inProgress)
	}
	if enc, dec := interfaceCodec(t); enc != nil || dec != nil {
		if enc != nil {
			c.enc = enc
		}
		if dec != nil {
			c.dec = dec
		}
	}
	return c
}

// kindCodec builds the plan for t from its kind.
func (r *Registry) kindCodec(t reflect.Type, inProgress map[reflect.Type]*typeCodec) (encodeFunc, decodeFunc, func(unsafe.Pointer) bool) {
	switch t.Kind() {
	case reflect.Bool:
		return encodeBool, decodeBool, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intEncoder(t, false), intDecoder(t, false), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintEncoder(t, false), uintDecoder(t, false), nil
	case reflect.Float32:
		return encodeFloat32, floatDecoder(t, false), nil
	case reflect.Float64:
		return encodeFloat64, floatDecoder(t, false), nil
	case reflect.String:
		return encodeStringKind, decodeStringKind, nil
	case reflect.Pointer:
		elem := r.compileLocked(t.Elem(), inProgress)
		return pointerEncoder(elem), pointerDecoder(elem), nil
	case reflect.Interface:
		if t.NumMethod() > 0 {
			return interfaceEncoder(t), interfaceDecoder(t), nil
		}
		return encodeInterface, interfaceDecoder(t), nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return encodeByteSlice, byteSliceDecoder(t), nil
		}
		elem := r.compileLocked(t.Elem(), inProgress)
		return sliceEncoder(t, elem), sliceDecoder(t, elem), nil
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return byteArrayEncoder(t), byteArrayDecoder(t), nil
		}
		elem := r.compileLocked(t.Elem(), inProgress)
		return arrayEncoder(t, elem), arrayDecoder(t, elem), nil
	case reflect.Map:
		kc, err := mapKeyCodecFor(t.Key())
		if err != nil {
			return unsupportedEncoder(t, err.Error()), unsupportedDecoder(t, err.Error()), nil
		}
		elem := r.compileLocked(t.Elem(), inProgress)
		return mapEncoder(t), mapDecoder(t, kc, elem), nil
	case reflect.Struct:
		sc, err := r.structCodecLocked(t, inProgress)
		if err != nil {
			return unsupportedEncoder(t, err.Error()), unsupportedDecoder(t, err.Error()), nil
		}
		return sc.encode, sc.decode, nil
	}
	return unsupportedEncoder(t, "type not supported"), unsupportedDecoder(t, "type not supported"), nil
}

func unsupportedEncoder(t reflect.Type, why string) encodeFunc {
	return func(_ *encodeState, dst []byte, _ unsafe.Pointer) ([]byte, Type, error) {
		return dst, 0, &MarshalError{GoType: t, Reason: why}
	}
}

func unsupportedDecoder(t reflect.Type, why string) decodeFunc {
	return func(_ *decodeState, bt Type, _ []byte, _ unsafe.Pointer) error {
		return &UnmarshalTypeError{BSON: bt, GoType: t, Reason: why}
	}
}

// String describes the registry, for debugging.
func (r *Registry) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprintf("bson.Registry{%d custom codecs}", len(r.custom))
}
