package hellobench

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Result is what one timed loop of round trips measured.
type Result struct {
	Ops     int             // round trips made
	Elapsed time.Duration   // wall time of the loop
	Latency []time.Duration // each round trip's, sorted
	CPU     time.Duration   // the process's CPU time over the loop
	CPUOK   bool            // whether CPU could be measured
}

// OpsPerSec returns the round trips per second.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// CPUPerOp returns the CPU time per round trip.
func (r Result) CPUPerOp() time.Duration { return r.CPU / time.Duration(max(r.Ops, 1)) }

// Loop makes n hello round trips with c, split evenly over workers
// goroutines that all start at once (with one worker, on the calling
// goroutine), timing each. Everything it allocates is allocated before
// start is called and after stop returns, so that a benchmark passing
// b.ResetTimer and b.StopTimer counts only the round trips' allocations.
// It returns the first error of a round trip.
func Loop(ctx context.Context, c Client, workers, n int, start, stop func()) (Result, error) {
	lat := make([][]time.Duration, workers)
	for w := range lat {
		k := n / workers
		if w < n%workers {
			k++
		}
		lat[w] = make([]time.Duration, k)
	}
	errs := make([]error, workers)
	run := func(w int) {
		l := lat[w]
		for i := range l {
			t0 := time.Now()
			if err := c.Hello(ctx, w); err != nil {
				errs[w] = err
				return
			}
			l[i] = time.Since(t0)
		}
	}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	if workers > 1 {
		for w := range workers {
			wg.Go(func() {
				<-gate
				run(w)
			})
		}
	}

	cpu0, ok0 := CPUTime()
	start()
	t0 := time.Now()
	if workers > 1 {
		close(gate)
		wg.Wait()
	} else {
		run(0)
	}
	elapsed := time.Since(t0)
	stop()
	cpu1, ok1 := CPUTime()

	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return Result{Ops: n, Elapsed: elapsed, Latency: all, CPU: cpu1 - cpu0, CPUOK: ok0 && ok1}, nil
}
