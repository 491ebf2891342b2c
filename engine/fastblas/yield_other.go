//go:build !linux

package fastblas

// osYield is a no-op where sched_yield is not at hand; runtime.Gosched
// still lets other goroutines run.
func osYield() {}
