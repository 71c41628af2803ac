// Package hellobench measures hello round trips: RunCommand(hello) through
// Motor and through the official driver, side by side in the same run, and
// the same request written and read on a plain net.Conn (the "raw" floor,
// no driver at all), against two servers: the null server of package
// nullserver, which answers from canned replies so that only the client's
// cost shows, and a FerretDB test server.
//
// # Benchmarks
//
// BenchmarkHello/<server>/<goroutines>/<driver> runs b.N hellos spread over
// 1 or 64 goroutines and reports, besides ns/op and allocs/op:
//
//   - ops/s: round trips per second over the timed loop.
//   - p50-ns, p99-ns: the median and 99th percentile of the latency of one
//     round trip, from all the round trips of the loop (each is timed and
//     recorded in a slice allocated before the timer starts).
//   - cpu-ns/op: the CPU time, user plus system, of the benchmark process
//     over the loop (getrusage RUSAGE_SELF), per round trip. The servers
//     run in child processes, so this is the client's CPU alone: the
//     driver's goroutines, its monitors and the garbage collector included.
//
// Every client is opened, and warmed up with a few round trips per
// goroutine so that its pool holds its connections, before the timer
// starts. The command document, and the handle on the admin database, are
// made once outside the loop, for both drivers.
//
// # Servers
//
// The null server runs in a child process built from bench/cmd/nullserver
// (see BuildNullServer and StartNullProcess); FerretDB is started by
// internal/testenv. Both are stopped when the test binary exits. The
// environment variables EnvNullAddr and EnvFerretDBURI point the benchmarks
// at servers already running instead, as bench/cmd/hellocompare does so that
// several runs share them.
package hellobench
