//go:build !race

// The race detector makes sync.Pool drop items at random, so this file is
// left out of -race builds.

package fastblas

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// A warm Sgemm allocates nothing, inline or split over the pool, and neither
// does Parallel with a closure that does not escape.
func TestWarmCallsDoNotAllocate(t *testing.T) {
	useThreads(t, 2)
	rng := rand.New(rand.NewPCG(17, 18))
	for _, s := range []benchShape{benchShapes[0], benchShapes[4], benchShapes[6]} {
		a := randFloats(rng, s.m*s.k)
		b := randFloats(rng, s.k*s.n)
		c := make([]float32, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA != blas.NoTrans {
			lda = s.m
		}
		if s.tB != blas.NoTrans {
			ldb = s.k
		}
		got := testing.AllocsPerRun(20, func() {
			Implementation{}.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, b, ldb, 0, c, s.n)
		})
		if got != 0 {
			t.Errorf("%s: %v allocs per Sgemm, want 0", s.name, got)
		}
	}
	x := make([]float32, 4096)
	fn := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x[i]++
		}
	}
	if got := testing.AllocsPerRun(20, func() { Parallel(len(x), fn) }); got != 0 {
		t.Errorf("%v allocs per Parallel, want 0", got)
	}
}
