package fastblas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

func BenchmarkDbgLda(b *testing.B) {
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
		for _, lda := range []int{256, 384, 512, 520, 1024, 1040, 2048} {
			for _, pk := range []bool{false, true} {
				b.Run(fmt.Sprintf("t%c/lda%d/pack%v", tA, lda, pk), func(b *testing.B) {
					packA = pk
					defer func() { packA = false }()
					SetThreads(1)
					defer SetThreads(2)
					m, n, k := 768, 128, 256
					if tA == blas.Trans {
						m = 240
					}
					rng := rand.New(rand.NewPCG(1, 1))
					a := randFloats(rng, 1024*lda)
					bm := randFloats(rng, k*n)
					c := make([]float32, m*n)
					for b.Loop() {
						Implementation{}.Sgemm(tA, blas.NoTrans, m, n, k, 1, a, lda, bm, n, 0, c, n)
					}
					b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			}
		}
	}
}
