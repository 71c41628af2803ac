package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/motor-go/motor"
)

// runPing implements motor ping: connect to --uri and run ping --count
// times, printing each round trip.
func runPing(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motor ping", flag.ContinueOnError)
	uri := fs.String("uri", "", "the connection string of the server to ping (required)")
	count := fs.Int("count", 3, "how many pings to run")
	timeout := fs.Duration("timeout", 10*time.Second, "bound on the whole command")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: motor ping --uri URI [--count N] [--timeout 10s]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case *uri == "":
		return usageError{err: errors.New("--uri is required")}
	case *count < 1:
		return usageError{err: fmt.Errorf("--count must be at least 1, not %d", *count)}
	case *timeout <= 0:
		return usageError{err: fmt.Errorf("--timeout must be positive, not %s", *timeout)}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	client, err := motor.Connect(ctx, *uri)
	if err != nil {
		return err
	}
	defer client.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(stdout, "ping %s\n", redactURI(*uri))
	for i := range *count {
		d, err := timePing(ctx, client)
		if err != nil {
			return err
		}
		note := ""
		if i == 0 {
			note = " (the first includes discovering the server and opening a connection)"
		}
		fmt.Fprintf(stdout, "  ok in %s%s\n", roundDuration(d), note)
	}
	return nil
}

// timePing runs one ping and returns how long it took.
func timePing(ctx context.Context, client *motor.Client) (time.Duration, error) {
	began := time.Now()
	if err := client.Ping(ctx); err != nil {
		return 0, err
	}
	return time.Since(began), nil
}
