package hellobench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/motor-go/motor/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := stopServers(); err != nil {
		fmt.Fprintln(os.Stderr, "hellobench:", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// The servers this test binary started, stopped by TestMain.
var (
	serversMu sync.Mutex
	nullBin   string // the null server binary, in a temporary directory
	nullProc  *NullProcess
)

// nullServerBinary builds the null server binary once per test binary.
func nullServerBinary(tb testing.TB) string {
	tb.Helper()
	serversMu.Lock()
	defer serversMu.Unlock()
	if nullBin == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		dir, err := os.MkdirTemp("", "hellobench")
		if err != nil {
			tb.Fatal(err)
		}
		bin, err := BuildNullServer(ctx, dir)
		if err != nil {
			os.RemoveAll(dir)
			tb.Fatal(err)
		}
		nullBin = bin
	}
	return nullBin
}

// target returns the server named name: "null" (a null server in a child
// process) or "ferretdb". Either is started once per test binary, unless
// its environment variable names one already running.
func target(tb testing.TB, name string) Target {
	tb.Helper()
	switch name {
	case "null":
		if addr := os.Getenv(EnvNullAddr); addr != "" {
			return Target{Name: "null", URI: "mongodb://" + addr + "/", Addr: addr}
		}
		bin := nullServerBinary(tb)
		serversMu.Lock()
		defer serversMu.Unlock()
		if nullProc == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			p, err := StartNullProcess(ctx, bin)
			if err != nil {
				tb.Fatal(err)
			}
			nullProc = p
		}
		return nullProc.Target()
	case "ferretdb":
		if uri := os.Getenv(EnvFerretDBURI); uri != "" {
			t, err := TargetFromURI("ferretdb", uri)
			if err != nil {
				tb.Fatal(err)
			}
			return t
		}
		s := testenv.Shared(tb, testenv.Options{})
		return Target{Name: "ferretdb", URI: s.URI, Addr: s.Addr}
	}
	tb.Fatalf("no server %q", name)
	return Target{}
}

// stopServers stops the null server process and FerretDB, and removes the
// null server binary.
func stopServers() error {
	serversMu.Lock()
	defer serversMu.Unlock()
	var errs []error
	if nullProc != nil {
		errs = append(errs, nullProc.Stop())
		nullProc = nil
	}
	if nullBin != "" {
		errs = append(errs, os.RemoveAll(filepath.Dir(nullBin)))
		nullBin = ""
	}
	errs = append(errs, testenv.StopShared())
	return errors.Join(errs...)
}
