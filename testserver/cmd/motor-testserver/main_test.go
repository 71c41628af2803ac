package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRun starts the program with -auth, reads the URI and the PID from its
// output, checks the process runs, then cancels it (as SIGINT would) and
// checks that the process is gone.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-auth", "-repl-set", "rs0"}, w, io.Discard)
		w.Close()
	}()

	sc := bufio.NewScanner(r)
	var lines []string
	var pid int
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if v, ok := strings.CutPrefix(sc.Text(), "PID="); ok {
			pid, _ = strconv.Atoi(v)
		}
		if strings.HasPrefix(sc.Text(), "USER_motor-sha256=") {
			break
		}
	}
	if len(lines) == 0 {
		cancel()
		t.Fatalf("no output; run: %v", <-done)
	}
	uri := lines[0]
	if !strings.HasPrefix(uri, "mongodb://motor-admin:") || !strings.Contains(uri, "replicaSet=rs0") || !strings.Contains(uri, "authSource=admin") {
		t.Errorf("URI = %q, want the administrator's credentials, authSource and replicaSet", uri)
	}
	if pid <= 0 {
		t.Fatalf("no PID in output %q", lines)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("FerretDB pid %d not running: %v", pid, err)
	}
	go io.Copy(io.Discard, r)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of cancellation")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after stop, kill(%d, 0) = %v, want ESRCH", pid, err)
	}
}

// TestRunFlags checks the rejection of bad command lines before any start.
func TestRunFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want error
	}{
		{[]string{"-h"}, flag.ErrHelp},
		{[]string{"-nope"}, nil},
		{[]string{"extra"}, nil},
		{[]string{"-tls", "-repl-set", "rs0"}, nil},
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("run(%q) = %v, want an error (%v)", tc.args, err, tc.want)
		}
	}
}
