package engine

// parallelFor runs fn over [0, n) split into contiguous chunks, possibly on
// several goroutines, and returns when all chunks are done. Chunks must not
// write to shared memory. UseBLAS sets it.
var parallelFor = serialFor

func serialFor(n int, fn func(lo, hi int)) { fn(0, n) }
