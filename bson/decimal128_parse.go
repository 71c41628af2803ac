package bson

import (
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
	"strconv"
)

// Why a string is not a Decimal128.
const (
	decErrSyntax   = "invalid syntax"
	decErrInexact  = "more than 34 significant digits would need inexact rounding"
	decErrOverflow = "exponent too large (overflow)"
	decErrUnder    = "exponent too small, would need inexact rounding (underflow)"
)

// ParseDecimal128 parses s as a Decimal128, following the "From String
// Representation" rules of the BSON Decimal128 specification:
//
//   - a finite number is an optional sign ('+' or '-'), one or more digits
//     with an optional decimal point among or around them ("12", "1.5",
//     ".5", "5."), and an optional exponent: 'e' or 'E', an optional sign
//     and one or more digits ("1E+3", "2.5e-7");
//   - the special values are "Infinity", "Inf" and "NaN" in any case, with
//     an optional sign ("-inf", "+Infinity", "nan"; "-NaN" keeps its sign);
//   - no whitespace or other characters are allowed.
//
// The coefficient and exponent are kept as written ("2.50" is 250E-2), except
// that a value the format cannot hold as written is stored exactly in another
// form: leading zeros are ignored, an exponent over 6111 is lowered by adding
// trailing zeros to the coefficient (clamping), and trailing zeros beyond the
// 34 digits of precision, or below the smallest exponent -6176, are dropped.
// Zeros take the nearest exponent in range. A value that cannot be stored
// exactly (more than 34 significant digits, overflow, or underflow) is an
// error; nothing is ever rounded inexactly.
//
// The error names the problem and the input.
func ParseDecimal128(s string) (Decimal128, error) {
	d, reason := decParse(s)
	if reason != "" {
		in := s
		if len(in) > 64 {
			in = in[:64] + "..."
		}
		return Decimal128{}, errors.New("bson: cannot parse " + strconv.Quote(in) + " as Decimal128: " + reason)
	}
	return d, nil
}

// decParse does the work of [ParseDecimal128]; on failure it returns the
// reason, without allocating.
func decParse(s string) (Decimal128, string) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg, i = s[0] == '-', 1
	}
	if i < len(s) && s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z' {
		var d Decimal128
		switch rest := s[i:]; {
		case decEqualFold(rest, "inf"), decEqualFold(rest, "infinity"):
			d.h = decInfBits
		case decEqualFold(rest, "nan"):
			d.h = decNaNBits // quiet NaN: 0 11111 0...
		default:
			return Decimal128{}, decErrSyntax
		}
		if neg {
			d.h |= decSignBit
		}
		return d, ""
	}

	var (
		hi, lo   uint64 // coefficient: the first 34 significant digits
		nsig     int    // digits in the coefficient
		scale    int64  // exponent adjustment: -(digits after the point) + (digits dropped)
		digits   bool   // any digit at all
		point    bool   // seen the decimal point
		inexact  bool   // dropped a nonzero digit
		exponent int64
	)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if point {
				return Decimal128{}, decErrSyntax
			}
			point = true
			continue
		}
		if c-'0' > 9 {
			break
		}
		digits = true
		if point {
			scale--
		}
		switch {
		case nsig == 0 && c == '0': // leading zero
		case nsig < decMaxDigs:
			nsig++
			if hi == 0 && lo < (1<<64-1)/10-9 {
				lo = lo*10 + uint64(c-'0')
			} else {
				hi, lo = decMul10(hi, lo)
				var carry uint64
				lo, carry = bits.Add64(lo, uint64(c-'0'), 0)
				hi += carry
			}
		default: // beyond the precision: only zeros can be dropped exactly
			scale++
			inexact = inexact || c != '0'
		}
	}
	if !digits {
		return Decimal128{}, decErrSyntax
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return Decimal128{}, decErrSyntax
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg, i = s[i] == '-', i+1
		}
		if i == len(s) {
			return Decimal128{}, decErrSyntax
		}
		for ; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 {
				return Decimal128{}, decErrSyntax
			}
			if exponent < 1<<50 { // saturate: far past any usable exponent
				exponent = exponent*10 + int64(c)
			}
		}
		if eneg {
			exponent = -exponent
		}
	}
	if inexact {
		return Decimal128{}, decErrInexact
	}
	return decFinish(neg, hi, lo, exponent+scale)
}

// decEqualFold reports whether s equals the lower-case ASCII word w, ignoring
// the case of ASCII letters.
func decEqualFold(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// decFinish encodes the finite value ±(hi,lo) × 10^exp, where the coefficient
// is at most 10^34-1, bringing exp into range by exact clamping or dropping
// of trailing zeros. It returns the reason when that is impossible.
func decFinish(neg bool, hi, lo uint64, exp int64) (Decimal128, string) {
	if hi|lo == 0 {
		exp = max(decMinExp, min(exp, decMaxExp))
	}
	for exp > decMaxExp {
		if hi > decP33Hi || hi == decP33Hi && lo >= decP33Lo {
			return Decimal128{}, decErrOverflow
		}
		hi, lo = decMul10(hi, lo)
		exp--
	}
	for exp < decMinExp {
		qhi, rhi := hi/10, hi%10
		qlo, r := bits.Div64(rhi, lo, 10)
		if r != 0 {
			return Decimal128{}, decErrUnder
		}
		hi, lo = qhi, qlo
		exp++
	}
	d := Decimal128{h: uint64(exp+decExpBias)<<49 | hi, l: lo}
	if neg {
		d.h |= decSignBit
	}
	return d, ""
}

// decMul10 returns (hi,lo) × 10; the caller ensures it fits in 128 bits.
func decMul10(hi, lo uint64) (uint64, uint64) {
	h, l := bits.Mul64(lo, 10)
	return hi*10 + h, l
}

// ParseDecimal128FromBigInt returns the Decimal128 bi × 10^exp. Like
// [ParseDecimal128] it keeps the exponent when it can and otherwise changes
// the representation only exactly: trailing zeros of a coefficient over 34
// digits are dropped, and the exponent is clamped into range. It reports
// false when the value cannot be held exactly, or bi is nil. A zero bi gives
// +0, since a big.Int has no -0.
func ParseDecimal128FromBigInt(bi *big.Int, exp int) (Decimal128, bool) {
	if bi == nil {
		return Decimal128{}, false
	}
	neg := bi.Sign() < 0
	e := int64(exp)
	coeff := bi
	if bi.BitLen() > 113 || bi.CmpAbs(decMaxCoeffBig) > 0 {
		// Each dropped zero raises the exponent, and what is left will have
		// 34 digits, so no clamping can follow: past decMaxExp is overflow.
		// A value of bits bits has at least (bits-1)×log10(2) digits.
		if e+int64(float64(bi.BitLen()-1)*0.30102999566) > decMaxExp+decMaxDigs {
			return Decimal128{}, false
		}
		coeff = new(big.Int).Abs(bi)
		q, r := new(big.Int), new(big.Int)
		for coeff.Cmp(decMaxCoeffBig) > 0 {
			if q.QuoRem(coeff, decTenBig, r); r.Sign() != 0 || e >= decMaxExp {
				return Decimal128{}, false
			}
			coeff, q = q, coeff
			e++
		}
	}
	var b [16]byte
	new(big.Int).Abs(coeff).FillBytes(b[:])
	d, reason := decFinish(neg, binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), e)
	return d, reason == ""
}

// Constants for [ParseDecimal128FromBigInt]; never modified.
var (
	decTenBig      = big.NewInt(10)
	decMaxCoeffBig = new(big.Int).SetBytes([]byte{
		0x00, 0x01, 0xed, 0x09, 0xbe, 0xad, 0x87, 0xc0,
		0x37, 0x8d, 0x8e, 0x63, 0xff, 0xff, 0xff, 0xff,
	}) // 10^34-1
)
