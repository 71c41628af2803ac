package bson

import (
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// structField is one encoded key of a struct: where its value is and how to
// code it.
type structField struct {
	name      string
	prefix    []byte // type byte placeholder, key, NUL: written before the value
	offset    uintptr
	via       []fieldHop // for fields of inlined structs behind pointers
	codec     *typeCodec
	enc       encodeFunc // a variant for minsize, or nil for codec.enc
	dec       decodeFunc // a variant for truncate, or nil for codec.dec
	omitEmpty bool
	omitZero  func(p unsafe.Pointer) bool
}

// fieldHop is one step to a field of an inlined struct reached through a
// pointer: follow the pointer at offset, then continue.
type fieldHop struct {
	offset uintptr
	elem   reflect.Type // the pointed-to struct, for allocation when decoding
}

// structCodec is the compiled plan for a struct type.
type structCodec struct {
	typ    reflect.Type
	fields []structField
	byName map[string]int
	// inlineMap is the map field that collects unclaimed keys, if any.
	inlineMap *inlineMapField
}

type inlineMapField struct {
	offset uintptr
	via    []fieldHop
	typ    reflect.Type // the map type
	enc    encodeFunc   // encodes the whole map as a document
	elem   *typeCodec
	kc     mapKeyCodec
}

type tagOptions struct {
	name                                 string
	skip                                 bool
	omitEmpty, omitZero, inline, minSize bool
	truncate                             bool
}

func parseTag(f reflect.StructField) tagOptions {
	var o tagOptions
	tag, ok := f.Tag.Lookup("bson")
	if !ok {
		o.name = strings.ToLower(f.Name)
		return o
	}
	if tag == "-" {
		o.skip = true
		return o
	}
	name, rest, _ := strings.Cut(tag, ",")
	o.name = name
	if o.name == "" {
		o.name = strings.ToLower(f.Name)
	}
	for rest != "" {
		var opt string
		opt, rest, _ = strings.Cut(rest, ",")
		switch opt {
		case "omitempty":
			o.omitEmpty = true
		case "omitzero":
			o.omitZero = true
		case "inline":
			o.inline = true
		case "minsize":
			o.minSize = true
		case "truncate":
			o.truncate = true
		}
	}
	return o
}

func (r *Registry) structCodecLocked(t reflect.Type, inProgress map[reflect.Type]*typeCodec) (*structCodec, error) {
	sc := &structCodec{typ: t, byName: make(map[string]int)}
	if err := r.addFields(sc, t, 0, nil, inProgress, map[reflect.Type]bool{t: true}); err != nil {
		return nil, err
	}
	return sc, nil
}

// addFields adds the fields of struct t, found at offset (after the hops in
// via) from the outer struct.
func (r *Registry) addFields(sc *structCodec, t reflect.Type, offset uintptr, via []fieldHop, inProgress map[reflect.Type]*typeCodec, seen map[reflect.Type]bool) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue
		}
		o := parseTag(f)
		if o.skip || (!f.IsExported() && !o.inline) {
			continue
		}
		if o.inline {
			ft := f.Type
			switch {
			case ft.Kind() == reflect.Struct:
				if seen[ft] {
					return fmt.Errorf("inline struct %s contains itself", ft)
				}
				seen[ft] = true
				if err := r.addFields(sc, ft, offset+f.Offset, via, inProgress, seen); err != nil {
					return err
				}
				delete(seen, ft)
				continue
			case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
				if seen[ft.Elem()] {
					return fmt.Errorf("inline struct %s contains itself", ft.Elem())
				}
				seen[ft.Elem()] = true
				hops := append(append([]fieldHop(nil), via...), fieldHop{offset: offset + f.Offset, elem: ft.Elem()})
				if err := r.addFields(sc, ft.Elem(), 0, hops, inProgress, seen); err != nil {
					return err
				}
				delete(seen, ft.Elem())
				continue
			case ft.Kind() == reflect.Map:
				if sc.inlineMap != nil {
					return fmt.Errorf("more than one inline map in %s", sc.typ)
				}
				kc, err := mapKeyCodecFor(ft.Key())
				if err != nil || ft.Key().Kind() != reflect.String {
					return fmt.Errorf("inline map field %s must have string keys", f.Name)
				}
				elem := r.compileLocked(ft.Elem(), inProgress)
				sc.inlineMap = &inlineMapField{offset: offset + f.Offset, via: via, typ: ft, elem: elem, kc: kc}
				continue
			default:
				return fmt.Errorf("inline field %s must be a struct, a pointer to a struct or a map", f.Name)
			}
		}
		if strings.IndexByte(o.name, 0) >= 0 {
			return fmt.Errorf("field %s has a key with a NUL byte", f.Name)
		}
		if _, dup := sc.byName[o.name]; dup {
			return fmt.Errorf("duplicate key %q in %s", o.name, sc.typ)
		}
		codec := r.compileLocked(f.Type, inProgress)
		sf := structField{
			name:      o.name,
			prefix:    append(append([]byte{0}, o.name...), 0),
			offset:    offset + f.Offset,
			via:       via,
			codec:     codec,
			omitEmpty: o.omitEmpty,
		}
		if o.omitZero {
			sf.omitZero = isZeroer(f.Type)
		}
		// enc and dec stay nil unless a tag option changes them: the
		// codec's own functions are read at call time, since a recursive
		// type's codec is not finished yet.
		if _, custom := r.custom[f.Type]; !custom {
			if o.minSize {
				sf.enc = minSizeEncoder(f.Type)
			}
			if o.truncate {
				sf.dec = truncateDecoder(f.Type)
			}
		}
		sc.byName[o.name] = len(sc.fields)
		sc.fields = append(sc.fields, sf)
	}
	return nil
}

// fieldPtr returns the address of a field, or nil when a pointer on the way
// is nil. With alloc, nil pointers on the way are filled with new structs.
func fieldPtr(p unsafe.Pointer, via []fieldHop, offset uintptr, alloc bool) unsafe.Pointer {
	for _, h := range via {
		pp := (*unsafe.Pointer)(unsafe.Add(p, h.offset))
		if *pp == nil {
			if !alloc {
				return nil
			}
			*pp = reflect.New(h.elem).UnsafePointer()
		}
		p = *pp
	}
	return unsafe.Add(p, offset)
}

func (sc *structCodec) encode(e *encodeState, dst []byte, p unsafe.Pointer) ([]byte, Type, error) {
	if e.depth++; e.depth > maxDepth {
		return dst, 0, &MarshalError{GoType: sc.typ, Reason: "values nested too deeply (a cycle?)"}
	}
	dst, start := startDocument(dst)
	for i := range sc.fields {
		f := &sc.fields[i]
		fp := unsafe.Add(p, f.offset)
		if f.via != nil {
			if fp = fieldPtr(p, f.via, f.offset, false); fp == nil {
				continue
			}
		}
		if (f.omitEmpty && f.codec.isEmpty(fp)) || (f.omitZero != nil && f.omitZero(fp)) {
			continue
		}
		tpos := len(dst)
		dst = append(dst, f.prefix...)
		var t Type
		var err error
		enc := f.enc
		if enc == nil {
			enc = f.codec.enc
		}
		dst, t, err = enc(e, dst, fp)
		if err != nil {
			return dst, 0, withKey(err, f.name)
		}
		dst[tpos] = byte(t)
	}
	if m := sc.inlineMap; m != nil {
		if mp := fieldPtr(p, m.via, m.offset, false); mp != nil {
			var err error
			dst, err = encodeMapElements(e, dst, reflect.NewAt(m.typ, mp).Elem(), m.kc, m.elem, sc.byName)
			if err != nil {
				return dst, 0, err
			}
		}
	}
	e.depth--
	return endDocument(dst, start), TypeDocument, nil
}

func (sc *structCodec) decode(d *decodeState, t Type, v []byte, p unsafe.Pointer) error {
	switch t {
	case TypeDocument:
	case TypeNull, TypeUndefined:
		typedmemclr(sc.typ, p)
		return nil
	default:
		return &UnmarshalTypeError{BSON: t, GoType: sc.typ}
	}
	if d.depth++; d.depth > maxDepth {
		return d.malformed(v, "documents nested too deeply")
	}
	it := newElements(v)
	next := 0 // fields usually arrive in declaration order: try the next one first
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		var f *structField
		if next < len(sc.fields) && sc.fields[next].name == string(el.key) {
			f = &sc.fields[next]
			next++
		} else if i, ok := sc.byName[string(el.key)]; ok {
			f = &sc.fields[i]
			next = i + 1
		}
		if f == nil {
			if err := d.unclaimed(sc, p, el); err != nil {
				return err
			}
			continue
		}
		fp := unsafe.Add(p, f.offset)
		if f.via != nil {
			fp = fieldPtr(p, f.via, f.offset, true)
		}
		dec := f.dec
		if dec == nil {
			dec = f.codec.dec
		}
		if err := dec(d, el.t, el.value, fp); err != nil {
			return withKey(err, f.name)
		}
	}
	if it.msg != "" {
		return d.malformedAt(v, it.pos, it.msg)
	}
	d.depth--
	return nil
}

// unclaimed handles a key no field claims: into the inline map if there is
// one, otherwise it is checked and dropped.
func (d *decodeState) unclaimed(sc *structCodec, p unsafe.Pointer, el element) error {
	m := sc.inlineMap
	if m == nil {
		return validateValueAt(d, el.t, el.value)
	}
	mp := fieldPtr(p, m.via, m.offset, true)
	mv := reflect.NewAt(m.typ, mp).Elem()
	if mv.IsNil() {
		mv.Set(reflect.MakeMap(m.typ))
	}
	return d.decodeMapEntry(mv, m.kc, m.elem, el)
}
