package wire

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/motor-go/motor/bson"
)

var benchSizes = []struct {
	name string
	n    int
}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}}

var benchCompressors = []string{"none", "snappy", "zlib", "zstd"}

// benchReply returns a reply of about n bytes as it comes off the wire,
// compressed with the named compressor, and its uncompressed length.
func benchReply(tb testing.TB, n int, comp string) ([]byte, int) {
	tb.Helper()
	msg, start := BeginMsg(nil, 10, 9, 0)
	msg = AppendBodySection(msg, filler(tb, n))
	msg = EndMsg(msg, start)
	if comp == "none" {
		return msg, len(msg)
	}
	c, err := NewCompressor(comp, -1)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := AppendCompressed(nil, msg, c)
	if err != nil {
		tb.Fatal(err)
	}
	return w, len(msg)
}

func BenchmarkAppendMsg(b *testing.B) {
	for _, size := range benchSizes {
		body := doc(b, bson.D{{Key: "insert", Value: "coll"}, {Key: "$db", Value: "test"}})
		seq := Sequence{Identifier: "documents", Docs: filler(b, size.n)}
		for _, flags := range []MsgFlags{0, ChecksumPresent} {
			name := size.name
			if flags != 0 {
				name += "/checksum"
			}
			b.Run(name, func(b *testing.B) {
				dst := make([]byte, 0, 2*size.n+1024)
				b.ReportAllocs()
				b.SetBytes(int64(len(body) + len(seq.Docs)))
				for b.Loop() {
					dst = AppendMsg(dst[:0], 1, flags, body, seq)
				}
			})
		}
	}
}

func BenchmarkAppendCompressed(b *testing.B) {
	for _, size := range benchSizes {
		msg := AppendMsg(nil, 1, 0, filler(b, size.n))
		for _, comp := range benchCompressors[1:] {
			c, _ := NewCompressor(comp, -1)
			b.Run(size.name+"/"+comp, func(b *testing.B) {
				dst := make([]byte, 0, 2*len(msg)+1024)
				b.ReportAllocs()
				b.SetBytes(int64(len(msg)))
				for b.Loop() {
					dst, _ = AppendCompressed(dst[:0], msg, c)
				}
			})
		}
	}
}

// BenchmarkReadMessage reads and parses one reply per iteration, then
// releases it, as a connection does.
func BenchmarkReadMessage(b *testing.B) {
	for _, size := range benchSizes {
		for _, comp := range benchCompressors {
			wire, n := benchReply(b, size.n, comp)
			b.Run(size.name+"/"+comp, func(b *testing.B) {
				r := bytes.NewReader(wire)
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					r.Reset(wire)
					if err := readParse(r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func readParse(r *bytes.Reader) error {
	m, err := ReadMessage(r, 0)
	if err != nil {
		return err
	}
	defer m.Release()
	if err := m.Header.CheckResponseTo(9); err != nil {
		return err
	}
	p, err := ParseMsg(m.Bytes)
	if err != nil {
		return err
	}
	if len(p.Body) == 0 {
		return fmt.Errorf("empty body")
	}
	return nil
}
