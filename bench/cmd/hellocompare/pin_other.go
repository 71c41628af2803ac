//go:build !linux

package main

import "errors"

// pinThread is supported on Linux only: elsewhere run with -cpus="" (unpinned).
func pinThread(cpus []int) error {
	return errors.New("-cpus is supported on Linux only; use -cpus=\"\"")
}
