package hellobench

import (
	"context"
	"strconv"
	"testing"
)

// goroutines are the numbers of goroutines making round trips at once.
var goroutines = []int{1, 64}

// BenchmarkHello is BenchmarkHello/<server>/<goroutines>/<driver>: see the
// package documentation for what it reports.
func BenchmarkHello(b *testing.B) {
	for _, server := range []string{"null", "ferretdb"} {
		b.Run(server, func(b *testing.B) {
			t := target(b, server)
			for _, g := range goroutines {
				b.Run(strconv.Itoa(g), func(b *testing.B) {
					for _, d := range Drivers() {
						benchDriver(b, d.Name, t, g)
					}
				})
			}
		})
	}
}

// benchDriver runs the sub-benchmark of one driver. Its client is opened
// on the first call of the sub-benchmark, which the testing package makes
// several times with growing b.N, and closed after the last.
func benchDriver(b *testing.B, name string, t Target, workers int) {
	ctx := context.Background()
	var c Client
	b.Run(name, func(b *testing.B) {
		if c == nil {
			var err error
			if c, err = Open(ctx, name, t, workers); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		r, err := Loop(ctx, c, workers, b.N, b.ResetTimer, b.StopTimer)
		if err != nil {
			b.Fatalf("%s against the %s server: %v", name, t.Name, err)
		}
		b.ReportMetric(r.OpsPerSec(), "ops/s")
		b.ReportMetric(float64(Percentile(r.Latency, 50)), "p50-ns")
		b.ReportMetric(float64(Percentile(r.Latency, 99)), "p99-ns")
		if r.CPUOK {
			b.ReportMetric(float64(r.CPUPerOp()), "cpu-ns/op")
		}
	})
	if c != nil {
		if err := c.Close(ctx); err != nil {
			b.Errorf("%s: Close: %v", name, err)
		}
	}
}
