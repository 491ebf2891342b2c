package fastblas_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"lmlab/engine/fastblas"
)

// After Use, blas32's Gemm runs fastblas's Sgemm: here out = x · wᵀ, as in a
// linear layer.
func ExampleUse() {
	fastblas.Use()
	x := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	w := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 0, 0, 0, 1, 1}}
	out := blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 4)}
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, x, w, 0, out)
	fmt.Println(out.Data)
	// Output: [1 5 4 11]
}

// Parallel hands out disjoint chunks of a range; each writes only its own.
func ExampleParallel() {
	squares := make([]int, 10)
	fastblas.Parallel(len(squares), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			squares[i] = i * i
		}
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}
