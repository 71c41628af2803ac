package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: AMD EPYC
BenchmarkBSON/flat/encode/D/motor-2         	  105307	      2124 ns/op	2800.00 MB/s	    6145 B/op	       1 allocs/op
BenchmarkBSON/flat/encode/D/motor-2         	  105307	      2124 ns/op	3000.00 MB/s	    6145 B/op	       1 allocs/op
BenchmarkBSON/flat/encode/D/motor-2         	  105307	      2124 ns/op	2900.00 MB/s	    6145 B/op	       1 allocs/op
BenchmarkBSON/flat/encode/D/motor-reuse-2   	  187858	      1253 ns/op	4825.29 MB/s	       0 B/op	       0 allocs/op
BenchmarkBSON/flat/encode/D/official-2      	   41000	      5768 ns/op	1000.00 MB/s	    6146 B/op	       1 allocs/op
BenchmarkBSON/flat/encode/D/official-2      	   41000	      5768 ns/op	1200.00 MB/s	    6146 B/op	       1 allocs/op
BenchmarkBSON/flat/encode/D/official-reuse-2	   48489	      4947 ns/op	1222.12 MB/s	       0 B/op	       0 allocs/op
BenchmarkBSON/flat/decode/M/motor-2         	   14354	     15691 ns/op	 385.33 MB/s	   16961 B/op	     116 allocs/op
BenchmarkBSON/flat/decode/M/official-2      	    4533	     52188 ns/op	 115.85 MB/s	   32150 B/op	     753 allocs/op
PASS
`

func TestParseCompare(t *testing.T) {
	res, cpu, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if cpu != "AMD EPYC" {
		t.Errorf("cpu %q", cpu)
	}
	rows := compare(res)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.task != "flat/encode/D" || r.motorMBps != 2900 || r.officialMBps != 1100 || r.runs != 2 {
		t.Errorf("row 0: %+v", r)
	}
	if got := r.misses(); len(got) != 1 || got[0] != "allocs" {
		t.Errorf("row 0 misses %v, want [allocs]", got)
	}
	if r := rows[1]; r.task != "flat/encode/D (reuse)" || len(r.misses()) != 0 {
		t.Errorf("row 1: %+v misses %v", r, r.misses())
	}
	if r := rows[2]; r.task != "flat/decode/M" || len(r.misses()) != 0 {
		t.Errorf("row 2: %+v misses %v", r, r.misses())
	}
	var sb strings.Builder
	writeTable(&sb, rows)
	if !strings.Contains(sb.String(), "| flat/encode/D | 2900 | 1100 | 2.64x | 1 | 1 | 1.00 |") ||
		!strings.Contains(sb.String(), "2 of 3 rows meet both targets") {
		t.Errorf("table:\n%s", sb.String())
	}
}

func TestTrimProcs(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkX/motor-reuse-2": "BenchmarkX/motor-reuse",
		"BenchmarkX/motor-reuse":   "BenchmarkX/motor-reuse",
		"BenchmarkX/a-16":          "BenchmarkX/a",
		"BenchmarkX-":              "BenchmarkX-",
	} {
		if got := trimProcs(in); got != want {
			t.Errorf("trimProcs(%q) = %q, want %q", in, got, want)
		}
	}
}
