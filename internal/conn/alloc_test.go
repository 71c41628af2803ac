//go:build !race

// The race detector makes sync.Pool drop a share of what is put into it on
// purpose, so allocation counts are only meaningful without it.

package conn

import (
	"testing"
)

// A steady round trip allocates nothing but what context.AfterFunc needs to
// watch a context that can be cancelled.
func TestRoundTripAllocs(t *testing.T) {
	cmd := &Command{DB: "admin", Body: marshal(t, pingCmd)}
	for _, tc := range roundTripCases {
		want := 0.0
		if tc.name == "cancellable" || tc.name == "deadline" {
			want = 2
		}
		c := benchConn(t, tc.cfg, tc.compress)
		ctx, cancel := tc.ctx()
		run := func() {
			r, err := c.RoundTrip(ctx, cmd)
			if err != nil {
				t.Fatal(err)
			}
			r.Release()
		}
		run() // warm the buffers and pools
		if n := testing.AllocsPerRun(200, run); n > want {
			t.Errorf("%s: %v allocations per round trip, want at most %v", tc.name, n, want)
		}
		cancel()
	}
}
