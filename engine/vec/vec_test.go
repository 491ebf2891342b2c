package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every kernel runs under each level the CPU supports (the pure-Go twins
// always, so they are tested on amd64 too) and is held to float64
// references, to the twins, and to not touching memory outside its slices.

// eachLevel runs f once per supported level with active set to it.
func eachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := active
	defer func() { active = saved }()
	for _, l := range supported() {
		active = l
		t.Run(l.String(), f)
	}
}

// lengths covers empty, single, both sides of every vector width, and a few
// long odd ones.
var lengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 255, 257, 1000, 4099}

// offsets start sub-slices off any vector alignment.
var offsets = []int{0, 1, 3}

const guard = 5 // guard elements each side of a slice

// guarded returns a slice of n elements at offset off inside a larger
// buffer whose other elements hold a sentinel, and a check that the
// sentinels are intact.
func guarded(n, off int) (s []float32, intact func() bool) {
	buf := make([]float32, off+n+2*guard)
	for i := range buf {
		buf[i] = -12345.5
	}
	s = buf[guard+off : guard+off+n : guard+off+n]
	return s, func() bool {
		for i, v := range buf {
			if (i < guard+off || i >= guard+off+n) && v != -12345.5 {
				return false
			}
		}
		return true
	}
}

// fill sets s to uniform values in [lo, hi).
func fill(r *rand.Rand, s []float32, lo, hi float64) {
	for i := range s {
		s[i] = float32(lo + (hi-lo)*r.Float64())
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// ulps is the distance between a and b in units in the last place of
// float32 (0 when equal, including ±0; large when only one is NaN).
func ulps(a, b float32) int64 {
	if a == b || (a != a && b != b) {
		return 0
	}
	if a != a || b != b {
		return math.MaxInt64
	}
	ord := func(x float32) int64 {
		i := int64(int32(math.Float32bits(x)))
		if i < 0 {
			i = math.MinInt32 - i
		}
		return i
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// ulpsTo64 is the error of got against a float64 reference in float32 ulps
// of the reference.
func ulpsTo64(got float32, want float64) float64 {
	w := float32(want)
	ulp := float64(math.Nextafter32(w, float32(math.Inf(1))) - w)
	if math.IsInf(ulp, 0) || ulp == 0 {
		ulp = float64(w - math.Nextafter32(w, float32(math.Inf(-1))))
	}
	return math.Abs(float64(got)-want) / ulp
}

func geluRef(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

func geluGradRef(x float64) float64 {
	k := math.Sqrt(2 / math.Pi)
	th := math.Tanh(k * (x + 0.044715*x*x*x))
	return 0.5*(1+th) + 0.5*x*(1-th*th)*k*(1+3*0.044715*x*x)
}

var (
	inf  = float32(math.Inf(1))
	nan  = float32(math.NaN())
	negz = float32(math.Copysign(0, -1))
)

// specials are values every kernel must survive.
var specials = []float32{0, negz, 1, -1, inf, -inf, nan, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32,
	math.SmallestNonzeroFloat32, 1e-30, -1e-30, 88.7, 88.8, -87.3, -87.4, -103, -110, 10, -10, 20, -20, 30, -30}

func TestExp(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		// Dense grid over the normal range: within 2 ulp of e^x.
		const n = 200001
		src := make([]float32, n)
		lo, hi := -87.3, 88.72
		for i := range src {
			src[i] = float32(lo + (hi-lo)*float64(i)/(n-1))
		}
		dst := make([]float32, n)
		ExpSub(dst, src, 0)
		worst, at := 0.0, float32(0)
		for i, x := range src {
			if e := ulpsTo64(dst[i], math.Exp(float64(x))); e > worst {
				worst, at = e, x
			}
		}
		t.Logf("max error %.2f ulp at x = %g", worst, at)
		if worst > 2 {
			t.Errorf("exp: %.2f ulp at x = %g, want ≤ 2", worst, at)
		}
		// Ends and special values.
		tiny := float32(math.SmallestNonzeroFloat32)
		tests := []struct {
			x, want float32
			tol     float32 // absolute
		}{
			{0, 1, 0}, {negz, 1, 0}, {-inf, 0, 0}, {inf, inf, 0}, {nan, nan, 0},
			{-1e30, 0, 0}, {1e30, inf, 0}, {-104, 0, 0}, {-200, 0, 0}, {89, inf, 0}, {88.8, inf, 0},
			{88.72, float32(math.Exp(float64(float32(88.72)))), 2e32}, {-87.33, float32(math.Exp(float64(float32(-87.33)))), 1e-44},
			// Subnormal results may flush to 0.
			{-90, float32(math.Exp(-90)), 1.2e-38}, {-103, tiny, 1.2e-38},
			{1e-30, 1, 0}, {tiny, 1, 0},
		}
		for _, tt := range tests {
			var got [1]float32
			sum := ExpSub(got[:], []float32{tt.x}, 0)
			if !same(got[0], sum) {
				t.Errorf("exp(%g): sum %g, element %g", tt.x, sum, got[0])
			}
			if tt.want != tt.want {
				if got[0] == got[0] {
					t.Errorf("exp(%g) = %g, want NaN", tt.x, got[0])
				}
				continue
			}
			if d := got[0] - tt.want; got[0] != tt.want && !(d <= tt.tol && -d <= tt.tol) {
				t.Errorf("exp(%g) = %g, want %g ± %g", tt.x, got[0], tt.want, tt.tol)
			}
		}
	})
}

// same reports whether a and b are equal or both NaN.
func same(a, b float32) bool { return a == b || (a != a && b != b) }

func TestExpSub(t *testing.T) {
	r := newRand(1)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				src, srcOK := guarded(n, off)
				dst, dstOK := guarded(n, off+1)
				fill(r, src, -30, 10)
				shift := Max(src)
				want := make([]float32, n)
				wantSum := expSubGo(want, src, shift)
				sum := ExpSub(dst, src, shift)
				var sum64 float64
				for i := range dst {
					if u := ulps(dst[i], want[i]); u > 2 {
						t.Fatalf("n=%d off=%d: dst[%d] = %g, Go twin %g (%d ulp)", n, off, i, dst[i], want[i], u)
					}
					// The kernel's argument is src − shift rounded to float32.
					if e := ulpsTo64(dst[i], math.Exp(float64(src[i]-shift))); e > 2 {
						t.Fatalf("n=%d: dst[%d] = %g is %.1f ulp from e^(%g)", n, i, dst[i], e, src[i]-shift)
					}
					sum64 += float64(dst[i])
				}
				// The sum of n terms in float32, each at most 1.
				if tol := 1e-7 * float64(n+1) * max(sum64, 1); math.Abs(float64(sum)-sum64) > tol || math.Abs(float64(wantSum)-sum64) > tol {
					t.Fatalf("n=%d: sum %g, Go twin %g, float64 %g", n, sum, wantSum, sum64)
				}
				if !srcOK() || !dstOK() {
					t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
				}
				// In place, as softmax calls it.
				inPlace := append([]float32(nil), src...)
				if s := ExpSub(inPlace, inPlace, shift); s != sum || !equalBits(inPlace, dst) {
					t.Fatalf("n=%d: in place differs", n)
				}
			}
		}
		// A masked row: −Inf entries contribute exactly 0.
		row := []float32{3, float32(math.Inf(-1)), 1, float32(math.Inf(-1))}
		sum := ExpSub(row, row, 3)
		if row[1] != 0 || row[3] != 0 || row[0] != 1 || sum != 1+row[2] {
			t.Errorf("masked row: %v, sum %g", row, sum)
		}
	})
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestGeluForward(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		// Dense grid over [−10, 10]: within 2e-6 of the float64 formula.
		const n = 400001
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(-10 + 20*float64(i)/(n-1))
		}
		out := make([]float32, n)
		GeluForward(out, x)
		worst, at := 0.0, float32(0)
		for i, v := range x {
			if e := math.Abs(float64(out[i]) - geluRef(float64(v))); e > worst {
				worst, at = e, v
			}
		}
		t.Logf("max error %.3g at x = %g", worst, at)
		if worst > 2e-6 {
			t.Errorf("gelu: error %.3g at x = %g, want ≤ 2e-6", worst, at)
		}
		// Limits are exact, and so are zeros.
		for _, v := range []float32{10, 11, 20, 100, 1e10, 1e30, math.MaxFloat32, inf} {
			if got := gelu1(v); got != v {
				t.Errorf("gelu(%g) = %g, want x", v, got)
			}
		}
		for _, v := range []float32{0, negz, -12, -20, -100, -1e10, -1e30, -math.MaxFloat32, -inf} {
			if got := gelu1(v); got != 0 {
				t.Errorf("gelu(%g) = %g, want 0", v, got)
			}
		}
		if got := gelu1(nan); got == got {
			t.Errorf("gelu(NaN) = %g", got)
		}
	})
}

func gelu1(x float32) float32 {
	var out [1]float32
	GeluForward(out[:], []float32{x})
	return out[0]
}

func TestGeluBackward(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		const n = 400001
		x := make([]float32, n)
		ones := make([]float32, n)
		for i := range x {
			x[i] = float32(-10 + 20*float64(i)/(n-1))
			ones[i] = 1
		}
		dx := make([]float32, n)
		GeluBackward(dx, x, ones)
		worst, at := 0.0, float32(0)
		for i, v := range x {
			if e := math.Abs(float64(dx[i]) - geluGradRef(float64(v))); e > worst {
				worst, at = e, v
			}
		}
		t.Logf("max error %.3g at x = %g", worst, at)
		if worst > 2e-6 {
			t.Errorf("gelu': error %.3g at x = %g, want ≤ 2e-6", worst, at)
		}
		for _, v := range []float32{20, 21, 1e10, 1e30, math.MaxFloat32, inf} {
			if got := geluGrad1(v, 0.75); got != 0.75 {
				t.Errorf("gelu'(%g)·0.75 = %g, want 0.75", v, got)
			}
		}
		for _, v := range []float32{-20, -21, -1e10, -1e30, -math.MaxFloat32, -inf} {
			if got := geluGrad1(v, 0.75); got != 0 {
				t.Errorf("gelu'(%g)·0.75 = %g, want 0", v, got)
			}
		}
		if got := geluGrad1(0, 1); got != 0.5 {
			t.Errorf("gelu'(0) = %g, want 0.5", got)
		}
		if got := geluGrad1(nan, 1); got == got {
			t.Errorf("gelu'(NaN) = %g", got)
		}
		if got := geluGrad1(1, nan); got == got {
			t.Errorf("gelu'(1)·NaN = %g", got)
		}
	})
}

func geluGrad1(x, d float32) float32 {
	var dx [1]float32
	GeluBackward(dx[:], []float32{x}, []float32{d})
	return dx[0]
}

// TestGeluTwins holds each level to the Go twins on random, odd-length,
// unaligned data, in place and out of place, and checks nothing outside
// the slices is written.
func TestGeluTwins(t *testing.T) {
	r := newRand(2)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				x, xOK := guarded(n, off)
				out, outOK := guarded(n, off+1)
				dout, doutOK := guarded(n, off+2)
				fill(r, x, -12, 12)
				fill(r, dout, -2, 2)
				if n > 0 {
					x[r.IntN(n)] = specials[r.IntN(len(specials))]
				}
				want := make([]float32, n)
				geluForwardGo(want, x)
				GeluForward(out, x)
				// The twins round w = x·(a + b·x²) differently (FMA), and e^w
				// magnifies that by |w| for negative x, where gelu is tiny:
				// close in ulps, or in absolute terms.
				for i := range out {
					if u := ulps(out[i], want[i]); u > 3 && math.Abs(float64(out[i]-want[i])) > 5e-7 {
						t.Fatalf("n=%d: gelu(%g) = %g, Go twin %g (%d ulp)", n, x[i], out[i], want[i], u)
					}
				}
				geluBackwardGo(want, x, dout)
				GeluBackward(out, x, dout)
				for i := range out {
					if d := math.Abs(float64(out[i] - want[i])); d > 5e-7*math.Abs(float64(dout[i])) && ulps(out[i], want[i]) > 4 {
						t.Fatalf("n=%d: gelu'(%g)·%g = %g, Go twin %g", n, x[i], dout[i], out[i], want[i])
					}
				}
				// In place over dout, as the engine calls it.
				GeluBackward(dout, x, dout)
				if !equalBits(dout, out) {
					t.Fatalf("n=%d: in-place backward differs", n)
				}
				if !xOK() || !outOK() || !doutOK() {
					t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
				}
			}
		}
	})
}

func TestMax(t *testing.T) {
	r := newRand(3)
	eachLevel(t, func(t *testing.T) {
		if got := Max(nil); !math.IsInf(float64(got), -1) {
			t.Errorf("Max(nil) = %g, want −Inf", got)
		}
		for _, n := range lengths[1:] {
			for _, off := range offsets {
				x, ok := guarded(n, off)
				fill(r, x, -1e3, 1e3)
				want := x[0]
				for _, v := range x {
					want = max(want, v)
				}
				if got := Max(x); got != want {
					t.Fatalf("n=%d: Max = %g, want %g", n, got, want)
				}
				// The largest element in each position, the tail included.
				for _, i := range []int{0, n / 2, n - 1} {
					saved := x[i]
					x[i] = 5e3
					if got := Max(x); got != 5e3 {
						t.Fatalf("n=%d: max at %d: got %g", n, i, got)
					}
					x[i] = nan
					if got := Max(x); got == got {
						t.Fatalf("n=%d: NaN at %d: got %g", n, i, got)
					}
					x[i] = saved
				}
				for i := range x {
					x[i] = float32(math.Inf(-1))
				}
				if got := Max(x); !math.IsInf(float64(got), -1) {
					t.Fatalf("n=%d: all −Inf: got %g", n, got)
				}
				// A tail of negatives: the masked-off lanes must not count as 0.
				for i := range x {
					x[i] = -float32(i + 1)
				}
				if got := Max(x); got != -1 {
					t.Fatalf("n=%d: negatives: got %g, want −1", n, got)
				}
				if !ok() {
					t.Fatalf("n=%d: wrote outside the slice", n)
				}
			}
		}
	})
}

// TestArith checks the single-rounding kernels, which must equal their Go
// twins bit for bit.
func TestArith(t *testing.T) {
	r := newRand(4)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				a, aOK := guarded(n, off)
				b, bOK := guarded(n, off+1)
				dst, dstOK := guarded(n, off+2)
				fill(r, a, -10, 10)
				fill(r, b, -10, 10)
				if n > 2 {
					a[1], b[2] = specials[r.IntN(len(specials))], specials[r.IntN(len(specials))]
				}
				want := make([]float32, n)

				scaleToGo(want, a, 0.37)
				ScaleTo(dst, a, 0.37)
				check(t, "ScaleTo", n, dst, want)
				copy(dst, a)
				Scale(dst, 0.37)
				check(t, "Scale", n, dst, want)

				addGo(want, a, b)
				Add(dst, a, b)
				check(t, "Add", n, dst, want)
				copy(dst, a)
				Add(dst, dst, b)
				check(t, "Add in place", n, dst, want)

				copy(dst, a)
				AddTo(dst, b)
				check(t, "AddTo", n, dst, want)

				if !aOK() || !bOK() || !dstOK() {
					t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
				}
			}
		}
	})
}

func check(t *testing.T, name string, n int, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s n=%d: [%d] = %g, want %g", name, n, i, got[i], want[i])
		}
	}
}

func TestDot(t *testing.T) {
	r := newRand(5)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				a, _ := guarded(n, off)
				b, _ := guarded(n, off+1)
				fill(r, a, -1, 1)
				fill(r, b, -1, 1)
				var want, mag float64
				for i := range a {
					want += float64(a[i]) * float64(b[i])
					mag += math.Abs(float64(a[i]) * float64(b[i]))
				}
				// Float32 summation: error at most about n·ε·Σ|a·b|.
				tol := float64(n+1) * 6e-8 * mag
				if got := Dot(a, b); math.Abs(float64(got)-want) > tol {
					t.Fatalf("n=%d: Dot = %g, want %g ± %g", n, got, want, tol)
				}
				if got := dotGo(a, b); math.Abs(float64(got)-want) > tol {
					t.Fatalf("n=%d: dotGo = %g, want %g ± %g", n, got, want, tol)
				}
			}
		}
		if got := Dot([]float32{1, nan}, []float32{1, 1}); got == got {
			t.Errorf("Dot with NaN = %g", got)
		}
	})
}

func TestSumSquares(t *testing.T) {
	r := newRand(6)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				x, _ := guarded(n, off)
				fill(r, x, -3, 3)
				want := sumSquaresGo(x)
				if got := SumSquares(x); math.Abs(got-want) > 1e-14*want {
					t.Fatalf("n=%d: SumSquares = %.17g, want %.17g", n, got, want)
				}
			}
		}
		// Ten million gradients of 1e-3: a float32 running sum would be off
		// by percents (each 1e-6 added to ~10 loses most of its bits);
		// float64 keeps the error near n·2⁻⁵³.
		x := make([]float32, 10_000_000)
		for i := range x {
			x[i] = 1e-3
		}
		v := float64(float32(1e-3))
		want := float64(len(x)) * v * v
		if got := SumSquares(x); math.Abs(got-want) > 1e-9*want {
			t.Errorf("10M: SumSquares = %.17g, want %.17g", got, want)
		}
		if got := SumSquares([]float32{1, inf}); !math.IsInf(got, 1) {
			t.Errorf("SumSquares with Inf = %g", got)
		}
		if got := SumSquares([]float32{1, nan, 2}); !math.IsNaN(got) {
			t.Errorf("SumSquares with NaN = %g", got)
		}
	})
}

// adamParams are AdamW settings as the trainer computes them at a few steps.
var adamParams = []struct {
	beta1, beta2, stepSize, rbc2, eps, decay float32
}{
	{0.9, 0.95, 1e-3 / (1 - 0.9), float32(1 / math.Sqrt(1-0.95)), 1e-8, 1 - 1e-3*0.1},
	{0.9, 0.999, 6e-4 / (1 - 0.9*0.9*0.9), float32(1 / math.Sqrt(1-0.999*0.999*0.999)), 1e-8, 1},
	{0.8, 0.99, 1e-2, 1, 1e-6, 0.99},
}

func TestAdamW(t *testing.T) {
	r := newRand(7)
	eachLevel(t, func(t *testing.T) {
		for _, h := range adamParams {
			for _, n := range lengths {
				for _, off := range offsets {
					p, pOK := guarded(n, off)
					g, gOK := guarded(n, off+1)
					m, mOK := guarded(n, off+2)
					v, vOK := guarded(n, off+3)
					fill(r, p, -1, 1)
					fill(r, g, -0.1, 0.1)
					fill(r, m, -0.01, 0.01)
					fill(r, v, 0, 1e-4)
					if n > 3 {
						g[3] = 0
						v[3] = 0 // first step of an unused parameter
					}
					p0, m0, v0 := clone(p), clone(m), clone(v)
					wp, wm, wv := clone(p), clone(m), clone(v)
					adamWGo(wp, g, wm, wv, h.beta1, h.beta2, h.stepSize, h.rbc2, h.eps, h.decay)
					AdamW(p, g, m, v, h.beta1, h.beta2, h.stepSize, h.rbc2, h.eps, h.decay)
					// The kernels fuse multiply-adds, so each result may differ
					// from the Go loop's by a rounding of each term it sums:
					// about ε times the terms' magnitudes.
					const eps = 1.2e-7
					for i := range p {
						g64 := math.Abs(float64(g[i]))
						mTerms := math.Abs(float64(h.beta1)*float64(m0[i])) + (1-float64(h.beta1))*g64
						vTerms := float64(h.beta2)*float64(v0[i]) + (1-float64(h.beta2))*g64*g64
						if math.Abs(float64(m[i]-wm[i])) > 2*eps*mTerms || math.Abs(float64(v[i]-wv[i])) > 2*eps*vTerms {
							t.Fatalf("n=%d: m, v = %g, %g; Go %g, %g", n, m[i], v[i], wm[i], wv[i])
						}
						// p's update is proportional to m, so it inherits m's
						// relative difference.
						upd := math.Abs(float64(p0[i])*float64(h.decay) - float64(wp[i]))
						mRel := math.Abs(float64(m[i]-wm[i])) / math.Abs(float64(wm[i]))
						if math.Abs(float64(p[i]-wp[i])) > 2*eps*math.Abs(float64(p0[i]))+(8*eps+mRel)*upd {
							t.Fatalf("n=%d: p = %g, Go %g (%d ulp)", n, p[i], wp[i], ulps(p[i], wp[i]))
						}
					}
					if !pOK() || !gOK() || !mOK() || !vOK() {
						t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
					}
				}
			}
		}
	})
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }

// TestDeterministic: the same call twice gives the same bits.
func TestDeterministic(t *testing.T) {
	r := newRand(8)
	x := make([]float32, 10007)
	fill(r, x, -5, 5)
	eachLevel(t, func(t *testing.T) {
		a, b := make([]float32, len(x)), make([]float32, len(x))
		s1, s2 := ExpSub(a, x, 5), ExpSub(b, x, 5)
		GeluForward(a, x)
		GeluForward(b, x)
		if s1 != s2 || !equalBits(a, b) || Dot(x, x) != Dot(x, x) || SumSquares(x) != SumSquares(x) {
			t.Error("repeated calls differ")
		}
	})
}

func TestLengthMismatchPanics(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	calls := map[string]func(){
		"GeluForward":  func() { GeluForward(a, b) },
		"GeluBackward": func() { GeluBackward(a, a, b) },
		"ExpSub":       func() { ExpSub(a, b, 0) },
		"ScaleTo":      func() { ScaleTo(a, b, 1) },
		"Add":          func() { Add(a, a, b) },
		"AddTo":        func() { AddTo(a, b) },
		"Dot":          func() { Dot(a, b) },
		"AdamW":        func() { AdamW(a, a, a, b, 0.9, 0.99, 1, 1, 1e-8, 1) },
	}
	for name, f := range calls {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != fmt.Sprintf("vec: %s: slices of different lengths", name) {
					t.Errorf("recovered %v", r)
				}
			}()
			f()
		})
	}
}

func TestKernel(t *testing.T) {
	ls := supported()
	if ls[len(ls)-1] != generic {
		t.Errorf("supported() = %v, want generic last", ls)
	}
	if Kernel() != ls[0].String() {
		t.Errorf("Kernel() = %q, want the best supported, %q", Kernel(), ls[0])
	}
}

// lnRef is a layer-norm row in float64: the normalized row and the
// gradients LayerNormBackwardRow adds.
func lnRef(x, w, b, dout []float32, eps float64) (out, norm []float64, mean, rstd float64, dx, dw, db []float64) {
	n := len(x)
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(n)
	var v2 float64
	for _, v := range x {
		v2 += (float64(v) - mean) * (float64(v) - mean)
	}
	rstd = 1 / math.Sqrt(v2/float64(n)+eps)
	out, norm = make([]float64, n), make([]float64, n)
	dx, dw, db = make([]float64, n), make([]float64, n), make([]float64, n)
	var dnMean, dnNormMean float64
	for i, v := range x {
		norm[i] = (float64(v) - mean) * rstd
		out[i] = norm[i]*float64(w[i]) + float64(b[i])
		dn := float64(w[i]) * float64(dout[i])
		dnMean += dn / float64(n)
		dnNormMean += dn * norm[i] / float64(n)
	}
	for i := range x {
		dn := float64(w[i]) * float64(dout[i])
		db[i] = float64(dout[i])
		dw[i] = norm[i] * float64(dout[i])
		dx[i] = (dn - dnMean - norm[i]*dnNormMean) * rstd
	}
	return
}

func TestLayerNormRow(t *testing.T) {
	r := newRand(9)
	const eps = 1e-5
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths[1:] {
			for _, off := range offsets {
				for _, offset := range []float64{0, 1000} { // rows far from 0 too
					x, xOK := guarded(n, off)
					w, _ := guarded(n, off+1)
					b, _ := guarded(n, off+2)
					out, outOK := guarded(n, off+3)
					fill(r, x, offset-2, offset+2)
					fill(r, w, 0.5, 1.5)
					fill(r, b, -0.5, 0.5)
					mean, rstd := LayerNormRow(out, x, w, b, eps)
					want := make([]float32, n)
					wm, wr := layerNormRowGo(want, x, w, b, eps)
					ref, _, m64, r64, _, _, _ := lnRef(x, w, b, x, eps)
					// The float64 sums may add in another order: the
					// statistics agree to float32 rounding.
					if ulps(mean, wm) > 1 || ulps(rstd, wr) > 1 {
						t.Fatalf("n=%d: mean, rstd = %g, %g; Go twin %g, %g", n, mean, rstd, wm, wr)
					}
					if math.Abs(float64(mean)-m64) > 1e-7*math.Abs(m64)+1e-9 || math.Abs(float64(rstd)-r64) > 2e-7*r64 {
						t.Fatalf("n=%d: mean, rstd = %g, %g; float64 %g, %g", n, mean, rstd, m64, r64)
					}
					// x − mean loses x's bits beyond float32 relative to the
					// offset: the error scales with |x|·rstd.
					tol := 4e-7 * (1 + (offset+2)*r64)
					for i := range out {
						if math.Abs(float64(out[i]-want[i])) > tol || math.Abs(float64(out[i])-ref[i]) > tol {
							t.Fatalf("n=%d offset=%g: out[%d] = %g, Go twin %g, float64 %g", n, offset, i, out[i], want[i], ref[i])
						}
					}
					if !xOK() || !outOK() {
						t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
					}
					// In place.
					inPlace := clone(x)
					LayerNormRow(inPlace, inPlace, w, b, eps)
					if !equalBits(inPlace, out) {
						t.Fatalf("n=%d: in place differs", n)
					}
				}
			}
		}
		// A constant row normalizes to b (variance 0, so rstd = 1/√eps).
		x := []float32{3, 3, 3}
		out := make([]float32, 3)
		if m, rs := LayerNormRow(out, x, []float32{1, 2, 3}, []float32{0.5, 0.25, 0}, eps); m != 3 || out[0] != 0.5 || out[1] != 0.25 || out[2] != 0 || rs != float32(1/math.Sqrt(eps)) {
			t.Errorf("constant row: mean %g rstd %g out %v", m, rs, out)
		}
	})
}

func TestLayerNormBackwardRow(t *testing.T) {
	r := newRand(10)
	const eps = 1e-5
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths[1:] {
			for _, off := range offsets {
				x, _ := guarded(n, off)
				w, _ := guarded(n, off+1)
				dout, _ := guarded(n, off+2)
				dx, dxOK := guarded(n, off+3)
				dw, dwOK := guarded(n, off+4)
				db, dbOK := guarded(n, off+5)
				fill(r, x, -2, 2)
				fill(r, w, 0.5, 1.5)
				fill(r, dout, -1, 1)
				for _, s := range [][]float32{dx, dw, db} {
					fill(r, s, -1, 1) // the kernel accumulates
				}
				dx0, dw0, db0 := clone(dx), clone(dw), clone(db)
				mean, rstd := LayerNormRow(make([]float32, n), x, w, make([]float32, n), eps)
				wdx, wdw, wdb := clone(dx), clone(dw), clone(db)
				layerNormBackwardRowGo(wdx, wdw, wdb, dout, x, w, mean, rstd)
				LayerNormBackwardRow(dx, dw, db, dout, x, w, mean, rstd)
				_, _, _, _, rdx, rdw, rdb := lnRef(x, w, make([]float32, n), dout, eps)
				// Sums of n float32 terms of size ~rstd: error ~n·ε·rstd.
				tol := 1e-6 * (1 + float64(n)*6e-8*float64(rstd))
				for i := range dx {
					if math.Abs(float64(db[i]-wdb[i])) > 0 || math.Abs(float64(db[i])-(float64(db0[i])+rdb[i])) > 1.2e-7 {
						t.Fatalf("n=%d: db[%d] = %g, Go twin %g", n, i, db[i], wdb[i])
					}
					if math.Abs(float64(dw[i]-wdw[i])) > 2.4e-7 || math.Abs(float64(dw[i])-(float64(dw0[i])+rdw[i])) > 5e-7 {
						t.Fatalf("n=%d: dw[%d] = %g, Go twin %g, float64 %g", n, i, dw[i], wdw[i], float64(dw0[i])+rdw[i])
					}
					if math.Abs(float64(dx[i]-wdx[i])) > tol || math.Abs(float64(dx[i])-(float64(dx0[i])+rdx[i])) > tol {
						t.Fatalf("n=%d: dx[%d] = %g, Go twin %g, float64 %g", n, i, dx[i], wdx[i], float64(dx0[i])+rdx[i])
					}
				}
				if !dxOK() || !dwOK() || !dbOK() {
					t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
				}
			}
		}
	})
}

func TestAddRows(t *testing.T) {
	r := newRand(11)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, rows := range []int{0, 1, 2, 7, 33} {
				for _, extra := range []int{0, 1, 5} { // stride − n
					stride := n + extra
					size := max(0, (rows-1)*stride+n)
					src, srcOK := guarded(size, extra)
					dst, dstOK := guarded(n, 1)
					fill(r, src, -1, 1)
					fill(r, dst, -1, 1)
					want := clone(dst)
					addRowsGo(want, src, rows, stride)
					AddRows(dst, src, rows, stride)
					check(t, fmt.Sprintf("AddRows rows=%d stride=%d", rows, stride), n, dst, want)
					if !srcOK() || !dstOK() {
						t.Fatalf("n=%d rows=%d: wrote outside the slices", n, rows)
					}
				}
			}
		}
	})
	defer func() {
		if recover() == nil {
			t.Error("AddRows with a short src did not panic")
		}
	}()
	AddRows(make([]float32, 4), make([]float32, 7), 2, 4)
}

func TestSoftmaxBackward(t *testing.T) {
	r := newRand(12)
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				y, yOK := guarded(n, off)
				dy, dyOK := guarded(n, off+1)
				dx, dxOK := guarded(n, off+2)
				fill(r, y, 0, 1)
				fill(r, dy, -1, 1)
				var dot, mag float64
				for i := range y {
					dot += float64(y[i]) * float64(dy[i])
					mag += math.Abs(float64(y[i]) * float64(dy[i]))
				}
				want := make([]float32, n)
				softmaxBackwardGo(want, y, dy)
				SoftmaxBackward(dx, y, dy)
				// The dot products add in different orders; each element
				// carries y times their difference, plus its own rounding.
				tolDot := 6e-8 * float64(n+1) * mag
				for i := range dx {
					ref := float64(y[i]) * (float64(dy[i]) - dot)
					tol := float64(y[i])*tolDot + 1.2e-7*math.Abs(ref) + 1e-30
					if math.Abs(float64(dx[i]-want[i])) > 2*tol || math.Abs(float64(dx[i])-ref) > 2*tol {
						t.Fatalf("n=%d: dx[%d] = %g, Go twin %g, float64 %g", n, i, dx[i], want[i], ref)
					}
				}
				if !yOK() || !dyOK() || !dxOK() {
					t.Fatalf("n=%d off=%d: wrote outside the slices", n, off)
				}
				SoftmaxBackward(dy, y, dy)
				if !equalBits(dy, dx) {
					t.Fatalf("n=%d: in place differs", n)
				}
			}
		}
	})
}
