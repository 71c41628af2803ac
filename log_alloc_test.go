//go:build !race

// The race detector's sync.Pool drops items at random, so allocation counts
// are only meaningful without it; .ci/run runs these tests in a step of
// their own, without -race.

package motor_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

// logConfigs are the ways a client can have logging off: no logger at all,
// a logger whose components are off, and a logger whose handler refuses
// the debug messages of the components that are on.
var logConfigs = []struct {
	name string
	edit func(*motor.Config)
}{
	{"no logger", func(cfg *motor.Config) { cfg.LogLevels = allOff }},
	{"components off", func(cfg *motor.Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		cfg.LogLevels = allOff
	}},
	{"handler at info", func(cfg *motor.Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		cfg.LogLevels = motor.LogLevels{Command: motor.LogDebug, Topology: motor.LogOff, ServerSelection: motor.LogDebug, Connection: motor.LogDebug}
	}},
}

// TestLogOffAllocs: logging that is off adds no allocation to a command's
// round trip (selection, check-out, the command, check-in).
func TestLogOffAllocs(t *testing.T) {
	uri := testenv.URI(t, testenv.Options{})
	ctx := context.Background()
	ping := bson.D{{Key: "ping", Value: 1}}
	var base float64
	for i, lc := range logConfigs {
		c := connect(t, uri, lc.edit)
		db := c.Database("admin")
		if err := db.RunCommand(ctx, ping).Err(); err != nil { // warm: a pooled connection
			t.Fatal(err)
		}
		// The least of three runs: the client's background goroutines
		// (monitors, pool maintenance) allocate too, now and then.
		allocs := -1.0
		for range 3 {
			n := testing.AllocsPerRun(200, func() {
				if err := db.RunCommand(ctx, ping).Err(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs < 0 || n < allocs {
				allocs = n
			}
		}
		t.Logf("%s: %v allocations per round trip", lc.name, allocs)
		if i == 0 {
			base = allocs
		} else if allocs > base {
			t.Errorf("%s: %v allocations per round trip, more than the %v without a logger", lc.name, allocs, base)
		}
	}
}

// BenchmarkRunCommandLogging runs ping against the test server with
// logging off in each way, and with every component on at debug into a
// discarding JSON handler, for the cost of the messages:
//
//	go test -run '^$' -bench RunCommandLogging -benchmem .
func BenchmarkRunCommandLogging(b *testing.B) {
	uri := testenv.URI(b, testenv.Options{})
	ctx := context.Background()
	ping := bson.D{{Key: "ping", Value: 1}}
	configs := append(logConfigs, struct {
		name string
		edit func(*motor.Config)
	}{"all debug", func(cfg *motor.Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: motor.LevelTrace}))
		cfg.LogLevels = motor.LogLevels{Command: motor.LogDebug, Topology: motor.LogDebug, ServerSelection: motor.LogDebug, Connection: motor.LogDebug}
	}})
	for _, lc := range configs {
		b.Run(lc.name, func(b *testing.B) {
			c := connect(b, uri, lc.edit)
			db := c.Database("admin")
			b.ReportAllocs()
			for b.Loop() {
				if err := db.RunCommand(ctx, ping).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
