package fastblas

import (
	"math"

	"gonum.org/v1/gonum/blas"
)

// sgemmNaive is Sgemm's naive twin: the definition, summed in float64. It
// also returns, per element of C, the bound on the float32 error of any
// correct summation order (see tolerance).
func sgemmNaive(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (tol []float64) {
	// op(A)[i][p] = a[i*ars+p*aps], op(B)[p][j] = b[p*brs+j*bcs].
	ars, aps := lda, 1
	if tA != blas.NoTrans {
		ars, aps = 1, lda
	}
	brs, bcs := ldb, 1
	if tB != blas.NoTrans {
		brs, bcs = 1, ldb
	}
	tol = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var sum, abs float64
			for p := range k {
				x := float64(a[i*ars+p*aps]) * float64(b[p*brs+j*bcs])
				sum += x
				abs += math.Abs(x)
			}
			got := float64(alpha) * sum
			bound := math.Abs(float64(alpha)) * abs
			if beta != 0 {
				cij := float64(c[i*ldc+j])
				got += float64(beta) * cij
				bound += math.Abs(float64(beta) * cij)
			}
			c[i*ldc+j] = float32(got)
			tol[i*n+j] = tolerance(k, bound)
		}
	}
	return tol
}

// tolerance bounds |computed - exact| for one element of C. A float32 dot
// product of length k in any order, with or without FMA, errs by at most
// γ_k·Σ|a||b| with γ_k ≈ k·u, u = 2⁻²⁴ (Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1); scaling by alpha, adding beta·C, and rounding
// the result add three more roundings. We allow 2u per step (eps32 = 2⁻²³)
// for slack, and the float64 reference adds nothing visible. bound is
// |alpha|·Σ|a||b| + |beta·c|.
func tolerance(k int, bound float64) float64 {
	const eps32 = 1.0 / (1 << 23)
	return float64(k+3)*eps32*bound + math.SmallestNonzeroFloat32
}
