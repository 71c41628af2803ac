package logger

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTruncate: whatever the input and the length, the result is valid
// UTF-8 when the input is, is a prefix of the input, holds at most max
// bytes before the ellipsis, and loses at most one character's worth of
// bytes to the rune boundary.
func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"", "hello", "aéb", "𝄞𝄞", "日本語", "\xff\xfe"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 1<<20 || max < -1 {
			max %= 1 << 20
		}
		got := Truncate(s, max)
		if max < 0 || len(s) <= max {
			if got != s {
				t.Fatalf("Truncate(%q, %d) = %q, want the input", s, max, got)
			}
			return
		}
		cut, ok := strings.CutSuffix(got, Ellipsis)
		if !ok || !strings.HasPrefix(s, cut) || len(cut) > max || len(cut) < max-utf8.UTFMax+1 && utf8.ValidString(s) {
			t.Fatalf("Truncate(%q, %d) = %q", s, max, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Truncate(%q, %d) = %q is not valid UTF-8", s, max, got)
		}
	})
}

// FuzzParseLevel: a level that parses has a name that parses back to it.
func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"debug", "WARN", "informational", "off", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, ok := ParseLevel(s)
		if !ok {
			return
		}
		back, ok := ParseLevel(LevelName(l))
		if !ok || back != l {
			t.Fatalf("ParseLevel(%q) = %v, whose name %q parses to %v, %v", s, l, LevelName(l), back, ok)
		}
	})
}
