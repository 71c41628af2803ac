package pool

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motor-go/motor/event"
)

// cmapTest is one file of the cmap-format tests.
type cmapTest struct {
	Version     int              `json:"version"`
	Style       string           `json:"style"`
	Description string           `json:"description"`
	PoolOptions map[string]any   `json:"poolOptions"`
	Operations  []map[string]any `json:"operations"`
	Error       map[string]any   `json:"error"`
	Events      []map[string]any `json:"events"`
	Ignore      []string         `json:"ignore"`
	FailPoint   map[string]any   `json:"failPoint"`
	RunOn       []map[string]any `json:"runOn"`
}

const (
	cmapAddress      = "localhost:27017"
	cmapEventTimeout = 10 * time.Second // waitForEvent without a timeout
)

// recorder keeps every event of a pool, as the JSON-like maps the test
// format matches against.
type recorder struct {
	mu     sync.Mutex
	events []map[string]any
}

func (r *recorder) add(typ string, fields map[string]any) {
	fields["type"] = typ
	r.mu.Lock()
	r.events = append(r.events, fields)
	r.mu.Unlock()
}

func (r *recorder) snapshot() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.events...)
}

func (r *recorder) count(typ string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e["type"] == typ {
			n++
		}
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// monitor returns a PoolMonitor that records every event.
func (r *recorder) monitor() *event.PoolMonitor {
	return &event.PoolMonitor{
		PoolCreated: func(e event.PoolCreatedEvent) {
			r.add("ConnectionPoolCreated", map[string]any{"address": e.Address, "options": map[string]any{
				"maxPoolSize":        float64(e.Options.MaxPoolSize),
				"minPoolSize":        float64(e.Options.MinPoolSize),
				"maxConnecting":      float64(e.Options.MaxConnecting),
				"maxIdleTimeMS":      ms(e.Options.MaxIdleTime),
				"waitQueueTimeoutMS": ms(e.Options.WaitQueueTimeout),
			}})
		},
		PoolReady: func(e event.PoolReadyEvent) {
			r.add("ConnectionPoolReady", map[string]any{"address": e.Address})
		},
		PoolCleared: func(e event.PoolClearedEvent) {
			f := map[string]any{"address": e.Address, "interruptInUseConnections": e.InterruptInUseConnections}
			if e.ServiceID != nil {
				f["serviceId"] = e.ServiceID.Hex()
			}
			r.add("ConnectionPoolCleared", f)
		},
		PoolClosed: func(e event.PoolClosedEvent) {
			r.add("ConnectionPoolClosed", map[string]any{"address": e.Address})
		},
		ConnectionCreated: func(e event.ConnectionCreatedEvent) {
			r.add("ConnectionCreated", map[string]any{"address": e.Address, "connectionId": float64(e.ConnectionID)})
		},
		ConnectionReady: func(e event.ConnectionReadyEvent) {
			r.add("ConnectionReady", map[string]any{"address": e.Address, "connectionId": float64(e.ConnectionID), "duration": ms(e.Duration)})
		},
		ConnectionClosed: func(e event.ConnectionClosedEvent) {
			r.add("ConnectionClosed", map[string]any{"address": e.Address, "connectionId": float64(e.ConnectionID), "reason": string(e.Reason)})
		},
		ConnectionCheckOutStarted: func(e event.ConnectionCheckOutStartedEvent) {
			r.add("ConnectionCheckOutStarted", map[string]any{"address": e.Address})
		},
		ConnectionCheckOutFailed: func(e event.ConnectionCheckOutFailedEvent) {
			r.add("ConnectionCheckOutFailed", map[string]any{"address": e.Address, "reason": string(e.Reason), "duration": ms(e.Duration)})
		},
		ConnectionCheckedOut: func(e event.ConnectionCheckedOutEvent) {
			r.add("ConnectionCheckedOut", map[string]any{"address": e.Address, "connectionId": float64(e.ConnectionID), "duration": ms(e.Duration)})
		},
		ConnectionCheckedIn: func(e event.ConnectionCheckedInEvent) {
			r.add("ConnectionCheckedIn", map[string]any{"address": e.Address, "connectionId": float64(e.ConnectionID)})
		},
	}
}

// matches is the format's MATCH: expected is a subset of actual, and 42 or
// "42" match any value that exists.
func matches(expected, actual any) error {
	if expected == 42.0 || expected == "42" {
		if actual == nil {
			return errors.New("missing value (any value expected)")
		}
		return nil
	}
	switch exp := expected.(type) {
	case map[string]any:
		act, ok := actual.(map[string]any)
		if !ok {
			return fmt.Errorf("got %T %v, want an object", actual, actual)
		}
		for k, v := range exp {
			if err := matches(v, act[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		return nil
	case []any:
		act, ok := actual.([]any)
		if !ok {
			return fmt.Errorf("got %T %v, want an array", actual, actual)
		}
		for i, v := range exp {
			if i >= len(act) {
				return fmt.Errorf("[%d]: missing", i)
			}
			if err := matches(v, act[i]); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	}
	if reflect.TypeOf(expected) != reflect.TypeOf(actual) || expected != actual {
		return fmt.Errorf("got %v (%T), want %v (%T)", actual, actual, expected, expected)
	}
	return nil
}

// errorFields describes a pool error in the format's terms. The message
// is matched by containment, ignoring case: the specification's messages
// are prose, while Go error strings are lower-case and name the address.
func errorFields(err error) (typ, msg string) {
	var closedErr *PoolClosedError
	var clearedErr *PoolClearedError
	var timeoutErr *WaitQueueTimeoutError
	var dialErr *DialError
	switch {
	case errors.As(err, &closedErr):
		typ = "PoolClosedError"
	case errors.As(err, &clearedErr):
		typ = "PoolClearedError"
	case errors.As(err, &timeoutErr):
		typ = "WaitQueueTimeoutError"
	case errors.As(err, &dialErr):
		typ = "DialError"
	default:
		typ = fmt.Sprintf("%T", err)
	}
	return typ, err.Error()
}

func matchError(expected map[string]any, err error) error {
	typ, msg := errorFields(err)
	for k, v := range expected {
		switch k {
		case "type":
			if v != typ {
				return fmt.Errorf("error type %s (%v), want %v", typ, err, v)
			}
		case "message":
			want, _ := v.(string)
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(want)) {
				return fmt.Errorf("error message %q does not contain %q", msg, want)
			}
		case "address":
			if !strings.Contains(msg, cmapAddress) {
				return fmt.Errorf("error message %q does not name the address", msg)
			}
		default:
			return fmt.Errorf("unknown error field %q", k)
		}
	}
	return nil
}

// failPoint emulates the server's failCommand fail point on the handshake
// of the fake connections: blockConnection delays it by blockTimeMS,
// errorCode and closeConnection fail it; mode alwaysOn or {times: n}.
type failPoint struct {
	times     atomic.Int64 // remaining activations; < 0 means always
	block     time.Duration
	errorCode int
	closeConn bool
}

func newFailPoint(t *testing.T, doc map[string]any) *failPoint {
	t.Helper()
	if doc["configureFailPoint"] != "failCommand" {
		t.Fatalf("unsupported fail point %v", doc["configureFailPoint"])
	}
	fp := &failPoint{}
	switch m := doc["mode"].(type) {
	case string:
		if m != "alwaysOn" {
			t.Fatalf("unsupported fail point mode %q", m)
		}
		fp.times.Store(-1)
	case map[string]any:
		n, ok := m["times"].(float64)
		if !ok || len(m) != 1 {
			t.Fatalf("unsupported fail point mode %v", m)
		}
		fp.times.Store(int64(n))
	default:
		t.Fatalf("unsupported fail point mode %v", doc["mode"])
	}
	data, _ := doc["data"].(map[string]any)
	for k, v := range data {
		switch k {
		case "failCommands":
			for _, c := range v.([]any) {
				if c != "hello" && c != "isMaster" {
					t.Fatalf("fail point on %v: only the handshake can be emulated", c)
				}
			}
		case "blockConnection": // blockTimeMS applies only with it, below
		case "blockTimeMS":
			fp.block = time.Duration(v.(float64)) * time.Millisecond
		case "errorCode":
			fp.errorCode = int(v.(float64))
		case "closeConnection":
			fp.closeConn = v.(bool)
		case "appName": // every fake connection is the test pool's
		default:
			t.Fatalf("unsupported fail point field %q", k)
		}
	}
	if data["blockConnection"] != true {
		fp.block = 0
	}
	return fp
}

// hook is the fake dialer's handshake under the fail point.
func (fp *failPoint) hook(ctx context.Context, id int64) error {
	for {
		n := fp.times.Load()
		if n == 0 {
			return nil
		}
		if n < 0 || fp.times.CompareAndSwap(n, n-1) {
			break
		}
	}
	if fp.block > 0 {
		t := time.NewTimer(fp.block)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	switch {
	case fp.errorCode != 0:
		return fmt.Errorf("fake: hello failed with code %d (fail point)", fp.errorCode)
	case fp.closeConn:
		return errors.New("fake: connection closed by the server (fail point)")
	}
	return nil
}
