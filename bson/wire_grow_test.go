package bson

import "testing"

// TestGrowFor: a large value that does not fit at least doubles the
// buffer's capacity; small values and values that fit leave it alone; the
// bytes already written are kept.
func TestGrowFor(t *testing.T) {
	buf := append(make([]byte, 0, 4096), "abc"...)
	if got := growFor(buf, 100); cap(got) != 4096 {
		t.Errorf("small value: cap %d, want 4096", cap(got))
	}
	if got := growFor(buf, 4000); cap(got) != 4096 {
		t.Errorf("value that fits: cap %d, want 4096", cap(got))
	}
	got := growFor(buf, 5000)
	if cap(got) < 8192 || cap(got) < len(buf)+5000 || string(got) != "abc" {
		t.Errorf("large value: len %d cap %d %q", len(got), cap(got), got)
	}
	if got := growFor(nil, 1<<20); cap(got) < 1<<20 {
		t.Errorf("from nil: cap %d", cap(got))
	}
	// A document of 16 large binaries grows a handful of times.
	data := make([]byte, 255*1024)
	var dst []byte
	grows := 0
	for range 16 {
		before := cap(dst)
		dst = appendBinary(dst, BinaryGeneric, data)
		if cap(dst) != before {
			grows++
		}
	}
	if grows > 6 {
		t.Errorf("%d reallocations for 16 appends of 255 KiB", grows)
	}
}
