package wiretest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

func echo(req Request) []Reply {
	return []Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "cmd", Value: req.Command}, {Key: "conn", Value: req.Conn}}}}
}

func TestServerRecordsAndReplies(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, echo)
	c := dial(t, s)
	docs := append(mustDoc(t, bson.D{{Key: "_id", Value: 1}}), mustDoc(t, bson.D{{Key: "_id", Value: 2}})...)
	id := c.send(0, bson.D{{Key: "insert", Value: "coll"}, {Key: "$db", Value: "test"}},
		wire.Sequence{Identifier: "documents", Docs: docs})
	m, p, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Header.CheckResponseTo(id); err != nil {
		t.Error(err)
	}
	if got := p.Body.Lookup("cmd").StringValue(); got != "insert" {
		t.Errorf("reply names command %q", got)
	}
	m.Release()
	if got := c.roundTrip(bson.D{{Key: "ping", Value: 1}}).Lookup("cmd").StringValue(); got != "ping" {
		t.Errorf("second reply names %q", got)
	}

	reqs := s.Requests()
	if len(reqs) != 2 || !slices.Equal(s.Commands(), []string{"insert", "ping"}) {
		t.Fatalf("recorded %v", s.Commands())
	}
	r := reqs[0]
	if r.Conn != 0 || r.Header.RequestID != id || r.Compressed || r.Body.Lookup("$db").StringValue() != "test" {
		t.Errorf("request %+v", r)
	}
	if len(r.Sequences) != 1 || r.Sequences[0].Identifier != "documents" || !bytes.Equal(r.Sequences[0].Docs, docs) {
		t.Errorf("sequences %+v", r.Sequences)
	}
	if s.Accepted() != 1 || s.Err() != nil {
		t.Errorf("accepted %d, err %v", s.Accepted(), s.Err())
	}
}

func TestScript(t *testing.T) {
	LeakCheck(t)
	sc := NewScript(
		Expect("hello", Reply{Doc: bson.D{{Key: "isWritablePrimary", Value: true}, {Key: "ok", Value: 1.0}}}),
		Expect("ping", Reply{Doc: bson.D{{Key: "ok", Value: 1.0}}}),
		Expect("", Reply{Doc: bson.D{{Key: "ok", Value: 1.0}, {Key: "any", Value: true}}}),
		Expect("find", Reply{Doc: bson.D{{Key: "ok", Value: 1.0}}}),
	)
	s := NewServer(t, sc.Handle)
	c := dial(t, s)
	if !c.roundTrip(bson.D{{Key: "hello", Value: 1}}).Lookup("isWritablePrimary").Boolean() {
		t.Error("hello reply")
	}
	c.roundTrip(bson.D{{Key: "ping", Value: 1}})
	c.roundTrip(bson.D{{Key: "whatever", Value: 1}})
	if sc.Done() || sc.Err() == nil {
		t.Errorf("script done %v with %v before its last step", sc.Done(), sc.Err())
	}
	// A command out of order gets the connection closed.
	c.send(0, bson.D{{Key: "insert", Value: "c"}})
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Errorf("after an unexpected command: %v, want EOF", err)
	}
	if err := sc.Err(); err == nil {
		t.Error("script reports no error")
	}
	c2 := dial(t, s)
	c2.roundTrip(bson.D{{Key: "find", Value: "c"}})
	if !sc.Done() {
		t.Error("script not done")
	}
	c2.send(0, bson.D{{Key: "extra", Value: 1}})
	if _, _, err := c2.read(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last step: %v, want EOF", err)
	}
}

func TestExhaustStream(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		if req.Flags&wire.ExhaustAllowed == 0 {
			return []Reply{{Doc: bson.D{{Key: "ok", Value: 1.0}}}}
		}
		return []Reply{
			{Doc: bson.D{{Key: "n", Value: 1}}, Flags: wire.MoreToCome},
			{Doc: bson.D{{Key: "n", Value: 2}}, Flags: wire.MoreToCome, Delay: 10 * time.Millisecond},
			{Doc: bson.D{{Key: "n", Value: 3}}},
		}
	})
	c := dial(t, s)
	prev := c.send(wire.ExhaustAllowed, bson.D{{Key: "getMore", Value: int64(1)}})
	for i := 1; i <= 3; i++ {
		m, p, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Header.CheckResponseTo(prev); err != nil {
			t.Errorf("reply %d: %v", i, err)
		}
		if more := p.Flags&wire.MoreToCome != 0; more != (i < 3) {
			t.Errorf("reply %d: moreToCome %v", i, more)
		}
		if n := p.Body.Lookup("n").Int32(); n != int32(i) {
			t.Errorf("reply %d: n = %d", i, n)
		}
		prev = m.Header.RequestID
		m.Release()
	}
	c.roundTrip(bson.D{{Key: "ping", Value: 1}}) // the turn is back with the client
}

func TestMoreToComeRequest(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		if req.Flags&wire.MoreToCome != 0 {
			return nil // unacknowledged: no reply
		}
		return echo(req)
	})
	c := dial(t, s)
	c.send(wire.MoreToCome, bson.D{{Key: "insert", Value: "c"}, {Key: "writeConcern", Value: bson.D{{Key: "w", Value: 0}}}})
	if got := c.roundTrip(bson.D{{Key: "ping", Value: 1}}).Lookup("cmd").StringValue(); got != "ping" {
		t.Errorf("first reply is for %q, want ping", got)
	}
	if !slices.Equal(s.Commands(), []string{"insert", "ping"}) {
		t.Errorf("recorded %v", s.Commands())
	}
}

func TestCompressedReplies(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, func(req Request) []Reply {
		r := echo(req)
		r[0].Compression = req.Body.Lookup("reply").StringValue()
		return r
	})
	for _, name := range []string{"snappy", "zlib", "zstd", "noop"} {
		comp, err := wire.NewCompressor(name, 6)
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, s)
		c.comp = &comp
		for _, tt := range []struct {
			reply string
			want  bool
			id    wire.CompressorID
		}{{"", true, comp.ID()}, {"none", false, 0}, {"zstd", true, wire.Zstd}} {
			c.send(0, bson.D{{Key: "ping", Value: 1}, {Key: "reply", Value: tt.reply}})
			m, p, err := c.read()
			if err != nil {
				t.Fatalf("%s/%q: %v", name, tt.reply, err)
			}
			if m.Compressed != tt.want || (tt.want && m.Compressor != tt.id) || p.Body.Lookup("cmd").StringValue() != "ping" {
				t.Errorf("%s/%q: compressed %v with %v", name, tt.reply, m.Compressed, m.Compressor)
			}
			m.Release()
		}
		last := s.Requests()[len(s.Requests())-1]
		if !last.Compressed || last.Compressor != comp.ID() {
			t.Errorf("%s: request recorded as compressed %v with %v", name, last.Compressed, last.Compressor)
		}
	}
	// An uncompressed request gets a compressed reply when the Reply asks.
	c := dial(t, s)
	c.send(0, bson.D{{Key: "ping", Value: 1}, {Key: "reply", Value: "snappy"}})
	m, _, err := c.read()
	if err != nil || !m.Compressed || m.Compressor != wire.Snappy {
		t.Errorf("forced snappy: %v, compressed %v with %v", err, m.Compressed, m.Compressor)
	}
	m.Release()
	// An unknown compressor is the test's mistake, reported by Err.
	c.send(0, bson.D{{Key: "ping", Value: 1}, {Key: "reply", Value: "lz4"}})
	if _, _, err := c.read(); !errors.Is(err, io.EOF) {
		t.Errorf("unknown compressor: %v, want the connection closed", err)
	}
	if !errors.Is(s.Err(), wire.ErrCompressor) {
		t.Errorf("Err() = %v, want ErrCompressor", s.Err())
	}
}

func TestConcurrentClients(t *testing.T) {
	LeakCheck(t)
	s := NewServer(t, echo)
	const clients, each = 8, 20
	var wg sync.WaitGroup
	for range clients {
		c := dial(t, s)
		wg.Go(func() {
			for range each {
				id := wire.NextRequestID()
				body, _ := bson.Marshal(bson.D{{Key: "ping", Value: 1}})
				if _, err := c.c.Write(wire.AppendMsg(nil, id, 0, body)); err != nil {
					t.Error(err)
					return
				}
				m, _, err := c.read()
				if err != nil {
					t.Error(err)
					return
				}
				if err := m.Header.CheckResponseTo(id); err != nil {
					t.Error(err)
				}
				m.Release()
			}
		})
	}
	wg.Wait()
	if n := len(s.Requests()); n != clients*each {
		t.Errorf("%d requests recorded, want %d", n, clients*each)
	}
}
