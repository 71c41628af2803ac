//go:build !unix

package hellobench

import "time"

// CPUTime reports false: this system has no getrusage, and the benchmarks
// leave out the cpu-ns/op metric.
func CPUTime() (time.Duration, bool) { return 0, false }
