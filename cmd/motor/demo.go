package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/motor-go/motor"
	"github.com/motor-go/motor/bson"
	"github.com/motor-go/motor/internal/testenv"
)

// demo is one run of motor demo.
type demo struct {
	// uri is the server to use; "" starts a test server.
	uri string
	// timeout bounds the demo's operations, from Connect to the drop of its
	// database; starting the test server has bounds of its own.
	timeout time.Duration
	out     io.Writer
	// started, when not nil, is called once the test server answers, before
	// the demo connects to it. Tests use it to interrupt the demo.
	started func(*testenv.Server)

	step int
}

// runDemo implements motor demo.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motor demo", flag.ContinueOnError)
	d := &demo{out: stdout}
	fs.StringVar(&d.uri, "uri", "", "the connection string of the server to use; without it the demo starts a FerretDB test server")
	fs.DurationVar(&d.timeout, "timeout", 30*time.Second, "bound on the demo's operations (not on building and starting the test server)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: motor demo [--uri URI] [--timeout 30s]")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if d.timeout <= 0 {
		return usageError{err: fmt.Errorf("--timeout must be positive, not %s", d.timeout)}
	}
	return d.execute(ctx)
}

// execute runs the demo, reports how long it took, and says in the error
// when the demo was interrupted.
func (d *demo) execute(ctx context.Context) error {
	began := time.Now()
	if err := d.run(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		return err
	}
	fmt.Fprintf(d.out, "\ndemo: done in %s\n", roundDuration(time.Since(began)))
	return nil
}

// run starts the test server if there is no URI, runs the quick start, and
// stops the server it started, whatever happened.
func (d *demo) run(ctx context.Context) (err error) {
	uri := d.uri
	if uri == "" {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("not starting the test server: %w", err)
		}
		fmt.Fprintf(d.out, "No --uri: starting a FerretDB %s test server (internal/testenv).\n", testenv.FerretDBVersion)
		fmt.Fprintln(d.out, "The first run builds FerretDB, which takes a few minutes; later runs reuse the build.")
		var srv *testenv.Server
		srv, err = testenv.Start(ctx, testenv.Options{})
		if err != nil {
			return fmt.Errorf("starting the test server: %w", err)
		}
		defer func() {
			serr := srv.Stop()
			if serr != nil {
				err = errors.Join(err, fmt.Errorf("stopping the test server (pid %d): %w", srv.PID, serr))
				return
			}
			fmt.Fprintf(d.out, "\nStopped the test server (pid %d) and removed its data.\n", srv.PID)
		}()
		fmt.Fprintf(d.out, "Started in %s: pid %d, listening at %s\n", roundDuration(srv.StartTime), srv.PID, srv.URI)
		if d.started != nil {
			d.started(srv)
		}
		uri = srv.URI
	} else {
		fmt.Fprintf(d.out, "Using the server of --uri %s\n", redactURI(uri))
	}
	qctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	err = d.quickStart(qctx, uri)
	if err != nil && ctx.Err() == nil && qctx.Err() != nil {
		err = fmt.Errorf("%w (the demo's --timeout of %s ended)", err, d.timeout)
	}
	return err
}

// quickStart connects, describes the server, and writes and reads a few
// documents in a database of its own, which it drops at the end.
func (d *demo) quickStart(ctx context.Context, uri string) (err error) {
	d.stepf("motor.Connect(ctx, %q)", redactURI(uri))
	client, err := motor.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer func() {
		d.stepf("client.Close(ctx)")
		err = errors.Join(err, client.Close(context.WithoutCancel(ctx)))
	}()
	d.detailf("returned at once: the client discovers the servers in the background")

	d.stepf("client.ServerInfo(ctx)  // the buildInfo command")
	info, err := client.ServerInfo(ctx)
	if err != nil {
		return err
	}
	d.detailf("server version %s (gitVersion %s), maxBsonObjectSize %d", info.Version, info.GitVersion, info.MaxBSONObjectSize)

	d.stepf("client.Ping(ctx), three times")
	var rtts []time.Duration
	for range 3 {
		rtt, err := timePing(ctx, client)
		if err != nil {
			return err
		}
		rtts = append(rtts, roundDuration(rtt))
	}
	d.detailf("round trips: %s", joinDurations(rtts))

	d.stepf(`client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}})`)
	hello, err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Raw()
	if err != nil {
		return err
	}
	for _, line := range summarizeHello(hello) {
		d.detailf("%s", line)
	}

	return d.documents(ctx, client)
}

// stepf prints the heading of the next step.
func (d *demo) stepf(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "\n[%d] %s\n", d.step, fmt.Sprintf(format, args...))
}

// detailf prints a line under the current step.
func (d *demo) detailf(format string, args ...any) {
	fmt.Fprintf(d.out, "    %s\n", fmt.Sprintf(format, args...))
}

// randomHex returns 2n random hexadecimal digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
