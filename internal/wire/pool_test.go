package wire

import "testing"

func TestGetBufferCapacity(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 4096, 100_000, 1 << 20, 1<<20 + 1, 1 << 24, 1<<24 + 1, 40_000_000} {
		b := GetBuffer(n)
		if len(*b) != 0 || cap(*b) < n {
			t.Errorf("GetBuffer(%d): len %d cap %d", n, len(*b), cap(*b))
		}
		if n <= 1<<24 && cap(*b) > 2*max(n, 512) {
			t.Errorf("GetBuffer(%d): cap %d is more than one size class up", n, cap(*b))
		}
		*b = append(*b, 1, 2, 3)
		PutBuffer(b)
	}
	PutBuffer(nil)
	small := make([]byte, 10)
	PutBuffer(&small) // dropped, not pooled
}

func TestPutBufferRoundsDown(t *testing.T) {
	// A buffer whose capacity is not a power of two, as append may leave
	// one, goes to the class below so that the pool's promise holds.
	odd := make([]byte, 5, 3000)
	PutBuffer(&odd)
	for range 100 {
		b := GetBuffer(2048)
		if cap(*b) < 2048 || len(*b) != 0 {
			t.Fatalf("GetBuffer(2048): len %d cap %d", len(*b), cap(*b))
		}
		b2 := GetBuffer(4096)
		if cap(*b2) < 4096 {
			t.Fatalf("GetBuffer(4096): cap %d", cap(*b2))
		}
		PutBuffer(b)
		PutBuffer(b2)
	}
}
