package bson

import (
	"encoding/binary"
	"math"
	"strconv"
	"unsafe"
)

// This file holds the byte-level primitives: appenders that write BSON into
// a buffer, and readers that take a value off the front of a slice after
// checking its bounds. The readers never read past the slice they are given.

func appendInt32(dst []byte, v int32) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(v))
}

func appendInt64(dst []byte, v int64) []byte {
	return binary.LittleEndian.AppendUint64(dst, uint64(v))
}

func appendDouble(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// appendString appends a BSON string: int32 length (with the NUL), bytes, NUL.
func appendString(dst []byte, s string) []byte {
	dst = growFor(dst, len(s)+5)
	dst = appendInt32(dst, int32(len(s)+1))
	dst = append(dst, s...)
	return append(dst, 0)
}

// largeValue is the size from which growFor doubles a buffer's capacity.
const largeValue = 1024

// growFor makes room in dst for a value of n bytes. For a large value that
// does not fit it doubles the capacity (at least), where append grows a big
// slice by a quarter: a document holding several large values (a batch of
// GridFS chunks, an InsertMany of big documents) is then copied about twice
// in all as it grows, instead of about five times.
func growFor(dst []byte, n int) []byte {
	if n < largeValue || cap(dst)-len(dst) >= n {
		return dst
	}
	nd := make([]byte, len(dst), max(2*cap(dst), len(dst)+n))
	copy(nd, dst)
	return nd
}

// appendCString appends s and a NUL. The caller checks that s has no NUL.
func appendCString(dst []byte, s string) []byte {
	dst = append(dst, s...)
	return append(dst, 0)
}

// startDocument reserves a document's length and returns its position.
func startDocument(dst []byte) ([]byte, int) {
	return append(dst, 0, 0, 0, 0), len(dst)
}

// endDocument writes the terminator and fills in the length reserved at start.
func endDocument(dst []byte, start int) []byte {
	dst = append(dst, 0)
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst
}

// appendDecimal128Bytes appends d in BSON byte order (low word first).
func appendDecimal128Bytes(dst []byte, d Decimal128) []byte {
	h, l := d.GetBytes()
	dst = binary.LittleEndian.AppendUint64(dst, l)
	return binary.LittleEndian.AppendUint64(dst, h)
}

func appendBinary(dst []byte, subtype byte, data []byte) []byte {
	dst = growFor(dst, len(data)+9)
	if subtype == BinaryBinaryOld {
		dst = appendInt32(dst, int32(len(data)+4))
		dst = append(dst, subtype)
		dst = appendInt32(dst, int32(len(data)))
		return append(dst, data...)
	}
	dst = appendInt32(dst, int32(len(data)))
	dst = append(dst, subtype)
	return append(dst, data...)
}

func readInt32(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) }
func readInt64(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }
func readDouble(b []byte) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

// bytesToString returns a string that shares b's memory. The caller must not
// let b change while the string is in use.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// indexKeys holds the keys "0", "1", ... of the first array elements so that
// encoding an array does not format numbers.
var indexKeys = func() [256]string {
	var k [256]string
	for i := range k {
		k[i] = strconv.Itoa(i)
	}
	return k
}()

// appendIndexKey appends the array key for index i and its NUL.
func appendIndexKey(dst []byte, i int) []byte {
	if i < len(indexKeys) {
		dst = append(dst, indexKeys[i]...)
	} else {
		dst = strconv.AppendInt(dst, int64(i), 10)
	}
	return append(dst, 0)
}

// fixedSize holds the value sizes of the fixed-width types, or -1.
var fixedSize = [256]int8{
	TypeDouble: 8, TypeUndefined: 0, TypeObjectID: 12, TypeBoolean: 1,
	TypeDateTime: 8, TypeNull: 0, TypeInt32: 4, TypeTimestamp: 8,
	TypeInt64: 8, TypeDecimal128: 16, TypeMinKey: 0, TypeMaxKey: 0,
	TypeString: -1, TypeDocument: -1, TypeArray: -1, TypeBinary: -1,
	TypeRegex: -1, TypeDBPointer: -1, TypeJavaScript: -1, TypeSymbol: -1,
	TypeCodeWithScope: -1,
}
