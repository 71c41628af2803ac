package bson

import (
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
	"strconv"
)

// Decimal128 holds a BSON decimal128 value: an IEEE 754-2008 128-bit decimal
// floating point number (BID encoding).
//
// A Decimal128 is a value object: it keeps the exact coefficient and exponent
// it was given, so 2.0 and 2.00 are different values with different strings.
// The zero value, all bits clear, is the zero 0E-6176. Use [ParseDecimal128] or
// [ParseDecimal128FromBigInt] to make one from a number, and
// [Decimal128.String] for the canonical string of the BSON Decimal128
// specification.
type Decimal128 struct{ h, l uint64 }

// The layout of the high word, from the top bit down: the sign, then either
// a 14-bit biased exponent and the top 49 bits of the coefficient, or (when
// the two bits after the sign are 11) a form that, in decimal128, only
// infinities, NaNs and non-canonical coefficients use.
const (
	decExpBias = 6176  // biased exponent = exponent + decExpBias
	decMinExp  = -6176 // smallest exponent
	decMaxExp  = 6111  // largest exponent
	decMaxDigs = 34    // digits of precision

	decSignBit  = uint64(1) << 63
	decCoeffHi  = uint64(1)<<49 - 1          // coefficient bits of the high word
	decInfBits  = uint64(0x1E) << 58         // 0 11110 ...: infinity
	decNaNBits  = uint64(0x1F) << 58         // 0 11111 ...: NaN (next bit set: signaling)
	decMaxHi    = 0x0001ed09bead87c0         // 10^34-1, high word
	decMaxLo    = 0x378d8e63ffffffff         // 10^34-1, low word
	decP33Hi    = 0x0000314dc6448d93         // 10^33, high word
	decP33Lo    = 0x38c15b0a00000000         // 10^33, low word
	decPow10_19 = 10_000_000_000_000_000_000 // 10^19, the largest power of ten in a uint64
)

// The kinds of value [Decimal128.decUnpack] reports.
const (
	decFinite = iota
	decInf
	decNaN
)

// NewDecimal128 returns the Decimal128 whose IEEE 754-2008 BID encoding has
// the given high and low 64 bits. In BSON the low word comes first, each word
// little-endian. Every bit pattern is accepted.
func NewDecimal128(high, low uint64) Decimal128 { return Decimal128{h: high, l: low} }

// GetBytes returns the high and low 64 bits of d's BID encoding, as given to
// [NewDecimal128].
func (d Decimal128) GetBytes() (high, low uint64) { return d.h, d.l }

// decUnpack splits d into its sign, kind, coefficient (as two words) and
// exponent. Non-canonical encodings (a coefficient over 10^34-1, including
// every finite value of the "11" combination form) have coefficient zero, as
// IEEE 754-2008 requires. The coefficient and exponent are zero for
// infinities and NaNs.
func (d Decimal128) decUnpack() (neg bool, kind int, hi, lo uint64, exp int) {
	neg = d.h&decSignBit != 0
	switch {
	case d.h&decNaNBits == decNaNBits:
		return neg, decNaN, 0, 0, 0
	case d.h&decNaNBits == decInfBits:
		return neg, decInf, 0, 0, 0
	case d.h>>61&3 == 3:
		// 11 form: exponent in bits 60-47, implied coefficient prefix 100
		// makes the coefficient at least 2^113, over the decimal128 limit.
		return neg, decFinite, 0, 0, int(d.h>>47&0x3FFF) - decExpBias
	}
	hi, lo = d.h&decCoeffHi, d.l
	if hi > decMaxHi || hi == decMaxHi && lo > decMaxLo {
		hi, lo = 0, 0
	}
	return neg, decFinite, hi, lo, int(d.h>>49&0x3FFF) - decExpBias
}

// IsNaN reports whether d is a NaN (quiet or signaling, of either sign, with
// or without a payload).
func (d Decimal128) IsNaN() bool { return d.h&decNaNBits == decNaNBits }

// IsInf reports whether d is an infinity: it returns 1 for +Infinity, -1 for
// -Infinity and 0 otherwise.
func (d Decimal128) IsInf() int {
	if d.h&decNaNBits != decInfBits {
		return 0
	}
	if d.h&decSignBit != 0 {
		return -1
	}
	return 1
}

// IsZero reports whether d is a zero of either sign and any exponent,
// including the non-canonical encodings that count as zero.
func (d Decimal128) IsZero() bool {
	_, kind, hi, lo, _ := d.decUnpack()
	return kind == decFinite && hi|lo == 0
}

// String returns d in the string form of the BSON Decimal128 specification
// (and of Extended JSON's $numberDecimal): "NaN", "Infinity", "-Infinity",
// or the number in plain notation ("-12.50", "0.000001") when its exponent is
// at most 0 and its adjusted exponent at least -6, else in scientific
// notation ("1.23E+5", "5E-7"). The result parses back to the same value.
func (d Decimal128) String() string {
	var buf [48]byte // the longest result is 42 bytes
	return string(appendDecimal128(buf[:0], d))
}

// appendDecimal128 appends the string form of d (see [Decimal128.String]) to
// dst and returns the extended slice.
func appendDecimal128(dst []byte, d Decimal128) []byte {
	neg, kind, hi, lo, exp := d.decUnpack()
	switch kind {
	case decNaN:
		return append(dst, "NaN"...)
	case decInf:
		if neg {
			return append(dst, "-Infinity"...)
		}
		return append(dst, "Infinity"...)
	}

	// The coefficient's digits, written from the right: at most 34, as
	// q (< 10^15) followed by r (< 10^19, padded to 19 digits when q > 0).
	var buf [decMaxDigs]byte
	i := len(buf)
	q, r := bits.Div64(hi, lo, decPow10_19) // hi < 2^49, so the quotient fits
	if q == 0 {
		i = decPutDigits(&buf, i, r, 1)
	} else {
		i = decPutDigits(&buf, i, r, 19)
		i = decPutDigits(&buf, i, q, 1)
	}
	digits := buf[i:]
	n := len(digits)
	adjusted := exp + n - 1

	if neg {
		dst = append(dst, '-')
	}
	switch {
	case exp > 0 || adjusted < -6: // scientific notation
		dst = append(dst, digits[0])
		if n > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'E')
		if adjusted >= 0 {
			dst = append(dst, '+')
		}
		return strconv.AppendInt(dst, int64(adjusted), 10)
	case exp == 0:
		return append(dst, digits...)
	case n+exp > 0: // the point falls inside the digits
		dst = append(dst, digits[:n+exp]...)
		dst = append(dst, '.')
		return append(dst, digits[n+exp:]...)
	default: // only zeros before the digits: at most 6 of them
		dst = append(dst, "0."...)
		for range -(n + exp) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
}

// decPutDigits writes the decimal digits of v into buf, ending before index
// i, padded with zeros to at least min digits, and returns the index of the
// first digit written.
func decPutDigits(buf *[decMaxDigs]byte, i int, v uint64, min int) int {
	end := i
	for v >= 100 || end-i < min-2 {
		r := v % 100 * 2
		v /= 100
		i -= 2
		buf[i], buf[i+1] = decDigitPairs[r], decDigitPairs[r+1]
	}
	for v >= 10 || end-i < min-1 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	buf[i] = byte('0' + v)
	return i
}

// decDigitPairs holds the two digits of each number from 00 to 99.
const decDigitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// BigInt returns d's coefficient, negated when d is negative, and exponent:
// d = coefficient × 10^exponent. The sign of a negative zero is lost, since
// a big.Int has no -0. It returns an error for NaN and the infinities.
func (d Decimal128) BigInt() (*big.Int, int, error) {
	neg, kind, hi, lo, exp := d.decUnpack()
	switch kind {
	case decNaN:
		return nil, 0, errors.New("bson: Decimal128 NaN has no big.Int coefficient")
	case decInf:
		return nil, 0, errors.New("bson: Decimal128 " + d.String() + " has no big.Int coefficient")
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	bi := new(big.Int).SetBytes(b[:])
	if neg {
		bi.Neg(bi)
	}
	return bi, exp, nil
}

// MarshalText returns d's string form (see [Decimal128.String]), so that
// encoding/json and other text encoders write a Decimal128 as a string.
func (d Decimal128) MarshalText() ([]byte, error) {
	return appendDecimal128(make([]byte, 0, 48), d), nil
}

// UnmarshalText sets d to the value of the text, parsed as by
// [ParseDecimal128]. On error d is left unchanged.
func (d *Decimal128) UnmarshalText(text []byte) error {
	v, err := ParseDecimal128(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
