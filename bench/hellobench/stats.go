package hellobench

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// The environment variables that point the benchmarks at servers already
// running, instead of servers of their own.
const (
	// EnvNullAddr is the host:port of a null server.
	EnvNullAddr = "MOTOR_HELLOBENCH_NULL_ADDR"
	// EnvFerretDBURI is the connection string of a FerretDB server, with no
	// authentication and no TLS (the raw clients speak plain TCP).
	EnvFerretDBURI = "MOTOR_HELLOBENCH_FERRETDB_URI"
)

// TargetFromURI returns the target named name at uri, a mongodb:// URI of
// a single host.
func TargetFromURI(name, uri string) (Target, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return Target{}, fmt.Errorf("%s server: %w", name, err)
	}
	if u.Scheme != "mongodb" || u.Host == "" || strings.Contains(u.Host, ",") || u.User != nil {
		return Target{}, fmt.Errorf("%s server: %q is not a mongodb:// URI of one host without credentials", name, uri)
	}
	return Target{Name: name, URI: uri, Addr: u.Host}, nil
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted, a
// sorted sample, by the nearest-rank method: the smallest value that at
// least p percent of the sample do not exceed. It returns 0 for an empty
// sample.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
