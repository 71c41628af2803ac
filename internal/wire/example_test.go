package wire_test

import (
	"bytes"
	"fmt"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// A request with its documents in a sequence, compressed, read back and
// parsed as the other side would.
func ExampleAppendMsg() {
	cmd, _ := bson.Marshal(bson.D{{Key: "insert", Value: "people"}, {Key: "$db", Value: "test"}})
	var docs []byte
	docs, _ = bson.MarshalAppend(docs, bson.D{{Key: "name", Value: "Ada"}})
	docs, _ = bson.MarshalAppend(docs, bson.D{{Key: "name", Value: "Alan"}})

	msg := wire.AppendMsg(nil, 1, 0, cmd, wire.Sequence{Identifier: "documents", Docs: docs})
	zstd, _ := wire.NewCompressor("zstd", wire.DefaultZlibLevel)
	onWire, _ := wire.AppendCompressed(nil, msg, zstd)

	m, err := wire.ReadMessage(bytes.NewReader(onWire), wire.DefaultMaxMessageSize)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Release() // the parsed slices below are valid until then
	p, err := wire.ParseMsg(m.Bytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Header.OpCode, "compressed with", m.Compressor)
	fmt.Println("collection:", p.Body.Lookup("insert").StringValue())
	for _, s := range p.Sequences {
		for d := range s.Documents() {
			fmt.Println(s.Identifier+":", d.Lookup("name").StringValue())
		}
	}
	// Output:
	// OP_MSG compressed with zstd
	// collection: people
	// documents: Ada
	// documents: Alan
}

// Encoding documents straight into the message, and dropping the one that
// would take the batch over its size limit.
func ExampleBeginSequence() {
	cmd, _ := bson.Marshal(bson.D{{Key: "insert", Value: "c"}, {Key: "$db", Value: "test"}})
	const limit = 150 // bytes of message, for the example

	b, msg := wire.BeginMsg(nil, wire.NextRequestID(), 0, 0)
	b = wire.AppendBodySection(b, cmd)
	b, seq := wire.BeginSequence(b, "documents")
	n := 0
	for i := range 10 {
		mark := len(b)
		b, _ = bson.MarshalAppend(b, bson.D{{Key: "i", Value: i}, {Key: "pad", Value: "xxxxxxxxxx"}})
		if len(b) > limit {
			b = b[:mark] // the next batch starts with this document
			break
		}
		n++
	}
	b = wire.EndSequence(b, seq)
	b = wire.EndMsg(b, msg)

	p, err := wire.ParseMsg(b)
	fmt.Println(n, "documents in", len(b), "bytes, error:", err, "- sequences:", len(p.Sequences))
	// Output: 2 documents in 133 bytes, error: <nil> - sequences: 1
}
