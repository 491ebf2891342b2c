package vec

import (
	"encoding/binary"
	"math"
	"testing"
)

// The fuzz tests read their vectors from the fuzzer's bytes, four per
// float32, so any bit pattern (NaNs, subnormals, infinities) and any length
// can come up; each runs every supported level against the Go twin and the
// kernel's documented properties.

func floats(data []byte) []float32 {
	x := make([]float32, len(data)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return x
}

func seedBytes(xs ...float32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func addSeeds(f *testing.F, extra ...any) {
	seeds := [][]float32{
		nil, {0}, {1, -1, 0.5}, specials,
		{-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
	}
	for _, s := range seeds {
		f.Add(append([]any{seedBytes(s...)}, extra...)...)
	}
}

// levels runs f under each supported level and restores active.
func levels(f func()) {
	saved := active
	defer func() { active = saved }()
	for _, l := range supported() {
		active = l
		f()
	}
}

func FuzzGelu(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		x := floats(data)
		n := len(x)
		dout := make([]float32, n)
		for i := range dout {
			dout[i] = float32(i%7) - 3
		}
		levels(func() {
			out := make([]float32, n)
			GeluForward(out, x)
			dx := make([]float32, n)
			GeluBackward(dx, x, dout)
			for i, v := range x {
				want, grad := geluRef(float64(v)), geluGradRef(float64(v))*float64(dout[i])
				switch {
				case v != v:
					if out[i] == out[i] || (dout[i] != 0 && dx[i] == dx[i]) {
						t.Fatalf("%s: gelu(NaN) = %g, gelu'(NaN)·%g = %g", active, out[i], dout[i], dx[i])
					}
				case v >= 10 && out[i] != v, v <= -12 && out[i] != 0:
					t.Fatalf("%s: gelu(%g) = %g, want the limit", active, v, out[i])
				case v >= 20 && dx[i] != dout[i], v <= -20 && dx[i] != 0:
					t.Fatalf("%s: gelu'(%g)·%g = %g, want the limit", active, v, dout[i], dx[i])
				case math.Abs(float64(v)) <= 10 && math.Abs(float64(out[i])-want) > 2e-6:
					t.Fatalf("%s: gelu(%g) = %g, want %g", active, v, out[i], want)
				case math.Abs(float64(v)) <= 20 && math.Abs(float64(dx[i])-grad) > 2e-6*math.Abs(float64(dout[i])):
					t.Fatalf("%s: gelu'(%g)·%g = %g, want %g", active, v, dout[i], dx[i], grad)
				}
			}
		})
	})
}

func FuzzExpSub(f *testing.F) {
	addSeeds(f, float32(0))
	f.Add(seedBytes(1, 2, 3), float32(math.Inf(-1)))
	f.Add(seedBytes(-1, -2, -3), float32(math.NaN()))
	f.Fuzz(func(t *testing.T, data []byte, shift float32) {
		src := floats(data)
		want := make([]float32, len(src))
		wantSum := expSubGo(want, src, shift)
		wantMax := maxGo(src)
		levels(func() {
			dst := make([]float32, len(src))
			sum := ExpSub(dst, src, shift)
			var sum64 float64
			for i := range dst {
				// Subnormal results may be flushed on one side only.
				if ulps(dst[i], want[i]) > 2 && math.Abs(float64(dst[i]-want[i])) > 1.2e-38 {
					t.Fatalf("%s: e^(%g − %g) = %g, Go twin %g", active, src[i], shift, dst[i], want[i])
				}
				sum64 += float64(dst[i])
			}
			// The terms are ≥ 0, so no partial sum exceeds the total: below
			// the float32 range's top the sum cannot overflow in any order.
			// Both the kernel's and the twin's sums must match the elements.
			finite := sum64 < 0.99*math.MaxFloat32
			for _, s := range []float32{sum, wantSum} {
				switch {
				case math.IsNaN(sum64):
					if s == s {
						t.Fatalf("%s: sum %g of elements with a NaN", active, s)
					}
				case finite:
					// (The twin may have flushed subnormal terms to 0.)
					if math.Abs(float64(s)-sum64) > 1e-7*float64(len(dst)+1)*sum64+float64(len(dst))*1.2e-38 {
						t.Fatalf("%s: sum %g, float64 sum of the elements %g", active, s, sum64)
					}
				default:
					if !(float64(s) >= 0.9*math.MaxFloat32) {
						t.Fatalf("%s: sum %g, float64 sum of the elements %g", active, s, sum64)
					}
				}
			}
			if m := Max(src); !same(m, wantMax) {
				t.Fatalf("%s: Max = %g, Go twin %g", active, m, wantMax)
			}
			// The softmax of finite rows, and its backward with src as the
			// output gradient.
			if !finite || sum == 0 {
				return
			}
			y := clone(dst)
			Scale(y, 1/sum)
			dx, wdx := make([]float32, len(y)), make([]float32, len(y))
			SoftmaxBackward(dx, y, src)
			softmaxBackwardGo(wdx, y, src)
			var mag float64
			for i := range y {
				mag += math.Abs(float64(y[i]) * float64(src[i]))
			}
			for i := range dx {
				tol := float64(y[i])*6e-8*float64(len(y)+1)*mag + 2.4e-7*math.Abs(float64(wdx[i])) + 1e-37
				if !(math.Abs(float64(dx[i]-wdx[i])) <= tol) && !same(dx[i], wdx[i]) {
					t.Fatalf("%s: SoftmaxBackward dx[%d] = %g, Go twin %g", active, i, dx[i], wdx[i])
				}
			}
		})
	})
}

// FuzzArith covers Scale, Add, AddTo and AddRows (bit-exact against the
// twins), Dot and SumSquares (against float64 sums, for inputs small enough
// not to overflow in some summation order but not in another).
func FuzzArith(f *testing.F) {
	addSeeds(f, float32(0.5))
	f.Fuzz(func(t *testing.T, data []byte, a float32) {
		x := floats(data)
		n := len(x) / 2
		u, w := x[:n], x[n:2*n]
		wantScale, wantAdd, wantAddTo := make([]float32, n), make([]float32, n), clone(u)
		scaleToGo(wantScale, u, a)
		addGo(wantAdd, u, w)
		addToGo(wantAddTo, w)
		small := true
		var dot64, mag, ss64 float64
		for i := range u {
			if !(math.Abs(float64(u[i])) < 1e15 && math.Abs(float64(w[i])) < 1e15) {
				small = false
			}
			dot64 += float64(u[i]) * float64(w[i])
			mag += math.Abs(float64(u[i]) * float64(w[i]))
			ss64 += float64(u[i]) * float64(u[i])
		}
		levels(func() {
			got := make([]float32, n)
			ScaleTo(got, u, a)
			check(t, active.String()+" ScaleTo", n, got, wantScale)
			Add(got, u, w)
			check(t, active.String()+" Add", n, got, wantAdd)
			copy(got, u)
			AddTo(got, w)
			check(t, active.String()+" AddTo", n, got, wantAddTo)
			// u as a matrix of rows of width k (stride k+1), summed into w[:k].
			if k := n / 3; k > 0 {
				rows := (n-k)/(k+1) + 1
				sums, want := clone(w[:k]), clone(w[:k])
				addRowsGo(want, u, rows, k+1)
				AddRows(sums, u, rows, k+1)
				check(t, active.String()+" AddRows", k, sums, want)
			}
			if !small {
				return
			}
			// Each rounding errs by ε relative, or by half the smallest
			// subnormal, whichever is larger.
			if d := Dot(u, w); math.Abs(float64(d)-dot64) > 6e-8*float64(n+1)*mag+float64(2*n)*math.SmallestNonzeroFloat32 {
				t.Fatalf("%s: Dot = %g, float64 %g", active, d, dot64)
			}
			if s := SumSquares(u); math.Abs(s-ss64) > 1e-15*float64(n+1)*ss64 {
				t.Fatalf("%s: SumSquares = %g, float64 %g", active, s, ss64)
			}
		})
	})
}

func FuzzAdamW(f *testing.F) {
	addSeeds(f, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		h := adamParams[int(which)%len(adamParams)]
		x := floats(data)
		n := len(x) / 4
		// Moments and parameters as training makes them: finite, v ≥ 0.
		for i, v := range x {
			if v != v || math.Abs(float64(v)) > 1e3 {
				x[i] = float32(math.Remainder(float64(i), 7))
			}
		}
		p0, g, m0, v0 := clone(x[:n]), x[n:2*n], clone(x[2*n:3*n]), clone(x[3*n:4*n])
		for i := range v0 {
			v0[i] = float32(math.Abs(float64(v0[i])))
		}
		wp, wm, wv := clone(p0), clone(m0), clone(v0)
		adamWGo(wp, g, wm, wv, h.beta1, h.beta2, h.stepSize, h.rbc2, h.eps, h.decay)
		levels(func() {
			p, m, v := clone(p0), clone(m0), clone(v0)
			AdamW(p, g, m, v, h.beta1, h.beta2, h.stepSize, h.rbc2, h.eps, h.decay)
			const eps = 1.2e-7
			for i := range p {
				g64 := math.Abs(float64(g[i]))
				mTerms := math.Abs(float64(h.beta1)*float64(m0[i])) + (1-float64(h.beta1))*g64
				vTerms := float64(h.beta2)*float64(v0[i]) + (1-float64(h.beta2))*g64*g64
				// p's update is proportional to m, so it inherits m's
				// relative difference.
				upd := math.Abs(float64(p0[i])*float64(h.decay) - float64(wp[i]))
				mRel := math.Abs(float64(m[i]-wm[i])) / math.Abs(float64(wm[i]))
				if math.Abs(float64(m[i]-wm[i])) > 2*eps*mTerms+1e-45 ||
					math.Abs(float64(v[i]-wv[i])) > 2*eps*vTerms+1e-45 ||
					math.Abs(float64(p[i]-wp[i])) > 2*eps*math.Abs(float64(p0[i]))+(8*eps+mRel)*upd+1e-45 {
					t.Fatalf("%s: p, m, v = %g, %g, %g; Go %g, %g, %g (from %g, %g, %g, g %g)",
						active, p[i], m[i], v[i], wp[i], wm[i], wv[i], p0[i], m0[i], v0[i], g[i])
				}
			}
		})
	})
}

// FuzzLayerNorm holds LayerNormRow and LayerNormBackwardRow to their Go
// twins on rows of finite values (the fuzzer's others are folded into
// [−1e3, 1e3]); w, b and dout are derived from the row.
func FuzzLayerNorm(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		x := floats(data)
		n := len(x)
		if n == 0 {
			return
		}
		for i, v := range x {
			if v != v || math.Abs(float64(v)) > 1e3 {
				x[i] = float32(math.Remainder(float64(v), 1e3))
				if x[i] != x[i] {
					x[i] = float32(i)
				}
			}
		}
		w, b, dout := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w {
			w[i], b[i], dout[i] = 1+float32(i%5)/4, float32(i%3)-1, float32(i%7)/3-1
		}
		const eps = 1e-5
		want := make([]float32, n)
		wm, wr := layerNormRowGo(want, x, w, b, eps)
		wdx, wdw, wdb := make([]float32, n), make([]float32, n), make([]float32, n)
		layerNormBackwardRowGo(wdx, wdw, wdb, dout, x, w, wm, wr)
		levels(func() {
			out := make([]float32, n)
			m, r := LayerNormRow(out, x, w, b, eps)
			// The float64 sums add in different orders: each may be off
			// by (n−1)·u·Σ|x| (u = 2⁻⁵³, recursive summation), so the two
			// means by up to 2·u·Σ|x| apart — visible when they cancel to
			// near 0 (a fuzzed row's mean of 1.6e-12 differed by 3.7e-17).
			var abs float64
			for _, v := range x {
				abs += math.Abs(float64(v))
			}
			if (ulps(m, wm) > 1 && math.Abs(float64(m-wm)) > 2*0x1p-53*abs) || ulps(r, wr) > 1 {
				t.Fatalf("%s: mean, rstd = %g, %g; Go twin %g, %g", active, m, r, wm, wr)
			}
			// |x − mean| ≤ 2e3, so x − mean is off by up to 2e3·ε, times rstd.
			tol := 4e-7 * (1 + 2e3*float64(wr))
			for i := range out {
				if math.Abs(float64(out[i]-want[i])) > tol {
					t.Fatalf("%s: out[%d] = %g, Go twin %g", active, i, out[i], want[i])
				}
			}
			dx, dw, db := make([]float32, n), make([]float32, n), make([]float32, n)
			LayerNormBackwardRow(dx, dw, db, dout, x, w, wm, wr)
			tolDx := 1e-6 * (1 + float64(n)*2e3*float64(wr)*float64(wr))
			for i := range dx {
				if db[i] != wdb[i] || math.Abs(float64(dw[i]-wdw[i])) > tol || math.Abs(float64(dx[i]-wdx[i])) > tolDx {
					t.Fatalf("%s: dx, dw, db[%d] = %g, %g, %g; Go twin %g, %g, %g", active, i, dx[i], dw[i], db[i], wdx[i], wdw[i], wdb[i])
				}
			}
		})
	})
}
