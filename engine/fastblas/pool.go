package fastblas

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The pool is a set of helper goroutines started once. A parallel call is a
// job of numbered tasks: the caller hands the job to helpers that are idle
// right now, then claims tasks itself until none are left, and finally waits
// only for tasks another goroutine has already started. So a call never waits
// on a helper that is busy elsewhere, and calls nested inside a task cannot
// deadlock: with every helper busy the caller simply runs all tasks itself.
//
// An idle helper spins for a while before it parks. Handing a job to a
// spinning helper costs a store it sees at once; waking a parked one costs a
// channel send, and on this KVM guest the parked helper then starts some
// 80µs later (the idle vCPU has to be woken), by which time a short call is
// over. A training step calls Sgemm and Parallel back to back, so the helpers
// keep spinning while it runs and park soon after it stops.

// tasker is a job's work: runTask(i) does task i of the job.
type tasker interface {
	runTask(i int)
}

type job struct {
	t      tasker
	fn     func(lo, hi int) // Parallel's work, when t is nil
	n      int              // Parallel's range [0, n)
	ntasks int64
	next   atomic.Int64 // next unclaimed task
	left   atomic.Int64 // tasks not yet finished
	refs   atomic.Int32 // goroutines holding the job: caller + helpers given it
	// The caller waits for tasks that helpers still run by spinning on
	// left, then, after callerSpin, by sleeping on done. waiting decides
	// who signals: the caller moves it 0→1 and sleeps only if that CAS
	// works; the helper that finishes the last task swaps in 2 and sends
	// only if it finds 1. So a sleep always meets exactly one send.
	waiting atomic.Int32
	done    chan struct{}
}

// callerSpin is how long a caller spins for helpers to finish before it
// sleeps: sleeping costs a wake-up of some 80µs on this KVM guest, but
// spinning takes a core from whatever else wants it (a helper descheduled
// by the OS included).
const callerSpin = 100 * time.Microsecond

var jobs = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

// Helper states.
const (
	busy     = iota // running a job, or being handed one
	spinning        // idle, polling its box
	parked          // idle, blocked on its wake channel
)

type helper struct {
	state atomic.Int32
	box   atomic.Pointer[job] // the job handed to this helper
	wake  chan struct{}       // buffered(1): rouses a parked helper
	_     [64]byte            // keep helpers' hot fields on separate cache lines
}

// spinTime is how long an idle helper polls its box before it parks: longer
// than the gaps between the calls of a training step, short enough that an
// idle program soon stops using the CPU.
const spinTime = 2 * time.Millisecond

var (
	threads   atomic.Int32 // goroutines a call may use, caller included
	helpersMu sync.Mutex
	helpers   atomic.Pointer[[]*helper] // replaced, never mutated, when grown
)

func init() {
	threads.Store(int32(runtime.GOMAXPROCS(0)))
	helpers.Store(new([]*helper))
}

// SetThreads sets how many goroutines, the caller included, one Sgemm or
// Parallel call may use; n < 1 means 1. The default is GOMAXPROCS at start-up.
// Helpers are started when first needed and never stopped.
func SetThreads(n int) {
	threads.Store(int32(max(n, 1)))
}

// Threads reports the setting of SetThreads.
func Threads() int { return int(threads.Load()) }

// helperList returns at least want helpers, starting any that are missing.
func helperList(want int) []*helper {
	hs := *helpers.Load()
	if len(hs) >= want {
		return hs
	}
	helpersMu.Lock()
	defer helpersMu.Unlock()
	hs = *helpers.Load()
	if len(hs) >= want {
		return hs
	}
	grown := append([]*helper(nil), hs...)
	for len(grown) < want {
		h := &helper{wake: make(chan struct{}, 1)}
		h.state.Store(busy) // until its loop starts
		grown = append(grown, h)
		go h.loop()
	}
	helpers.Store(&grown)
	return grown
}

func (h *helper) loop() {
	for {
		h.state.Store(spinning)
		j := h.await()
		if j.work() && j.waiting.Swap(2) == 1 {
			j.done <- struct{}{}
		}
		j.release()
	}
}

// await waits, spinning then parked, until a job is put in the box.
func (h *helper) await() *job {
	start := time.Now()
	for i := 0; ; i++ {
		if j := h.box.Swap(nil); j != nil {
			return j
		}
		// Yield now and then, to other goroutines and to other threads:
		// with one core taken by another process, a helper that spun
		// without sched_yield made a 2-thread Sgemm slower than a 1-thread
		// one (70 against 110 GFLOPS; 107 with it). Check the clock less
		// often than the box.
		if i%64 == 63 {
			runtime.Gosched()
			osYield()
			if time.Since(start) > spinTime {
				break
			}
		}
	}
	if h.state.CompareAndSwap(spinning, parked) {
		<-h.wake
	}
	// Either we were woken, or a caller switched us to busy while we were
	// spinning and is about to fill the box.
	for {
		if j := h.box.Swap(nil); j != nil {
			return j
		}
		runtime.Gosched()
	}
}

// give hands j to h if h is idle, and reports whether it did.
func (h *helper) give(j *job) bool {
	switch h.state.Load() {
	case spinning:
		if h.state.CompareAndSwap(spinning, busy) {
			h.box.Store(j)
			return true
		}
	case parked:
		if h.state.CompareAndSwap(parked, busy) {
			h.box.Store(j)
			h.wake <- struct{}{}
			return true
		}
	}
	return false
}

// work claims and runs tasks until none are left; it reports whether this
// goroutine finished the job's last task.
func (j *job) work() (last bool) {
	for {
		i := j.next.Add(1) - 1
		if i >= j.ntasks {
			return last
		}
		if j.t != nil {
			j.t.runTask(int(i))
		} else {
			lo, hi := chunk(j.n, int(j.ntasks), int(i))
			j.fn(lo, hi)
		}
		if j.left.Add(-1) == 0 {
			last = true
		}
	}
}

// wait returns when every task of j has finished.
func (j *job) wait() {
	start := time.Now()
	for i := 0; j.left.Load() > 0; i++ {
		if i%64 == 63 {
			runtime.Gosched()
			osYield()
			if time.Since(start) > callerSpin {
				if j.waiting.CompareAndSwap(0, 1) {
					<-j.done
				}
				return
			}
		}
	}
}

func (j *job) release() {
	if j.refs.Add(-1) == 0 {
		j.t, j.fn = nil, nil
		jobs.Put(j)
	}
}

// chunk returns the i-th of ntasks nearly equal parts of [0, n).
func chunk(n, ntasks, i int) (lo, hi int) {
	return n * i / ntasks, n * (i + 1) / ntasks
}

// run does tasks [0, ntasks) of t (or of fn over [0, n) when t is nil) using
// at most workers goroutines, the caller included, and returns when all are
// done.
func run(t tasker, fn func(lo, hi int), n, ntasks, workers int) {
	j := jobs.Get().(*job)
	j.t, j.fn, j.n, j.ntasks = t, fn, n, int64(ntasks)
	j.next.Store(0)
	j.left.Store(int64(ntasks))
	j.waiting.Store(0)
	j.refs.Store(1)
	want := min(workers, ntasks) - 1
	for _, h := range helperList(workers - 1) {
		if want == 0 {
			break
		}
		j.refs.Add(1)
		if h.give(j) {
			want--
		} else {
			j.refs.Add(-1)
		}
	}
	if !j.work() {
		j.wait()
	}
	j.release()
}

// Parallel calls fn on consecutive chunks of [0, n) that together cover it
// once, on up to Threads goroutines, and returns when every call has returned.
// Chunks run concurrently, so fn must only write what its [lo, hi) owns. It
// runs fn(0, n) inline when n < 2 or Threads is 1, and it may be called from
// inside fn (the nested call then mostly runs inline, as helpers are busy).
// A panic in fn on a helper goroutine crashes the program; on the calling
// goroutine it propagates, while chunks already started elsewhere run on.
func Parallel(n int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	t := Threads()
	if n < 2 || t == 1 {
		fn(0, n)
		return
	}
	// Several chunks per goroutine balance out a helper that starts late or
	// a core shared with another process; claiming one costs an atomic add.
	run(nil, fn, n, min(n, tasksPerWorker*t), t)
}
