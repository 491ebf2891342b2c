package fastblas

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// kernelAVX512 is avx512Kernel's 12×32 micro-kernel (kernel_amd64.s): C (row
// stride ldc floats) = alpha*A·B + beta*C; beta == 0 does not read C.
//
//go:noescape
func kernelAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// kernelAVX2 is avx2Kernel's 6×16 micro-kernel, same contract.
//
//go:noescape
func kernelAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)

// supportedKernels lists the kernels this CPU runs, fastest first.
func supportedKernels() []*kernel {
	ks := []*kernel{genericKernel}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append([]*kernel{avx2Kernel}, ks...)
	}
	if cpu.X86.HasAVX512F {
		ks = append([]*kernel{avx512Kernel}, ks...)
	}
	return ks
}

// microKernel runs kernel id on a kc-long product into the tile at c. a, b
// and c hold at least the kernel's kc×mr, kc×nr and (mr-1)*ldc+nr floats.
func microKernel(id kernelID, kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	switch id {
	case idAVX512:
		kernelAVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), ldc, alpha, beta)
	case idAVX2:
		kernelAVX2(kc, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), ldc, alpha, beta)
	default:
		kernelGeneric(kc, a, b, c, ldc, alpha, beta)
	}
}
