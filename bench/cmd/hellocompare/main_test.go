package main

import (
	"math"
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: AMD EPYC
BenchmarkHello/null/1/official-2         	   22743	     51977 ns/op	     40000 cpu-ns/op	     20000 ops/s	     43000 p50-ns	    144000 p99-ns	    5225 B/op	      58 allocs/op
BenchmarkHello/null/1/raw-2              	   67638	     64048 ns/op	     31000 cpu-ns/op	     50000 ops/s	     16000 p50-ns	    111600 p99-ns	       0 B/op	       0 allocs/op
BenchmarkHello/null/1/motor-2            	   67638	     64048 ns/op	     31000 cpu-ns/op	     30000 ops/s	     25000 p50-ns	    111600 p99-ns	      64 B/op	       2 allocs/op
BenchmarkHello/null/1/official-2         	   22743	     51977 ns/op	     40000 cpu-ns/op	     22000 ops/s	     45000 p50-ns	    146000 p99-ns	    5225 B/op	      58 allocs/op
BenchmarkHello/null/1/motor-2            	   67638	     64048 ns/op	     31000 cpu-ns/op	     25000 ops/s	     25000 p50-ns	    111600 p99-ns	      64 B/op	       2 allocs/op
BenchmarkHello/null/64/official-2        	   69884	     15291 ns/op	     19140 cpu-ns/op	     65000 ops/s	    813305 p50-ns	   3570635 p99-ns	    5220 B/op	      57 allocs/op
BenchmarkHello/null/64/motor-2           	   69884	     15291 ns/op	     19140 cpu-ns/op	     90000 ops/s	    613305 p50-ns	   2570635 p99-ns	    5220 B/op	      20 allocs/op
BenchmarkHello/ferretdb/1/official-2     	   14546	     84544 ns/op	     57023 cpu-ns/op	     11828 ops/s	     70115 p50-ns	    280211 p99-ns	    5241 B/op	      58 allocs/op
BenchmarkHello/ferretdb/1/motor-2        	   14546	     84544 ns/op	     57023 cpu-ns/op	     12000 ops/s	     70115 p50-ns	    280211 p99-ns	    5241 B/op	      3 allocs/op
BenchmarkHello/nobody/1/raw-2            	   14546	     84544 ns/op	     57023 cpu-ns/op	     12000 ops/s	     70115 p50-ns	    280211 p99-ns	    5241 B/op	      3 allocs/op
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
	var got []string
	for _, r := range rows {
		got = append(got, r.server+"/"+r.goroutines+"/"+r.driver)
	}
	want := "null/1/motor null/1/official null/1/raw null/64/motor null/64/official ferretdb/1/motor ferretdb/1/official"
	if strings.Join(got, " ") != want {
		t.Fatalf("rows %v, want %s", got, want)
	}
	m := rows[0]
	if m.ops != 27500 || m.officialOps != 21000 || m.allocs != 2 || m.officialAlloc != 58 || m.p50 != 25000 || m.runs != 2 {
		t.Errorf("null/1/motor: %+v", m)
	}
	if got := m.misses(); len(got) != 0 {
		t.Errorf("null/1/motor misses %v (ratio %.2f)", got, m.speedRatio())
	}
	if got := rows[3].misses(); len(got) != 1 || got[0] != "allocs" {
		t.Errorf("null/64/motor misses %v", got)
	}
	if !rows[0].hasTargets() || rows[1].hasTargets() || rows[5].hasTargets() {
		t.Error("targets apply to Motor against the null server only")
	}
	var sb strings.Builder
	writeTable(&sb, rows)
	table := sb.String()
	for _, line := range []string{
		"| null | 1 | motor | 27500 | 1.31x | 25.0 | 112 | 2 | 0.03 | 31.0 | ok |",
		"| null | 1 | official | 21000 | 1.00x | 44.0 | 145 | 58 | 1.00 | 40.0 | reference |",
		"| null | 1 | raw | 50000 | 2.38x | 16.0 | 112 | 0 | 0.00 | 31.0 | floor (no driver) |",
		"| null | 64 | motor | 90000 | 1.38x | 613 | 2571 | 20 | 0.35 | 19.1 | **MISS** allocs |",
		"| ferretdb | 1 | motor | 12000 | 1.01x | 70.1 | 280 | 3 | 0.05 | 57.0 | – |",
		"1 of 2 Motor rows against the null server meet both targets",
		"medians of 1 runs",
	} {
		if !strings.Contains(table, line) {
			t.Errorf("table lacks %q:\n%s", line, table)
		}
	}
}

func TestNoMotorRows(t *testing.T) {
	res, _, err := parse(strings.NewReader(`BenchmarkHello/null/1/official-2 10 5 ns/op 100 ops/s 58 allocs/op
BenchmarkHello/null/1/raw-2 10 5 ns/op 300 ops/s 0 allocs/op
`))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	writeTable(&sb, compare(res))
	if !strings.Contains(sb.String(), "No Motor rows against the null server") ||
		!strings.Contains(sb.String(), "| null | 1 | raw | 300 | 3.00x | – | – | 0 | 0.00 | – | floor (no driver) |") {
		t.Errorf("table:\n%s", sb.String())
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"BenchmarkHello/null/1/raw-2 10 5 ns/op 58 allocs/op\n",        // no ops/s
		"BenchmarkHello/null/1/raw-2 10 x ns/op 1 ops/s 0 allocs/op\n", // not a number
	} {
		if _, _, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("parse(%q) succeeded", in)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{micros(math.NaN()), "–"}, {micros(12345), "12.3"}, {micros(123456), "123"},
		{num(2), "2"}, {num(2.5), "2.5"}, {ratio(math.Inf(1)), "inf"}, {ratio(0.254), "0.25"},
		{trimProcs("BenchmarkX/raw-2"), "BenchmarkX/raw"}, {trimProcs("BenchmarkX/raw"), "BenchmarkX/raw"},
		{trimProcs("BenchmarkX-"), "BenchmarkX-"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestParseCPUs(t *testing.T) {
	if cpus, err := parseCPUs(""); err != nil || cpus != nil {
		t.Errorf(`parseCPUs("") = %v, %v`, cpus, err)
	}
	if cpus, err := parseCPUs("0, 1"); err != nil || len(cpus) != 2 || cpus[0] != 0 || cpus[1] != 1 {
		t.Errorf(`parseCPUs("0, 1") = %v, %v`, cpus, err)
	}
	for _, bad := range []string{"x", "-1", "0,", ","} {
		if _, err := parseCPUs(bad); err == nil {
			t.Errorf("parseCPUs(%q) succeeded", bad)
		}
	}
}
