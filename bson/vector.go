package bson

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// VectorDType is the element type of a [Vector] (the first byte of binary
// subtype 9).
type VectorDType byte

// The vector element types of the BSON binary vector specification.
const (
	VectorInt8      VectorDType = 0x03 // signed 8-bit integers
	VectorFloat32   VectorDType = 0x27 // IEEE 754 single precision, little-endian
	VectorPackedBit VectorDType = 0x10 // single bits, eight to a byte, most significant first
)

// String returns the dtype's name: "INT8", "FLOAT32" or "PACKED_BIT".
func (t VectorDType) String() string {
	switch t {
	case VectorInt8:
		return "INT8"
	case VectorFloat32:
		return "FLOAT32"
	case VectorPackedBit:
		return "PACKED_BIT"
	}
	return fmt.Sprintf("VectorDType(0x%02x)", byte(t))
}

// ErrInvalidVector is wrapped by every error about malformed vector data.
var ErrInvalidVector = errors.New("bson: invalid vector")

// Vector is a dense numeric vector, stored in BSON as binary subtype 9
// ([BinaryVector]) and used by Atlas Vector Search. It holds int8 values,
// float32 values or packed bits. A Vector encodes as that binary value.
type Vector struct {
	dtype   VectorDType
	padding uint8
	int8s   []int8
	floats  []float32
	bits    []byte
}

// NewInt8Vector returns a vector of int8 values.
func NewInt8Vector(v []int8) Vector { return Vector{dtype: VectorInt8, int8s: v} }

// NewFloat32Vector returns a vector of float32 values.
func NewFloat32Vector(v []float32) Vector { return Vector{dtype: VectorFloat32, floats: v} }

// NewPackedBitVector returns a vector of bits packed eight to a byte, the
// first bit in the most significant position. padding (0 to 7) is the number
// of unused low bits in the last byte, which must be zero.
func NewPackedBitVector(bits []byte, padding uint8) (Vector, error) {
	if padding > 7 {
		return Vector{}, fmt.Errorf("%w: padding %d is more than 7", ErrInvalidVector, padding)
	}
	if padding > 0 && len(bits) == 0 {
		return Vector{}, fmt.Errorf("%w: padding %d with no data", ErrInvalidVector, padding)
	}
	if padding > 0 && bits[len(bits)-1]&(1<<padding-1) != 0 {
		return Vector{}, fmt.Errorf("%w: padding bits of the last byte are not zero", ErrInvalidVector)
	}
	return Vector{dtype: VectorPackedBit, bits: bits, padding: padding}, nil
}

// DType returns the vector's element type.
func (v Vector) DType() VectorDType { return v.dtype }

// Int8s returns the values of an int8 vector, and false for another dtype.
func (v Vector) Int8s() ([]int8, bool) { return v.int8s, v.dtype == VectorInt8 }

// Float32s returns the values of a float32 vector, and false for another
// dtype.
func (v Vector) Float32s() ([]float32, bool) { return v.floats, v.dtype == VectorFloat32 }

// PackedBits returns the bytes and padding of a packed-bit vector, and false
// for another dtype.
func (v Vector) PackedBits() ([]byte, uint8, bool) {
	return v.bits, v.padding, v.dtype == VectorPackedBit
}

// Len returns the number of elements (bits, for a packed-bit vector).
func (v Vector) Len() int {
	switch v.dtype {
	case VectorInt8:
		return len(v.int8s)
	case VectorFloat32:
		return len(v.floats)
	case VectorPackedBit:
		return len(v.bits)*8 - int(v.padding)
	}
	return 0
}

// Binary returns the vector as binary subtype 9.
func (v Vector) Binary() Binary {
	return Binary{Subtype: BinaryVector, Data: v.appendData(nil)}
}

// appendData appends the subtype-9 payload: dtype, padding, then the values.
func (v Vector) appendData(dst []byte) []byte {
	dst = append(dst, byte(v.dtype), v.padding)
	switch v.dtype {
	case VectorInt8:
		for _, x := range v.int8s {
			dst = append(dst, byte(x))
		}
	case VectorFloat32:
		for _, x := range v.floats {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
		}
	case VectorPackedBit:
		dst = append(dst, v.bits...)
	}
	return dst
}

// dataLen returns the length of the subtype-9 payload.
func (v Vector) dataLen() int {
	switch v.dtype {
	case VectorInt8:
		return 2 + len(v.int8s)
	case VectorFloat32:
		return 2 + 4*len(v.floats)
	case VectorPackedBit:
		return 2 + len(v.bits)
	}
	return 2
}

// NewVectorFromBinary reads a vector from binary subtype 9. The returned
// vector copies the data it needs; it does not keep b.Data.
func NewVectorFromBinary(b Binary) (Vector, error) {
	if b.Subtype != BinaryVector {
		return Vector{}, fmt.Errorf("%w: binary subtype is 0x%02x, not 0x09", ErrInvalidVector, b.Subtype)
	}
	return decodeVector(b.Data)
}

func decodeVector(data []byte) (Vector, error) {
	if len(data) < 2 {
		return Vector{}, fmt.Errorf("%w: %d bytes, too short for the dtype and padding header", ErrInvalidVector, len(data))
	}
	dtype, padding, body := VectorDType(data[0]), data[1], data[2:]
	switch dtype {
	case VectorInt8:
		if padding != 0 {
			return Vector{}, fmt.Errorf("%w: INT8 vector with padding %d", ErrInvalidVector, padding)
		}
		v := make([]int8, len(body))
		for i, x := range body {
			v[i] = int8(x)
		}
		return NewInt8Vector(v), nil
	case VectorFloat32:
		if padding != 0 {
			return Vector{}, fmt.Errorf("%w: FLOAT32 vector with padding %d", ErrInvalidVector, padding)
		}
		if len(body)%4 != 0 {
			return Vector{}, fmt.Errorf("%w: FLOAT32 data of %d bytes is not a multiple of 4", ErrInvalidVector, len(body))
		}
		v := make([]float32, len(body)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
		}
		return NewFloat32Vector(v), nil
	case VectorPackedBit:
		return NewPackedBitVector(append([]byte(nil), body...), padding)
	}
	return Vector{}, fmt.Errorf("%w: unknown dtype 0x%02x", ErrInvalidVector, byte(dtype))
}
