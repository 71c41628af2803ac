package nullserver

import (
	"testing"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// FuzzParseRequest feeds arbitrary messages to the request parser: it must
// not panic, and what it accepts must name a reply that exists.
func FuzzParseRequest(f *testing.F) {
	for _, cmd := range []bson.D{
		{{Key: "hello", Value: 1}, {Key: "helloOk", Value: true}},
		{{Key: "isMaster", Value: 1}, {Key: "topologyVersion", Value: bson.D{}}, {Key: "maxAwaitTimeMS", Value: int64(10)}},
		{{Key: "buildInfo", Value: 1}},
		{{Key: "$query", Value: bson.D{{Key: "ismaster", Value: 1}}}},
		{},
	} {
		f.Add(opMsg(f, 1, 0, cmd))
		f.Add(opMsg(f, 1, wire.ChecksumPresent|wire.MoreToCome, cmd))
		f.Add(queryMsg(f, 1, cmd))
	}
	tmpl, err := buildTemplates()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, err := wire.ParseHeader(msg)
		if err != nil || int(h.Length) != len(msg) {
			return // the read loop checks the length against the bytes
		}
		k, wait, reply, err := parseRequest(h, msg)
		if err != nil || !reply {
			return
		}
		if k >= numReplies || tmpl.msgs[k] == nil || wait < 0 {
			t.Fatalf("reply %d, wait %v", k, wait)
		}
	})
}
