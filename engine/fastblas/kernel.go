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
	avx512Kernel  = &kernel{name: "avx512", id: idAVX512, mr: 12, nr: 32}
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

// kernelGeneric is the portable micro-kernel, the scalar twin of the assembly
// ones: c[r*ldc+j] = alpha*Σp a[p*mr+r]*b[p*nr+j] + beta*c[r*ldc+j] for the
// genericKernel tile; beta == 0 does not read c.
func kernelGeneric(kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	const mr, nr = 4, 8
	var acc [mr][nr]float32
	for p := range kc {
		ap := a[p*mr : p*mr+mr]
		bp := b[p*nr : p*nr+nr]
		for r := range mr {
			ar := ap[r]
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
