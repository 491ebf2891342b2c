//go:build !amd64 || purego

package fastblas

// supportedKernels lists the kernels this CPU runs: only the portable one
// off amd64, or with -tags purego.
func supportedKernels() []*kernel { return []*kernel{genericKernel} }

func microKernel(k *kernel, kc int, a []float32, rsa, psa int, b []float32, width int, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	genericTile(kc, a, rsa, psa, b, c, ldc, alpha, beta, rows, cols)
}

func packB(k *kernel, dst, b []float32, ldb int, bTrans bool, p0, kb, j0, cols, width int) {
	packPanel(dst, b, ldb, !bTrans, p0, kb, j0, cols, width)
}

func microKernelRow(k *kernel, kc int, a []float32, rsa, psa int, b []float32, bstride int, c []float32, ldc int, alpha, beta float32, n int) {
	microKernelLoop(k, kc, a, rsa, psa, b, bstride, c, ldc, alpha, beta, n)
}
