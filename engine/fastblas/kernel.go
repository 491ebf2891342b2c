package fastblas

import "sync/atomic"

// kernel describes a micro-kernel: it computes an mr×nr tile of C from a
// packed kc×mr micro-panel of A and a packed kc×nr micro-panel of B. C is
// row-major, so the nr columns of a tile row are contiguous and the kernel
// vectorises along them, broadcasting one A element per row.
type kernel struct {
	name   string
	id     kernelID
	mr, nr int
	// narrow, when not 0, is the width of a second kernel for a last
	// column panel at most that wide; its B panel is packed that wide.
	narrow int
	// packsB says packB has assembly for this kernel; Go packs B for the
	// others.
	packsB bool
}

type kernelID int

const (
	idGeneric kernelID = iota
	idAVX2
	idAVX512
)

var (
	genericKernel = &kernel{name: "generic", id: idGeneric, mr: 4, nr: 4}
	avx2Kernel    = &kernel{name: "avx2", id: idAVX2, mr: 6, nr: 16}
	avx512Kernel  = &kernel{name: "avx512", id: idAVX512, mr: 12, nr: 32, narrow: 16, packsB: true}
)

// Largest tile of any kernel, for scratch sizing.
const (
	maxMR = 12
	maxNR = 32
)

// activeKernel is the kernel Sgemm uses; tests swap it to cover every kernel
// the CPU runs.
var activeKernel atomic.Pointer[kernel]

func init() { activeKernel.Store(supportedKernels()[0]) }

// The micro-kernel contract (microKernel, per architecture):
//
//	C[r][j] = alpha * Σ_{p<kc} A(r, p)·B[p][j] + beta * C[r][j]
//
// for r < rows ≤ mr and j < cols ≤ nr, where A(r, p) = a[r*rsa + p*psa],
// B[p][j] = b[p*width + j] (a packed micro-panel) and C[r][j] = c[r*ldc + j].
// With rsa, psa = lda, 1 or 1, lda the kernel reads a row-major A or its
// transpose in place; with 1, mr a packed micro-panel. A must have all mr
// rows (zero-padded when packed) even when rows < mr. beta == 0 does not read
// C, and nothing outside the rows×cols tile of C is read or written.

// microKernelLoop is microKernelRow one tile at a time.
func microKernelLoop(k *kernel, kc int, a []float32, rsa, psa int, b []float32, bstride int, c []float32, ldc int, alpha, beta float32, n int) {
	for t := range n {
		microKernel(k, kc, a, rsa, psa, b[t*bstride:], k.nr, c[t*k.nr:], ldc, alpha, beta, k.mr, k.nr)
	}
}

// genericTile runs kernelGeneric on any tile, through a scratch tile at the
// edges.
func genericTile(kc int, a []float32, rsa, psa int, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	const mr, nr = 4, 4
	if rows == mr && cols == nr {
		kernelGeneric(kc, a, rsa, psa, b, c, ldc, alpha, beta)
		return
	}
	var tile [mr * nr]float32
	kernelGeneric(kc, a, rsa, psa, b, tile[:], nr, alpha, 0)
	mergeTile(c, ldc, tile[:], nr, beta, rows, cols)
}

// mergeTile sets the rows×cols corner of C to tile + beta*C, not reading C
// when beta == 0.
func mergeTile(c []float32, ldc int, tile []float32, ldt int, beta float32, rows, cols int) {
	for r := range rows {
		src := tile[r*ldt : r*ldt+cols]
		dst := c[r*ldc : r*ldc+cols]
		if beta == 0 {
			copy(dst, src)
			continue
		}
		for j, v := range src {
			dst[j] = v + beta*dst[j]
		}
	}
}

// kernelGeneric is the portable micro-kernel, the scalar twin of the assembly
// ones, for genericKernel's 4×4 tile. The 16 sums are separate variables so
// that the compiler keeps them in registers (an array of them lived in memory
// and ran at a fifth of gonum's speed).
func kernelGeneric(kc int, a []float32, rsa, psa int, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	b = b[:4*kc]
	for p := range kc {
		bp := b[4*p : 4*p+4 : 4*p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		o := p * psa
		a0, a1, a2, a3 := a[o], a[o+rsa], a[o+2*rsa], a[o+3*rsa]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store := func(row []float32, x0, x1, x2, x3 float32) {
		row = row[:4:4]
		if beta == 0 {
			row[0], row[1], row[2], row[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
			return
		}
		row[0] = alpha*x0 + beta*row[0]
		row[1] = alpha*x1 + beta*row[1]
		row[2] = alpha*x2 + beta*row[2]
		row[3] = alpha*x3 + beta*row[3]
	}
	store(c, c00, c01, c02, c03)
	store(c[ldc:], c10, c11, c12, c13)
	store(c[2*ldc:], c20, c21, c22, c23)
	store(c[3*ldc:], c30, c31, c32, c33)
}
