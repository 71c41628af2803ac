package wire

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/motor-go/motor/bson"
)

// Message is one message read off a connection. Its bytes live in a buffer
// from the package's pool: call Release once nothing refers to them any
// more, neither Bytes nor anything parsed from them (a Msg's Body and
// Sequences). A Message must be released once only.
type Message struct {
	// Header is the message's header. For a message that came wrapped in
	// OP_COMPRESSED it is the header of the decompressed message: the
	// original opcode and a length counting the decompressed bytes.
	Header Header
	// Compressed says whether the message came as OP_COMPRESSED, and
	// Compressor with which algorithm.
	Compressed bool
	Compressor CompressorID
	// Bytes is the whole (decompressed) message, header included.
	Bytes []byte

	buf *[]byte
}

// Release returns the message's buffer to the pool. Afterwards m.Bytes is
// nil, and slices taken from it must no longer be used.
func (m *Message) Release() {
	PutBuffer(m.buf)
	m.buf = nil
	m.Bytes = nil
}

// ReadMessage reads one message from r. It reads the header, checks that
// the length is at least 16 and at most maxSize (DefaultMaxMessageSize when
// maxSize <= 0), then reads the rest into a pooled buffer. An OP_COMPRESSED
// is decompressed, and its declared size is held to the same limit; the
// other opcodes are returned as they are, for ParseMsg to check.
//
// Errors from r are returned wrapped (errors.Is(err, io.EOF) holds for a
// peer that closed between messages); bad bytes give a *ProtocolError.
// After any error the stream is out of step and the connection must be
// closed. In steady state ReadMessage allocates nothing.
func ReadMessage(r io.Reader, maxSize int) (Message, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxMessageSize
	}
	buf := GetBuffer(1 << minClassShift)
	b := (*buf)[:HeaderLen]
	if _, err := io.ReadFull(r, b); err != nil {
		PutBuffer(buf)
		return Message{}, fmt.Errorf("wire: reading message header: %w", err)
	}
	h, _ := ParseHeader(b)
	n := int(h.Length)
	switch {
	case n < HeaderLen:
		PutBuffer(buf)
		return Message{}, protoErr(ErrLength, "messageLength "+strconv.Itoa(n)+" is less than 16", nil)
	case n > maxSize:
		PutBuffer(buf)
		return Message{}, protoErr(ErrTooLarge, "messageLength "+strconv.Itoa(n)+" exceeds "+strconv.Itoa(maxSize), nil)
	}
	if n > cap(b) {
		bigger := GetBuffer(n)
		*bigger = append(*bigger, b...)
		PutBuffer(buf)
		buf, b = bigger, *bigger
	}
	b = b[:n]
	if _, err := io.ReadFull(r, b[HeaderLen:]); err != nil {
		PutBuffer(buf)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Message{}, fmt.Errorf("wire: reading %s of %d bytes: %w", h.OpCode, n, err)
	}
	if h.OpCode != OpCompressed {
		return Message{Header: h, Bytes: b, buf: buf}, nil
	}
	m, err := decompressMessage(b, maxSize)
	PutBuffer(buf)
	return m, err
}

// Msg is a parsed OP_MSG. Body and the Docs of each Sequence slice into the
// bytes given to ParseMsg: they are valid as long as those bytes are, that
// is until the Message they came from is released. Copy what must outlive it
// (bson.Raw's bytes, or a decoded value).
type Msg struct {
	Header    Header
	Flags     MsgFlags
	Body      bson.Raw   // the body section's document
	Sequences []Sequence // the document-sequence sections in order; nil if none
}

// ParseMsg parses b, one whole OP_MSG with its header, as ReadMessage
// returns it in Message.Bytes. It checks what the framing promises: the
// opcode, the length against len(b), the required flag bits, the checksum
// when ChecksumPresent is set, exactly one body section, only section kinds
// 0 and 1, unique sequence identifiers, sequence sizes that add up, and for
// every document a length that fits and a terminating NUL. It does not
// validate the documents' contents: bson.Raw's lookups are bounds-checked,
// and bson.Raw.Validate checks the rest.
//
// ParseMsg allocates only for the Sequences, which replies seldom have.
func ParseMsg(b []byte) (Msg, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return Msg{}, err
	}
	if h.OpCode != OpMsg {
		return Msg{}, protoErr(ErrOpcode, h.OpCode.String()+", want OP_MSG", nil)
	}
	if int(h.Length) != len(b) {
		return Msg{}, protoErr(ErrLength, "messageLength "+strconv.Itoa(int(h.Length))+
			" for "+strconv.Itoa(len(b))+" bytes", nil)
	}
	if len(b) < minMsgLen {
		return Msg{}, protoErr(ErrLength, "OP_MSG of "+strconv.Itoa(len(b))+" bytes is too short", nil)
	}
	m := Msg{Header: h, Flags: MsgFlags(readInt32(b[HeaderLen:]))}
	if bad := m.Flags & 0xffff &^ knownRequiredFlags; bad != 0 {
		return Msg{}, protoErr(ErrFlags, fmt.Sprintf("flagBits %#x", uint32(bad)), nil)
	}
	end := len(b)
	if m.Flags&ChecksumPresent != 0 {
		end -= 4
		if end < minMsgLen {
			return Msg{}, protoErr(ErrLength, "OP_MSG too short for its checksum", nil)
		}
		want := uint32(readInt32(b[end:]))
		if got := crc32.Checksum(b[:end], castagnoli); got != want {
			return Msg{}, protoErr(ErrChecksum, fmt.Sprintf("computed %#08x, message has %#08x", got, want), nil)
		}
	}
	for p := HeaderLen + 4; p < end; {
		kind := b[p]
		p++
		switch kind {
		case kindBody:
			if m.Body != nil {
				return Msg{}, protoErr(ErrSection, "more than one body section", nil)
			}
			n, err := docLen(b[p:end])
			if err != nil {
				return Msg{}, sectionDocErr("body", p, err)
			}
			m.Body = bson.Raw(b[p : p+n])
			p += n
		case kindSequence:
			s, n, err := parseSequence(b[p:end], p)
			if err != nil {
				return Msg{}, err
			}
			for _, other := range m.Sequences {
				if other.Identifier == s.Identifier {
					return Msg{}, protoErr(ErrSection, "two sequences named "+strconv.Quote(s.Identifier), nil)
				}
			}
			m.Sequences = append(m.Sequences, s)
			p += n
		default:
			return Msg{}, protoErr(ErrSection, "unknown section kind "+strconv.Itoa(int(kind))+
				" at offset "+strconv.Itoa(p-1), nil)
		}
	}
	if m.Body == nil {
		return Msg{}, protoErr(ErrSection, "no body section", nil)
	}
	return m, nil
}

// parseSequence parses the payload of a sequence section at the start of b,
// found at offset off of the message, and returns it with its size.
func parseSequence(b []byte, off int) (Sequence, int, error) {
	if len(b) < 4 {
		return Sequence{}, 0, protoErr(ErrSection, "truncated sequence size at offset "+strconv.Itoa(off), nil)
	}
	size := int(readInt32(b))
	if size < 5 || size > len(b) {
		return Sequence{}, 0, protoErr(ErrSection, "sequence size "+strconv.Itoa(size)+" at offset "+
			strconv.Itoa(off)+" with "+strconv.Itoa(len(b))+" bytes left", nil)
	}
	sec := b[4:size]
	i := bytes.IndexByte(sec, 0)
	if i < 0 {
		return Sequence{}, 0, protoErr(ErrSection, "unterminated sequence identifier at offset "+strconv.Itoa(off), nil)
	}
	s := Sequence{Identifier: string(sec[:i]), Docs: sec[i+1:]}
	for d := s.Docs; len(d) > 0; {
		n, err := docLen(d)
		if err != nil {
			return Sequence{}, 0, sectionDocErr("sequence "+strconv.Quote(s.Identifier), off+size-len(d), err)
		}
		d = d[n:]
	}
	return s, size, nil
}

// docLen returns the length of the document at the start of b, after
// checking that it is at least 5, fits in b and ends with NUL.
func docLen(b []byte) (int, error) {
	if len(b) < 5 {
		return 0, errShortDoc
	}
	n := int(readInt32(b))
	if n < 5 || n > len(b) {
		return 0, fmt.Errorf("length %d with %d bytes left", n, len(b))
	}
	if b[n-1] != 0 {
		return 0, errNoNUL
	}
	return n, nil
}

var (
	errShortDoc = errors.New("fewer than 5 bytes left")
	errNoNUL    = errors.New("no terminating NUL")
)

func sectionDocErr(where string, off int, err error) error {
	return protoErr(ErrDocument, "document in "+where+" at offset "+strconv.Itoa(off)+": "+err.Error(), nil)
}
