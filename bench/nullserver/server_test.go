package nullserver

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// TestReplies sends each kind of command, as OP_MSG and as OP_QUERY, and
// checks the reply's keys and values.
func TestReplies(t *testing.T) {
	wiretest.LeakCheck(t)
	s := start(t)
	hello := []string{"isWritablePrimary", "maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize",
		"logicalSessionTimeoutMinutes", "connectionId", "minWireVersion", "maxWireVersion", "readOnly", "ok"}
	helloOk := append([]string{"isWritablePrimary", "helloOk"}, hello[1:]...)
	legacy := append([]string{"ismaster"}, hello[1:]...)
	legacyOk := append([]string{"ismaster", "helloOk"}, hello[1:]...)
	buildInfo := []string{"version", "gitVersion", "versionArray", "bits", "maxBsonObjectSize", "ok"}
	ok := []string{"ok"}
	for _, tc := range []struct {
		name  string
		query bool // send as OP_QUERY
		cmd   bson.D
		keys  []string
	}{
		{"hello", false, bson.D{{Key: "hello", Value: 1}, {Key: "$db", Value: "admin"}}, hello},
		{"hello helloOk", false, bson.D{{Key: "hello", Value: 1}, {Key: "helloOk", Value: true}}, helloOk},
		{"hello helloOk false", false, bson.D{{Key: "hello", Value: 1}, {Key: "helloOk", Value: false}}, hello},
		{"hello helloOk 1", false, bson.D{{Key: "hello", Value: 1}, {Key: "helloOk", Value: int32(1)}}, helloOk},
		{"isMaster", false, bson.D{{Key: "isMaster", Value: 1}}, legacy},
		{"ismaster helloOk", false, bson.D{{Key: "ismaster", Value: 1}, {Key: "helloOk", Value: true}}, legacyOk},
		{"buildInfo", false, bson.D{{Key: "buildInfo", Value: 1}}, buildInfo},
		{"buildinfo", false, bson.D{{Key: "buildinfo", Value: 1}}, buildInfo},
		{"ping", false, bson.D{{Key: "ping", Value: 1}, {Key: "$db", Value: "admin"}}, ok},
		{"endSessions", false, bson.D{{Key: "endSessions", Value: bson.A{}}}, ok},
		{"find", false, bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{}}}, ok},
		{"empty", false, bson.D{}, ok},
		{"query isMaster", true, bson.D{{Key: "isMaster", Value: 1}, {Key: "helloOk", Value: true}}, legacyOk},
		{"query $query", true, bson.D{{Key: "$query", Value: bson.D{{Key: "isMaster", Value: 1}}},
			{Key: "$readPreference", Value: bson.D{{Key: "mode", Value: "primaryPreferred"}}}}, legacy},
		{"query ping", true, bson.D{{Key: "ping", Value: 1}}, ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s)
			const id = 42
			var msg []byte
			if tc.query {
				msg = queryMsg(t, id, tc.cmd)
			} else {
				msg = opMsg(t, id, 0, tc.cmd)
			}
			doc := c.roundTrip(id, msg)
			if got := strings.Join(doc.Keys(), ","); got != strings.Join(tc.keys, ",") {
				t.Errorf("keys %s, want %s", got, strings.Join(tc.keys, ","))
			}
			if v, _ := doc.Lookup("ok").AsFloat64OK(); v != 1 {
				t.Errorf("ok %v", doc.Lookup("ok"))
			}
			for _, key := range []string{"isWritablePrimary", "ismaster", "helloOk"} {
				if v := doc.Lookup(key); v.Type != 0 && !v.Boolean() {
					t.Errorf("%s %v", key, v)
				}
			}
			if v := doc.Lookup("maxWireVersion"); v.Type != 0 && v.Int32() != MaxWireVersion {
				t.Errorf("maxWireVersion %v", v)
			}
			if v := doc.Lookup("version"); v.Type != 0 && v.StringValue() != Version {
				t.Errorf("version %v", v)
			}
			if doc.Lookup("topologyVersion").Type != 0 {
				t.Error("a topologyVersion: monitors would stream")
			}
		})
	}
}

// TestConnectionID checks that each connection has its own connectionId
// and that replies on one connection number their requestIDs in turn.
func TestConnectionID(t *testing.T) {
	s := start(t)
	hello := bson.D{{Key: "hello", Value: 1}}
	seen := map[int64]bool{}
	for range 3 {
		c := dial(t, s)
		var last int32
		for i := range int32(3) {
			c.send(opMsg(t, 100+i, 0, hello))
			h, doc := c.read()
			if h.ResponseTo != 100+i || h.RequestID <= last {
				t.Errorf("reply %d: requestID %d responseTo %d", i, h.RequestID, h.ResponseTo)
			}
			last = h.RequestID
			id := doc.Lookup("connectionId").Int64()
			if i == 0 {
				if id <= 0 || seen[id] {
					t.Errorf("connectionId %d, seen %v", id, seen)
				}
				seen[id] = true
			} else if !seen[id] {
				t.Errorf("connectionId changed to %d", id)
			}
		}
	}
	if s.Accepted() != 3 {
		t.Errorf("Accepted %d, want 3", s.Accepted())
	}
}

// TestMoreToCome checks that a request flagged moreToCome gets no reply:
// the next reply answers the next request.
func TestMoreToCome(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	c.send(opMsg(t, 1, wire.MoreToCome, bson.D{{Key: "insert", Value: "c"}}))
	doc := c.roundTrip(2, opMsg(t, 2, 0, bson.D{{Key: "ping", Value: 1}}))
	if doc.Lookup("ok").Type == 0 {
		t.Errorf("reply %v", doc)
	}
	if n := s.Requests(); n != 2 {
		t.Errorf("Requests %d, want 2", n)
	}
}

// TestLargeRequest sends requests larger than the read buffer, between
// small ones.
func TestLargeRequest(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	big := strings.Repeat("x", 3*readBufSize)
	for i := range int32(4) {
		cmd := bson.D{{Key: "insert", Value: "c"}, {Key: "pad", Value: big[:int(i)*readBufSize]}}
		if doc := c.roundTrip(i+1, opMsg(t, i+1, 0, cmd)); len(doc.Keys()) != 1 {
			t.Errorf("reply %v", doc)
		}
	}
	if err := s.Err(); err != nil {
		t.Error(err)
	}
}

// TestChecksum checks that a request with a checksum is accepted.
func TestChecksum(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	c.roundTrip(9, opMsg(t, 9, wire.ChecksumPresent, bson.D{{Key: "ping", Value: 1}}))
}

// TestAwaitableHello checks that a hello naming a topologyVersion and a
// maxAwaitTimeMS is answered after that time, and that Close ends the
// wait.
func TestAwaitableHello(t *testing.T) {
	wiretest.LeakCheck(t)
	s := start(t)
	awaitable := func(ms int64) bson.D {
		return bson.D{{Key: "hello", Value: 1},
			{Key: "topologyVersion", Value: bson.D{{Key: "processId", Value: bson.ObjectID{}}, {Key: "counter", Value: int64(0)}}},
			{Key: "maxAwaitTimeMS", Value: ms}}
	}
	c := dial(t, s)
	begin := time.Now()
	c.roundTrip(1, opMsg(t, 1, 0, awaitable(50)))
	if d := time.Since(begin); d < 50*time.Millisecond {
		t.Errorf("awaitable hello answered after %v, want 50ms", d)
	}

	c.send(opMsg(t, 2, 0, awaitable(60_000)))
	time.Sleep(20 * time.Millisecond) // let the server start waiting
	closed := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(closed); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	c.expectClosed()
}

// TestProtocolErrors checks that bad requests close their connection, are
// reported by Err, and leave other connections working.
func TestProtocolErrors(t *testing.T) {
	ping := bson.D{{Key: "ping", Value: 1}}
	badLength := opMsg(t, 1, 0, ping)
	binary.LittleEndian.PutUint32(badLength, 8)
	tooLarge := opMsg(t, 1, 0, ping)
	binary.LittleEndian.PutUint32(tooLarge, MaxMessageSize+1)
	badFlags := opMsg(t, 1, 1<<3, ping)
	compressed := opMsg(t, 1, 0, ping)
	binary.LittleEndian.PutUint32(compressed[12:], uint32(wire.OpCompressed))
	badQuery := queryMsg(t, 1, ping)
	badQuery = append(badQuery[:len(badQuery)-6], 0)
	binary.LittleEndian.PutUint32(badQuery, uint32(len(badQuery)))
	shortQuery := wire.AppendHeader(nil, wire.Header{Length: 18, OpCode: opQuery})
	shortQuery = append(shortQuery, 0, 0)
	for _, tc := range []struct {
		name string
		msg  []byte
	}{
		{"length below 16", badLength},
		{"too large", tooLarge},
		{"required flag", badFlags},
		{"OP_COMPRESSED", compressed},
		{"truncated query", badQuery},
		{"short query", shortQuery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wiretest.LeakCheck(t)
			s := start(t)
			c := dial(t, s)
			c.send(tc.msg)
			c.expectClosed()
			if err := s.Err(); !errors.Is(err, ErrProtocol) {
				t.Errorf("Err() = %v, want ErrProtocol", err)
			}
			other := dial(t, s)
			other.roundTrip(2, opMsg(t, 2, 0, ping))
		})
	}
}

// TestDisconnectIsNotAnError checks that clients going away, between
// messages or in the middle of one, are not errors.
func TestDisconnectIsNotAnError(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	c.roundTrip(1, opMsg(t, 1, 0, bson.D{{Key: "ping", Value: 1}}))
	c.nc.Close()
	c = dial(t, s)
	c.send(opMsg(t, 2, 0, bson.D{{Key: "ping", Value: 1}})[:20])
	c.nc.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
}

// TestConcurrentClients runs many connections at once, under the race
// detector, and checks the count of requests.
func TestConcurrentClients(t *testing.T) {
	wiretest.LeakCheck(t)
	s := start(t)
	const conns, each = 16, 50
	msg := opMsg(t, 7, 0, bson.D{{Key: "hello", Value: 1}})
	var wg sync.WaitGroup
	for range conns {
		c := dial(t, s)
		wg.Go(func() {
			for range each {
				c.send(msg)
				h, _ := c.read()
				if h.ResponseTo != 7 {
					t.Errorf("responseTo %d", h.ResponseTo)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := s.Requests(); n != conns*each {
		t.Errorf("Requests %d, want %d", n, conns*each)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.Requests(); n != conns*each {
		t.Errorf("Requests after Close %d, want %d", n, conns*each)
	}
}

// TestAllocs checks that a served round trip allocates nothing in steady
// state, on either side: AllocsPerRun counts the whole process, the
// server's goroutine included.
func TestAllocs(t *testing.T) {
	s := start(t)
	c := dial(t, s)
	msg := opMsg(t, 3, 0, bson.D{{Key: "hello", Value: 1}, {Key: "helloOk", Value: true}})
	roundTrip := func() {
		c.send(msg)
		m, err := wire.ReadMessage(c.br, 0)
		if err != nil {
			t.Fatal(err)
		}
		m.Release()
	}
	roundTrip()
	if n := testing.AllocsPerRun(200, roundTrip); n > 0.05 {
		t.Errorf("%.2f allocs per round trip, want 0", n)
	}
}

// TestCloseTwice checks that Close may be called again, and that a closed
// server refuses connections.
func TestCloseTwice(t *testing.T) {
	wiretest.LeakCheck(t)
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URI(), "mongodb://127.0.0.1:") {
		t.Errorf("URI %q", s.URI())
	}
	dial(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := Listen("256.0.0.1:0"); err == nil {
		t.Error("Listen on a bad address succeeded")
	}
}
