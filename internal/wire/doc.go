// Package wire reads and writes the messages of the MongoDB wire protocol:
// OP_MSG, and OP_COMPRESSED around it. It knows frames, sections and
// compression; what the documents mean is for the layers above.
//
// # Messages
//
// Every message starts with a 16-byte Header: its length, a request ID, the
// ID of the request it answers (responseTo) and an opcode. The driver sends
// only OP_MSG: the handshake specification requires it for every message,
// the first hello (or legacy hello) included, so the retired OP_QUERY and
// OP_REPLY are neither written nor parsed here, and a reader meeting one
// reports ErrOpcode.
//
// An OP_MSG carries flags (ChecksumPresent, MoreToCome, ExhaustAllowed),
// exactly one body section holding the command or reply document, and any
// number of document sequences: an argument such as an insert's "documents"
// sent as documents back to back rather than as a BSON array.
//
// # Writing
//
// Encoders append to a buffer the caller owns and return it, so one buffer
// serves message after message. AppendMsg builds a request from a body and
// already-encoded Sequences. BeginMsg, AppendBodySection, BeginSequence,
// EndSequence and EndMsg build one piece by piece, so that documents can be
// encoded straight into the message and a batch cut back when it grows too
// large. NextRequestID hands out request IDs.
//
// # Reading and buffer ownership
//
// ReadMessage reads one message into a buffer from a pool of size classes
// (GetBuffer, PutBuffer) and decompresses it if it came as OP_COMPRESSED.
// ParseMsg then checks the OP_MSG and returns its Body and Sequences as
// slices of the message's bytes: no copy, and valid until Message.Release
// returns the buffer to the pool. Callers copy or decode what they keep.
// Header.CheckResponseTo checks that a reply answers the request sent.
//
// # Compression
//
// A Compressor (NewCompressor, or Negotiate from the handshake's lists)
// compresses with snappy, zlib (levels -1 to 9) or zstd, and
// AppendCompressed wraps a built message in OP_COMPRESSED. Compressible
// names the commands that must never be compressed: the handshake and
// authentication. Replies are decompressed by ReadMessage with whichever
// compressor their header names, whether or not the request was compressed.
//
// # Limits and errors
//
// ReadMessage refuses a message, or a decompressed size, larger than the
// maxMessageSizeBytes it is given, before allocating for it. Bad bytes never
// cause a panic: they give a *ProtocolError whose Kind is one of the
// sentinel errors (ErrLength, ErrTooLarge, ErrOpcode, ErrResponseTo,
// ErrFlags, ErrSection, ErrDocument, ErrChecksum, ErrCompression,
// ErrCompressor), testable with errors.Is. After a protocol error or an I/O
// error in the middle of a message, the connection is out of step with its
// peer and must be closed.
package wire
