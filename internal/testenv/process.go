package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// process is one running FerretDB.
type process struct {
	cmd     *exec.Cmd
	logFile string
	exited  chan struct{} // closed when the process has exited and been reaped
	waitErr error         // cmd.Wait's result, valid once exited is closed
}

// spawn starts bin with args, the caller's environment without FERRETDB_*
// variables plus env, and standard output and error appended to logFile. The
// process gets its own process group, so that a terminal's Ctrl-C reaches only
// the program that started it, and (on Linux) is killed if that program dies
// without stopping it.
func spawn(bin string, args, env []string, logFile string) (*process, error) {
	log, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRETDB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testenv: starting FerretDB: %w", err)
	}
	p := &process{cmd: cmd, logFile: logFile, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// terminate sends SIGTERM, waits up to grace for the exit, then sends
// SIGKILL and waits again. It returns nil only for an exit with status 0.
func (p *process) terminate(grace time.Duration) error {
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("testenv: FerretDB (pid %d) had already exited: %v\n%s", p.pid(), p.waitErr, p.logTail())
		}
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("testenv: FerretDB (pid %d) exited with %v after SIGTERM\n%s", p.pid(), p.waitErr, p.logTail())
		}
		return nil
	case <-timer.C:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("testenv: FerretDB (pid %d) did not exit within %s of SIGTERM and was killed\n%s", p.pid(), grace, p.logTail())
}

// exitedWithAddrInUse reports whether the process has exited because its
// port was taken.
func (p *process) exitedWithAddrInUse() bool {
	select {
	case <-p.exited:
	default:
		return false
	}
	b, _ := os.ReadFile(p.logFile)
	return strings.Contains(string(b), "address already in use")
}

// logTail returns the end of the log, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return "FerretDB log (" + p.logFile + "):\n" + tail(b, 3000)
}
