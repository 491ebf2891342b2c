package engine

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// useBLAS makes UseBLAS(name) hold until the test ends, then puts back the
// implementation and loops that were in place (under purego the package's
// default is gonum's Sgemm, not fastblas's generic kernel, so "fast" is not
// the default to return to).
func useBLAS(t *testing.T, name string) {
	t.Helper()
	impl, loops := blas32.Implementation(), parallelFor
	t.Cleanup(func() { blas32.Use(impl); parallelFor = loops })
	if err := UseBLAS(name); err != nil {
		t.Fatal(err)
	}
}

// withBLAS runs f under each BLAS implementation.
func withBLAS(t *testing.T, f func(t *testing.T)) {
	for _, name := range []string{"gonum", "fast"} {
		t.Run(name, func(t *testing.T) {
			useBLAS(t, name)
			f(t)
		})
	}
}

func TestGradModelUnderEachBLAS(t *testing.T) { withBLAS(t, TestGradModel) }

func TestGradAttentionUnderEachBLAS(t *testing.T) { withBLAS(t, TestGradAttention) }

// TestBLASImplementationsAgree runs one step of the same model under gonum's
// Sgemm and fastblas's and compares the loss and every gradient. They sum in
// different orders, so they agree to float32 rounding: relative 1e-4 on the
// gradient norm is ~100× the rounding of sums of a few hundred terms.
func TestBLASImplementationsAgree(t *testing.T) {
	cfg := Config{VocabSize: 37, Context: 24, Layers: 2, Heads: 3, Embd: 48}
	B, T := 5, 23
	data := testData(B*T+1, 37, 2)
	impl, loops := blas32.Implementation(), parallelFor
	defer func() { blas32.Use(impl); parallelFor = loops }()
	run := func(name string) (float32, []float32) {
		if err := UseBLAS(name); err != nil {
			t.Fatal(err)
		}
		m := NewModel(cfg, 9)
		m.ZeroGrad()
		loss := m.Forward(data[:B*T], data[1:B*T+1], B, T)
		m.Backward(1)
		return loss, m.garena
	}
	lg, gg := run("gonum")
	lf, gf := run("fast")
	if math.Abs(float64(lg-lf)) > 1e-5 {
		t.Errorf("loss %v under gonum, %v under fastblas", lg, lf)
	}
	var diff, norm float64
	for i := range gg {
		d := float64(gg[i] - gf[i])
		diff += d * d
		norm += float64(gg[i]) * float64(gg[i])
	}
	if r := math.Sqrt(diff / norm); r > 1e-4 {
		t.Errorf("gradients differ by %.2g relative (L2) between gonum and fastblas", r)
	}
}
