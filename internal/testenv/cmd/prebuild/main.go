// Command prebuild builds (or finds in the cache) the FerretDB binary that
// the tests start, so that the first test to need it does not spend its
// timeout on the build. CI runs it before the tests:
//
//	go run ./internal/testenv/cmd/prebuild
//
// It prints the binary's path and how long it took.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/motor-go/motor/internal/testenv"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), testenv.BuildTimeout)
	defer cancel()
	start := time.Now()
	bin, err := testenv.Binary(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "prebuild:", err)
		os.Exit(1)
	}
	fmt.Printf("FerretDB %s: %s (%s)\n", testenv.FerretDBVersion, bin, time.Since(start).Round(time.Millisecond))
}
