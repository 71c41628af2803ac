//go:build !race

// The race detector makes sync.Pool drop a share of what is put into it on
// purpose, so allocation counts are only meaningful without it.

package wire

import (
	"bytes"
	"testing"
)

func TestReadPathAllocatesNothing(t *testing.T) {
	for _, size := range benchSizes {
		for _, comp := range benchCompressors {
			wire, _ := benchReply(t, size.n, comp)
			r := bytes.NewReader(wire)
			read := func() {
				r.Reset(wire)
				if err := readParse(r); err != nil {
					t.Fatal(err)
				}
			}
			read() // warm the pools
			if n := testing.AllocsPerRun(50, read); n != 0 {
				t.Errorf("%s/%s: %v allocations per message, want 0", size.name, comp, n)
			}
		}
	}
}

func TestAppendPathAllocatesNothing(t *testing.T) {
	for _, comp := range []string{"noop", "snappy", "zlib", "zstd"} {
		c, _ := NewCompressor(comp, -1)
		msg := AppendMsg(nil, 1, ChecksumPresent, filler(t, 64<<10))
		dst := make([]byte, 0, 4*len(msg))
		write := func() {
			var err error
			dst, err = AppendCompressed(dst[:0], msg, c)
			if err != nil {
				t.Fatal(err)
			}
		}
		write()
		if n := testing.AllocsPerRun(50, write); n != 0 {
			t.Errorf("%s: %v allocations per message, want 0", comp, n)
		}
	}
}
