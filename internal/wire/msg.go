package wire

import (
	"hash/crc32"
	"iter"

	"github.com/motor-go/motor/bson"
)

// MsgFlags are the flagBits of an OP_MSG.
type MsgFlags uint32

// The defined flag bits. Bits 0-15 are required: a reader that does not know
// one must reject the message. Bits 16-31 are optional and ignored when
// unknown.
const (
	// ChecksumPresent: the message ends with a CRC-32C of everything before it.
	ChecksumPresent MsgFlags = 1 << 0
	// MoreToCome: on a request, the sender wants no reply (unacknowledged
	// writes); on a reply, another reply follows without a new request
	// (an exhaust stream).
	MoreToCome MsgFlags = 1 << 1
	// ExhaustAllowed: on a request, the client accepts a stream of replies
	// flagged MoreToCome. Only getMore and hello may set it.
	ExhaustAllowed MsgFlags = 1 << 16
)

// knownRequiredFlags are the required bits this package understands.
const knownRequiredFlags = ChecksumPresent | MoreToCome

// Section kinds (payloadType).
const (
	kindBody     = 0
	kindSequence = 1
)

// minMsgLen is the smallest OP_MSG: header, flagBits, and a body section
// holding an empty document.
const minMsgLen = HeaderLen + 4 + 1 + 5

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Sequence is a document sequence section (payload type 1): a command
// argument, such as the documents of an insert, sent as documents placed one
// after another instead of as a BSON array.
type Sequence struct {
	Identifier string // the argument's name, "documents" for instance; no NUL
	Docs       []byte // the documents, each encoded in full, back to back
}

// Documents iterates over the documents of s. The documents slice into
// s.Docs. Iteration stops at the first length that does not fit, which
// cannot happen in a Sequence returned by ParseMsg.
func (s Sequence) Documents() iter.Seq[bson.Raw] {
	return func(yield func(bson.Raw) bool) {
		b := s.Docs
		for len(b) > 0 {
			n, err := docLen(b)
			if err != nil || !yield(bson.Raw(b[:n])) {
				return
			}
			b = b[n:]
		}
	}
}

// AppendMsg appends an OP_MSG request to dst and returns the extended
// buffer: a header (responseTo 0), flags, the body section and one
// document-sequence section per element of seqs, and, when flags has
// ChecksumPresent, the CRC-32C. The body and the sequences' documents are
// copied as they are, without validation; the caller keeps the message
// within maxMessageSizeBytes. dst must not overlap body or seqs.
//
// To write documents straight into the message instead of encoding them
// elsewhere first, use BeginMsg and its companions.
func AppendMsg(dst []byte, requestID int32, flags MsgFlags, body []byte, seqs ...Sequence) []byte {
	dst, start := BeginMsg(dst, requestID, 0, flags)
	dst = AppendBodySection(dst, body)
	for _, s := range seqs {
		dst = AppendSequenceSection(dst, s)
	}
	return EndMsg(dst, start)
}

// BeginMsg starts an OP_MSG at the end of dst: it appends the header, with
// its length left to EndMsg, and the flags. It returns the extended buffer
// and the offset of the message in it, for EndMsg. Between the two, append
// exactly one body section and any number of sequence sections:
//
//	b, msg := wire.BeginMsg(b, id, 0, 0)
//	b = wire.AppendBodySection(b, cmd)
//	b, seq := wire.BeginSequence(b, "documents")
//	b, _ = bson.MarshalAppend(b, doc1) // each document encoded in place
//	b, _ = bson.MarshalAppend(b, doc2)
//	b = wire.EndSequence(b, seq)
//	b = wire.EndMsg(b, msg)
//
// A batch that grows too large can be cut back with b = b[:mark] to a length
// recorded between documents, before EndSequence.
func BeginMsg(dst []byte, requestID, responseTo int32, flags MsgFlags) ([]byte, int) {
	start := len(dst)
	dst = AppendHeader(dst, Header{RequestID: requestID, ResponseTo: responseTo, OpCode: OpMsg})
	return appendInt32(dst, int32(flags)), start
}

// AppendBodySection appends a body section (payload type 0) holding the
// encoded document body.
func AppendBodySection(dst, body []byte) []byte {
	dst = append(dst, kindBody)
	return append(dst, body...)
}

// BeginSequence starts a document-sequence section (payload type 1) named
// identifier, which must not contain NUL. It returns the extended buffer and
// the offset EndSequence needs. Append the encoded documents in between.
func BeginSequence(dst []byte, identifier string) ([]byte, int) {
	dst = append(dst, kindSequence)
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, identifier...)
	return append(dst, 0), start
}

// EndSequence completes the section BeginSequence started at offset start by
// filling in its size.
func EndSequence(dst []byte, start int) []byte {
	putInt32(dst[start:], int32(len(dst)-start))
	return dst
}

// AppendSequenceSection appends the document-sequence section s.
func AppendSequenceSection(dst []byte, s Sequence) []byte {
	dst, start := BeginSequence(dst, s.Identifier)
	dst = append(dst, s.Docs...)
	return EndSequence(dst, start)
}

// EndMsg completes the message BeginMsg started at offset start: it appends
// the checksum if the flags ask for one and fills in the length.
func EndMsg(dst []byte, start int) []byte {
	msg := dst[start:]
	if MsgFlags(readInt32(msg[HeaderLen:]))&ChecksumPresent == 0 {
		putInt32(msg, int32(len(msg)))
		return dst
	}
	// The length counts the checksum, which covers the length.
	putInt32(msg, int32(len(msg)+4))
	return appendUint32(dst, crc32.Checksum(msg, castagnoli))
}

func appendUint32(dst []byte, v uint32) []byte { return appendInt32(dst, int32(v)) }
