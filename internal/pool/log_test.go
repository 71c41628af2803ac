package pool

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/motor-go/motor/event"
	"github.com/motor-go/motor/internal/logger"
)

// recordHandler keeps the messages and attributes of the records.
type recordHandler struct {
	mu   sync.Mutex
	msgs []string
	recs []slog.Record
}

func (*recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h *recordHandler) WithGroup(string) slog.Handler          { return h }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Message)
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	return nil
}

// attr returns the attribute key of the i-th record.
func (h *recordHandler) attr(i int, key string) (slog.Value, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var v slog.Value
	found := false
	h.recs[i].Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v, found = a.Value, true
			return false
		}
		return true
	})
	return v, found
}

// levels returns settings with only connection at level.
func connectionOnly(h slog.Handler, level slog.Level) logger.Settings {
	s := logger.Settings{Logger: slog.New(h), LevelSet: [logger.NumComponents]bool{true, true, true, true}}
	for i := range s.Levels {
		s.Levels[i] = logger.LevelOff
	}
	s.Levels[logger.Connection] = level
	return s
}

func newLogger(t testing.TB, s logger.Settings) *logger.Logger {
	l, warnings := logger.New(s, func(string) string { return "" })
	if len(warnings) > 0 || l == nil {
		t.Fatalf("logger %v, warnings %q", l, warnings)
	}
	return l
}

func TestPoolLogMessages(t *testing.T) {
	h := &recordHandler{}
	opts := DefaultOptions()
	opts.MaintainInterval = -1
	opts.MaxPoolSize = 3
	opts.Log = newLogger(t, connectionOnly(h, logger.LevelDebug))
	d := &fakeDialer{}
	p, err := New("db.example:27017", opts, d.dial, noopMonitor)
	if err != nil {
		t.Fatal(err)
	}
	p.Ready()
	ctx := context.Background()
	c, err := p.CheckOut(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckIn(c); err != nil {
		t.Fatal(err)
	}
	p.Clear(ClearOptions{Cause: errors.New("boom")})
	if _, err := p.CheckOut(ctx); err == nil {
		t.Fatal("check-out from a paused pool succeeded")
	}
	p.Close()
	want := []string{
		"Connection pool created", "Connection pool ready", "Connection checkout started", "Connection created",
		"Connection ready", "Connection checked out", "Connection checked in", "Connection pool cleared",
		"Connection checkout started", "Connection checkout failed", "Connection closed", "Connection pool closed",
	}
	h.mu.Lock()
	got := slices.Clone(h.msgs)
	h.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("messages\n%q\nwant\n%q", got, want)
	}
	for i := range got {
		if v, _ := h.attr(i, "serverHost"); v.String() != "db.example" {
			t.Errorf("%s: serverHost %v", got[i], v)
		}
		if v, _ := h.attr(i, "serverPort"); v.Int64() != 27017 {
			t.Errorf("%s: serverPort %v", got[i], v)
		}
		if v, _ := h.attr(i, "component"); v.String() != "connection" {
			t.Errorf("%s: component %v", got[i], v)
		}
	}
	if v, _ := h.attr(0, "maxPoolSize"); v.Int64() != 3 {
		t.Errorf("maxPoolSize %v", v)
	}
	if v, _ := h.attr(9, "reason"); v.String() != "An error occurred while trying to establish a new connection" {
		t.Errorf("checkout failed reason %v", v)
	}
	if _, ok := h.attr(9, "error"); !ok {
		t.Error("checkout failed without error")
	}
	if v, _ := h.attr(10, "reason"); v.String() != "Connection pool was closed" {
		t.Errorf("closed reason %v", v)
	}
}

// TestLogOffAllocs: a logger whose connection component is off, or whose
// handler refuses debug messages, adds no allocation to a check-out and
// check-in; when the component is off, the monitor stays the one given.
func TestLogOffAllocs(t *testing.T) {
	s := connectionOnly(&recordHandler{}, logger.LevelOff)
	s.Levels[logger.Command] = logger.LevelDebug // the logger exists
	quiet := slog.NewTextHandler(nil, &slog.HandlerOptions{Level: slog.LevelInfo})
	for name, l := range map[string]*logger.Logger{
		"component off":   newLogger(t, s),
		"handler at info": newLogger(t, connectionOnly(quiet, logger.LevelDebug)),
	} {
		if m := logMonitor(l, noopMonitor); (m != noopMonitor) != (name == "handler at info") {
			t.Errorf("%s: wrapped %v", name, m != noopMonitor)
		}
		opts := DefaultOptions()
		opts.Log = l
		p, err := New("127.0.0.1:27017", opts, (&fakeDialer{}).dial, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Ready()
		ctx := context.Background()
		allocs := testing.AllocsPerRun(1000, func() {
			c, err := p.CheckOut(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.CheckIn(c); err != nil {
				t.Fatal(err)
			}
		})
		p.Close()
		if allocs != 0 {
			t.Errorf("%s: %v allocations per check-out and check-in, want 0", name, allocs)
		}
	}
}

func BenchmarkCheckOutCheckInLogged(b *testing.B) {
	discard := slog.NewJSONHandler(discardWriter{}, &slog.HandlerOptions{Level: logger.LevelTrace})
	for _, bc := range []struct {
		name  string
		level slog.Level
	}{{"off", logger.LevelOff}, {"debug", logger.LevelDebug}} {
		b.Run(bc.name, func(b *testing.B) {
			s := connectionOnly(discard, bc.level)
			s.Levels[logger.Command] = logger.LevelDebug
			opts := DefaultOptions()
			opts.Log = newLogger(b, s)
			p, err := New("127.0.0.1:27017", opts, (&fakeDialer{}).dial, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			p.Ready()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c, err := p.CheckOut(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := p.CheckIn(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// TestLogHandlerLevelChanges: the pool asks the handler about each
// message, so lowering a slog.LevelVar later turns the messages on.
func TestLogHandlerLevelChanges(t *testing.T) {
	var lv slog.LevelVar
	lv.Set(slog.LevelInfo)
	h := &recordHandler{}
	filtered := levelFilter{h: h, level: &lv}
	opts := DefaultOptions()
	opts.MaintainInterval = -1
	opts.Log = newLogger(t, connectionOnly(filtered, logger.LevelDebug))
	p, err := New("127.0.0.1:27017", opts, (&fakeDialer{}).dial, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Ready()
	checkOutIn := func() {
		c, err := p.CheckOut(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := p.CheckIn(c); err != nil {
			t.Fatal(err)
		}
	}
	checkOutIn()
	if len(h.msgs) != 0 {
		t.Fatalf("messages at info level: %q", h.msgs)
	}
	lv.Set(slog.LevelDebug)
	checkOutIn()
	want := []string{"Connection checkout started", "Connection checked out", "Connection checked in"}
	if !slices.Equal(h.msgs, want) {
		t.Fatalf("messages %q, want %q", h.msgs, want)
	}
}

// levelFilter passes the records at or above a variable level to h.
type levelFilter struct {
	h     slog.Handler
	level *slog.LevelVar
}

func (f levelFilter) Enabled(_ context.Context, l slog.Level) bool { return l >= f.level.Level() }
func (f levelFilter) Handle(ctx context.Context, r slog.Record) error {
	return f.h.Handle(ctx, r)
}
func (f levelFilter) WithAttrs([]slog.Attr) slog.Handler { return f }
func (f levelFilter) WithGroup(string) slog.Handler      { return f }

// countingErr counts the calls of its Error method.
type countingErr struct{ calls *int }

func (e countingErr) Error() string { *e.calls++; return "boom" }

// TestLogRefusedErrorMessages: when the handler refuses debug messages, the
// messages that carry an error (connection closed, checkout failed) neither
// render the error nor allocate, and the application's monitor still gets
// the events.
func TestLogRefusedErrorMessages(t *testing.T) {
	quiet := slog.NewTextHandler(nil, &slog.HandlerOptions{Level: slog.LevelInfo})
	l := newLogger(t, connectionOnly(quiet, logger.LevelDebug))
	var closed, failed int
	m := logMonitor(l, &event.PoolMonitor{
		ConnectionClosed:         func(event.ConnectionClosedEvent) { closed++ },
		ConnectionCheckOutFailed: func(event.ConnectionCheckOutFailedEvent) { failed++ },
	})
	calls := 0
	err := countingErr{&calls}
	allocs := testing.AllocsPerRun(100, func() {
		m.ConnectionClosed(event.ConnectionClosedEvent{Address: "a:1", ConnectionID: 1, Reason: event.ReasonError, Error: err})
		m.ConnectionCheckOutFailed(event.ConnectionCheckOutFailedEvent{Address: "a:1", Reason: event.CheckOutConnectionError, Error: err})
	})
	if calls != 0 {
		t.Errorf("the error was rendered %d times for refused messages", calls)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per refused message pair, want 0", allocs)
	}
	if closed == 0 || closed != failed {
		t.Errorf("the monitor got %d closed and %d checkout failed events", closed, failed)
	}
}
