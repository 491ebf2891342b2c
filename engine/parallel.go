package engine

import "sync"

// parallelFor runs fn over [0, n) split into contiguous chunks, possibly on
// several goroutines, and returns when all chunks are done. Chunks must not
// write to shared memory. UseBLAS sets it.
var parallelFor = serialFor

func serialFor(n int, fn func(lo, hi int)) { fn(0, n) }

// The element-wise layers do their arithmetic with package vec's kernels
// (AVX-512 or AVX2 assembly, with pure-Go twins) and split it over
// parallelFor. A closure over a layer's slices would escape, since
// parallelFor hands it to other goroutines, and so cost an allocation on
// every call; a warm training step must allocate nothing. So each layer
// names its arguments in a small struct (layerNormArgs, attentionArgs, …)
// whose chunk method does rows or elements [lo, hi), and a taskPool of that
// struct carries it to parallelFor.

// chunker is one call's arguments with the method that does part [lo, hi)
// of its work.
type chunker interface{ chunk(lo, hi int) }

// argTask holds the arguments of one call and the parallelFor body bound to
// them, built once per task.
type argTask[A any, P interface {
	*A
	chunker
}] struct {
	args A
	run  func(lo, hi int) // P(&args).chunk
}

// taskPool is a free list of argTasks, one per argument type. Unlike a
// sync.Pool it never drops a task (at a garbage collection, or because the
// goroutine moved to another P), so once every concurrent caller has had
// its task a call allocates nothing. The zero value is ready to use.
type taskPool[A any, P interface {
	*A
	chunker
}] struct {
	mu   sync.Mutex
	free []*argTask[A, P]
}

// run calls args.chunk over chunks of [0, n) with parallelFor and returns
// when all are done, keeping no reference to the arguments.
func (p *taskPool[A, P]) run(n int, args A) {
	p.mu.Lock()
	var t *argTask[A, P]
	if k := len(p.free) - 1; k >= 0 {
		t = p.free[k]
		p.free = p.free[:k]
	}
	p.mu.Unlock()
	if t == nil {
		t = new(argTask[A, P])
		t.run = func(lo, hi int) { P(&t.args).chunk(lo, hi) }
	}
	t.args = args
	parallelFor(n, t.run)
	var zero A
	t.args = zero
	p.mu.Lock()
	p.free = append(p.free, t)
	p.mu.Unlock()
}

// floatsPool is a free list of float32 scratch buffers, for chunks that need
// room of their own (attention's gathered heads). Like taskPool it never
// drops a buffer, so once every concurrent chunk has had one a call
// allocates nothing. The zero value is ready to use.
type floatsPool struct {
	mu   sync.Mutex
	free [][]float32
}

// get returns a buffer of n floats, with arbitrary contents.
func (p *floatsPool) get(n int) []float32 {
	p.mu.Lock()
	var s []float32
	if k := len(p.free) - 1; k >= 0 {
		s = p.free[k]
		p.free = p.free[:k]
	}
	p.mu.Unlock()
	if cap(s) < n {
		s = make([]float32, n)
	}
	return s[:n]
}

// put returns s to the pool.
func (p *floatsPool) put(s []float32) {
	p.mu.Lock()
	p.free = append(p.free, s)
	p.mu.Unlock()
}
