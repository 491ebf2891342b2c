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
// whose chunk method does rows or elements [lo, hi), and inParallel carries
// it to parallelFor in a pooled task.

// chunker is one call's arguments with the method that does part [lo, hi)
// of its work.
type chunker interface{ chunk(lo, hi int) }

// argTask holds the arguments of one call and the parallelFor body bound to
// them, built once per pooled task.
type argTask[A any, P interface {
	*A
	chunker
}] struct {
	args A
	run  func(lo, hi int) // P(&args).chunk
}

// inParallel runs args.chunk over chunks of [0, n) with parallelFor, in a
// task from pool (one pool per argument type), and drops its references to
// the arguments afterwards.
func inParallel[A any, P interface {
	*A
	chunker
}](pool *sync.Pool, n int, args A) {
	t, _ := pool.Get().(*argTask[A, P])
	if t == nil {
		t = new(argTask[A, P])
		t.run = func(lo, hi int) { P(&t.args).chunk(lo, hi) }
	}
	t.args = args
	parallelFor(n, t.run)
	var zero A
	t.args = zero
	pool.Put(t)
}
