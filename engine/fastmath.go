package engine

import "sync"

// The element-wise layers do their arithmetic with package vec's kernels
// (AVX-512 or AVX2 assembly, with pure-Go twins) and split it over
// parallelFor. A closure that captured a layer's slices would escape, since
// parallelFor hands it to other goroutines, and so cost an allocation on
// every call; a warm training step must allocate nothing. So those layers
// pass their operands in a pooled chunkTask instead, and their chunk bodies
// are plain functions that read them back.

// chunkTask carries one call's operands to the chunk body. Each layer
// documents which slot holds what.
type chunkTask struct {
	s    [8][]float32
	ids  []int32
	x    [6]float32
	k    [4]int
	body func(t *chunkTask, lo, hi int)
	run  func(lo, hi int) // t.body(t, lo, hi), bound once per task
}

var chunkTasks = sync.Pool{New: func() any {
	t := new(chunkTask)
	t.run = func(lo, hi int) { t.body(t, lo, hi) }
	return t
}}

// newChunkTask returns a pooled task that will run body; the caller fills
// in the operands and calls parallel.
func newChunkTask(body func(t *chunkTask, lo, hi int)) *chunkTask {
	t := chunkTasks.Get().(*chunkTask)
	t.body = body
	return t
}

// parallel runs the body over chunks of [0, n) with parallelFor, then
// returns the task to the pool, dropping its references to the operands.
func (t *chunkTask) parallel(n int) {
	parallelFor(n, t.run)
	t.s, t.ids, t.body = [8][]float32{}, nil, nil
	chunkTasks.Put(t)
}
