package wire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/motor-go/motor/bson"
)

// doc encodes v as a BSON document.
func doc(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := bson.MarshalAppend(nil, v)
	if err != nil {
		tb.Fatalf("marshal %v: %v", v, err)
	}
	return b
}

// docs encodes each of vs and returns them back to back.
func docs(tb testing.TB, vs ...any) []byte {
	tb.Helper()
	var out []byte
	for _, v := range vs {
		out = append(out, doc(tb, v)...)
	}
	return out
}

// filler returns a document of about n bytes whose bytes compress well but
// not trivially.
func filler(tb testing.TB, n int) []byte {
	tb.Helper()
	var s bytes.Buffer
	for i := 0; s.Len() < n-64; i++ {
		s.WriteString("the quick brown fox jumps over the lazy dog ")
		s.WriteByte(byte('a' + i%26))
	}
	return doc(tb, bson.D{{Key: "ok", Value: 1.0}, {Key: "data", Value: s.String()}})
}

// le32 returns v as 4 little-endian bytes.
func le32(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }

// rawMsg assembles an OP_MSG by hand from flags and section bytes, with a
// correct length unless length is non-zero.
func rawMsg(length int32, flags uint32, sections ...[]byte) []byte {
	b := AppendHeader(nil, Header{RequestID: 7, OpCode: OpMsg})
	b = binary.LittleEndian.AppendUint32(b, flags)
	for _, s := range sections {
		b = append(b, s...)
	}
	if length == 0 {
		length = int32(len(b))
	}
	putInt32(b, length)
	return b
}

// bodySec returns a body section holding d.
func bodySec(d []byte) []byte { return append([]byte{kindBody}, d...) }

// seqSec returns a sequence section; size overrides the size field when
// non-zero.
func seqSec(size int32, id string, d []byte) []byte {
	b := []byte{kindSequence}
	n := int32(4 + len(id) + 1 + len(d))
	if size != 0 {
		n = size
	}
	b = append(b, le32(n)...)
	b = append(b, id...)
	b = append(b, 0)
	return append(b, d...)
}
