package nullserver

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// replyKind indexes a connection's canned replies: a kind of answer, plus
// helloOKOffset for a hello that asked for helloOk, plus legacyOffset for
// an OP_REPLY (the answer to an OP_QUERY) rather than an OP_MSG.
type replyKind uint8

const (
	replyOK          replyKind = iota // {ok: 1}
	replyBuildInfo                    // buildInfo
	replyHello                        // hello: isWritablePrimary
	replyLegacyHello                  // isMaster: ismaster

	helloOKOffset = 2 // replyHello + helloOKOffset is hello with helloOk true
	legacyOffset  = 6 // the same replies as OP_REPLY
	numReplies    = 2 * legacyOffset
)

// The limits that the hello replies announce.
const (
	// MaxWireVersion is the hello reply's maxWireVersion (MongoDB 7.0).
	MaxWireVersion = 21
	// MaxBSONObjectSize is the hello reply's maxBsonObjectSize.
	MaxBSONObjectSize = 16 * 1024 * 1024
	// MaxWriteBatchSize is the hello reply's maxWriteBatchSize.
	MaxWriteBatchSize = 100_000
	// Version is the buildInfo reply's version.
	Version = "7.0.0"
)

// templates are the canned replies, encoded once per server: whole
// messages with a requestID, responseTo and connectionId of 0.
type templates struct {
	msgs [numReplies][]byte
	idAt [numReplies]int // offset of the connectionId's int64, 0 if none
}

// connectionIDKey is the connectionId element's type and key, as encoded.
var connectionIDKey = []byte("\x12connectionId\x00")

func buildTemplates() (*templates, error) {
	t := &templates{}
	for k := range replyKind(numReplies) {
		m, err := buildReply(k)
		if err != nil {
			return nil, err
		}
		t.msgs[k] = m
		if i := bytes.Index(m, connectionIDKey); i >= 0 {
			t.idAt[k] = i + len(connectionIDKey)
		}
	}
	return t, nil
}

// forConn returns a copy of reply k for the connection numbered id.
func (t *templates) forConn(k replyKind, id int64) []byte {
	r := slices.Clone(t.msgs[k])
	if at := t.idAt[k]; at > 0 {
		binary.LittleEndian.PutUint64(r[at:], uint64(id))
	}
	return r
}

// buildReply encodes the whole message of reply k.
func buildReply(k replyKind) ([]byte, error) {
	legacy := k >= legacyOffset
	if legacy {
		k -= legacyOffset
	}
	body, err := bson.Marshal(replyBody(k))
	if err != nil {
		return nil, fmt.Errorf("nullserver: encoding a canned reply: %w", err)
	}
	if !legacy {
		return wire.AppendMsg(nil, 0, 0, body), nil
	}
	// OP_REPLY: header, responseFlags, cursorID, startingFrom,
	// numberReturned, the document.
	b := wire.AppendHeader(nil, wire.Header{
		Length: int32(wire.HeaderLen + 4 + 8 + 4 + 4 + len(body)), OpCode: opReply,
	})
	b = append(b, make([]byte, 4+8+4)...)
	b = append(b, 1, 0, 0, 0)
	return append(b, body...), nil
}

// replyBody returns the document of reply k, an OP_MSG kind.
func replyBody(k replyKind) bson.D {
	switch k {
	case replyBuildInfo:
		return bson.D{
			{Key: "version", Value: Version},
			{Key: "gitVersion", Value: "nullserver"},
			{Key: "versionArray", Value: bson.A{int32(7), int32(0), int32(0), int32(0)}},
			{Key: "bits", Value: int32(64)},
			{Key: "maxBsonObjectSize", Value: int32(MaxBSONObjectSize)},
			{Key: "ok", Value: 1.0},
		}
	case replyOK:
		return bson.D{{Key: "ok", Value: 1.0}}
	}
	primary := "isWritablePrimary"
	if k == replyLegacyHello || k == replyLegacyHello+helloOKOffset {
		primary = "ismaster"
	}
	d := bson.D{{Key: primary, Value: true}}
	if k >= replyHello+helloOKOffset {
		d = append(d, bson.E{Key: "helloOk", Value: true})
	}
	return append(d,
		bson.E{Key: "maxBsonObjectSize", Value: int32(MaxBSONObjectSize)},
		bson.E{Key: "maxMessageSizeBytes", Value: int32(MaxMessageSize)},
		bson.E{Key: "maxWriteBatchSize", Value: int32(MaxWriteBatchSize)},
		bson.E{Key: "logicalSessionTimeoutMinutes", Value: int32(30)},
		bson.E{Key: "connectionId", Value: int64(0)},
		bson.E{Key: "minWireVersion", Value: int32(0)},
		bson.E{Key: "maxWireVersion", Value: int32(MaxWireVersion)},
		bson.E{Key: "readOnly", Value: false},
		bson.E{Key: "ok", Value: 1.0},
	)
}
