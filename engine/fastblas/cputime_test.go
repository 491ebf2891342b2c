//go:build unix

package fastblas

import "syscall"

// processCPU returns the CPU time (user + system, in nanoseconds) this
// process has used so far; a benchmark reports it per op beside wall time
// because on a machine shared with other work the wall time measures the
// neighbours as much as the code.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
