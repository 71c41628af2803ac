//go:build unix

package hellobench

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time, user plus system, that this process has
// used so far, all its threads included and its children excluded
// (getrusage RUSAGE_SELF). It reports false if the system cannot tell.
func CPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
