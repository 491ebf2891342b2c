package fastblas

import "gonum.org/v1/gonum/blas"

// PackedA is a matrix packed once as the left operand of many products, in
// the layout the micro-kernel reads: row panels of mr rows, each k·mr
// floats, the mr values of one column after another, the bottom panel
// zero-padded to mr rows.
//
// It pays where one matrix meets many right-hand sides and does not stay
// in the caches between them, as generation's weights do: read in place, a
// row panel is mr short strands lda apart, which the hardware prefetchers
// do not follow, so every strand's first lines arrive at memory latency; a
// packed panel is one sequential stream. Packing costs a read and a write
// of the matrix, about what one product of a few dozen columns saves.
type PackedA struct {
	m, k int
	kern *kernel // the kernel the layout is for: products run on it
	data []float32
}

// PackA packs op(A), an m×k matrix (A is m×k row-major, or k×m when tA is
// blas.Trans), for PackedA.Sgemm. It panics as Sgemm does on a bad
// transpose, size, leading dimension or length. The result does not refer
// to a: later changes to a are not seen.
func PackA(tA blas.Transpose, m, k int, a []float32, lda int) *PackedA {
	aTrans := isTrans(tA)
	aRows, aCols := m, k
	if aTrans {
		aRows, aCols = k, m
	}
	switch {
	case m < 0:
		panic(mLT0)
	case k < 0:
		panic(kLT0)
	case lda < max(1, aCols):
		panic(badLdA)
	case m > 0 && k > 0 && len(a) < (aRows-1)*lda+aCols:
		panic(shortA)
	}
	kern := activeKernel.Load()
	mr := kern.mr
	panels := (m + mr - 1) / mr
	p := &PackedA{m: m, k: k, kern: kern, data: make([]float32, panels*k*mr)}
	for q := range panels {
		i := q * mr
		packPanel(p.data[q*k*mr:(q+1)*k*mr], a, lda, aTrans, 0, k, i, min(mr, m-i), mr)
	}
	return p
}

// panel returns the row panel holding row i, from column lo on.
func (p *PackedA) panel(i, lo int) []float32 {
	mr := p.kern.mr
	return p.data[i/mr*p.k*mr+lo*mr:]
}

// Sgemm computes C = alpha·A·op(B) + beta·C, where A is the packed m×k
// matrix, op(B) is k×n (B is k×n row-major, or n×k when tB is blas.Trans)
// and C is m×n, with Sgemm's rules for beta and alpha and its panics for B
// and C. The numbers are Sgemm's with A in place, up to the order of the
// float32 sums.
func (p *PackedA) Sgemm(tB blas.Transpose, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bTrans := isTrans(tB)
	m, k := p.m, p.k
	if !checkGemm(false, bTrans, m, n, k, nil, 0, b, ldb, c, ldc, false) {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	gemm(General, false, bTrans, m, n, k, alpha, nil, 0, b, ldb, beta, c, ldc, p)
}
