package hellobench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// NullServerPackage is the import path of the null server command.
const NullServerPackage = "github.com/motor-go/motor/bench/cmd/nullserver"

// BuildNullServer builds the null server command into dir and returns the
// binary's path. It runs go build, so it needs the repository's workspace:
// a working directory inside the repository.
func BuildNullServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "nullserver")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, NullServerPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", NullServerPackage, err, out)
	}
	return bin, nil
}

// NullProcess is a null server running in a child process.
type NullProcess struct {
	// Addr is the address it listens on, 127.0.0.1:port.
	Addr string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer // guarded by the process: read only after Wait

	stopOnce sync.Once
	stopErr  error
}

// StartNullProcess starts the null server binary bin (see BuildNullServer)
// on a free loopback port and waits, within ctx, for its address. Its
// standard input is a pipe from this process, so it stops if this process
// exits without calling Stop.
func StartNullProcess(ctx context.Context, bin string) (*NullProcess, error) {
	cmd := exec.Command(bin, "-stdin")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &NullProcess{cmd: cmd, stdin: stdin, stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(l)
		io.Copy(io.Discard, stdout) // until the process exits
	}()
	select {
	case addr := <-line:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			p.Stop()
			return nil, fmt.Errorf("null server printed %q, not an address: %s", addr, p.stderr)
		}
		p.Addr = addr
		return p, nil
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("waiting for the null server's address: %w", ctx.Err())
	}
}

// PID returns the process id.
func (p *NullProcess) PID() int { return p.cmd.Process.Pid }

// Target returns the process as a benchmark target named "null".
func (p *NullProcess) Target() Target {
	return Target{Name: "null", URI: "mongodb://" + p.Addr + "/", Addr: p.Addr}
}

// Stop sends SIGTERM to the process, by its PID, waits up to ten seconds
// for it to exit, then kills it. It returns an error if the process did
// not exit cleanly (the server met a protocol error, say), with what it
// wrote to standard error. Later calls return the first result.
func (p *NullProcess) Stop() error {
	p.stopOnce.Do(func() {
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		p.cmd.Process.Signal(syscall.SIGTERM) // fails only if it has exited, which Wait reports
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			err = errors.Join(errors.New("killed after 10s"), <-done)
		}
		p.stdin.Close()
		if terminatedBySignal(err) {
			err = nil // a SIGTERM before its handler was installed: stopped all the same
		}
		if err != nil {
			p.stopErr = fmt.Errorf("null server (pid %d): %w: %s", p.PID(), err, strings.TrimSpace(p.stderr.String()))
		}
	})
	return p.stopErr
}

// terminatedBySignal reports whether err says the process died of SIGTERM.
func terminatedBySignal(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}
