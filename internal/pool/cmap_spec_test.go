package pool

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/spectest"
)

// serverOnly lists the cmap-format files that the format runs against a
// real server, configuring the failCommand fail point to delay or fail the
// handshake. The project's test server (FerretDB) has no fail points, so
// their server form is skipped. Their pool behaviour is still tested: the
// "emulated" subtest runs each with the fail point emulated in the fake
// dialer.
var serverOnly = map[string]bool{
	"pool-checkout-custom-maxConnecting-is-enforced.json":     true,
	"pool-checkout-maxConnecting-is-enforced.json":            true,
	"pool-checkout-maxConnecting-timeout.json":                true,
	"pool-checkout-minPoolSize-connection-maxConnecting.json": true,
	"pool-checkout-returned-connection-maxConnecting.json":    true,
	"pool-clear-interrupting-pending-connections.json":        true,
	"pool-create-min-size-error.json":                         true,
}

const serverOnlyReason = "needs failCommand fail point, which the test server lacks"

func TestCMAPSpec(t *testing.T) {
	dir := spectest.Dir(t, "connection-monitoring-and-pooling", "cmap-format")
	var passed, failed, skipped, emulatedPassed, emulatedFailed []string
	for _, path := range spectest.Files(t, dir) {
		name := filepath.Base(path)
		var test cmapTest
		spectest.Load(t, path, &test)
		if (test.FailPoint != nil) != serverOnly[name] {
			t.Errorf("%s: has a fail point: %v, listed in serverOnly: %v", name, test.FailPoint != nil, serverOnly[name])
		}
		if test.Version != 1 {
			t.Errorf("%s: unknown format version %d", name, test.Version)
		}
		if test.FailPoint == nil {
			if t.Run(name, func(t *testing.T) { runCMAPTest(t, &test) }) {
				passed = append(passed, name)
			} else {
				failed = append(failed, name)
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Run("server", func(t *testing.T) { t.Skip(serverOnlyReason) })
			skipped = append(skipped, name)
			if t.Run("emulated", func(t *testing.T) { runCMAPTest(t, &test) }) {
				emulatedPassed = append(emulatedPassed, name)
			} else {
				emulatedFailed = append(emulatedFailed, name)
			}
		})
	}
	t.Logf("cmap-format: %d files; %d passed, %d failed %v; %d server-only skipped (%s), "+
		"of which %d passed and %d failed %v with the fail point emulated",
		len(passed)+len(failed)+len(skipped), len(passed), len(failed), failed,
		len(skipped), serverOnlyReason, len(emulatedPassed), len(emulatedFailed), emulatedFailed)
}

// cmapRun is the state of one test file's run.
type cmapRun struct {
	t       *testing.T
	pool    *Pool[*fakeConn]
	rec     *recorder
	dialer  *fakeDialer
	mu      sync.Mutex
	labels  map[string]*PooledConn[*fakeConn]
	threads map[string]*cmapThread
}

// cmapThread is a named thread of the test: a goroutine running its
// operations in order; after an error it runs no more.
type cmapThread struct {
	ops  chan map[string]any
	done chan struct{}
	err  error
}

func runCMAPTest(t *testing.T, test *cmapTest) {
	before := runtime.NumGoroutine()
	r := &cmapRun{
		t:       t,
		rec:     &recorder{},
		dialer:  &fakeDialer{},
		labels:  map[string]*PooledConn[*fakeConn]{},
		threads: map[string]*cmapThread{},
	}
	if test.FailPoint != nil {
		r.dialer.hook = newFailPoint(t, test.FailPoint).hook
	}
	opts := DefaultOptions()
	for k, v := range test.PoolOptions {
		n, _ := v.(float64)
		switch k {
		case "maxPoolSize":
			opts.MaxPoolSize = int(n)
		case "minPoolSize":
			opts.MinPoolSize = int(n)
		case "maxConnecting":
			opts.MaxConnecting = int(n)
		case "maxIdleTimeMS":
			opts.MaxIdleTime = time.Duration(n * float64(time.Millisecond))
		case "waitQueueTimeoutMS":
			opts.WaitQueueTimeout = time.Duration(n * float64(time.Millisecond))
		case "backgroundThreadIntervalMS":
			opts.MaintainInterval = time.Duration(n * float64(time.Millisecond)) // negative: never
		case "appName": // selects the fail point's victims; all fake connections are
		default:
			t.Fatalf("unknown pool option %q", k)
		}
	}
	// The stand-in for server discovery: an establishment error in the
	// background clears the pool, as SDAM's pre-handshake error handling
	// does.
	var pool *Pool[*fakeConn]
	opts.OnDialError = func(err *DialError) { pool.Clear(ClearOptions{Cause: err}) }
	pool, err := New(cmapAddress, opts, r.dialer.dial, r.rec.monitor())
	if err != nil {
		t.Fatal(err)
	}
	r.pool = pool

	var mainErr error
	for i, op := range test.Operations {
		if th, ok := op["thread"].(string); ok {
			thread := r.threads[th]
			if thread == nil {
				t.Fatalf("operation %d: thread %q not started", i, th)
			}
			thread.ops <- op
			continue
		}
		if mainErr = r.do(op); mainErr != nil {
			break
		}
	}
	events := r.rec.snapshot()

	// Clean up before judging, so that a failure leaks nothing.
	pool.Close()
	for name, th := range r.threads {
		close(th.ops)
		select {
		case <-th.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("thread %s does not finish after the pool is closed", name)
		}
	}
	checkGoroutines(t, before)
	if n := r.dialer.doubleCloses.Load(); n != 0 {
		t.Errorf("%d connections closed twice", n)
	}

	if test.Error != nil {
		if mainErr == nil {
			t.Errorf("no error, want %v", test.Error)
		} else if err := matchError(test.Error, mainErr); err != nil {
			t.Error(err)
		}
	} else if mainErr != nil {
		t.Errorf("unexpected error: %v", mainErr)
	}

	ignore := map[string]bool{}
	for _, typ := range test.Ignore {
		ignore[typ] = true
	}
	var actual []map[string]any
	for _, e := range events {
		if !ignore[e["type"].(string)] {
			actual = append(actual, e)
		}
	}
	for i, want := range test.Events {
		if i >= len(actual) {
			t.Errorf("event %d: missing, want %v\nevents: %s", i, want, eventList(actual))
			break
		}
		if err := matches(want, actual[i]); err != nil {
			t.Errorf("event %d: %v\nwant %v\nevents: %s", i, err, want, eventList(actual))
			break
		}
	}
}

func eventList(events []map[string]any) string {
	var b strings.Builder
	for i, e := range events {
		keys := make([]string, 0, len(e))
		for k := range e {
			if k != "type" && k != "address" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "\n  %2d %s", i, e["type"])
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, e[k])
		}
	}
	return b.String()
}

// do runs one operation on the calling thread.
func (r *cmapRun) do(op map[string]any) error {
	t := r.t
	name, _ := op["name"].(string)
	switch name {
	case "start":
		target := op["target"].(string)
		th := &cmapThread{ops: make(chan map[string]any, 16), done: make(chan struct{})}
		r.threads[target] = th
		go func() {
			defer close(th.done)
			for op := range th.ops {
				if th.err == nil {
					th.err = r.do(op)
				}
			}
		}()
	case "wait":
		time.Sleep(time.Duration(op["ms"].(float64)) * time.Millisecond)
	case "waitForThread":
		target := op["target"].(string)
		th := r.threads[target]
		if th == nil {
			t.Errorf("waitForThread: no thread %q", target)
			return nil
		}
		delete(r.threads, target)
		close(th.ops)
		select {
		case <-th.done:
		case <-time.After(cmapEventTimeout):
			t.Errorf("waitForThread %s: still running after %v", target, cmapEventTimeout)
			return nil
		}
		return th.err
	case "waitForEvent":
		typ := op["event"].(string)
		count := int(op["count"].(float64))
		timeout := cmapEventTimeout
		if ms, ok := op["timeout"].(float64); ok {
			timeout = time.Duration(ms) * time.Millisecond
		}
		deadline := time.Now().Add(timeout)
		for r.rec.count(typ) < count {
			if time.Now().After(deadline) {
				t.Errorf("waitForEvent: %d %s events after %v, want %d\nevents: %s",
					r.rec.count(typ), typ, timeout, count, eventList(r.rec.snapshot()))
				return nil
			}
			time.Sleep(time.Millisecond)
		}
	case "checkOut":
		c, err := r.pool.CheckOut(context.Background())
		if err != nil {
			return err
		}
		if label, ok := op["label"].(string); ok {
			r.mu.Lock()
			r.labels[label] = c
			r.mu.Unlock()
		}
	case "checkIn":
		label := op["connection"].(string)
		r.mu.Lock()
		c := r.labels[label]
		r.mu.Unlock()
		if c == nil {
			t.Errorf("checkIn: no connection labelled %q", label)
			return nil
		}
		return r.pool.CheckIn(c)
	case "clear":
		interrupt, _ := op["interruptInUseConnections"].(bool)
		r.pool.Clear(ClearOptions{InterruptInUse: interrupt})
	case "close":
		r.pool.Close()
	case "ready":
		r.pool.Ready()
	default:
		t.Errorf("unknown operation %q", name)
	}
	return nil
}
