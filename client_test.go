package motor_test

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func connect(t testing.TB, uri string, edit func(*motor.Config)) *motor.Client {
	t.Helper()
	cfg, err := motor.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := motor.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestClientQuickStart(t *testing.T) {
	c := connect(t, testenv.URI(t, testenv.Options{}), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := c.ServerInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" || len(info.VersionArray) < 2 || info.Raw.Lookup("ok").Type == 0 {
		t.Errorf("server info %+v", info)
	}
	var out bson.D
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&out); err != nil {
		t.Fatal(err)
	}
	m := out.Map()
	if m["isWritablePrimary"] != true {
		t.Errorf("hello: %v", out)
	}
}

func TestRunCommandServerError(t *testing.T) {
	c := connect(t, testenv.URI(t, testenv.Options{}), nil)
	ctx := ctxTimeout(t, 30*time.Second)
	err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "noSuchCommand", Value: 1}}).Err()
	var se *motor.ServerError
	if !errors.As(err, &se) || se.Code == 0 || se.Message == "" || se.Command != "noSuchCommand" {
		t.Fatalf("err = %#v", err)
	}
	// The client still works after a command error.
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNoServerTimesOut(t *testing.T) {
	// A port where nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := connect(t, "mongodb://"+addr+"/?serverSelectionTimeoutMS=700&connectTimeoutMS=300", nil)
	start := time.Now()
	err = c.Ping(context.Background())
	elapsed := time.Since(start)
	if !errors.Is(err, motor.ErrServerSelection) {
		t.Fatalf("err = %v", err)
	}
	if elapsed < 600*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("took %v, want about serverSelectionTimeoutMS", elapsed)
	}
	msg := err.Error()
	if !strings.Contains(msg, addr) || !strings.Contains(strings.ToLower(msg), "refused") {
		t.Errorf("error does not say which server was tried and why: %v", msg)
	}
}

func TestCancelledContextReturnsAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := connect(t, "mongodb://"+l.Addr().String()+"/?serverSelectionTimeoutMS=30000", nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	err = c.Ping(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Ping took %v after cancel", d)
	}
}

// holdProxy relays TCP between the client and a server, and can hold back
// the server's replies, so that a test can cancel a round trip while its
// reply is awaited.
type holdProxy struct {
	l    net.Listener
	to   string
	hold atomic.Bool
	wg   sync.WaitGroup
	mu   sync.Mutex
	open []net.Conn
}

func newHoldProxy(t *testing.T, to string) *holdProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdProxy{l: l, to: to}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *holdProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.to)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.open = append(p.open, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { defer p.wg.Done(); io.Copy(s, c); s.Close() }()
		go func() {
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				for p.hold.Load() {
					time.Sleep(5 * time.Millisecond)
				}
				if n > 0 {
					if _, werr := c.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
		}()
	}
}

func (p *holdProxy) close() {
	p.l.Close()
	p.hold.Store(false)
	p.mu.Lock()
	for _, c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func TestCancelMidReadLeavesPoolHealthy(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{})
	proxy := newHoldProxy(t, srv.Addr)
	var closed atomic.Int64
	mon := &event.PoolMonitor{
		ConnectionClosed: func(event.ConnectionClosedEvent) { closed.Add(1) },
	}
	c := connect(t, "mongodb://"+proxy.l.Addr().String()+"/?heartbeatFrequencyMS=60000", func(cfg *motor.Config) { cfg.PoolMonitor = mon })
	ctx := ctxTimeout(t, 30*time.Second)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	proxy.hold.Store(true)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := c.Ping(cctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Ping returned %v after the cancel", d)
	}
	proxy.hold.Store(false)
	for i := 0; i < 5; i++ {
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("after a cancelled round trip: %v", err)
		}
	}
	if closed.Load() == 0 {
		t.Error("the interrupted connection was not closed")
	}
}

func TestAuthentication(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{Auth: true})
	ctx := ctxTimeout(t, 60*time.Second)
	for _, u := range srv.Users {
		for _, mech := range append([]string{""}, u.Mechanisms...) {
			t.Run(u.Name+"/"+mech, func(t *testing.T) {
				c := connect(t, srv.URIFor(u, mech), nil)
				if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "listDatabases", Value: 1}}).Err(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	t.Run("wrong password", func(t *testing.T) {
		u := srv.Users[0]
		u.Password += "x"
		c := connect(t, srv.URIFor(u, "")+"&serverSelectionTimeoutMS=2000", nil)
		err := c.Ping(ctx)
		if err == nil || strings.Contains(err.Error(), u.Password) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		c := connect(t, "mongodb://"+srv.Addr+"/", nil)
		err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "listDatabases", Value: 1}}).Err()
		if !errors.Is(err, motor.ErrUnauthorized) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTLS(t *testing.T) {
	srv := testenv.Shared(t, testenv.Options{TLS: true, RequireClientCert: true})
	ctx := ctxTimeout(t, 60*time.Second)
	c := connect(t, srv.URI, nil)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	uri := testenv.URI(t, testenv.Options{})
	cfg, _ := motor.ParseURI(uri)
	cfg.MinPoolSize = 3
	c, err := motor.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctxTimeout(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	c.Close(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
	if err := c.Ping(context.Background()); !errors.Is(err, motor.ErrClientClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestCommandMonitoring(t *testing.T) {
	var mu sync.Mutex
	var started []event.CommandStartedEvent
	var succeeded []event.CommandSucceededEvent
	var failed []event.CommandFailedEvent
	mon := &event.CommandMonitor{
		Started: func(e event.CommandStartedEvent) {
			mu.Lock()
			e.Command = append(bson.Raw(nil), e.Command...)
			started = append(started, e)
			mu.Unlock()
		},
		Succeeded: func(e event.CommandSucceededEvent) { mu.Lock(); succeeded = append(succeeded, e); mu.Unlock() },
		Failed:    func(e event.CommandFailedEvent) { mu.Lock(); failed = append(failed, e); mu.Unlock() },
	}
	c := connect(t, testenv.URI(t, testenv.Options{}), func(cfg *motor.Config) { cfg.CommandMonitor = mon })
	ctx := ctxTimeout(t, 30*time.Second)
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	_ = c.Database("admin").RunCommand(ctx, bson.D{{Key: "noSuchCommand", Value: 1}}).Err()
	mu.Lock()
	defer mu.Unlock()
	if len(started) != 2 || len(succeeded) != 1 || len(failed) != 1 {
		t.Fatalf("events: %d started, %d succeeded, %d failed", len(started), len(succeeded), len(failed))
	}
	s := started[0]
	if s.CommandName != "ping" || s.DatabaseName != "admin" || s.RequestID == 0 || s.ConnectionID == 0 || s.Address == "" {
		t.Errorf("started %+v", s.CommandEvent)
	}
	if s.Command.Lookup("$db").StringValue() != "admin" || s.Command.Lookup("ping").Type == 0 {
		t.Errorf("started command %v", s.Command)
	}
	if succeeded[0].RequestID != s.RequestID || succeeded[0].Duration <= 0 || succeeded[0].Reply.Lookup("ok").Type == 0 {
		t.Errorf("succeeded %+v", succeeded[0])
	}
	var se *motor.ServerError
	if failed[0].CommandName != "noSuchCommand" || !errors.As(failed[0].Failure, &se) || failed[0].RequestID != started[1].RequestID {
		t.Errorf("failed %+v", failed[0])
	}
}
