package hellobench

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/motor-go/motor/bench/nullserver"
	"github.com/motor-go/motor/internal/wire/wiretest"
)

// startNull starts a null server in this process for a test.
func startNull(t *testing.T) (*nullserver.Server, Target) {
	t.Helper()
	s, err := nullserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := s.Err(); err != nil {
			t.Errorf("null server: %v", err)
		}
	})
	return s, Target{Name: "null", URI: s.URI(), Addr: s.Addr()}
}

// roundTrips opens a client of t with every driver, for two workers (the
// warm-up makes 2*warmupOps round trips), makes one more round trip from
// each worker, and closes it.
func roundTrips(t *testing.T, target Target) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if len(Drivers()) < 2 {
		t.Fatalf("drivers %v", Drivers())
	}
	for _, d := range Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			c, err := Open(ctx, d.Name, target, 2)
			if err != nil {
				t.Fatal(err)
			}
			for w := range 2 {
				if err := c.Hello(ctx, w); err != nil {
					t.Errorf("worker %d: %v", w, err)
				}
			}
			if err := c.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

// TestRoundTripNull checks each driver's round trips against the null
// server, that the server saw them, and that closing the clients and the
// server leaves no goroutine behind.
func TestRoundTripNull(t *testing.T) {
	wiretest.LeakCheck(t)
	s, target := startNull(t)
	roundTrips(t, target)
	// At least the raw client's round trips; the drivers add handshakes,
	// and the official driver an endSessions when it disconnects.
	if n, want := s.Requests(), int64(len(Drivers())*2*(warmupOps+1)); n < want {
		t.Errorf("the server served %d requests, want at least %d", n, want)
	}
}

// TestRoundTripFerretDB checks each driver's round trips against FerretDB.
func TestRoundTripFerretDB(t *testing.T) {
	roundTrips(t, target(t, "ferretdb"))
}

// TestLoop checks the timed loop's result, with one worker and with more
// workers than round trips.
func TestLoop(t *testing.T) {
	_, target := startNull(t)
	ctx := context.Background()
	for _, tc := range []struct{ workers, n int }{{1, 50}, {4, 50}, {8, 5}} {
		c, err := Open(ctx, "raw", target, tc.workers)
		if err != nil {
			t.Fatal(err)
		}
		started, stopped := 0, 0
		r, err := Loop(ctx, c, tc.workers, tc.n, func() { started++ }, func() { stopped++ })
		c.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if started != 1 || stopped != 1 {
			t.Errorf("%+v: start called %d times, stop %d", tc, started, stopped)
		}
		if r.Ops != tc.n || len(r.Latency) != tc.n || r.Elapsed <= 0 {
			t.Errorf("%+v: %d ops, %d latencies, elapsed %v", tc, r.Ops, len(r.Latency), r.Elapsed)
		}
		for i, l := range r.Latency {
			if l <= 0 || (i > 0 && l < r.Latency[i-1]) || l > r.Elapsed {
				t.Fatalf("%+v: latencies not positive, sorted and within the loop: %v", tc, r.Latency)
			}
		}
		if r.OpsPerSec() <= 0 || !r.CPUOK || r.CPUPerOp() < 0 {
			t.Errorf("%+v: %v ops/s, CPU %v (%v)", tc, r.OpsPerSec(), r.CPU, r.CPUOK)
		}
	}
}

// TestLoopError checks that a failed round trip is Loop's error.
func TestLoopError(t *testing.T) {
	s, target := startNull(t)
	c, err := Open(context.Background(), "raw", target, 3)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Loop(context.Background(), c, 3, 30, func() {}, func() {}); err == nil {
		t.Error("Loop against a closed server succeeded")
	}
	c.Close(context.Background())
}

// TestNullProcess builds the null server command, runs it in a child
// process, makes a round trip and stops it.
func TestNullProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := StartNullProcess(ctx, nullServerBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if p.PID() <= 0 || !strings.HasPrefix(p.Addr, "127.0.0.1:") {
		t.Errorf("pid %d, addr %q", p.PID(), p.Addr)
	}
	c, err := Open(ctx, "raw", p.Target(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello(ctx, 0); err != nil {
		t.Error(err)
	}
	c.Close(ctx)
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if nc, err := net.DialTimeout("tcp", p.Addr, time.Second); err == nil {
		nc.Close()
		t.Error("the server still accepts connections after Stop")
	}
}

// TestStartNullProcessFailure checks that a binary that prints no address
// is an error, and that it is stopped.
func TestStartNullProcessFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// /bin/true prints nothing and exits.
	if _, err := StartNullProcess(ctx, "/bin/true"); err == nil {
		t.Error("StartNullProcess(/bin/true) succeeded")
	}
	if _, err := StartNullProcess(ctx, "/nonexistent/nullserver"); err == nil {
		t.Error("StartNullProcess of a missing binary succeeded")
	}
}

func TestOpenUnknownDriver(t *testing.T) {
	_, err := Open(context.Background(), "nope", Target{Name: "null"}, 1)
	if err == nil || !strings.Contains(err.Error(), `no driver "nope"`) {
		t.Errorf("Open(nope) = %v", err)
	}
}

func TestOpenRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Open(context.Background(), "raw", Target{Name: "gone", Addr: addr}, 2)
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("Open against a closed port = %v, want a *net.OpError", err)
	}
}

func TestPercentile(t *testing.T) {
	s := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {99, 10}, {100, 10}, {10, 1}, {11, 2}, {0.1, 1}} {
		if got := Percentile(s, tc.p); got != tc.want {
			t.Errorf("Percentile(1..10, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v", got)
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("Percentile([7], 99) = %v", got)
	}
}

func TestTargetFromURI(t *testing.T) {
	for uri, want := range map[string]string{
		"mongodb://127.0.0.1:27017/":     "127.0.0.1:27017",
		"mongodb://127.0.0.1:5/?tls=off": "127.0.0.1:5",
		"mongodb://a:1,b:2/":             "",
		"mongodb://u:p@127.0.0.1:1/":     "",
		"mongodb+srv://example.com/":     "",
		"::":                             "",
	} {
		got, err := TargetFromURI("x", uri)
		if want == "" {
			if err == nil {
				t.Errorf("TargetFromURI(%q) = %+v, want an error", uri, got)
			}
			continue
		}
		if err != nil || got.Addr != want || got.URI != uri || got.Name != "x" {
			t.Errorf("TargetFromURI(%q) = %+v, %v", uri, got, err)
		}
	}
}
