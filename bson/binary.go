package bson

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// The BSON binary subtypes.
const (
	BinaryGeneric     byte = 0x00
	BinaryFunction    byte = 0x01
	BinaryBinaryOld   byte = 0x02 // deprecated: the data is prefixed by its own length
	BinaryUUIDOld     byte = 0x03 // deprecated: byte order depends on the driver that wrote it
	BinaryUUID        byte = 0x04
	BinaryMD5         byte = 0x05
	BinaryEncrypted   byte = 0x06
	BinaryColumn      byte = 0x07
	BinarySensitive   byte = 0x08
	BinaryVector      byte = 0x09
	BinaryUserDefined byte = 0x80 // subtypes from 0x80 to 0xFF are the user's
)

// Binary is BSON binary data with its subtype. A []byte encodes as Binary
// with subtype [BinaryGeneric].
type Binary struct {
	Subtype byte
	Data    []byte
}

// Equal reports whether b and other have the same subtype and bytes.
func (b Binary) Equal(other Binary) bool {
	return b.Subtype == other.Subtype && string(b.Data) == string(other.Data)
}

// IsZero reports whether b has no data and the generic subtype.
func (b Binary) IsZero() bool { return b.Subtype == 0 && len(b.Data) == 0 }

// UUID is an RFC 4122 UUID, stored in BSON as binary subtype 4 ([BinaryUUID]).
type UUID [16]byte

// ErrInvalidUUID is returned for text that is not a UUID.
var ErrInvalidUUID = errors.New("bson: invalid UUID")

// ParseUUID parses the 36-character form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
// or the 32 hexadecimal digits without dashes.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	var digits [32]byte
	n := 0
	switch len(s) {
	case 36:
		for i := 0; i < len(s); i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if s[i] != '-' {
					return u, fmt.Errorf("%w: %q", ErrInvalidUUID, s)
				}
				continue
			}
			digits[n] = s[i]
			n++
		}
	case 32:
		copy(digits[:], s)
	default:
		return u, fmt.Errorf("%w: %q", ErrInvalidUUID, s)
	}
	if _, err := hex.Decode(u[:], digits[:]); err != nil {
		return u, fmt.Errorf("%w: %q", ErrInvalidUUID, s)
	}
	return u, nil
}

// String returns u in the 36-character form with dashes, lower case.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// Binary returns u as binary subtype 4.
func (u UUID) Binary() Binary { return Binary{Subtype: BinaryUUID, Data: u[:]} }

// UUIDFromBinary returns the UUID held by b, which must be subtype 4 with 16
// bytes of data.
func UUIDFromBinary(b Binary) (UUID, error) {
	var u UUID
	if b.Subtype != BinaryUUID {
		return u, fmt.Errorf("%w: binary subtype is 0x%02x, not 0x04", ErrInvalidUUID, b.Subtype)
	}
	if len(b.Data) != 16 {
		return u, fmt.Errorf("%w: %d bytes of data, not 16", ErrInvalidUUID, len(b.Data))
	}
	copy(u[:], b.Data)
	return u, nil
}
