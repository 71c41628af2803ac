// Command motor-testserver starts the FerretDB server that Motor's tests use
// (see package internal/testenv), prints how to reach it, and runs until it
// receives SIGINT or SIGTERM, then stops the server and removes its data.
//
// Usage, from anywhere inside the repository:
//
//	go run ./testserver/cmd/motor-testserver [-auth] [-tls] [-client-cert] [-repl-set NAME]
//
// The first line of standard output is the connection string; the following
// lines are KEY=VALUE pairs (PID, directory, certificate files, users) for
// scripts. Log messages go to standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/motor-go/motor/internal/testenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "motor-testserver:", err)
		os.Exit(1)
	}
}

// run parses args, starts the server, writes its description to stdout, waits
// for ctx to end, and stops the server.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motor-testserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts testenv.Options
	fs.BoolVar(&opts.Auth, "auth", false, "enable SCRAM authentication and create the test users")
	fs.BoolVar(&opts.TLS, "tls", false, "accept TLS connections only, with a CA and certificates generated at start")
	fs.BoolVar(&opts.RequireClientCert, "client-cert", false, "require a client certificate (implies -tls)")
	fs.StringVar(&opts.ReplicaSet, "repl-set", "", "answer hello as the primary of a one-member replica set of this `name`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	fmt.Fprintf(stderr, "motor-testserver: starting FerretDB %s (the first start builds it)...\n", testenv.FerretDBVersion)
	s, err := testenv.Start(ctx, opts)
	if err != nil {
		return err
	}
	describe(stdout, s)
	fmt.Fprintf(stderr, "motor-testserver: ready in %s; stop with Ctrl-C or SIGTERM\n", s.StartTime.Round(1e6))

	<-ctx.Done()
	fmt.Fprintln(stderr, "motor-testserver: stopping")
	return s.Stop()
}

// describe writes the URI and then KEY=VALUE lines.
func describe(w io.Writer, s *testenv.Server) {
	fmt.Fprintln(w, s.URI)
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s=%s\n", k, v)
		}
	}
	kv("PID", fmt.Sprint(s.PID))
	kv("ADDR", s.Addr)
	kv("DIR", s.Dir)
	kv("LOG", s.LogFile)
	kv("CA_FILE", s.CAFile)
	kv("CLIENT_CERT_FILE", s.ClientCertFile)
	for _, u := range s.Users {
		kv("USER_"+u.Name, fmt.Sprintf("%s:%s@%s %v", u.Name, u.Password, u.Source, u.Mechanisms))
	}
}
