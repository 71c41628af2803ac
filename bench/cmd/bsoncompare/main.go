// Command bsoncompare runs the BSON benchmarks of package bsonbench for Motor
// and the official driver in one run and prints a Markdown table comparing
// them: medians over -count runs of MB/s, allocs/op and B/op, with the ratios
// and a mark on each row that misses the targets (Motor at least 2x the
// official MB/s, at most half its allocs/op). It builds the test binary once
// and runs it -count times, each run going through all the benchmarks once.
//
// From the repository root:
//
//	go run ./bench/cmd/bsoncompare                 # -count 6 -benchtime 200ms
//	go run ./bench/cmd/bsoncompare -raw /tmp/bson.txt
//	go run ./bench/cmd/bsoncompare -in /tmp/bson.txt   # table from saved output
//
// The benchmark output goes to stderr as it comes, the table to stdout.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

const pkg = "github.com/motor-go/motor/bench/bsonbench"

func main() {
	count := flag.Int("count", 6, "runs of each benchmark (the table shows medians)")
	benchtime := flag.String("benchtime", "200ms", "go test -benchtime for each run")
	bench := flag.String("bench", "^BenchmarkBSON$", "go test -bench pattern")
	in := flag.String("in", "", "read saved go test -bench output from this file instead of running")
	raw := flag.String("raw", "", "also write the raw go test output to this file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bsoncompare: ")

	var out []byte
	if *in != "" {
		b, err := os.ReadFile(*in)
		if err != nil {
			log.Fatal(err)
		}
		out = b
	} else {
		b, err := run(*count, *benchtime, *bench)
		if err != nil {
			log.Fatal(err)
		}
		out = b
		if *raw != "" {
			if err := os.WriteFile(*raw, out, 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}

	results, cpu, err := parse(bytes.NewReader(out))
	if err != nil {
		log.Fatal(err)
	}
	rows := compare(results)
	if len(rows) == 0 {
		log.Fatal("no motor/official pairs in the benchmark output")
	}
	if *in == "" {
		fmt.Printf("Go %s, %s/%s, GOMAXPROCS %d, CPU %q; -count %d -benchtime %s\n\n",
			strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH,
			runtime.GOMAXPROCS(0), cpu, *count, *benchtime)
	}
	writeTable(os.Stdout, rows)
}

// run builds the benchmark binary once and runs it count times, each run
// going through every benchmark once: so the samples of both drivers spread
// over the whole time, and a burst of load on a shared machine lands on
// both rather than on all the samples of one. It returns the output of all
// runs.
func run(count int, benchtime, bench string) ([]byte, error) {
	dirOut, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pkg, err)
	}
	dir := strings.TrimSpace(string(dirOut))
	tmp, err := os.MkdirTemp("", "bsoncompare")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bsonbench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go test -c: %w", err)
	}
	args := []string{"-test.run", "^$", "-test.bench", bench, "-test.benchmem",
		"-test.count", "1", "-test.benchtime", benchtime}
	var buf bytes.Buffer
	start := time.Now()
	for i := range count {
		fmt.Fprintf(os.Stderr, "run %d/%d: bsonbench.test %s\n", i+1, count, strings.Join(args, " "))
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir // the data is found from the package directory
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(os.Stderr, "benchmarks took %s\n", time.Since(start).Round(time.Second))
	return buf.Bytes(), nil
}

// result is one benchmark's samples, one per run.
type result struct {
	name   string // without the -GOMAXPROCS suffix
	mbps   []float64
	allocs []float64
	bytes  []float64
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
			res = &result{name: name}
			byKey[name] = res
			order = append(order, res)
		}
		var mbps, allocs, bytes float64 = -1, -1, -1
		for i := 2; i+1 < len(f); i += 2 {
			var v float64
			if _, err := fmt.Sscan(f[i], &v); err != nil {
				return nil, "", fmt.Errorf("%q: %v", line, err)
			}
			switch f[i+1] {
			case "MB/s":
				mbps = v
			case "allocs/op":
				allocs = v
			case "B/op":
				bytes = v
			}
		}
		if mbps < 0 || allocs < 0 || bytes < 0 {
			return nil, "", fmt.Errorf("%q: want MB/s, B/op and allocs/op (SetBytes and -benchmem)", line)
		}
		res.mbps = append(res.mbps, mbps)
		res.allocs = append(res.allocs, allocs)
		res.bytes = append(res.bytes, bytes)
	}
	return order, cpu, sc.Err()
}

// trimProcs removes the -N GOMAXPROCS suffix of a benchmark name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	if i+1 == len(name) {
		return name
	}
	return name[:i]
}
