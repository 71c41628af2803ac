package wire

import (
	"bytes"
	"io"
	"strconv"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// This file holds the decompression of OP_COMPRESSED and the pooled state
// of the zlib and zstd codecs.

// decompressMessage unwraps b, a whole OP_COMPRESSED message, into a new
// pooled buffer holding the original message with a rebuilt header.
func decompressMessage(b []byte, maxSize int) (Message, error) {
	if len(b) < HeaderLen+compressedHeaderLen {
		return Message{}, protoErr(ErrLength, "OP_COMPRESSED of "+strconv.Itoa(len(b))+" bytes is too short", nil)
	}
	h, _ := ParseHeader(b)
	orig := OpCode(readInt32(b[HeaderLen:]))
	size := int(readInt32(b[HeaderLen+4:]))
	id := CompressorID(b[HeaderLen+8])
	src := b[HeaderLen+compressedHeaderLen:]
	switch {
	case orig == OpCompressed:
		return Message{}, protoErr(ErrOpcode, "OP_COMPRESSED wraps OP_COMPRESSED", nil)
	case size < 0:
		return Message{}, protoErr(ErrLength, "uncompressedSize "+strconv.Itoa(size), nil)
	case size > maxSize-HeaderLen:
		return Message{}, protoErr(ErrTooLarge, "uncompressedSize "+strconv.Itoa(size)+
			" exceeds "+strconv.Itoa(maxSize-HeaderLen), nil)
	case id > Zstd:
		return Message{}, protoErr(ErrCompressor, "compressorId "+strconv.Itoa(int(id)), nil)
	}
	h = Header{Length: int32(HeaderLen + size), RequestID: h.RequestID, ResponseTo: h.ResponseTo, OpCode: orig}
	buf := GetBuffer(HeaderLen + size)
	out := AppendHeader(*buf, h)[:HeaderLen+size]
	if err := decompress(id, out[HeaderLen:], src); err != nil {
		PutBuffer(buf)
		return Message{}, err
	}
	return Message{Header: h, Compressed: true, Compressor: id, Bytes: out, buf: buf}, nil
}

// decompress fills dst, whose length is the declared uncompressed size,
// with the decompressed src; any other size is an error.
func decompress(id CompressorID, dst, src []byte) error {
	fail := func(detail string, err error) error {
		return protoErr(ErrCompression, id.String()+": "+detail, err)
	}
	switch id {
	case Noop:
		if len(src) != len(dst) {
			return fail(strconv.Itoa(len(src))+" bytes, declared "+strconv.Itoa(len(dst)), nil)
		}
		copy(dst, src)
	case Snappy:
		n, err := s2.DecodedLen(src)
		if err != nil {
			return fail("bad block header", err)
		}
		if n != len(dst) {
			return fail("block of "+strconv.Itoa(n)+" bytes, declared "+strconv.Itoa(len(dst)), nil)
		}
		if _, err := s2.Decode(dst, src); err != nil {
			return fail("corrupt block", err)
		}
	case Zlib:
		return zlibDecompress(dst, src)
	case Zstd:
		d, err := zstdDecoder()
		if err != nil {
			return fail("no decoder", err)
		}
		out, err := d.DecodeAll(src, dst[:0:len(dst)])
		if err != nil {
			return fail("corrupt frame", err)
		}
		if len(out) != len(dst) {
			return fail(strconv.Itoa(len(out))+" bytes, declared "+strconv.Itoa(len(dst)), nil)
		}
		if len(out) > 0 && &out[0] != &dst[0] {
			copy(dst, out) // not expected: DecodeAll may not outgrow dst
		}
	}
	return nil
}

// zlib: the writers and readers are pooled, writers one pool per level.

type zlibWriter struct {
	w   *zlib.Writer
	out appender
}

// appender is an io.Writer that appends to b.
type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

var zlibWriters [11]sync.Pool // index level+1

func zlibCompress(dst, src []byte, level int) []byte {
	p := &zlibWriters[level+1]
	zw, _ := p.Get().(*zlibWriter)
	if zw == nil {
		zw = new(zlibWriter)
		zw.w, _ = zlib.NewWriterLevel(&zw.out, level) // level was checked by NewCompressor
	} else {
		zw.w.Reset(&zw.out)
	}
	zw.out.b = dst
	// Writes to an appender cannot fail.
	_, _ = zw.w.Write(src)
	_ = zw.w.Close()
	dst = zw.out.b
	zw.out.b = nil
	p.Put(zw)
	return dst
}

type zlibReader struct {
	src bytes.Reader
	r   io.ReadCloser
	one [1]byte // scratch for the read past the end
}

var zlibReaders sync.Pool

func zlibDecompress(dst, src []byte) error {
	zr, _ := zlibReaders.Get().(*zlibReader)
	if zr == nil {
		zr = new(zlibReader)
	}
	defer func() {
		zr.src.Reset(nil)
		zlibReaders.Put(zr)
	}()
	zr.src.Reset(src)
	var err error
	if zr.r == nil {
		zr.r, err = zlib.NewReader(&zr.src)
	} else {
		err = zr.r.(zlib.Resetter).Reset(&zr.src, nil)
	}
	if err != nil { // a reader that failed to reset can be reset again
		return protoErr(ErrCompression, "zlib: bad header", err)
	}
	if _, err := io.ReadFull(zr.r, dst); err != nil {
		return protoErr(ErrCompression, "zlib: stream shorter than declared "+strconv.Itoa(len(dst))+" bytes", err)
	}
	// Reading on to the end checks the Adler-32 and that nothing is left.
	if n, err := zr.r.Read(zr.one[:]); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			return protoErr(ErrCompression, "zlib: stream longer than declared "+strconv.Itoa(len(dst))+" bytes", nil)
		}
		return protoErr(ErrCompression, "zlib: corrupt stream", err)
	}
	if zr.src.Len() != 0 {
		return protoErr(ErrCompression, "zlib: "+strconv.Itoa(zr.src.Len())+" bytes after the stream", nil)
	}
	return nil
}

// zstd: one encoder and one decoder serve every connection. Their
// EncodeAll and DecodeAll are safe for concurrent use and keep their own
// pools of internal state, GOMAXPROCS deep.

// zstdMaxMemory bounds what one DecodeAll may allocate whatever the frame
// says; the capacity limit below holds each to its declared size anyway.
const zstdMaxMemory = 64 << 20

var zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(0))
})

var zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(zstdMaxMemory),
		zstd.WithDecodeAllCapLimit(true))
})
