package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// result is one benchmark's samples, one per run, by unit ("ops/s",
// "allocs/op", ...).
type result struct {
	name    string // without the -GOMAXPROCS suffix
	metrics map[string][]float64
}

// parse reads go test -bench output and returns the results in the order
// first seen, and the cpu: line.
func parse(r io.Reader) ([]*result, string, error) {
	var (
		order []*result
		byKey = map[string]*result{}
		cpu   string
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "cpu: "); ok {
			cpu = strings.TrimSpace(c)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a name alone (a benchmark that printed), or not a result
		}
		name := trimProcs(f[0])
		res := byKey[name]
		if res == nil {
			res = &result{name: name, metrics: map[string][]float64{}}
			byKey[name] = res
			order = append(order, res)
		}
		for i := 2; i+1 < len(f); i += 2 {
			var v float64
			if _, err := fmt.Sscan(f[i], &v); err != nil {
				return nil, "", fmt.Errorf("%q: %v", line, err)
			}
			res.metrics[f[i+1]] = append(res.metrics[f[i+1]], v)
		}
		for _, unit := range []string{"ops/s", "allocs/op"} {
			if _, ok := res.metrics[unit]; !ok {
				return nil, "", fmt.Errorf("%q: no %s (want hellobench's metrics and -benchmem)", line, unit)
			}
		}
	}
	return order, cpu, sc.Err()
}

// trimProcs removes the -N GOMAXPROCS suffix of a benchmark name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i+1 == len(name) {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}
