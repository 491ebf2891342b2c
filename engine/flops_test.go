package engine

import (
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"
)

// countingBLAS counts the FLOPs of every Sgemm the engine calls.
type countingBLAS struct {
	gonum.Implementation
	flops *int64
}

func (c countingBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cc []float32, ldc int) {
	*c.flops += 2 * int64(m) * int64(n) * int64(k)
	c.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cc, ldc)
}

// TestStepFLOPsCountsTheProducts checks StepFLOPs against the products one
// forward and backward pass really performs.
func TestStepFLOPsCountsTheProducts(t *testing.T) {
	saved := blas32.Implementation()
	defer blas32.Use(saved)
	var flops int64
	blas32.Use(countingBLAS{flops: &flops})
	setSerial(t) // the counter is not safe for concurrent use

	cfg := Config{VocabSize: 65, Context: 16, Layers: 2, Heads: 4, Embd: 32}
	m := NewModel(cfg, 1)
	B, T := 3, 16
	data := testData(B*T+1, 65, 1)
	m.Forward(data[:B*T], data[1:B*T+1], B, T)
	m.Backward(1)
	if want := StepFLOPs(cfg, B, T); flops != want {
		t.Errorf("one step performed %d FLOPs in Sgemm, StepFLOPs says %d", flops, want)
	}
	// The baby recipe is "about 4 GFLOP per step".
	baby := Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}
	if g := float64(StepFLOPs(baby, 12, 64)) / 1e9; g < 3.8 || g > 4.2 {
		t.Errorf("baby step = %.2f GFLOP, want about 4", g)
	}
}

// setSerial makes parallelFor serial for the rest of the test.
func setSerial(t *testing.T) {
	saved := parallelFor
	parallelFor = func(n int, fn func(lo, hi int)) { fn(0, n) }
	t.Cleanup(func() { parallelFor = saved })
}
