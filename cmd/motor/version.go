package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/motor-go/motor/internal/conn"
)

// runVersion implements motor version.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motor version", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), "Usage: motor version") }
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "motor: driver %s %s, %s %s/%s\n",
		conn.DriverName, conn.DriverVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				fmt.Fprintf(stdout, "  %s=%s\n", s.Key, s.Value)
			}
		}
	}
	return nil
}
