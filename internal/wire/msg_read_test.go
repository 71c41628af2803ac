package wire

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/motor-go/motor/bson"
)

func TestParseMsgMalformed(t *testing.T) {
	body := doc(t, bson.D{{Key: "ok", Value: 1.0}})
	d := doc(t, bson.D{{Key: "a", Value: 1}})
	withChecksum := AppendMsg(nil, 1, ChecksumPresent, body)
	badChecksum := slices.Clone(withChecksum)
	badChecksum[len(badChecksum)-1] ^= 0xff
	flipped := slices.Clone(withChecksum)
	flipped[HeaderLen+4+1+5] ^= 1 // a byte of the body
	notMsg := AppendMsg(nil, 1, 0, body)
	putInt32(notMsg[12:], 2004)
	noNUL := slices.Clone(body)
	noNUL[len(noNUL)-1] = 1

	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short header", []byte{1, 2, 3}, ErrLength},
		{"opcode OP_QUERY", notMsg, ErrOpcode},
		{"length above bytes", rawMsg(1000, 0, bodySec(body)), ErrLength},
		{"length below bytes", rawMsg(20, 0, bodySec(body)), ErrLength},
		{"flags only", rawMsg(0, 0), ErrLength},
		{"unknown required bit 2", rawMsg(0, 1<<2, bodySec(body)), ErrFlags},
		{"unknown required bit 15", rawMsg(0, 1<<15, bodySec(body)), ErrFlags},
		{"checksum mismatch", badChecksum, ErrChecksum},
		{"checksummed bytes changed", flipped, ErrChecksum},
		{"checksum flag without room", rawMsg(0, 1, []byte{0, 5, 0, 0, 0, 0}), ErrLength},
		{"no body", rawMsg(0, 0, seqSec(0, "documents", d), seqSec(0, "updates", d)), ErrSection},
		{"two bodies", rawMsg(0, 0, bodySec(body), bodySec(body)), ErrSection},
		{"section kind 2", rawMsg(0, 0, bodySec(body), []byte{2, 5, 0, 0, 0, 0}), ErrSection},
		{"section kind 255 first", rawMsg(0, 0, []byte{255}, bodySec(body)), ErrSection},
		{"body length beyond message", rawMsg(0, 0, bodySec(body)[:len(body)]), ErrDocument},
		{"body length below 5", rawMsg(0, 0, []byte{0, 4, 0, 0, 0, 0, 0}), ErrDocument},
		{"body negative length", rawMsg(0, 0, []byte{0, 0xff, 0xff, 0xff, 0xff, 0, 0}), ErrDocument},
		{"body without NUL", rawMsg(0, 0, bodySec(noNUL)), ErrDocument},
		{"body fewer than 5 bytes", rawMsg(0, 0, seqSec(0, "documents", d), []byte{0, 5, 0}), ErrDocument},
		{"sequence size truncated", rawMsg(0, 0, bodySec(body), []byte{1, 9, 0}), ErrSection},
		{"sequence size beyond message", rawMsg(0, 0, bodySec(body), seqSec(100, "documents", d)), ErrSection},
		{"sequence size below 5", rawMsg(0, 0, bodySec(body), seqSec(4, "", nil)), ErrSection},
		{"sequence size negative", rawMsg(0, 0, bodySec(body), seqSec(-8, "documents", d)), ErrSection},
		{"sequence identifier unterminated", rawMsg(0, 0, bodySec(body), []byte{1, 8, 0, 0, 0, 'a', 'b', 'c', 'd'}), ErrSection},
		{"sequence size short of its documents", rawMsg(0, 0, bodySec(body), seqSec(int32(4+10+len(d)-1), "documents", d), []byte{0}), ErrDocument},
		{"sequence document cut", rawMsg(0, 0, bodySec(body), seqSec(0, "documents", d[:len(d)-2])), ErrDocument},
		{"sequence trailing bytes", rawMsg(0, 0, bodySec(body), seqSec(0, "documents", append(slices.Clone(d), 0, 0))), ErrDocument},
		{"sequence document without NUL", rawMsg(0, 0, bodySec(body), seqSec(0, "documents", noNUL)), ErrDocument},
		{"duplicate identifiers", rawMsg(0, 0, bodySec(body), seqSec(0, "documents", d), seqSec(0, "documents", d)), ErrSection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMsg(tt.b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseMsg = %v, want %v", err, tt.want)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Kind != tt.want {
				t.Errorf("error %#v is not a *ProtocolError of kind %v", err, tt.want)
			}
		})
	}
}

func TestParseMsgAcceptsSequenceFirst(t *testing.T) {
	body := doc(t, bson.D{{Key: "insert", Value: "c"}})
	d := doc(t, bson.D{{Key: "a", Value: 1}})
	m, err := ParseMsg(rawMsg(0, 0, seqSec(0, "documents", d), bodySec(body)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Body, body) || len(m.Sequences) != 1 || !bytes.Equal(m.Sequences[0].Docs, d) {
		t.Errorf("parsed %+v", m)
	}
}

func TestReadMessage(t *testing.T) {
	body := doc(t, bson.D{{Key: "ok", Value: 1.0}})
	small := AppendMsg(nil, 3, 0, body)
	big := AppendMsg(nil, 4, ChecksumPresent, filler(t, 100_000), Sequence{Identifier: "x", Docs: body})
	var stream []byte
	stream = append(stream, small...)
	stream = append(stream, big...)
	stream = append(stream, small...)
	r := bytes.NewReader(stream)
	for i, want := range [][]byte{small, big, small} {
		m, err := ReadMessage(r, 0)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(m.Bytes, want) || m.Compressed || m.Header.Length != int32(len(want)) {
			t.Fatalf("message %d: got %d bytes (compressed %v), want %d", i, len(m.Bytes), m.Compressed, len(want))
		}
		if _, err := ParseMsg(m.Bytes); err != nil {
			t.Fatalf("message %d: ParseMsg: %v", i, err)
		}
		m.Release()
		if m.Bytes != nil {
			t.Fatal("Release left Bytes set")
		}
		m.Release() // a second release of the same value is a no-op
	}
	if _, err := ReadMessage(r, 0); !errors.Is(err, io.EOF) {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

// oneByteReader returns at most one byte per Read, like a slow socket.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestReadMessageShortReads(t *testing.T) {
	msg := AppendMsg(nil, 5, 0, filler(t, 3000))
	m, err := ReadMessage(oneByteReader{bytes.NewReader(msg)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if !bytes.Equal(m.Bytes, msg) {
		t.Fatal("bytes differ")
	}
}

func TestReadMessageErrors(t *testing.T) {
	body := doc(t, bson.D{{Key: "ok", Value: 1.0}})
	msg := AppendMsg(nil, 3, 0, body)
	tooLong := slices.Clone(msg)
	putInt32(tooLong, 1000)
	lengthFifteen := slices.Clone(msg)
	putInt32(lengthFifteen, 15)
	negative := slices.Clone(msg)
	putInt32(negative, -1)
	tests := []struct {
		name    string
		b       []byte
		maxSize int
		want    error
	}{
		{"empty stream", nil, 0, io.EOF},
		{"partial header", msg[:10], 0, io.ErrUnexpectedEOF},
		{"partial body", msg[:len(msg)-1], 0, io.ErrUnexpectedEOF},
		{"header only, body missing", msg[:HeaderLen], 0, io.ErrUnexpectedEOF},
		{"length 15", lengthFifteen, 0, ErrLength},
		{"negative length", negative, 0, ErrLength},
		{"length beyond the data", tooLong, 0, io.ErrUnexpectedEOF},
		{"over maxSize", msg, len(msg) - 1, ErrTooLarge},
		{"over default maxSize", le32(DefaultMaxMessageSize + 1), 0, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b
			if tt.name == "over default maxSize" {
				b = append(b, make([]byte, 12)...)
			}
			_, err := ReadMessage(bytes.NewReader(b), tt.maxSize)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadMessage = %v, want %v", err, tt.want)
			}
		})
	}
	// Exactly maxSize is allowed.
	m, err := ReadMessage(bytes.NewReader(msg), len(msg))
	if err != nil {
		t.Fatalf("message of exactly maxSize: %v", err)
	}
	m.Release()
}

// errReader fails every read after giving n bytes.
type errReader struct {
	b   []byte
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.b) == 0 {
		return 0, e.err
	}
	n := copy(p, e.b)
	e.b = e.b[n:]
	return n, nil
}

func TestReadMessageWrapsIOErrors(t *testing.T) {
	cause := errors.New("connection reset")
	msg := AppendMsg(nil, 3, 0, doc(t, bson.D{{Key: "ok", Value: 1.0}}))
	for _, n := range []int{0, 8, HeaderLen, len(msg) - 1} {
		_, err := ReadMessage(&errReader{b: msg[:n], err: cause}, 0)
		if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "wire: ") {
			t.Errorf("after %d bytes: %v, want the cause wrapped", n, err)
		}
	}
}
