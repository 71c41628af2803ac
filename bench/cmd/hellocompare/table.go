package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// The targets of the comparison, for Motor against the null server.
const (
	minSpeedRatio = 1.3  // Motor ops/s / official ops/s, at least
	maxAllocRatio = 0.25 // Motor allocs/op / official allocs/op, at most
	targetServer  = "null"
)

// driverOrder is the order of the drivers within a group of rows.
var driverOrder = []string{"motor", "official", "raw"}

// row is one driver's medians on one server with one number of goroutines,
// with the official driver's for the ratios.
type row struct {
	server, goroutines, driver string
	ops, p50, p99, allocs, cpu float64 // p50, p99 and cpu in ns; NaN when missing
	officialOps, officialAlloc float64
	runs                       int
}

func (r row) speedRatio() float64 { return r.ops / r.officialOps }

func (r row) allocRatio() float64 {
	if r.officialAlloc == 0 {
		if r.allocs == 0 {
			return 0
		}
		return math.Inf(1)
	}
	return r.allocs / r.officialAlloc
}

// hasTargets reports whether the targets apply to the row.
func (r row) hasTargets() bool { return r.driver == "motor" && r.server == targetServer }

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

// compare makes the rows of the results named .../<server>/<goroutines>/
// <driver>: groups in the order first seen, the drivers of a group in
// driverOrder, and only groups with an official result to compare with.
func compare(results []*result) []row {
	type group struct {
		server, goroutines string
		byDriver           map[string]*result
	}
	var (
		groups []*group
		byKey  = map[string]*group{}
	)
	for _, res := range results {
		parts := strings.Split(res.name, "/")
		if len(parts) < 4 {
			continue
		}
		n := len(parts)
		key := strings.Join(parts[:n-1], "/")
		g := byKey[key]
		if g == nil {
			g = &group{server: parts[n-3], goroutines: parts[n-2], byDriver: map[string]*result{}}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.byDriver[parts[n-1]] = res
	}
	var rows []row
	for _, g := range groups {
		off := g.byDriver["official"]
		if off == nil {
			continue
		}
		names := make([]string, 0, len(g.byDriver))
		for d := range g.byDriver {
			names = append(names, d)
		}
		slices.SortFunc(names, func(a, b string) int {
			ia, ib := slices.Index(driverOrder, a), slices.Index(driverOrder, b)
			if ia < 0 {
				ia = len(driverOrder)
			}
			if ib < 0 {
				ib = len(driverOrder)
			}
			if ia != ib {
				return ia - ib
			}
			return strings.Compare(a, b)
		})
		for _, d := range names {
			res := g.byDriver[d]
			rows = append(rows, row{
				server: g.server, goroutines: g.goroutines, driver: d,
				ops: median(res.metrics["ops/s"]), allocs: median(res.metrics["allocs/op"]),
				p50: median(res.metrics["p50-ns"]), p99: median(res.metrics["p99-ns"]),
				cpu:         median(res.metrics["cpu-ns/op"]),
				officialOps: median(off.metrics["ops/s"]), officialAlloc: median(off.metrics["allocs/op"]),
				runs: min(len(res.metrics["ops/s"]), len(off.metrics["ops/s"])),
			})
		}
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
	fmt.Fprintln(w, "| server | goroutines | driver | ops/s | ratio | p50 µs | p99 µs | allocs/op | alloc ratio | CPU µs/op | targets |")
	fmt.Fprintln(w, "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|---|")
	targeted, missed := 0, 0
	for _, r := range rows {
		var mark string
		switch {
		case r.hasTargets():
			targeted++
			mark = "ok"
			if m := r.misses(); len(m) > 0 {
				mark = "**MISS** " + strings.Join(m, ", ")
				missed++
			}
		case r.driver == "official":
			mark = "reference"
		case r.driver == "raw":
			mark = "floor (no driver)"
		default:
			mark = "–"
		}
		allocRatio := ratio(r.allocRatio())
		if r.allocs == 0 && r.officialAlloc == 0 {
			allocRatio = "–" // 0/0
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %.2fx | %s | %s | %s | %s | %s | %s |\n",
			r.server, r.goroutines, r.driver, r.ops, r.speedRatio(),
			micros(r.p50), micros(r.p99), num(r.allocs), allocRatio, micros(r.cpu), mark)
	}
	fmt.Fprintln(w)
	if targeted == 0 {
		fmt.Fprintf(w, "No Motor rows against the %s server, so no targets to check; medians of %d runs.\n",
			targetServer, minRuns(rows))
		return
	}
	fmt.Fprintf(w, "%d of %d Motor rows against the %s server meet both targets (ratio >= %.1fx, alloc ratio <= %.2f); medians of %d runs.\n",
		targeted-missed, targeted, targetServer, minSpeedRatio, maxAllocRatio, minRuns(rows))
}

func minRuns(rows []row) int {
	n := math.MaxInt
	for _, r := range rows {
		n = min(n, r.runs)
	}
	return n
}

// micros formats a duration in ns as µs, with one decimal below 100 µs.
func micros(ns float64) string {
	switch us := ns / 1000; {
	case math.IsNaN(us):
		return "–"
	case us < 100:
		return fmt.Sprintf("%.1f", us)
	default:
		return fmt.Sprintf("%.0f", us)
	}
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
