package wire

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/motor-go/motor/bson"
)

// allCompressors returns one compressor per algorithm and zlib level.
func allCompressors(tb testing.TB) map[string]Compressor {
	tb.Helper()
	out := map[string]Compressor{}
	for _, name := range []string{"noop", "snappy", "zstd"} {
		c, err := NewCompressor(name, 0)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = c
	}
	for level := -1; level <= 9; level++ {
		c, err := NewCompressor("zlib", level)
		if err != nil {
			tb.Fatal(err)
		}
		out["zlib"+string(rune('0'+level+1))] = c
	}
	return out
}

func TestCompressedRoundTrip(t *testing.T) {
	payloads := map[string][]byte{
		"small":  doc(t, bson.D{{Key: "ok", Value: 1.0}}),
		"100KiB": filler(t, 100<<10),
		"2MiB":   filler(t, 2<<20),
	}
	seq := Sequence{Identifier: "documents", Docs: docs(t, bson.D{{Key: "a", Value: 1}}, bson.D{{Key: "b", Value: 2}})}
	for cname, c := range allCompressors(t) {
		for pname, body := range payloads {
			for _, flags := range []MsgFlags{0, ChecksumPresent | MoreToCome} {
				b, start := BeginMsg(nil, 77, 66, flags)
				b = AppendBodySection(b, body)
				b = AppendSequenceSection(b, seq)
				msg := EndMsg(b, start)

				wire, err := AppendCompressed([]byte("xy"), msg, c)
				if err != nil {
					t.Fatalf("%s/%s: AppendCompressed: %v", cname, pname, err)
				}
				wire = wire[2:]
				h, _ := ParseHeader(wire)
				if h.Length != int32(len(wire)) || h.OpCode != OpCompressed || h.RequestID != 77 || h.ResponseTo != 66 {
					t.Fatalf("%s/%s: OP_COMPRESSED header %+v for %d bytes", cname, pname, h, len(wire))
				}
				if pname == "2MiB" && c.ID() != Noop && !(c.ID() == Zlib && cname == "zlib1") && len(wire) > len(msg)/2 {
					t.Errorf("%s/%s: %d bytes compressed to %d", cname, pname, len(msg), len(wire))
				}
				m, err := ReadMessage(bytes.NewReader(wire), 0)
				if err != nil {
					t.Fatalf("%s/%s: ReadMessage: %v", cname, pname, err)
				}
				if !m.Compressed || m.Compressor != c.ID() {
					t.Errorf("%s/%s: Compressed %v with %v, want %v", cname, pname, m.Compressed, m.Compressor, c.ID())
				}
				if !bytes.Equal(m.Bytes, msg) {
					t.Fatalf("%s/%s: decompressed message differs", cname, pname)
				}
				want, _ := ParseHeader(msg)
				if m.Header != want {
					t.Errorf("%s/%s: header %+v, want %+v", cname, pname, m.Header, want)
				}
				p, err := ParseMsg(m.Bytes)
				if err != nil || !bytes.Equal(p.Body, body) || p.Flags != flags {
					t.Fatalf("%s/%s: ParseMsg: %v", cname, pname, err)
				}
				m.Release()
			}
		}
	}
}

// compressed builds an OP_COMPRESSED by hand.
func compressed(orig OpCode, size int32, id CompressorID, payload []byte) []byte {
	b := AppendHeader(nil, Header{RequestID: 1, OpCode: OpCompressed})
	b = appendInt32(b, int32(orig))
	b = appendInt32(b, size)
	b = append(b, byte(id))
	b = append(b, payload...)
	putInt32(b, int32(len(b)))
	return b
}

func TestDecompressErrors(t *testing.T) {
	msg := AppendMsg(nil, 1, 0, filler(t, 5000))
	inner := msg[HeaderLen:]
	n := int32(len(inner))
	snappyData := s2.EncodeSnappy(nil, inner)
	var zbuf bytes.Buffer
	zw := zlib.NewWriter(&zbuf)
	zw.Write(inner)
	zw.Close()
	zlibData := zbuf.Bytes()
	enc, _ := zstd.NewWriter(nil)
	zstdData := enc.EncodeAll(inner, nil)
	zstdNoSize := enc.EncodeAll(inner[:100], nil)
	enc.Close()
	badAdler := slices.Clone(zlibData)
	badAdler[len(badAdler)-1] ^= 0xff
	zlibTrailing := append(slices.Clone(zlibData), 0x78)
	corruptZstd := slices.Clone(zstdData)
	for i := 20; i < len(corruptZstd)-8; i += 7 {
		corruptZstd[i] ^= 0x5a
	}

	shortCompressed := compressed(OpMsg, n, Noop, nil)[:HeaderLen+8]
	putInt32(shortCompressed, int32(len(shortCompressed)))

	tests := []struct {
		name    string
		b       []byte
		maxSize int
		want    error
	}{
		{"too short for its fields", shortCompressed, 0, ErrLength},
		{"wraps OP_COMPRESSED", compressed(OpCompressed, n, Noop, inner), 0, ErrOpcode},
		{"negative size", compressed(OpMsg, -1, Noop, inner), 0, ErrLength},
		{"size over maxSize", compressed(OpMsg, 1000, Noop, inner), 1000, ErrTooLarge},
		{"size over default maxSize", compressed(OpMsg, DefaultMaxMessageSize, Noop, inner), 0, ErrTooLarge},
		{"compressor 4", compressed(OpMsg, n, 4, inner), 0, ErrCompressor},
		{"noop shorter", compressed(OpMsg, n+1, Noop, inner), 0, ErrCompression},
		{"noop longer", compressed(OpMsg, n-1, Noop, inner), 0, ErrCompression},
		{"snappy size mismatch", compressed(OpMsg, n-1, Snappy, snappyData), 0, ErrCompression},
		{"snappy bad header", compressed(OpMsg, n, Snappy, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), 0, ErrCompression},
		{"snappy truncated", compressed(OpMsg, n, Snappy, snappyData[:len(snappyData)/2]), 0, ErrCompression},
		{"zlib bad header", compressed(OpMsg, n, Zlib, []byte{1, 2, 3, 4}), 0, ErrCompression},
		{"zlib empty", compressed(OpMsg, n, Zlib, nil), 0, ErrCompression},
		{"zlib shorter than declared", compressed(OpMsg, n+1, Zlib, zlibData), 0, ErrCompression},
		{"zlib longer than declared", compressed(OpMsg, n-1, Zlib, zlibData), 0, ErrCompression},
		{"zlib bad checksum", compressed(OpMsg, n, Zlib, badAdler), 0, ErrCompression},
		{"zlib trailing bytes", compressed(OpMsg, n, Zlib, zlibTrailing), 0, ErrCompression},
		{"zlib truncated", compressed(OpMsg, n, Zlib, zlibData[:len(zlibData)/2]), 0, ErrCompression},
		{"zstd frame larger than declared", compressed(OpMsg, n-1, Zstd, zstdData), 0, ErrCompression},
		{"zstd frame smaller than declared", compressed(OpMsg, n+1, Zstd, zstdData), 0, ErrCompression},
		{"zstd small frame", compressed(OpMsg, n, Zstd, zstdNoSize), 0, ErrCompression},
		{"zstd garbage", compressed(OpMsg, n, Zstd, []byte("not a zstd frame at all")), 0, ErrCompression},
		{"zstd corrupt", compressed(OpMsg, n, Zstd, corruptZstd), 0, ErrCompression},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadMessage(bytes.NewReader(tt.b), tt.maxSize)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadMessage = %v, want %v", err, tt.want)
			}
		})
	}
	// And the same payloads, declared correctly, decompress.
	for id, data := range map[CompressorID][]byte{Noop: inner, Snappy: snappyData, Zlib: zlibData, Zstd: zstdData} {
		m, err := ReadMessage(bytes.NewReader(compressed(OpMsg, n, id, data)), 0)
		if err != nil || !bytes.Equal(m.Bytes[HeaderLen:], inner) {
			t.Errorf("%v: %v", id, err)
		}
		m.Release()
	}
}

func TestZlibReaderRecoversAfterBadStream(t *testing.T) {
	msg := AppendMsg(nil, 1, 0, filler(t, 2000))
	c, _ := NewCompressor("zlib", 6)
	good, _ := AppendCompressed(nil, msg, c)
	bad := compressed(OpMsg, int32(len(msg)-HeaderLen), Zlib, []byte{9, 9, 9})
	for i := range 5 {
		if _, err := ReadMessage(bytes.NewReader(bad), 0); !errors.Is(err, ErrCompression) {
			t.Fatalf("round %d: bad stream gave %v", i, err)
		}
		m, err := ReadMessage(bytes.NewReader(good), 0)
		if err != nil || !bytes.Equal(m.Bytes, msg) {
			t.Fatalf("round %d: good stream after a bad one: %v", i, err)
		}
		m.Release()
	}
}

func TestAppendCompressedErrors(t *testing.T) {
	c, _ := NewCompressor("snappy", 0)
	if _, err := AppendCompressed(nil, []byte{1, 2, 3}, c); !errors.Is(err, ErrLength) {
		t.Errorf("short message: %v", err)
	}
	msg := AppendMsg(nil, 1, 0, doc(t, bson.D{{Key: "ping", Value: 1}}))
	dst := []byte("keep")
	got, err := AppendCompressed(dst, msg[:len(msg)-1], c)
	if !errors.Is(err, ErrLength) || string(got) != "keep" {
		t.Errorf("length mismatch: %v, dst %q", err, got)
	}
}

func TestNewCompressor(t *testing.T) {
	for _, tt := range []struct {
		name  string
		level int
		id    CompressorID
		err   bool
	}{
		{"snappy", 42, Snappy, false},
		{"zstd", -7, Zstd, false},
		{"noop", 0, Noop, false},
		{"zlib", -1, Zlib, false},
		{"zlib", 9, Zlib, false},
		{"zlib", 10, 0, true},
		{"zlib", -2, 0, true},
		{"snoopy", 0, 0, true},
		{"Snappy", 0, 0, true},
		{"", 0, 0, true},
	} {
		c, err := NewCompressor(tt.name, tt.level)
		if tt.err {
			if !errors.Is(err, ErrCompressor) {
				t.Errorf("NewCompressor(%q, %d) = %v, want ErrCompressor", tt.name, tt.level, err)
			}
			continue
		}
		if err != nil || c.ID() != tt.id || c.ID().String() != tt.name {
			t.Errorf("NewCompressor(%q, %d) = %v, %v", tt.name, tt.level, c.ID(), err)
		}
	}
	if s := CompressorID(9).String(); s != "compressor(9)" {
		t.Errorf("CompressorID(9) = %q", s)
	}
}

func TestNegotiate(t *testing.T) {
	for _, tt := range []struct {
		configured, server []string
		want               CompressorID
		ok                 bool
	}{
		{[]string{"zstd", "snappy", "zlib"}, []string{"snappy", "zlib", "zstd"}, Zstd, true},
		{[]string{"zlib", "snappy"}, []string{"snappy", "zlib"}, Zlib, true},
		{[]string{"snappy", "zlib"}, []string{"zlib"}, Zlib, true},
		{[]string{"lz4", "snappy"}, []string{"lz4", "snappy"}, Snappy, true},
		{[]string{"snappy"}, []string{"zlib"}, 0, false},
		{nil, []string{"zlib"}, 0, false},
		{[]string{"zlib"}, nil, 0, false},
	} {
		c, ok := Negotiate(tt.configured, tt.server, 3)
		if ok != tt.ok || c.ID() != tt.want {
			t.Errorf("Negotiate(%v, %v) = %v, %v; want %v, %v", tt.configured, tt.server, c.ID(), ok, tt.want, tt.ok)
		}
	}
	if c, _ := Negotiate([]string{"zlib"}, []string{"zlib"}, 7); c.level != 7 {
		t.Errorf("zlib level %d, want 7", c.level)
	}
}

func TestCompressible(t *testing.T) {
	for _, name := range []string{"hello", "isMaster", "ismaster", "saslStart", "saslContinue", "getnonce",
		"authenticate", "createUser", "updateUser", "copydbSaslStart", "copydbgetnonce", "copydb"} {
		if Compressible(name) {
			t.Errorf("Compressible(%q) = true", name)
		}
	}
	for _, name := range []string{"find", "insert", "ping", "getMore", "aggregate", "Hello", ""} {
		if !Compressible(name) {
			t.Errorf("Compressible(%q) = false", name)
		}
	}
}
