// Package fastblas provides a blas.Float32 implementation whose Sgemm is a
// packed, cache-blocked GEMM with AVX-512 or AVX2+FMA micro-kernels (chosen at
// run time) split over a persistent worker pool; every other routine is
// gonum's. It also exports that pool, as Parallel, for the engine's own loops.
//
//	fastblas.Use()                              // register with blas32
//	blas32.Gemm(blas.NoTrans, blas.Trans, 1, x, w, 0, out)
//	fastblas.Parallel(rows, func(lo, hi int) { /* rows [lo, hi) */ })
//
// Sgemm is safe for concurrent use and may be called from inside a Parallel
// worker: a call never waits for a worker that is busy elsewhere, it does the
// remaining work itself. Small products run on the calling goroutine.
package fastblas
