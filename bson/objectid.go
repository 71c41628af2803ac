package bson

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ObjectID is a 12-byte BSON ObjectID: a 4-byte big-endian timestamp in
// seconds, 5 random bytes chosen once per process, and a 3-byte counter that
// starts at a random value.
type ObjectID [12]byte

// NilObjectID is the zero ObjectID.
var NilObjectID ObjectID

var (
	objectIDProcess = newObjectIDProcess()
	objectIDCounter = newObjectIDCounter()
)

func newObjectIDProcess() [5]byte {
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func newObjectIDCounter() *atomic.Uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	c := new(atomic.Uint32)
	c.Store(binary.BigEndian.Uint32(b[:]))
	return c
}

// NewObjectID returns a new ObjectID for the current time.
func NewObjectID() ObjectID { return NewObjectIDFromTimestamp(time.Now()) }

// NewObjectIDFromTimestamp returns a new ObjectID whose timestamp part is t.
func NewObjectIDFromTimestamp(t time.Time) ObjectID {
	var id ObjectID
	binary.BigEndian.PutUint32(id[0:4], uint32(t.Unix()))
	copy(id[4:9], objectIDProcess[:])
	c := objectIDCounter.Add(1)
	id[9], id[10], id[11] = byte(c>>16), byte(c>>8), byte(c)
	return id
}

// ErrInvalidHex is returned by [ObjectIDFromHex] for a string that is not 24
// hexadecimal digits.
var ErrInvalidHex = errors.New("bson: ObjectID hex must be 24 hexadecimal digits")

// ObjectIDFromHex parses an ObjectID from its 24 hexadecimal digits.
func ObjectIDFromHex(s string) (ObjectID, error) {
	var id ObjectID
	if len(s) != 24 {
		return NilObjectID, fmt.Errorf("%w: got %d characters", ErrInvalidHex, len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return NilObjectID, fmt.Errorf("%w: %q", ErrInvalidHex, s)
	}
	return id, nil
}

// Timestamp returns the time encoded in the first four bytes of id.
func (id ObjectID) Timestamp() time.Time {
	return time.Unix(int64(binary.BigEndian.Uint32(id[0:4])), 0).UTC()
}

// Hex returns id as 24 lower-case hexadecimal digits.
func (id ObjectID) Hex() string {
	var b [24]byte
	hex.Encode(b[:], id[:])
	return string(b[:])
}

// String returns id as ObjectID("hex").
func (id ObjectID) String() string { return `ObjectID("` + id.Hex() + `")` }

// IsZero reports whether id is [NilObjectID].
func (id ObjectID) IsZero() bool { return id == NilObjectID }

// MarshalText returns the hexadecimal form of id. Encoding packages that use
// text marshaling (encoding/json, map keys) therefore see the hex string.
func (id ObjectID) MarshalText() ([]byte, error) {
	b := make([]byte, 24)
	hex.Encode(b, id[:])
	return b, nil
}

// UnmarshalText parses the hexadecimal form of an ObjectID. Empty text is the
// zero ObjectID.
func (id *ObjectID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = NilObjectID
		return nil
	}
	v, err := ObjectIDFromHex(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
