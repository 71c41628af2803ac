// Command hellocompare runs the hello round-trip benchmarks of package
// hellobench (Motor, the official driver and the raw-socket floor, against
// the null server and FerretDB) and prints a Markdown table of them: per
// server, goroutines and driver, the medians over -count runs of ops/s,
// p50 and p99 latency, allocs/op and client CPU per op, with each driver's
// ratios to the official driver and a mark on each Motor row against the
// null server that misses the targets (at least 1.3x the official ops/s, at
// most a quarter of its allocs/op).
//
// It builds the benchmark binary and the null server once, starts one null
// server (in a child process) and one FerretDB for the whole run, then runs
// the binary -count times, each run going through every benchmark once, so
// that the drivers' samples interleave over the whole time.
//
// By default the benchmark binary and both servers run on CPU 0 only
// (-cpus 0, Linux): each round trip is then a handful of context switches
// on one CPU, and the results measure what the client and server spend.
// Unpinned, client and server land on the same or on different CPUs from
// one run to the next, and on a virtual machine a wake-up across CPUs costs
// tens of microseconds, which swamps the drivers' differences in the
// one-goroutine rows and makes them bimodal. An empty -cpus="" runs them
// unpinned, and -cpus 0,1 on two CPUs.
//
// From the repository root:
//
//	go run ./bench/cmd/hellocompare                  # -count 6 -benchtime 1s
//	go run ./bench/cmd/hellocompare -raw /tmp/hello.txt
//	go run ./bench/cmd/hellocompare -in /tmp/hello.txt   # table from saved output
//
// The benchmark output goes to stderr as it comes, the table to stdout.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/motor-go/motor/bench/hellobench"
	"github.com/motor-go/motor/internal/testenv"
)

const pkg = "github.com/motor-go/motor/bench/hellobench"

func main() {
	count := flag.Int("count", 6, "runs of each benchmark (the table shows medians)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime for each run")
	bench := flag.String("bench", "^BenchmarkHello$", "go test -bench pattern")
	in := flag.String("in", "", "read saved go test -bench output from this file instead of running")
	raw := flag.String("raw", "", "also write the raw go test output to this file")
	cpusFlag := flag.String("cpus", "0", "comma-separated CPUs for the benchmark and the servers; empty to leave them unpinned")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("hellocompare: ")

	cpus, err := parseCPUs(*cpusFlag)
	if err != nil {
		log.Fatal(err)
	}
	var out []byte
	if *in != "" {
		b, err := os.ReadFile(*in)
		if err != nil {
			log.Fatal(err)
		}
		out = b
	} else {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		b, err := run(ctx, *count, *benchtime, *bench, cpus)
		stop()
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
		log.Fatal("no official driver results in the benchmark output")
	}
	if *in == "" {
		where := fmt.Sprintf("unpinned on %d CPUs", runtime.NumCPU())
		if len(cpus) > 0 {
			where = fmt.Sprintf("pinned to CPU %s (of %d)", *cpusFlag, runtime.NumCPU())
		}
		fmt.Printf("Go %s, %s/%s, CPU %q, benchmark and servers %s; -count %d -benchtime %s\n\n",
			strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH,
			cpu, where, *count, *benchtime)
	}
	writeTable(os.Stdout, rows)
}

// run builds the benchmark binary and the null server, starts the servers,
// and runs the binary count times, each run going through every benchmark
// once; the servers and the runs on cpus, unless cpus is empty. It stops the servers, by their process ids, before returning the
// output of all runs.
func run(ctx context.Context, count int, benchtime, bench string, cpus []int) (out []byte, err error) {
	dirOut, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pkg, err)
	}
	dir := strings.TrimSpace(string(dirOut))
	tmp, err := os.MkdirTemp("", "hellocompare")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "hellobench.test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go test -c: %w", err)
	}
	nullBin, err := hellobench.BuildNullServer(ctx, tmp)
	if err != nil {
		return nil, err
	}

	startCtx, cancel := context.WithTimeout(ctx, testenv.BuildTimeout)
	defer cancel()
	if _, err := testenv.Binary(startCtx); err != nil { // built before pinning
		return nil, err
	}
	if len(cpus) > 0 {
		// From here on this goroutine stays on this thread, from which
		// the servers and the benchmark runs are started.
		if err := pinThread(cpus); err != nil {
			return nil, err
		}
	}
	null, err := hellobench.StartNullProcess(startCtx, nullBin)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, null.Stop()) }()
	ferret, err := testenv.Start(startCtx, testenv.Options{})
	if err != nil {
		return nil, fmt.Errorf("starting FerretDB: %w", err)
	}
	defer func() { err = errors.Join(err, ferret.Stop()) }()
	fmt.Fprintf(os.Stderr, "null server %s (pid %d), FerretDB %s (pid %d)\n", null.Addr, null.PID(), ferret.Addr, ferret.PID)

	args := []string{"-test.run", "^$", "-test.bench", bench, "-test.benchmem",
		"-test.count", "1", "-test.benchtime", benchtime}
	env := append(os.Environ(),
		hellobench.EnvNullAddr+"="+null.Addr,
		hellobench.EnvFerretDBURI+"="+ferret.URI)
	var buf bytes.Buffer
	start := time.Now()
	for i := range count {
		fmt.Fprintf(os.Stderr, "run %d/%d: hellobench.test %s\n", i+1, count, strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		cmd.Env = env
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("run %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(os.Stderr, "benchmarks took %s\n", time.Since(start).Round(time.Second))
	return buf.Bytes(), nil
}

// parseCPUs parses a comma-separated list of CPU numbers; "" is none.
func parseCPUs(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var cpus []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-cpus %q: want CPU numbers separated by commas", s)
		}
		cpus = append(cpus, n)
	}
	return cpus, nil
}
