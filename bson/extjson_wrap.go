package bson

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"time"
)

// This file recognises the Extended JSON type wrappers ({"$oid": ...},
// {"$date": ...}, ...) among the objects the reader has just written as
// documents, and converts them to the values they stand for.

// isWrapperKey reports whether k is one of the keys of a type wrapper of the
// Extended JSON specification. An object with such a key must be exactly
// that wrapper; other $-prefixed keys ($ref, $regex, $type, ...) are left
// as they are.
func isWrapperKey(k []byte) bool {
	switch string(k) {
	case "$oid", "$symbol", "$numberInt", "$numberLong", "$numberDouble",
		"$numberDecimal", "$binary", "$code", "$scope", "$timestamp",
		"$regularExpression", "$dbPointer", "$date", "$minKey", "$maxKey",
		"$undefined", "$uuid":
		return true
	}
	return false
}

// wrapper checks whether the document just written at r.dst[start:], an
// object at offset at of the input with the members ms, is a type wrapper.
// If it is, it replaces the document with the wrapped value and returns its
// type and true.
func (r *extReader) wrapper(start int, ms []member, at int) (Type, bool, error) {
	key := func(m *member) string { return bytesToString(r.dst[m.keyOff:m.keyEnd]) }
	var t Type
	var err error
	r.tmp = r.tmp[:0]
	switch {
	case len(ms) == 1:
		t, err = r.wrapOne(&ms[0], key(&ms[0]))
	case len(ms) == 2:
		a, b := &ms[0], &ms[1]
		if key(a) > key(b) {
			a, b = b, a
		}
		switch ka, kb := key(a), key(b); {
		case ka == "$code" && kb == "$scope":
			t, err = r.wrapCodeWithScope(a, b)
		case ka == "$binary" && kb == "$type" && a.kind == kindString:
			t, err = r.wrapBinaryLegacy(a, b)
		case ka == "$options" && kb == "$regex" && a.kind == kindString && b.kind == kindString:
			t, err = r.wrapRegex(b, a, "$regex")
		}
	}
	if err != nil {
		return 0, false, r.fail(at, err.Error())
	}
	if t == 0 {
		// Not a wrapper: an error if it has a wrapper's key.
		for i := range ms {
			if k := r.dst[ms[i].keyOff:ms[i].keyEnd]; isWrapperKey(k) {
				return 0, false, r.fail(at, "invalid "+string(k)+" type wrapper: unexpected or missing keys")
			}
		}
		return 0, false, nil
	}
	r.dst = append(r.dst[:start], r.tmp...)
	return t, true, nil
}

// wrapError is an error of a type wrapper, whose offset the caller adds.
type wrapError string

func (e wrapError) Error() string { return string(e) }

// val returns the BSON bytes of a member's value.
func (r *extReader) val(m *member) []byte { return r.dst[m.valOff:m.valEnd] }

// strVal returns the bytes of a member's string value.
func (r *extReader) strVal(m *member) []byte { v := r.val(m); return v[4 : len(v)-1] }

// wrapOne converts the single-key wrappers.
func (r *extReader) wrapOne(m *member, k string) (Type, error) {
	bad := func(want string) (Type, error) {
		return 0, wrapError("invalid " + k + " type wrapper: the value must be " + want)
	}
	switch k {
	case "$oid":
		var id ObjectID
		if m.kind != kindString || len(r.strVal(m)) != 24 || hexDecode(id[:], r.strVal(m)) != nil {
			return bad("a string of 24 hexadecimal digits")
		}
		r.tmp = append(r.tmp, id[:]...)
		return TypeObjectID, nil
	case "$symbol", "$code":
		if m.kind != kindString {
			return bad("a string")
		}
		r.tmp = append(r.tmp, r.val(m)...)
		if k == "$code" {
			return TypeJavaScript, nil
		}
		return TypeSymbol, nil
	case "$numberInt":
		if m.kind != kindString {
			return bad("a string")
		}
		i, err := strconv.ParseInt(bytesToString(r.strVal(m)), 10, 32)
		if err != nil {
			return bad("a 32-bit integer in a string")
		}
		r.tmp = appendInt32(r.tmp, int32(i))
		return TypeInt32, nil
	case "$numberLong":
		if m.kind != kindString {
			return bad("a string")
		}
		i, err := strconv.ParseInt(bytesToString(r.strVal(m)), 10, 64)
		if err != nil {
			return bad("a 64-bit integer in a string")
		}
		r.tmp = appendInt64(r.tmp, i)
		return TypeInt64, nil
	case "$numberDouble":
		if m.kind != kindString {
			return bad("a string")
		}
		f, ok := parseDoubleString(r.strVal(m))
		if !ok {
			return bad(`a number, "Infinity", "-Infinity" or "NaN" in a string`)
		}
		r.tmp = appendDouble(r.tmp, f)
		return TypeDouble, nil
	case "$numberDecimal":
		if m.kind != kindString {
			return bad("a string")
		}
		d, err := ParseDecimal128(string(r.strVal(m)))
		if err != nil {
			return 0, wrapError("invalid $numberDecimal type wrapper: " + err.Error())
		}
		r.tmp = appendDecimal128Bytes(r.tmp, d)
		return TypeDecimal128, nil
	case "$binary":
		if m.kind != kindObject {
			return bad(`an object {"base64": string, "subType": string}`)
		}
		data, sub, ok := r.fields(r.val(m), "base64", "subType")
		if !ok || data.Type != TypeString || sub.Type != TypeString {
			return bad(`an object {"base64": string, "subType": string}`)
		}
		return r.appendBinaryFromText(k, strBytes(data), strBytes(sub))
	case "$uuid":
		if m.kind != kindString {
			return bad("a string")
		}
		s := bytes.TrimPrefix(r.strVal(m), []byte("urn:uuid:"))
		u, err := ParseUUID(string(s))
		if err != nil || (len(s) != 36 && len(s) != 32) {
			return bad("a UUID in a string, as 73ffd264-44b3-4c69-90e8-e7d1dfc035d4")
		}
		r.tmp = appendBinary(r.tmp, BinaryUUID, u[:])
		return TypeBinary, nil
	case "$timestamp":
		if m.kind != kindObject {
			return bad(`an object {"t": integer, "i": integer}`)
		}
		tv, iv, ok := r.fields(r.val(m), "t", "i")
		t, tok := uint32Value(tv)
		i, iok := uint32Value(iv)
		if !ok || !tok || !iok {
			return bad(`an object {"t": integer, "i": integer} of unsigned 32-bit integers`)
		}
		r.tmp = appendTimestamp(r.tmp, Timestamp{T: t, I: i})
		return TypeTimestamp, nil
	case "$regularExpression":
		if m.kind != kindObject {
			return bad(`an object {"pattern": string, "options": string}`)
		}
		p, o, ok := r.fields(r.val(m), "pattern", "options")
		if !ok || p.Type != TypeString || o.Type != TypeString {
			return bad(`an object {"pattern": string, "options": string}`)
		}
		return r.appendRegex(k, strBytes(p), strBytes(o))
	case "$dbPointer":
		if m.kind != kindObject {
			return bad(`an object {"$ref": string, "$id": {"$oid": ...}}`)
		}
		ref, id, ok := r.fields(r.val(m), "$ref", "$id")
		if !ok || ref.Type != TypeString || id.Type != TypeObjectID {
			return bad(`an object {"$ref": string, "$id": {"$oid": ...}}`)
		}
		r.tmp = append(r.tmp, ref.Value...)
		r.tmp = append(r.tmp, id.Value...)
		return TypeDBPointer, nil
	case "$date":
		var ms int64
		switch {
		case m.kind == kindString:
			tm, ok := parseISODate(bytesToString(r.strVal(m)))
			if !ok {
				return bad("an RFC 3339 date in a string or {\"$numberLong\": string}")
			}
			ms = timeToMillis(tm)
		case m.kind == kindWrapper && m.t == TypeInt64:
			ms = readInt64(r.val(m))
		default:
			return bad("an RFC 3339 date in a string or {\"$numberLong\": string}")
		}
		r.tmp = appendInt64(r.tmp, ms)
		return TypeDateTime, nil
	case "$minKey", "$maxKey":
		if m.kind != kindNumber || m.t != TypeInt32 || readInt32(r.val(m)) != 1 {
			return bad("the integer 1")
		}
		if k == "$minKey" {
			return TypeMinKey, nil
		}
		return TypeMaxKey, nil
	case "$undefined":
		if m.kind != kindTrue {
			return bad("true")
		}
		return TypeUndefined, nil
	}
	return 0, nil
}

// wrapCodeWithScope converts {"$code": string, "$scope": document}.
func (r *extReader) wrapCodeWithScope(code, scope *member) (Type, error) {
	if code.kind != kindString || scope.kind != kindObject {
		return 0, wrapError(`invalid $code type wrapper: expecting {"$code": string, "$scope": object}`)
	}
	cv, sv := r.val(code), r.val(scope)
	r.tmp = appendInt32(r.tmp, int32(4+len(cv)+len(sv)))
	r.tmp = append(r.tmp, cv...)
	r.tmp = append(r.tmp, sv...)
	return TypeCodeWithScope, nil
}

// wrapBinaryLegacy converts the legacy {"$binary": base64, "$type": hex}.
func (r *extReader) wrapBinaryLegacy(data, sub *member) (Type, error) {
	if sub.kind != kindString {
		return 0, wrapError(`invalid legacy $binary type wrapper: expecting {"$binary": string, "$type": string}`)
	}
	return r.appendBinaryFromText("$binary", r.strVal(data), r.strVal(sub))
}

// wrapRegex converts the legacy {"$regex": string, "$options": string}.
func (r *extReader) wrapRegex(pattern, options *member, k string) (Type, error) {
	return r.appendRegex(k, r.strVal(pattern), r.strVal(options))
}

// appendBinaryFromText appends a binary value from its base64 data and its
// subtype in one or two hexadecimal digits.
func (r *extReader) appendBinaryFromText(k string, data, sub []byte) (Type, error) {
	st, err := strconv.ParseUint(bytesToString(sub), 16, 8)
	if err != nil || len(sub) == 0 || len(sub) > 2 {
		return 0, wrapError("invalid " + k + " type wrapper: the subtype must be one or two hexadecimal digits")
	}
	hdr := 5
	if byte(st) == BinaryBinaryOld {
		hdr = 9
	}
	r.tmp = append(r.tmp, make([]byte, hdr)...)
	r.tmp, err = base64.StdEncoding.AppendDecode(r.tmp, data)
	if err != nil {
		return 0, wrapError("invalid " + k + " type wrapper: the data is not padded base64: " + err.Error())
	}
	n := len(r.tmp) - hdr
	if n > math.MaxInt32-4 {
		return 0, wrapError("invalid " + k + " type wrapper: the data is too long")
	}
	putInt32(r.tmp, int32(n+hdr-5))
	r.tmp[4] = byte(st)
	if hdr == 9 {
		putInt32(r.tmp[5:], int32(n))
	}
	return TypeBinary, nil
}

// appendRegex appends a regular expression, its options sorted.
func (r *extReader) appendRegex(k string, pattern, options []byte) (Type, error) {
	if bytes.IndexByte(pattern, 0) >= 0 || bytes.IndexByte(options, 0) >= 0 {
		return 0, wrapError("invalid " + k + " type wrapper: the pattern or options contain a NUL character")
	}
	r.tmp = append(r.tmp, pattern...)
	r.tmp = append(r.tmp, 0)
	o := len(r.tmp)
	r.tmp = append(r.tmp, options...)
	sorted := r.tmp[o:]
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	r.tmp = append(r.tmp, 0)
	return TypeRegex, nil
}

// fields returns the values of the keys k1 and k2 of the document doc, and
// whether it has exactly those two keys.
func (r *extReader) fields(doc []byte, k1, k2 string) (v1, v2 RawValue, ok bool) {
	if len(doc) < 5 {
		return v1, v2, false
	}
	it := newElements(doc)
	n := 0
	for {
		el, more := it.next()
		if !more {
			break
		}
		n++
		switch string(el.key) {
		case k1:
			v1 = RawValue{Type: el.t, Value: el.value}
		case k2:
			v2 = RawValue{Type: el.t, Value: el.value}
		default:
			return v1, v2, false
		}
	}
	return v1, v2, n == 2 && v1.Type != 0 && v2.Type != 0
}

// strBytes returns the bytes of v, a string value that valueLen has sized.
func strBytes(v RawValue) []byte { return v.Value[4 : len(v.Value)-1] }

// uint32Value returns an int32 or int64 value that fits in a uint32.
func uint32Value(v RawValue) (uint32, bool) {
	switch v.Type {
	case TypeInt32:
		if i := readInt32(v.Value); i >= 0 {
			return uint32(i), true
		}
	case TypeInt64:
		if i := readInt64(v.Value); i >= 0 && i <= math.MaxUint32 {
			return uint32(i), true
		}
	}
	return 0, false
}

// parseDoubleString parses the string of a $numberDouble: a decimal number
// or one of Infinity, -Infinity and NaN.
func parseDoubleString(s []byte) (float64, bool) {
	switch string(s) {
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	case "NaN":
		return math.NaN(), true
	case "":
		return 0, false
	}
	// strconv also reads hexadecimal floats, underscores and "inf"; allow
	// only what a decimal number is made of.
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(bytesToString(s), 64)
	return f, err == nil
}

// parseISODate parses an RFC 3339 date, with a time zone offset written
// with or without its colon.
func parseISODate(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.999999999Z0700", s)
	}
	return t, err == nil
}

func hexDecode(dst, src []byte) error {
	_, err := hex.Decode(dst, src)
	return err
}
