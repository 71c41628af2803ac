package wire

import (
	"encoding/binary"
	"strconv"
	"sync/atomic"
)

// HeaderLen is the length of the standard message header that starts every
// message: messageLength, requestID, responseTo and opCode, four int32s.
const HeaderLen = 16

// DefaultMaxMessageSize is the server's maxMessageSizeBytes, the largest
// message either side sends. ReadMessage uses it when given no limit.
const DefaultMaxMessageSize = 48_000_000

// OpCode identifies the kind of a message.
type OpCode int32

// The opcodes this package reads and writes. The driver speaks only OP_MSG,
// optionally wrapped in OP_COMPRESSED: the handshake specification requires
// OP_MSG for every message, the handshake included.
const (
	OpCompressed OpCode = 2012
	OpMsg        OpCode = 2013
)

// String returns the protocol's name for the opcode, "OP_MSG" for instance.
// The retired opcodes have their names too, for clearer errors.
func (o OpCode) String() string {
	switch o {
	case OpMsg:
		return "OP_MSG"
	case OpCompressed:
		return "OP_COMPRESSED"
	case 1:
		return "OP_REPLY"
	case 2001:
		return "OP_UPDATE"
	case 2002:
		return "OP_INSERT"
	case 2004:
		return "OP_QUERY"
	case 2005:
		return "OP_GET_MORE"
	case 2006:
		return "OP_DELETE"
	case 2007:
		return "OP_KILL_CURSORS"
	}
	return "opcode(" + strconv.Itoa(int(o)) + ")"
}

// Header is the standard message header.
type Header struct {
	Length     int32  // total length of the message, header included
	RequestID  int32  // identifier the sender chose for this message
	ResponseTo int32  // RequestID of the message this one answers; 0 in requests
	OpCode     OpCode // kind of message that follows
}

// AppendHeader appends the 16 bytes of h to dst.
func AppendHeader(dst []byte, h Header) []byte {
	dst = appendInt32(dst, h.Length)
	dst = appendInt32(dst, h.RequestID)
	dst = appendInt32(dst, h.ResponseTo)
	return appendInt32(dst, int32(h.OpCode))
}

// ParseHeader decodes the header at the start of b. It checks only that b
// holds 16 bytes: the bounds of Length are the reader's business (see
// ReadMessage) and the consistency with the rest the parser's (ParseMsg).
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, protoErr(ErrLength, "header of "+strconv.Itoa(len(b))+" bytes, want 16", nil)
	}
	return Header{
		Length:     readInt32(b),
		RequestID:  readInt32(b[4:]),
		ResponseTo: readInt32(b[8:]),
		OpCode:     OpCode(readInt32(b[12:])),
	}, nil
}

// CheckResponseTo reports whether h answers the message whose RequestID was
// requestID. A mismatch is a *ProtocolError wrapping ErrResponseTo: the
// reply belongs to another request, and the connection cannot be trusted.
// In an exhaust stream (see MoreToCome) each reply answers the previous
// reply, so the caller passes that reply's RequestID.
func (h Header) CheckResponseTo(requestID int32) error {
	if h.ResponseTo == requestID {
		return nil
	}
	return protoErr(ErrResponseTo, "responseTo "+strconv.Itoa(int(h.ResponseTo))+
		", want "+strconv.Itoa(int(requestID)), nil)
}

var lastRequestID atomic.Uint32

// NextRequestID returns a new request identifier, unique in the process
// until the counter wraps after 2^31 requests. The identifiers are positive:
// 0 never appears, so a responseTo of 0 always means "not a reply".
// It is safe for concurrent use.
func NextRequestID() int32 {
	for {
		if id := int32(lastRequestID.Add(1) & 0x7fffffff); id != 0 {
			return id
		}
	}
}

func appendInt32(dst []byte, v int32) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(v))
}

func putInt32(b []byte, v int32) { binary.LittleEndian.PutUint32(b, uint32(v)) }

func readInt32(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) }
