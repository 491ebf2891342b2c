package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// tileWant sets the rows×cols tile of want (C's values as float64, ldc
// apart) to the definition alpha·Σp A(r,p)·B[p][j] + beta·C[r][j] summed in
// float64, with A(r,p) = a[r*rsa+p*psa] and B[p][j] = b[p*nr+j], and tol to
// each element's tolerance; elements outside the tile keep tol 0, so a
// kernel that writes there fails.
func tileWant(want, tol []float64, a []float32, rsa, psa int, b []float32, nr, kc int, alpha, beta float64, ldc, rows, cols int) {
	for r := range rows {
		for j := range cols {
			var sum, abs float64
			for p := range kc {
				x := float64(a[r*rsa+p*psa]) * float64(b[p*nr+j])
				sum += x
				abs += math.Abs(x)
			}
			i := r*ldc + j
			cij := want[i]
			want[i] = alpha*sum + beta*cij
			tol[i] = tolerance(kc, alpha*abs+math.Abs(beta*cij))
		}
	}
}

// checkC fails t at the first element of c farther from want than tol.
func checkC(t *testing.T, name string, c []float32, want, tol []float64, ldc int) {
	t.Helper()
	for i, got := range c {
		if math.Abs(float64(got)-want[i]) > tol[i] {
			t.Fatalf("%s: C[%d][%d] = %v, want %v (tolerance %.3g)", name, i/ldc, i%ldc, got, want[i], tol[i])
		}
	}
}

// wideC returns c as float64 and a zero tolerance for each element.
func wideC(c []float32) (want, tol []float64) {
	want = make([]float64, len(c))
	for i, v := range c {
		want[i] = float64(v)
	}
	return want, make([]float64, len(c))
}

// TestMicroKernelLayouts calls each kernel directly on every way A can be
// laid out (row-major in place, transposed in place, packed, and strides
// that are neither) with k from 0 to past a k block, full tiles and edges,
// and compares each tile with the definition summed in float64. Sgemm's
// tests reach the kernels only through the layouts and tile sizes it
// chooses.
func TestMicroKernelLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, kern := range supportedKernels() {
		mr, nr := kern.mr, kern.nr
		layouts := []struct {
			name     string
			rsa, psa func(kc int) int
		}{
			{"rowmajor", func(kc int) int { return kc + 3 }, func(int) int { return 1 }},
			{"transposed", func(int) int { return 1 }, func(int) int { return mr + 5 }},
			{"packed", func(int) int { return 1 }, func(int) int { return mr }},
			{"neither", func(kc int) int { return 2*kc + 1 }, func(int) int { return 2 }},
		}
		for _, l := range layouts {
			for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 64, 255, 256} {
				for _, edge := range []bool{false, true} {
					rows, cols := mr, nr
					if edge {
						rows, cols = mr-1, nr-3
					}
					rsa, psa := l.rsa(kc), l.psa(kc)
					a := randFloats(rng, (mr-1)*rsa+max(kc-1, 0)*psa+1)
					b := randFloats(rng, kc*nr)
					const ldc = 40
					c := randFloats(rng, mr*ldc)
					const alpha, beta = 0.75, -0.5
					want, tol := wideC(c)
					tileWant(want, tol, a, rsa, psa, b, nr, kc, alpha, beta, ldc, rows, cols)
					microKernel(kern, kc, a, rsa, psa, b, nr, c, ldc, alpha, beta, rows, cols)
					checkC(t, fmt.Sprintf("%s/%s/kc=%d/edge=%v", kern.name, l.name, kc, edge), c, want, tol, ldc)
				}
			}
		}
	}
}

// TestMicroKernelRow: a row of n tiles in one call (kernelAVX2N on AVX2)
// equals the definition for every tile, B micro-panels bstride apart, and
// writes nothing outside the row's mr × n·nr block of C.
func TestMicroKernelRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, kern := range supportedKernels() {
		mr, nr := kern.mr, kern.nr
		for _, n := range []int{0, 1, 2, 5} {
			for _, kc := range []int{1, 3, 4, 17, 128} {
				for _, trans := range []bool{false, true} {
					rsa, psa := kc+1, 1
					if trans {
						rsa, psa = 1, mr+2
					}
					a := randFloats(rng, (mr-1)*rsa+(kc-1)*psa+1)
					bstride := kc*nr + 5
					b := randFloats(rng, max(n, 1)*bstride)
					ldc := n*nr + 3
					c := randFloats(rng, (mr+1)*ldc)
					const alpha, beta = 1.25, 0.5
					want, tol := wideC(c)
					for tile := range n {
						tileWant(want[tile*nr:], tol[tile*nr:], a, rsa, psa, b[tile*bstride:], nr, kc, alpha, beta, ldc, mr, nr)
					}
					microKernelRow(kern, kc, a, rsa, psa, b, bstride, c, ldc, alpha, beta, n)
					checkC(t, fmt.Sprintf("%s/n=%d/kc=%d/trans=%v", kern.name, n, kc, trans), c, want, tol, ldc)
				}
			}
		}
	}
}
