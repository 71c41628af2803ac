package wire

import (
	"strconv"

	"github.com/klauspost/compress/s2"
)

// CompressorID is the compressorId of an OP_COMPRESSED message.
type CompressorID uint8

// The compressors of the OP_COMPRESSED specification. IDs 4-255 are
// reserved.
const (
	Noop   CompressorID = 0 // the message is not compressed (for testing)
	Snappy CompressorID = 1
	Zlib   CompressorID = 2
	Zstd   CompressorID = 3
)

// String returns the name the handshake uses for the compressor: "noop",
// "snappy", "zlib" or "zstd".
func (id CompressorID) String() string {
	switch id {
	case Noop:
		return "noop"
	case Snappy:
		return "snappy"
	case Zlib:
		return "zlib"
	case Zstd:
		return "zstd"
	}
	return "compressor(" + strconv.Itoa(int(id)) + ")"
}

// DefaultZlibLevel is zlib's default compression level, the
// zlibCompressionLevel -1.
const DefaultZlibLevel = -1

// Compressor compresses outgoing messages with one algorithm. The zero value
// is the noop compressor. It is a small value, safe for concurrent use.
type Compressor struct {
	id    CompressorID
	level int8 // zlib only: -1..9
}

// NewCompressor returns the compressor named name ("snappy", "zlib", "zstd"
// or "noop"). zlibLevel, from -1 (default) to 9 (best compression), applies
// to zlib and is ignored otherwise. An unknown name or an out-of-range level
// for zlib is an error wrapping ErrCompressor.
func NewCompressor(name string, zlibLevel int) (Compressor, error) {
	switch name {
	case "noop":
		return Compressor{id: Noop}, nil
	case "snappy":
		return Compressor{id: Snappy}, nil
	case "zstd":
		if _, err := zstdEncoder(); err != nil {
			return Compressor{}, protoErr(ErrCompressor, "zstd", err)
		}
		return Compressor{id: Zstd}, nil
	case "zlib":
		if zlibLevel < -1 || zlibLevel > 9 {
			return Compressor{}, protoErr(ErrCompressor, "zlibCompressionLevel "+strconv.Itoa(zlibLevel)+" is not in -1..9", nil)
		}
		return Compressor{id: Zlib, level: int8(zlibLevel)}, nil
	}
	return Compressor{}, protoErr(ErrCompressor, strconv.Quote(name), nil)
}

// Negotiate picks the compressor for a connection: the first of the
// client's configured names that the server's handshake reply also lists
// and this package supports. It reports false when there is none, and the
// connection then sends its messages uncompressed.
func Negotiate(configured, server []string, zlibLevel int) (Compressor, bool) {
	for _, name := range configured {
		for _, s := range server {
			if s != name {
				continue
			}
			if c, err := NewCompressor(name, zlibLevel); err == nil {
				return c, true
			}
		}
	}
	return Compressor{}, false
}

// ID returns the compressor's ID.
func (c Compressor) ID() CompressorID { return c.id }

// AppendCompress appends the compressed form of src to dst. dst and src
// must not overlap.
func (c Compressor) AppendCompress(dst, src []byte) []byte {
	switch c.id {
	case Snappy:
		start := len(dst)
		dst = grow(dst, s2.MaxEncodedLen(len(src)))
		out := s2.EncodeSnappy(dst[start:cap(dst)], src)
		return dst[:start+len(out)]
	case Zlib:
		return zlibCompress(dst, src, int(c.level))
	case Zstd:
		if e, err := zstdEncoder(); err == nil { // else NewCompressor failed
			return e.EncodeAll(src, dst)
		}
	}
	return append(dst, src...)
}

// grow makes room for n more bytes after len(dst).
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	bigger := make([]byte, len(dst), len(dst)+n)
	copy(bigger, dst)
	return bigger
}

// compressedHeaderLen is the length of OP_COMPRESSED's own fields after the
// standard header: originalOpcode, uncompressedSize and compressorId.
const compressedHeaderLen = 9

// AppendCompressed appends msg, a whole message with its header, wrapped
// in OP_COMPRESSED with compressor c: the same requestID and responseTo,
// the original opcode and size, and the compressed bytes. dst must not
// overlap msg. The caller checks Compressible first: handshake and
// authentication commands must go uncompressed.
func AppendCompressed(dst, msg []byte, c Compressor) ([]byte, error) {
	h, err := ParseHeader(msg)
	if err != nil {
		return dst, err
	}
	if int(h.Length) != len(msg) {
		return dst, protoErr(ErrLength, "messageLength "+strconv.Itoa(int(h.Length))+
			" for "+strconv.Itoa(len(msg))+" bytes", nil)
	}
	start := len(dst)
	dst = AppendHeader(dst, Header{RequestID: h.RequestID, ResponseTo: h.ResponseTo, OpCode: OpCompressed})
	dst = appendInt32(dst, int32(h.OpCode))
	dst = appendInt32(dst, int32(len(msg)-HeaderLen))
	dst = append(dst, byte(c.id))
	dst = c.AppendCompress(dst, msg[HeaderLen:])
	putInt32(dst[start:], int32(len(dst)-start))
	return dst, nil
}

// Compressible reports whether a command may be sent compressed. The
// handshake and authentication commands may not (hello, legacy hello,
// saslStart, saslContinue, getnonce, authenticate, createUser, updateUser,
// copydbSaslStart, copydbgetnonce, copydb); everything else must be, once a
// compressor is negotiated. commandName is the first key of the command.
func Compressible(commandName string) bool {
	switch commandName {
	case "hello", "isMaster", "ismaster", "saslStart", "saslContinue", "getnonce",
		"authenticate", "createUser", "updateUser", "copydbSaslStart",
		"copydbgetnonce", "copydb":
		return false
	}
	return true
}
