package engine

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"

	"lmlab/engine/fastblas"
)

// The engine's matrix products go through gonum's blas32 interface; by
// default the implementation behind it is fastblas (packed, cache-blocked,
// SIMD micro-kernels, a persistent worker pool), which also runs the
// engine's parallel loops. UseBLAS switches back to gonum's pure-Go one, so
// tests can check the model under both.
//
// On CPUs without AVX2 (or other architectures) fastblas falls back to a
// plain Go kernel slower than gonum's, so there the products go to gonum and
// only the worker pool comes from fastblas.
func init() {
	UseBLAS("fast")
	if fastblas.Kernel() == "generic" {
		blas32.Use(gonum.Implementation{})
	}
}

// UseBLAS selects the blas.Float32 implementation: "fast" (fastblas) or
// "gonum". It also selects how the element-wise layers are parallelised.
// It must not be called while a model is running.
func UseBLAS(name string) error {
	switch name {
	case "fast":
		fastblas.Use()
		parallelFor = fastblas.Parallel
	case "gonum":
		blas32.Use(gonum.Implementation{})
		parallelFor = serialFor
	default:
		return fmt.Errorf("unknown BLAS %q; choose fast or gonum", name)
	}
	return nil
}

// BLASName names the implementation in use, with fastblas's kernel.
func BLASName() string {
	switch blas32.Implementation().(type) {
	case gonum.Implementation:
		return "gonum"
	case fastblas.Implementation:
		return "fastblas/" + fastblas.Kernel()
	default:
		return "custom"
	}
}
