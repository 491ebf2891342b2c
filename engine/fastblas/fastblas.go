package fastblas

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's BLAS with a fast Sgemm. The zero value is ready
// to use.
type Implementation struct {
	gonum.Implementation
}

var _ blas.Float32 = Implementation{}

// Use registers Implementation as blas32's implementation.
func Use() { blas32.Use(Implementation{}) }

// Kernel reports the micro-kernel Sgemm uses on this CPU: "avx512", "avx2"
// or "generic".
func Kernel() string { return activeKernel.Load().name }

// The panic messages are gonum's (blas/gonum/errors.go), so a caller sees the
// same failure whichever implementation is registered.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Sgemm performs one of the matrix-matrix operations
//
//	C = alpha * A * B + beta * C
//	C = alpha * Aᵀ * B + beta * C
//	C = alpha * A * Bᵀ + beta * C
//	C = alpha * Aᵀ * Bᵀ + beta * C
//
// where A is an m×k or k×m row-major matrix, B is a k×n or n×k one, C is
// m×n, and tA and tB say whether A and B are transposed. When beta is zero C
// is not read, so NaNs in it do not propagate; when alpha is zero or k is zero
// A and B are not read. It panics, with gonum's messages, on an illegal
// transpose, a negative size, a leading dimension smaller than the row width,
// or a slice too short for its matrix.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Implementation{}.SgemmShaped(General, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Shape tells SgemmShaped which part of a product it may skip, as in causal
// attention, where one operand or the result is triangular.
type Shape int

const (
	// General is a dense product: SgemmShaped is Sgemm.
	General Shape = iota
	// LowerC asks only for C's lower triangle, C[i][j] with j ≤ i. Tiles of
	// C wholly above the diagonal are not computed; the others are, so an
	// element above the diagonal is either unchanged or the product's value.
	LowerC
	// LowerA declares op(A) lower triangular: op(A)[i][p] = 0 for p > i.
	// The zeros are skipped, except those in the diagonal band of a tile
	// (up to mr−1 past the diagonal), which are read and must be zero.
	LowerA
	// UpperA declares op(A) upper triangular: op(A)[i][p] = 0 for p < i,
	// skipped except in the diagonal band as for LowerA.
	UpperA
)

// SgemmShaped is Sgemm for a product whose structure, shape, lets it skip
// work (see Shape); with General it is Sgemm. The result where the structure
// holds is Sgemm's to within rounding; it panics as Sgemm does, and on an
// unknown shape.
func (Implementation) SgemmShaped(shape Shape, tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if shape < General || shape > UpperA {
		panic("fastblas: SgemmShaped: unknown shape")
	}
	aTrans := isTrans(tA)
	bTrans := isTrans(tB)
	if !checkGemm(aTrans, bTrans, m, n, k, a, lda, b, ldb, c, ldc, true) {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	gemm(shape, aTrans, bTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil)
}

// checkGemm panics, with gonum's messages, on a negative size, a leading
// dimension smaller than its row, or a slice too short for its matrix; A is
// checked only withA. It reports whether there is anything to compute (m
// and n not zero).
func checkGemm(aTrans, bTrans bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, withA bool) bool {
	aRows, aCols := m, k // A as stored
	if aTrans {
		aRows, aCols = k, m
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	if withA && lda < max(1, aCols) {
		panic(badLdA)
	}
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else if ldb < max(1, n) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return false
	}
	// With m, n > 0 but k == 0 these checks pass trivially, as in gonum.
	if withA && len(a) < (aRows-1)*lda+aCols {
		panic(shortA)
	}
	if bTrans {
		if len(b) < (n-1)*ldb+k {
			panic(shortB)
		}
	} else if len(b) < (k-1)*ldb+n {
		panic(shortB)
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}
	return true
}

func isTrans(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(badTranspose)
}

// scaleC sets C = beta*C; beta == 0 writes zeros without reading C.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
