package main

import (
	"fmt"
	"runtime"
	"syscall"
	"unsafe"
)

// pinThread locks the calling goroutine to its thread and restricts the
// thread to cpus, so that the processes it starts from now on inherit
// that affinity (a child's threads inherit its parent thread's mask, and
// Go sizes GOMAXPROCS from it). The rest of this process is left alone.
func pinThread(cpus []int) error {
	var mask [16]uint64 // 1024 CPUs, the kernel's default cpumask size
	for _, c := range cpus {
		if c < 0 || c >= 64*len(mask) {
			return fmt.Errorf("CPU %d out of range", c)
		}
		mask[c/64] |= 1 << (c % 64)
	}
	runtime.LockOSThread()
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0,
		unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if errno != 0 {
		runtime.UnlockOSThread()
		return fmt.Errorf("sched_setaffinity %v: %w", cpus, errno)
	}
	return nil
}
