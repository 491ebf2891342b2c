package fastblas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// PackedA.Sgemm must match the naive twin on every edge of the blocking
// (the shapes of TestSgemmMatchesNaive: partial row panels, k past one
// kcMax block, n past one nc block), for both layouts of A and of B, with
// alpha and beta, padding between rows, and inline and threaded.
func TestPackedA(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		for _, threads := range []int{1, 3} {
			t.Run(fmt.Sprint(threads, "threads"), func(t *testing.T) {
				useThreads(t, threads)
				rng := rand.New(rand.NewPCG(21, uint64(threads)))
				for _, s := range shapes {
					for _, tA := range transposes {
						for _, tB := range transposes {
							if s[0]*s[1]*s[2] > 1<<20 && tA == tB {
								continue
							}
							gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0, packed: true}.check(t, rng)
						}
					}
				}
				for _, ab := range [][2]float32{{-0.5, 2}, {0, -3}, {0.75, 0}} {
					gemmCase{tA: blas.NoTrans, tB: blas.Trans, m: 29, n: 70, k: 300, alpha: ab[0], beta: ab[1], pad: 3, packed: true}.check(t, rng)
				}
				gemmCase{tA: blas.NoTrans, tB: blas.Trans, m: 13, n: 33, k: 17, alpha: 1, beta: 0, pad: 2, nanC: true, packed: true}.check(t, rng)
				gemmCase{tA: blas.Trans, tB: blas.NoTrans, m: 9, n: 4, k: 0, alpha: 1, beta: -2, pad: 1, packed: true}.check(t, rng)
			})
		}
	})
}

// A PackedA keeps the kernel it was packed for: the product is right after
// Sgemm's kernel changes (its panels are that kernel's height).
func TestPackedAKeepsItsKernel(t *testing.T) {
	ks := supportedKernels() // one, the generic kernel, under purego
	rng := rand.New(rand.NewPCG(23, 24))
	const m, n, k = 37, 40, 50
	a, b := randFloats(rng, m*k), randFloats(rng, k*n)
	want := make([]float32, m*n)
	tol := sgemmNaive(blas.NoTrans, blas.Trans, m, n, k, 1, a, k, b, k, 0, want, n)
	for _, packWith := range ks {
		for _, runWith := range ks {
			old := activeKernel.Swap(packWith)
			pa := PackA(blas.NoTrans, m, k, a, k)
			activeKernel.Store(runWith)
			got := make([]float32, m*n)
			pa.Sgemm(blas.Trans, n, 1, b, k, 0, got, n)
			activeKernel.Store(old)
			for i := range got {
				if d := float64(got[i] - want[i]); d > tol[i] || -d > tol[i] {
					t.Fatalf("packed with %s, run with %s: C[%d] = %v, want %v", packWith.name, runWith.name, i, got[i], want[i])
				}
			}
		}
	}
}

func TestPackedAPanics(t *testing.T) {
	a := make([]float32, 12)
	N, T := blas.NoTrans, blas.Trans
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"bad tA", func() { PackA('x', 3, 4, a, 4) }, badTranspose},
		{"m<0", func() { PackA(N, -1, 4, a, 4) }, mLT0},
		{"k<0", func() { PackA(N, 3, -1, a, 4) }, kLT0},
		{"lda<k", func() { PackA(N, 3, 4, a, 3) }, badLdA},
		{"lda<m trans", func() { PackA(T, 3, 4, a, 2) }, badLdA},
		{"short a", func() { PackA(N, 3, 4, a[:11], 4) }, shortA},
		{"short a trans", func() { PackA(T, 3, 4, a[:11], 3) }, shortA},
		{"bad tB", func() { PackA(N, 3, 4, a, 4).Sgemm('x', 2, 1, a, 2, 0, a, 2) }, badTranspose},
		{"n<0", func() { PackA(N, 3, 4, a, 4).Sgemm(N, -1, 1, a, 2, 0, a, 2) }, nLT0},
		{"ldb<n", func() { PackA(N, 3, 4, a, 4).Sgemm(N, 2, 1, a, 1, 0, a, 2) }, badLdB},
		{"ldb<k trans", func() { PackA(N, 3, 4, a, 4).Sgemm(T, 2, 1, a, 3, 0, a, 2) }, badLdB},
		{"ldc<n", func() { PackA(N, 3, 4, a, 4).Sgemm(N, 2, 1, a, 2, 0, a, 1) }, badLdC},
		{"short b", func() { PackA(N, 3, 4, a, 4).Sgemm(N, 3, 1, a[:11], 3, 0, a, 3) }, shortB},
		{"short c", func() { PackA(N, 3, 4, a, 4).Sgemm(N, 3, 1, a, 3, 0, a[:8], 3) }, shortC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("panic %v, want %q", got, tc.want)
				}
			}()
			tc.f()
		})
	}
}
