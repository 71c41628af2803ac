package hellobench

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Target is a server to benchmark against.
type Target struct {
	Name string // "null" or "ferretdb"
	URI  string // connection string for the drivers
	Addr string // host:port for the raw clients
}

// Client is one driver's client of a Target, as the benchmarks use it.
type Client interface {
	// Hello runs one hello round trip for worker w, 0 <= w < the workers
	// the client was opened for. Different workers may call it at once.
	Hello(ctx context.Context, w int) error
	// Close closes the client.
	Close(ctx context.Context) error
}

// Driver opens Clients of one kind.
type Driver struct {
	Name string // "motor", "official" or "raw"
	// Open returns a client of t ready for workers goroutines.
	Open func(ctx context.Context, t Target, workers int) (Client, error)
}

// driverOrder is the order of the drivers in the benchmarks and tables.
var driverOrder = []string{"motor", "official", "raw"}

var drivers []Driver

func register(d Driver) {
	drivers = append(drivers, d)
	slices.SortStableFunc(drivers, func(a, b Driver) int {
		return slices.Index(driverOrder, a.Name) - slices.Index(driverOrder, b.Name)
	})
}

// Drivers returns the drivers this build can benchmark, in table order.
func Drivers() []Driver { return slices.Clone(drivers) }

// warmupOps is the number of round trips each worker makes before the
// measurements, so that the pools hold their connections.
const warmupOps = 20

// warmUp runs warmupOps hellos on each of workers goroutines at once.
func warmUp(ctx context.Context, c Client, workers int) error {
	errs := make([]error, workers)
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for range warmupOps {
				if err := c.Hello(ctx, w); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("warming up: %w", err)
		}
	}
	return nil
}

// Open opens a client of t with the driver named name and warms it up.
func Open(ctx context.Context, name string, t Target, workers int) (Client, error) {
	for _, d := range drivers {
		if d.Name != name {
			continue
		}
		c, err := d.Open(ctx, t, workers)
		if err != nil {
			return nil, fmt.Errorf("%s: connecting to the %s server: %w", name, t.Name, err)
		}
		if err := warmUp(ctx, c, workers); err != nil {
			c.Close(ctx)
			return nil, fmt.Errorf("%s against the %s server: %w", name, t.Name, err)
		}
		return c, nil
	}
	names := make([]string, len(drivers))
	for i, d := range drivers {
		names[i] = d.Name
	}
	return nil, fmt.Errorf("no driver %q in this build (have %s)", name, strings.Join(names, ", "))
}
