package bson

import "iter"

// Raw is an encoded BSON document. Its methods read the bytes in place:
// values they return slice into the document and are valid while its bytes
// are (for a document read from the network, while that batch is).
//
// The lookup and iteration methods check every length they follow, so they
// never read out of range, but they do not check what they skip over: call
// [Raw.Validate] once on bytes from an untrusted source.
type Raw []byte

// Validate checks that r is exactly one well-formed BSON document: lengths,
// terminators, element types, UTF-8 strings and keys, booleans, and nesting
// no deeper than 1024 levels. The error is a [*DecodeError].
func (r Raw) Validate() error { return validateTop(r) }

// Lookup returns the value at the path of keys: Lookup("a", "b") finds the
// key b in the sub-document (or array) under the key a. It returns the zero
// RawValue (Type 0) when there is no such value.
func (r Raw) Lookup(path ...string) RawValue {
	v, _ := r.LookupErr(path...)
	return v
}

// LookupErr is [Raw.Lookup] with an error that says why nothing was found:
// [ErrElementNotFound], or a [*DecodeError] for malformed bytes.
func (r Raw) LookupErr(path ...string) (RawValue, error) {
	if len(path) == 0 {
		return RawValue{}, ErrElementNotFound
	}
	doc := []byte(r)
	for i, key := range path {
		n, msg := docLen(doc)
		if msg != "" {
			return RawValue{}, &DecodeError{Offset: offsetIn(r, doc), Msg: msg}
		}
		v, err := lookupKey(r, doc[:n], key)
		if err != nil {
			return RawValue{}, err
		}
		if i == len(path)-1 {
			return v, nil
		}
		if v.Type != TypeDocument && v.Type != TypeArray {
			return RawValue{}, ErrElementNotFound
		}
		doc = v.Value
	}
	return RawValue{}, ErrElementNotFound
}

func lookupKey(base, doc []byte, key string) (RawValue, error) {
	it := newElements(doc)
	for {
		el, ok := it.next()
		if !ok {
			break
		}
		if string(el.key) == key {
			return RawValue{Type: el.t, Value: el.value}, nil
		}
	}
	if it.msg != "" {
		return RawValue{}, &DecodeError{Offset: offsetIn(base, doc) + it.pos, Msg: it.msg}
	}
	return RawValue{}, ErrElementNotFound
}

// Elements returns an iterator over the keys and values of r, in order. It
// allocates nothing: each key is a string that shares r's bytes, valid while
// they are (copy it with strings.Clone to keep it longer). Iteration stops
// at the end of the document or at the first malformed element.
func (r Raw) Elements() iter.Seq2[string, RawValue] {
	return func(yield func(string, RawValue) bool) {
		n, msg := docLen(r)
		if msg != "" {
			return
		}
		it := newElements(r[:n])
		for {
			el, ok := it.next()
			if !ok || !yield(bytesToString(el.key), RawValue{Type: el.t, Value: el.value}) {
				return
			}
		}
	}
}

// Len returns the number of elements in r, stopping at malformed bytes.
func (r Raw) Len() int {
	n, msg := docLen(r)
	if msg != "" {
		return 0
	}
	it := newElements(r[:n])
	count := 0
	for {
		if _, ok := it.next(); !ok {
			return count
		}
		count++
	}
}

// Keys returns the keys of r, in order, as new strings.
func (r Raw) Keys() []string {
	var keys []string
	for k := range r.Elements() {
		keys = append(keys, string(k))
	}
	return keys
}

// RawArray is an encoded BSON array: a document whose keys are "0", "1", ...
type RawArray []byte

// Validate checks that a is a well-formed BSON array, as [Raw.Validate] does
// for documents.
func (a RawArray) Validate() error { return validateTop(a) }

// Values returns an iterator over the array's indexes and values. It
// allocates nothing and stops at the first malformed element.
func (a RawArray) Values() iter.Seq2[int, RawValue] {
	return func(yield func(int, RawValue) bool) {
		i := 0
		for _, v := range Raw(a).Elements() {
			if !yield(i, v) {
				return
			}
			i++
		}
	}
}

// Index returns the value at index i, or the zero RawValue if there is none.
func (a RawArray) Index(i int) RawValue {
	if i < 0 {
		return RawValue{}
	}
	// Array keys are positions; match by position so that an array with
	// irregular keys still indexes as written.
	j := 0
	for _, v := range Raw(a).Elements() {
		if j == i {
			return v
		}
		j++
	}
	return RawValue{}
}

// Len returns the number of values in a.
func (a RawArray) Len() int { return Raw(a).Len() }
