package wire

import "errors"

// Sentinel errors. Every error this package returns for bad bytes is a
// *ProtocolError whose Kind is one of them, so errors.Is(err, ErrChecksum)
// says what went wrong. After any of them the connection is out of step with
// its peer and must be closed.
var (
	// ErrLength: a length field is out of range or disagrees with the bytes.
	ErrLength = errors.New("wire: bad message length")
	// ErrTooLarge: a message, or its decompressed form, exceeds the limit
	// (maxMessageSizeBytes).
	ErrTooLarge = errors.New("wire: message too large")
	// ErrOpcode: the message has an opcode the reader did not expect.
	ErrOpcode = errors.New("wire: unexpected opcode")
	// ErrResponseTo: a reply's responseTo does not name the request it
	// should answer.
	ErrResponseTo = errors.New("wire: reply to another request")
	// ErrFlags: an OP_MSG sets a required flag bit (bits 0-15) that is not
	// defined.
	ErrFlags = errors.New("wire: unsupported required flag bits")
	// ErrSection: an OP_MSG section is malformed, of an unknown kind,
	// repeated or missing.
	ErrSection = errors.New("wire: malformed section")
	// ErrDocument: a document's length prefix or terminator is wrong.
	ErrDocument = errors.New("wire: malformed document")
	// ErrChecksum: the CRC-32C of an OP_MSG does not match its bytes.
	ErrChecksum = errors.New("wire: checksum mismatch")
	// ErrCompression: an OP_COMPRESSED cannot be decompressed to the size it
	// declares.
	ErrCompression = errors.New("wire: bad compressed message")
	// ErrCompressor: an unknown compressor name, ID or zlib level.
	ErrCompressor = errors.New("wire: unsupported compressor")
)

// ProtocolError describes bytes that break the wire protocol.
type ProtocolError struct {
	Kind   error  // one of the package's sentinel errors
	Detail string // what was found, for people
	Err    error  // the underlying cause (a decompressor's error), or nil
}

// Error returns the sentinel's text followed by the detail and the cause.
func (e *ProtocolError) Error() string {
	s := e.Kind.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel and, if there is one, the cause, so that
// errors.Is finds both.
func (e *ProtocolError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func protoErr(kind error, detail string, cause error) error {
	return &ProtocolError{Kind: kind, Detail: detail, Err: cause}
}
