package fastblas

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// Parallel must call fn on chunks that cover [0, n) exactly once, for any n
// and thread count, including n smaller than the thread count.
func TestParallelCoversRangeOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 5} {
		for _, n := range []int{0, 1, 2, 3, 7, 64, 1000} {
			t.Run(fmt.Sprintf("threads%d/n%d", threads, n), func(t *testing.T) {
				useThreads(t, threads)
				hits := make([]atomic.Int32, n)
				Parallel(n, func(lo, hi int) {
					if lo >= hi || lo < 0 || hi > n {
						t.Errorf("chunk [%d, %d) of [0, %d)", lo, hi, n)
						return
					}
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if got := hits[i].Load(); got != 1 {
						t.Errorf("index %d visited %d times", i, got)
					}
				}
			})
		}
	}
}

// Parallel inside Parallel, three deep, with Sgemm at the bottom, must finish
// and do every piece of work once: nested calls find the helpers busy and run
// inline rather than wait for them.
func TestParallelNested(t *testing.T) {
	useThreads(t, 3)
	const outer, mid, inner = 6, 5, 4
	var count atomic.Int64
	Parallel(outer, func(lo, hi int) {
		for range hi - lo {
			Parallel(mid, func(lo, hi int) {
				for range hi - lo {
					Parallel(inner, func(lo, hi int) { count.Add(int64(hi - lo)) })
				}
			})
		}
	})
	if got, want := count.Load(), int64(outer*mid*inner); got != want {
		t.Errorf("count = %d, want %d", got, want)
	}
}

// Writes made by fn on helpers must be visible to the caller once Parallel
// returns; -race checks the happens-before edge, the sum checks the values.
func TestParallelPublishesWrites(t *testing.T) {
	useThreads(t, 4)
	const n = 4096
	x := make([]int, n)
	for range 20 {
		Parallel(n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				x[i]++
			}
		})
	}
	for i, v := range x {
		if v != 20 {
			t.Fatalf("x[%d] = %d, want 20", i, v)
		}
	}
}

func TestSetThreadsClamps(t *testing.T) {
	useThreads(t, 1)
	SetThreads(0)
	if got := Threads(); got != 1 {
		t.Errorf("Threads() after SetThreads(0) = %d, want 1", got)
	}
}

// A caller whose helper is still running after callerSpin sleeps on done;
// the helper that finishes the last task must then wake it exactly once.
// The helper here finishes only once the caller is asleep (waiting == 1),
// so the sleeping path is taken every time.
func TestJobWaitSleepsUntilLastTask(t *testing.T) {
	for range 20 {
		j := &job{done: make(chan struct{}, 1)}
		j.ntasks = 1
		j.left.Store(1)
		finished := make(chan struct{})
		go func() {
			for j.waiting.Load() != 1 {
				runtime.Gosched()
			}
			if j.left.Add(-1) == 0 && j.waiting.Swap(2) == 1 {
				j.done <- struct{}{}
			}
			close(finished)
		}()
		j.wait()
		<-finished
		if got := j.left.Load(); got != 0 {
			t.Fatalf("wait returned with %d tasks left", got)
		}
		if len(j.done) != 0 {
			t.Fatalf("a wake-up was left in done")
		}
	}
}
