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
}

type kernelID int

const (
	idGeneric kernelID = iota
	idAVX2
	idAVX512
)

var (
	genericKernel = &kernel{name: "generic", id: idGeneric, mr: 4, nr: 8}
	avx2Kernel    = &kernel{name: "avx2", id: idAVX2, mr: 6, nr: 16}
	avx512Kernel  = &kernel{name: "avx512", id: idAVX512, mr: 12, nr: 32, narrow: 16}
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

// genericTile runs kernelGeneric on any tile, through a scratch tile at the
// edges.
func genericTile(kc int, a []float32, rsa, psa int, b, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	const mr, nr = 4, 8
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
// ones, for genericKernel's 4×8 tile.
func kernelGeneric(kc int, a []float32, rsa, psa int, b, c []float32, ldc int, alpha, beta float32) {
	const mr, nr = 4, 8
	var acc [mr][nr]float32
	for p := range kc {
		bp := b[p*nr : p*nr+nr]
		for r := range mr {
			ar := a[r*rsa+p*psa]
			row := &acc[r]
			for j := range nr {
				row[j] += ar * bp[j]
			}
		}
	}
	for r := range mr {
		row := c[r*ldc : r*ldc+nr]
		for j := range nr {
			if beta == 0 {
				row[j] = alpha * acc[r][j]
			} else {
				row[j] = alpha*acc[r][j] + beta*row[j]
			}
		}
	}
}
