package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// The targets of the comparison.
const (
	minSpeedRatio = 2.0 // Motor MB/s / official MB/s, at least
	maxAllocRatio = 0.5 // Motor allocs/op / official allocs/op, at most
)

// row compares Motor with the official driver on one task.
type row struct {
	task                     string // doc/op/shape, plus " (reuse)" for the reuse variants
	motorMBps, officialMBps  float64
	motorAlloc, officialAllc float64
	motorB, officialB        float64
	runs                     int
}

func (r row) speedRatio() float64 { return r.motorMBps / r.officialMBps }

func (r row) allocRatio() float64 {
	if r.officialAllc == 0 {
		if r.motorAlloc == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return r.motorAlloc / r.officialAllc
}

// atAllocFloor reports whether Motor makes only the one allocation that an
// encoder returning a new slice cannot avoid.
func (r row) atAllocFloor() bool {
	return strings.Contains(r.task, "/encode/") && !strings.Contains(r.task, "(") && r.motorAlloc <= 1
}

// misses lists the targets the row misses.
func (r row) misses() []string {
	var m []string
	if r.speedRatio() < minSpeedRatio {
		m = append(m, "speed")
	}
	if r.allocRatio() > maxAllocRatio {
		m = append(m, "allocs")
	}
	return m
}

// compare pairs each .../motor[-variant] result with its
// .../official[-variant] one, in the order of the Motor results.
func compare(results []*result) []row {
	byName := map[string]*result{}
	for _, r := range results {
		byName[r.name] = r
	}
	var rows []row
	for _, m := range results {
		i := strings.LastIndexByte(m.name, '/')
		if i < 0 {
			continue
		}
		prefix, drv := m.name[:i], m.name[i+1:]
		variant, ok := strings.CutPrefix(drv, "motor")
		if !ok || (variant != "" && variant[0] != '-') {
			continue
		}
		o := byName[prefix+"/official"+variant]
		if o == nil {
			continue
		}
		task := strings.TrimPrefix(prefix, "BenchmarkBSON/")
		if variant != "" {
			task += " (" + variant[1:] + ")"
		}
		rows = append(rows, row{
			task:      task,
			motorMBps: median(m.mbps), officialMBps: median(o.mbps),
			motorAlloc: median(m.allocs), officialAllc: median(o.allocs),
			motorB: median(m.bytes), officialB: median(o.bytes),
			runs: min(len(m.mbps), len(o.mbps)),
		})
	}
	return rows
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func writeTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| task | motor MB/s | official MB/s | ratio | motor allocs/op | official allocs/op | alloc ratio | motor B/op | official B/op | targets |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	missed := 0
	for _, r := range rows {
		mark := "ok"
		if m := r.misses(); len(m) > 0 {
			mark = "**MISS** " + strings.Join(m, ", ")
			if r.atAllocFloor() {
				mark += " (1 alloc is the floor: the returned slice)"
			}
			missed++
		}
		allocRatio := ratio(r.allocRatio())
		if r.motorAlloc == 0 && r.officialAllc == 0 {
			allocRatio = "–" // 0/0
		}
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.2fx | %s | %s | %s | %.0f | %.0f | %s |\n",
			r.task, r.motorMBps, r.officialMBps, r.speedRatio(),
			num(r.motorAlloc), num(r.officialAllc), allocRatio,
			math.Round(r.motorB), math.Round(r.officialB), mark)
	}
	fmt.Fprintf(w, "\n%d of %d rows meet both targets (ratio >= %.1fx, alloc ratio <= %.2f); medians of %d runs.\n",
		len(rows)-missed, len(rows), minSpeedRatio, maxAllocRatio, minRuns(rows))
}

func minRuns(rows []row) int {
	n := math.MaxInt
	for _, r := range rows {
		n = min(n, r.runs)
	}
	return n
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func ratio(v float64) string {
	if math.IsInf(v, 1) {
		return "inf"
	}
	return fmt.Sprintf("%.2f", v)
}
