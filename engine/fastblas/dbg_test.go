package fastblas

import (
	"sync/atomic"
	"testing"
	"time"
)

var dbgHelperTasks, dbgCallerTasks atomic.Int64

func TestDbgParallel(t *testing.T) {
	x := make([]float64, 1<<20)
	for _, n := range []int{2, 8} {
		var helper, caller atomic.Int64
		start := time.Now()
		for range 200 {
			Parallel(n, func(lo, hi int) {
				// ~ 100 µs of work per call in total
				for i := lo * len(x) / n / 8; i < hi*len(x)/n/8; i++ {
					x[i] = x[i]*1.0001 + 1
				}
				_ = helper
				_ = caller
			})
		}
		t.Logf("n=%d: %v per call", n, time.Since(start)/200)
		SetThreads(1)
		start = time.Now()
		for range 200 {
			Parallel(n, func(lo, hi int) {
				for i := lo * len(x) / n / 8; i < hi*len(x)/n/8; i++ {
					x[i] = x[i]*1.0001 + 1
				}
			})
		}
		t.Logf("n=%d threads=1: %v per call", n, time.Since(start)/200)
		SetThreads(2)
	}
}
