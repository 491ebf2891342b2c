//go:build !purego

package fastblas

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run ./internal/asmgen

// The assembly in kernel_amd64.s; microKernel and packB below say how each
// is used. The AVX-512 kernels take the tile's rows and cols and handle the
// edges of C themselves.

//go:noescape
func kernelAVX512(kc int, a *float32, rsa, psa int, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func kernelAVX512x16(kc int, a *float32, rsa, psa int, b, c *float32, ldc int, alpha, beta float32, rows, cols int)

//go:noescape
func kernelAVX2(kc int, a *float32, rsa, psa int, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func kernelAVX2N(kc int, a *float32, rsa, psa int, b, c *float32, ldc int, alpha, beta float32, n, bstride int)

//go:noescape
func packB32Rows(kb int, b *float32, ldb int, dst *float32, cols int)

//go:noescape
func packB16Rows(kb int, b *float32, ldb int, dst *float32, cols int)

//go:noescape
func packB32Cols(kb int, b *float32, ldb int, dst *float32, cols int)

//go:noescape
func packB16Cols(kb int, b *float32, ldb int, dst *float32, cols int)

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

// microKernel computes the rows×cols tile at c (see the contract in
// kernel.go) from a B micro-panel of width floats per row, which is k.nr or,
// for a narrow last panel, k.narrow.
func microKernel(k *kernel, kc int, a []float32, rsa, psa int, b []float32, width int, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	pa, pb, pc := unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c)
	switch k.id {
	case idAVX512:
		if width == 16 {
			kernelAVX512x16(kc, pa, rsa, psa, pb, pc, ldc, alpha, beta, rows, cols)
		} else {
			kernelAVX512(kc, pa, rsa, psa, pb, pc, ldc, alpha, beta, rows, cols)
		}
	case idAVX2:
		if rows == k.mr && cols == k.nr {
			kernelAVX2(kc, pa, rsa, psa, pb, pc, ldc, alpha, beta)
			return
		}
		var tile [maxMR * maxNR]float32
		kernelAVX2(kc, pa, rsa, psa, pb, &tile[0], k.nr, alpha, 0)
		mergeTile(c, ldc, tile[:], k.nr, beta, rows, cols)
	default:
		genericTile(kc, a, rsa, psa, b, c, ldc, alpha, beta, rows, cols)
	}
}

// microKernelRow computes n full mr×nr tiles side by side: the tile at c
// against the B micro-panel at b, the next at c[nr:] against b[bstride:],
// and so on; as n calls of microKernel with rows = mr, cols = width = nr.
func microKernelRow(k *kernel, kc int, a []float32, rsa, psa int, b []float32, bstride int, c []float32, ldc int, alpha, beta float32, n int) {
	if k.id == idAVX2 && n > 0 {
		_ = b[(n-1)*bstride+kc*k.nr-1]
		_ = c[(k.mr-1)*ldc+n*k.nr-1]
		kernelAVX2N(kc, unsafe.SliceData(a), rsa, psa, unsafe.SliceData(b), unsafe.SliceData(c), ldc, alpha, beta, n, bstride)
		return
	}
	microKernelLoop(k, kc, a, rsa, psa, b, bstride, c, ldc, alpha, beta, n)
}

// packB packs rows [p0, p0+kb) × columns [j0, j0+cols) of op(B) into dst as
// kb rows of width floats (see packPanel).
func packB(k *kernel, dst, b []float32, ldb int, bTrans bool, p0, kb, j0, cols, width int) {
	// The gather packs index Bᵀ's rows with int32 offsets c·ldb, c < 32.
	if k.id != idAVX512 || kb == 0 || bTrans && 31*ldb > math.MaxInt32 {
		packPanel(dst, b, ldb, !bTrans, p0, kb, j0, cols, width)
		return
	}
	pd := unsafe.SliceData(dst)
	switch {
	case !bTrans && width == 32:
		packB32Rows(kb, &b[p0*ldb+j0], ldb, pd, cols)
	case !bTrans:
		packB16Rows(kb, &b[p0*ldb+j0], ldb, pd, cols)
	case width == 32:
		packB32Cols(kb, &b[j0*ldb+p0], ldb, pd, cols)
	default:
		packB16Cols(kb, &b[j0*ldb+p0], ldb, pd, cols)
	}
}
