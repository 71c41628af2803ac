package wire

import (
	"math/bits"
	"sync"
)

// The buffer pool keeps message buffers in size classes of powers of two,
// from 512 bytes to 16 MiB. Larger buffers are allocated for the one message
// and left to the garbage collector, so a rare huge reply does not pin its
// memory in the pool. Buffers hold wire bytes only: never a document handed
// to a user, who may keep it for as long as they like.
const (
	minClassShift = 9
	maxClassShift = 24
)

var bufPools [maxClassShift - minClassShift + 1]sync.Pool

// GetBuffer returns a buffer of length 0 and a capacity of at least n, from
// the pool when n is at most 16 MiB. Give it back with PutBuffer once nothing
// refers to its bytes.
func GetBuffer(n int) *[]byte {
	if n > 1<<maxClassShift {
		b := make([]byte, 0, n)
		return &b
	}
	class := 0
	if n > 1<<minClassShift {
		class = bits.Len(uint(n-1)) - minClassShift
	}
	if p, ok := bufPools[class].Get().(*[]byte); ok {
		*p = (*p)[:0]
		return p
	}
	b := make([]byte, 0, 1<<(class+minClassShift))
	return &b
}

// PutBuffer returns b to the pool. The caller must not use b, nor any slice
// of its bytes, afterwards. Buffers smaller than 512 bytes or larger than
// 16 MiB are dropped; so is nil.
func PutBuffer(b *[]byte) {
	if b == nil {
		return
	}
	c := cap(*b)
	if c < 1<<minClassShift || c > 1<<maxClassShift {
		return
	}
	// The class is rounded down, so every buffer in class k holds at least
	// 1<<k bytes, which is what GetBuffer promises.
	class := bits.Len(uint(c)) - 1 - minClassShift
	*b = (*b)[:0]
	bufPools[class].Put(b)
}
