package testenv

import "syscall"

// sysProcAttr puts the child in its own process group and asks the kernel to
// kill it when the thread that started it goes away, so that a test binary
// that crashes or times out does not leave FerretDB running. (Go does not end
// threads while goroutines run on them, except for locked ones.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
