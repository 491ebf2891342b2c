package fastblas

import "syscall"

// osYield gives the CPU to another thread, of this process or another, that
// is ready to run. Spinning goroutines call it so that on a machine with more
// runnable threads than cores they do not burn the time slice a descheduled
// helper (or caller) needs to finish the task everyone waits for.
func osYield() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
