package wire

import (
	"bytes"
	"slices"
	"testing"

	"github.com/motor-go/motor/bson"
)

// fuzzMaxSize keeps the fuzzers' buffers small.
const fuzzMaxSize = 1 << 20

// seedMessages returns valid OP_MSGs of every shape, for the corpora.
func seedMessages(tb testing.TB) [][]byte {
	body := doc(tb, bson.D{{Key: "insert", Value: "c"}, {Key: "$db", Value: "db"}})
	ds := docs(tb, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "_id", Value: 2}, {Key: "s", Value: "x"}})
	var out [][]byte
	for _, flags := range []MsgFlags{0, ChecksumPresent, MoreToCome, ExhaustAllowed | ChecksumPresent} {
		out = append(out,
			AppendMsg(nil, 1, flags, body),
			AppendMsg(nil, 2, flags, body, Sequence{Identifier: "documents", Docs: ds}),
			AppendMsg(nil, 3, flags, body, Sequence{Identifier: "documents", Docs: ds}, Sequence{Identifier: "updates"}))
	}
	out = append(out, rawMsg(0, 0, seqSec(0, "documents", ds), bodySec(body)))
	return out
}

// FuzzParseMsg checks that ParseMsg never panics, that what it accepts
// lies within its input, and that encoding the result again gives a
// message that parses to the same thing.
func FuzzParseMsg(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMsg(b)
		if err != nil {
			return
		}
		if int(m.Header.Length) != len(b) || m.Flags&0xffff&^knownRequiredFlags != 0 {
			t.Fatalf("accepted header %+v flags %#x for %d bytes", m.Header, m.Flags, len(b))
		}
		again, start := BeginMsg(nil, m.Header.RequestID, m.Header.ResponseTo, m.Flags)
		again = AppendBodySection(again, m.Body)
		for _, s := range m.Sequences {
			if bytes.IndexByte([]byte(s.Identifier), 0) >= 0 {
				t.Fatalf("identifier %q holds NUL", s.Identifier)
			}
			again = AppendSequenceSection(again, s)
		}
		again = EndMsg(again, start)
		m2, err := ParseMsg(again)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if m2.Header != m.Header || m2.Flags != m.Flags || !bytes.Equal(m2.Body, m.Body) ||
			!slices.EqualFunc(m2.Sequences, m.Sequences, func(a, b Sequence) bool {
				return a.Identifier == b.Identifier && bytes.Equal(a.Docs, b.Docs)
			}) {
			t.Fatalf("re-encoded message parses differently:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzReadMessage feeds arbitrary streams, plain and compressed, to
// ReadMessage and ParseMsg: errors are fine, panics and out-of-limit
// buffers are not.
func FuzzReadMessage(f *testing.F) {
	comps := allCompressors(f)
	for _, m := range seedMessages(f) {
		f.Add(m)
		for _, name := range []string{"noop", "snappy", "zlib0", "zlib7", "zstd"} {
			c, _ := AppendCompressed(nil, m, comps[name])
			f.Add(c)
		}
	}
	f.Add([]byte{16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xdc, 0x07, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		for range 3 {
			m, err := ReadMessage(r, fuzzMaxSize)
			if err != nil {
				return
			}
			if len(m.Bytes) != int(m.Header.Length) || len(m.Bytes) > fuzzMaxSize || len(m.Bytes) < HeaderLen {
				t.Fatalf("message of %d bytes with header %+v", len(m.Bytes), m.Header)
			}
			if m.Header.OpCode == OpCompressed {
				t.Fatal("ReadMessage returned an OP_COMPRESSED")
			}
			if p, err := ParseMsg(m.Bytes); err == nil && p.Body == nil {
				t.Fatal("ParseMsg accepted a message without a body")
			}
			m.Release()
		}
	})
}

// FuzzCompressRoundTrip compresses arbitrary message bytes with every
// compressor and reads them back.
func FuzzCompressRoundTrip(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m[HeaderLen:], uint8(0), int8(0))
	}
	f.Add(bytes.Repeat([]byte("abc"), 1000), uint8(2), int8(9))
	f.Add([]byte{}, uint8(3), int8(-1))
	comps := []string{"noop", "snappy", "zlib", "zstd"}
	f.Fuzz(func(t *testing.T, payload []byte, which uint8, level int8) {
		c, err := NewCompressor(comps[int(which)%len(comps)], int(level)%11)
		if err != nil {
			c, _ = NewCompressor(comps[int(which)%len(comps)], -1)
		}
		msg := AppendHeader(nil, Header{Length: int32(HeaderLen + len(payload)), RequestID: 5, ResponseTo: 6, OpCode: OpMsg})
		msg = append(msg, payload...)
		wire, err := AppendCompressed(nil, msg, c)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ReadMessage(bytes.NewReader(wire), fuzzMaxSize+HeaderLen)
		if err != nil {
			t.Fatalf("%v: %v", c.ID(), err)
		}
		if !bytes.Equal(m.Bytes, msg) || m.Compressor != c.ID() {
			t.Fatalf("%v: round trip differs", c.ID())
		}
		m.Release()
	})
}
