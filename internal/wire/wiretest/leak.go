package wiretest

import (
	"bytes"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// LeakCheck notes the goroutines running now and, when the test ends
// (after the cleanups registered later, such as a server's Close), fails it
// if goroutines started since are still running once they have had up to
// five seconds to end. The failure shows their stacks. Goroutines are told
// apart by their IDs, so one ending elsewhere cannot hide a leak.
func LeakCheck(tb testing.TB) {
	tb.Helper()
	before := map[uint64]bool{}
	for id := range goroutines() {
		before[id] = true
	}
	tb.Cleanup(func() {
		deadline := time.Now().Add(leakWait)
		for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
			var leaked [][]byte
			for id, stack := range goroutines() {
				if !before[id] {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				tb.Errorf("wiretest: %d goroutines leaked:\n\n%s", len(leaked), bytes.Join(leaked, []byte("\n\n")))
				return
			}
			time.Sleep(wait)
		}
	})
}

// leakWait is how long LeakCheck lets goroutines take to end.
var leakWait = 5 * time.Second

// goroutines returns the stack of every goroutine but the caller's, by ID.
func goroutines() map[uint64][]byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[uint64][]byte{}
	// The first stack is the caller's own.
	for i, stack := range bytes.Split(buf, []byte("\n\n")) {
		rest, ok := bytes.CutPrefix(stack, []byte("goroutine "))
		if !ok || i == 0 {
			continue
		}
		idText, _, _ := bytes.Cut(rest, []byte(" "))
		if id, err := strconv.ParseUint(string(idText), 10, 64); err == nil {
			out[id] = stack
		}
	}
	return out
}
