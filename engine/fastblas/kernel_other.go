//go:build !amd64

package fastblas

// supportedKernels lists the kernels this CPU runs: only the portable one
// off amd64.
func supportedKernels() []*kernel { return []*kernel{genericKernel} }

func microKernel(id kernelID, kc int, a, b, c []float32, ldc int, alpha, beta float32) {
	kernelGeneric(kc, a, b, c, ldc, alpha, beta)
}
