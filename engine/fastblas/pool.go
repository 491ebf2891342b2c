package fastblas

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The pool is a set of helper goroutines started once. A parallel call is a
// job of numbered tasks: the caller offers the job to helpers that are idle
// right now, then claims tasks itself until none are left, and finally waits
// only for tasks another goroutine has already started. So a call never waits
// on a helper that is busy elsewhere, and calls nested inside a task cannot
// deadlock: with every helper busy the caller simply runs all tasks itself.

// tasker is a job's work: runTask(i) does task i of the job.
type tasker interface {
	runTask(i int)
}

type job struct {
	t      tasker
	fn     func(lo, hi int) // Parallel's work, when t is nil
	n      int              // Parallel's range [0, n)
	ntasks int64
	next   atomic.Int64  // next unclaimed task
	left   atomic.Int64  // tasks not yet finished
	refs   atomic.Int32  // goroutines holding the job: caller + woken helpers
	done   chan struct{} // the helper that finishes the last task signals here
}

var jobs = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

var (
	threads   atomic.Int32 // goroutines a call may use, caller included
	helpersMu sync.Mutex
	helpers   int       // helper goroutines started so far
	wake      chan *job // unbuffered: a send succeeds only if a helper is idle
	startOnce sync.Once
)

func init() {
	threads.Store(int32(runtime.GOMAXPROCS(0)))
	wake = make(chan *job)
}

// SetThreads sets how many goroutines, the caller included, one Sgemm or
// Parallel call may use; n < 1 means 1. The default is GOMAXPROCS at start-up.
// Helpers are started when first needed and never stopped.
func SetThreads(n int) {
	n = max(n, 1)
	threads.Store(int32(n))
	startHelpers(n - 1)
}

// Threads reports the setting of SetThreads.
func Threads() int { return int(threads.Load()) }

func startHelpers(want int) {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for ; helpers < want; helpers++ {
		go helper()
	}
}

func helper() {
	for j := range wake {
		if j.work() {
			j.done <- struct{}{}
		}
		j.release()
	}
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
	startOnce.Do(func() { startHelpers(Threads() - 1) })
	j := jobs.Get().(*job)
	j.t, j.fn, j.n, j.ntasks = t, fn, n, int64(ntasks)
	j.next.Store(0)
	j.left.Store(int64(ntasks))
	j.refs.Store(1)
	for range min(workers, ntasks) - 1 {
		j.refs.Add(1)
		select {
		case wake <- j:
			continue
		default:
		}
		j.refs.Add(-1)
		break // no idle helper now; more tries would fail too
	}
	if !j.work() {
		<-j.done
	}
	j.release()
}

// Parallel calls fn on consecutive chunks of [0, n) that together cover it
// once, on up to Threads goroutines, and returns when every call has returned.
// Chunks run concurrently, so fn must only write what its [lo, hi) owns. It
// runs fn(0, n) inline when n < 2 or Threads is 1, and it may be called from
// inside fn (the nested call then mostly runs inline, as helpers are busy).
// A panic in fn on a helper goroutine crashes the program.
func Parallel(n int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	t := Threads()
	if n < 2 || t == 1 {
		fn(0, n)
		return
	}
	// A few chunks per goroutine balance out a helper that starts late or a
	// core shared with another process.
	run(nil, fn, n, min(n, 4*t), t)
}
