package conn

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/wire"
)

// pingServer is a server for benchmarks and allocation counts: it answers
// the first message of each connection with a hello reply and every other
// one with {ok: 1}, allocating nothing in steady state, so that what is
// measured is the client. It stops when the test ends.
func pingServer(tb testing.TB, hello bson.D) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	helloDoc := marshal(tb, hello)
	okDoc := marshal(tb, okReply)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				out := make([]byte, 0, 1024)
				body := helloDoc
				for {
					m, err := wire.ReadMessage(c, 0)
					if err != nil {
						return
					}
					responseTo := m.Header.RequestID
					m.Release()
					var start int
					out, start = wire.BeginMsg(out[:0], wire.NextRequestID(), responseTo, 0)
					out = wire.AppendBodySection(out, body)
					out = wire.EndMsg(out, start)
					if _, err := c.Write(out); err != nil {
						return
					}
					body = okDoc
				}
			})
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// roundTripCases are the ways a round trip is bounded, for the benchmark
// and the allocation count.
var roundTripCases = []struct {
	name     string
	cfg      Config
	ctx      func() (context.Context, context.CancelFunc)
	compress bool
}{
	{name: "background", ctx: func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
	{name: "cancellable", ctx: func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
	{name: "deadline", ctx: func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), time.Hour)
	}},
	{name: "socketTimeout", cfg: Config{SocketTimeout: time.Hour}, ctx: func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
	{name: "zstd", cfg: Config{Compressors: []string{"zstd"}}, compress: true, ctx: func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
}

func benchConn(tb testing.TB, cfg Config, compress bool) *Conn {
	tb.Helper()
	var extra []bson.E
	if compress {
		extra = append(extra, bson.E{Key: "compression", Value: bson.A{"zstd"}})
	}
	addr := pingServer(tb, helloReply(extra...))
	c, err := Dial(context.Background(), addr, &cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func BenchmarkRoundTrip(b *testing.B) {
	cmd := &Command{DB: "admin", Body: marshal(b, pingCmd)}
	for _, tc := range roundTripCases {
		b.Run(tc.name, func(b *testing.B) {
			c := benchConn(b, tc.cfg, tc.compress)
			ctx, cancel := tc.ctx()
			defer cancel()
			b.ReportAllocs()
			for b.Loop() {
				r, err := c.RoundTrip(ctx, cmd)
				if err != nil {
					b.Fatal(err)
				}
				r.Release()
			}
		})
	}
}

// The context is made per operation, as the operation layer does.
func BenchmarkRoundTripPerOpContext(b *testing.B) {
	cmd := &Command{DB: "admin", Body: marshal(b, pingCmd)}
	c := benchConn(b, Config{}, false)
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		r, err := c.RoundTrip(ctx, cmd)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		r.Release()
	}
}

func BenchmarkDial(b *testing.B) {
	addr := pingServer(b, helloReply())
	meta, err := NewMetadata(MetadataOptions{})
	if err != nil {
		b.Fatal(err)
	}
	cfg := &Config{Metadata: meta}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Dial(context.Background(), addr, cfg)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
