// Command motor is the command line of Motor for Go. Its demo command runs
// the README's quick start against a server, starting a FerretDB test server
// of its own when no connection string is given.
//
// Usage, from the repository's root:
//
//	go run ./cmd/motor demo [--uri URI] [--timeout 30s]
//	go run ./cmd/motor ping --uri URI [--count N] [--timeout 10s]
//	go run ./cmd/motor version
//	go run ./cmd/motor help
//
// The exit status is 0 on success, 1 when a command fails (the error goes to
// standard error) and 2 for a usage error. SIGINT (Ctrl-C) and SIGTERM cancel
// the command's context: the demo then stops the server it started and
// exits with status 1; a second signal ends the program at once.
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
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usage is the text of motor help.
const usage = `motor is the command line of Motor for Go, a MongoDB driver.

Usage:

	motor <command> [flags]

Commands:

	demo     run the quick start: connect, server info, ping, hello, then
	         insert, find, count, update and index a typed collection,
	         printing what it does.
	         Without --uri it starts a FerretDB test server (the first run
	         builds it, a few minutes) and stops it at the end; with --uri it
	         uses that server and drops the database it created.
	ping     ping the server of --uri and print the round-trip times.
	version  print the driver's version and the Go toolchain's.
	help     print this text.

Run "motor <command> -h" for a command's flags.

Exit status: 0 on success, 1 when the command fails, 2 for a usage error.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling so that a second
	// one ends the program while the first is cleaning up.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command named by args[0] and returns the exit status.
// Normal output goes to stdout, errors and usage to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	name, args := args[0], args[1:]
	var err error
	switch name {
	case "demo":
		err = runDemo(ctx, args, stdout, stderr)
	case "ping":
		err = runPing(ctx, args, stdout, stderr)
	case "version":
		err = runVersion(args, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "motor: unknown command %q\n\n%s", name, usage)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK // the flag set printed its usage
	case errors.As(err, &ue):
		if !ue.printed {
			fmt.Fprintf(stderr, "motor %s: %v\n", name, err)
		}
		return exitUsage
	default:
		fmt.Fprintf(stderr, "motor %s: %v\n", name, err)
		return exitFail
	}
}

// usageError is a mistake in the command line, as opposed to a failure of
// the command. printed says the flag set has already printed it.
type usageError struct {
	err     error
	printed bool
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// parseFlags parses args with fs, whose output is stderr. A parse error has
// been printed by fs with the flags' usage; it is returned as a usageError.
// Arguments left after the flags are an error too.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err: err, printed: true}
	}
	if fs.NArg() > 0 {
		return usageError{err: fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	return nil
}
