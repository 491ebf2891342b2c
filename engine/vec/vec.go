package vec

// Kernel reports the implementation in use: "avx512", "avx2" or "generic".
func Kernel() string { return active.String() }

func sameLen(fn string, n int, ns ...int) {
	for _, m := range ns {
		if m != n {
			panic("vec: " + fn + ": slices of different lengths")
		}
	}
}

// GeluForward sets out[i] = gelu(x[i]) with GPT-2's tanh approximation,
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), computed as x·σ(2u) with
// one exponential. It is within 2e-6 of the exact formula for |x| ≤ 10,
// gives x itself for large x and 0 for large negative x (also at ±Inf),
// and NaN for NaN. out may be x.
func GeluForward(out, x []float32) {
	sameLen("GeluForward", len(x), len(out))
	geluForward(out, x)
}

// GeluBackward sets dx[i] = gelu'(x[i])·dout[i], the derivative of
// GeluForward's formula. dx may be dout (or x).
func GeluBackward(dx, x, dout []float32) {
	sameLen("GeluBackward", len(x), len(dx), len(dout))
	geluBackward(dx, x, dout)
}

// ExpSub sets dst[i] = e^(src[i] − shift) and returns the sum of dst. The
// exponential is within 2 ulp of e^x where the result is a normal float32;
// below that (x < −87.3) it may be flushed to 0, and above 88.72 it is
// +Inf; e^−Inf = 0 and NaN gives NaN. dst may be src. With shift = Max(src)
// every term is in [0, 1] and the largest is exactly 1, as a softmax wants.
func ExpSub(dst, src []float32, shift float32) (sum float32) {
	sameLen("ExpSub", len(src), len(dst))
	return expSub(dst, src, shift)
}

// Max returns the largest element of x: −Inf for an empty x, NaN if any
// element is NaN.
func Max(x []float32) float32 { return maxOf(x) }

// SoftmaxBackward sets dx = y ⊙ (dy − Σ y·dy), the gradient of a softmax
// row's input given its output y and the output's gradient dy. dx may be
// dy.
func SoftmaxBackward(dx, y, dy []float32) {
	sameLen("SoftmaxBackward", len(y), len(dx), len(dy))
	softmaxBackward(dx, y, dy)
}

// Scale multiplies x by a in place.
func Scale(x []float32, a float32) { scaleTo(x, x, a) }

// ScaleTo sets dst = a·x. dst may be x.
func ScaleTo(dst, x []float32, a float32) {
	sameLen("ScaleTo", len(x), len(dst))
	scaleTo(dst, x, a)
}

// Add sets dst = a + b. dst may be a or b.
func Add(dst, a, b []float32) {
	sameLen("Add", len(a), len(dst), len(b))
	add(dst, a, b)
}

// AddTo adds src to dst.
func AddTo(dst, src []float32) {
	sameLen("AddTo", len(src), len(dst))
	addTo(dst, src)
}

// AddRows adds the rows of a row-major matrix to dst: for r < rows,
// dst += src[r·stride : r·stride+len(dst)]. Each column is summed in row
// order, so the result is bit for bit that of adding the rows one by one
// (a bias gradient is the same however the columns are split). It panics
// unless stride ≥ len(dst) and src holds the last row.
func AddRows(dst, src []float32, rows, stride int) {
	if rows <= 0 || len(dst) == 0 {
		return
	}
	if stride < len(dst) || len(src) < (rows-1)*stride+len(dst) {
		panic("vec: AddRows: stride or src too short")
	}
	addRows(dst, src, rows, stride)
}

// Dot returns Σ a[i]·b[i], accumulated in float32.
func Dot(a, b []float32) float32 {
	sameLen("Dot", len(a), len(b))
	return dot(a, b)
}

// SumSquares returns Σ x[i]², accumulated in float64: each square is exact
// there, so the relative error stays near n·2⁻⁵³ even for 10⁷ elements.
func SumSquares(x []float32) float64 { return sumSquares(x) }

// RoundBF16 sets dst[i] to src[i] rounded to bfloat16 and kept as a float32
// whose low 16 bits are zero, as VCVTNE2PS2BF16 rounds: to nearest with
// ties to even (past the largest bfloat16, ±Inf), ±Inf stay, a NaN stays a
// NaN of its sign (made quiet), and subnormals become zero of their sign
// (the instruction treats input denormals as zero). dst may be src.
func RoundBF16(dst, src []float32) {
	sameLen("RoundBF16", len(dst), len(src))
	roundBF16(dst, src)
}

// AdamW applies one AdamW step to parameters p with gradients g and moments
// m, v, all updated in place:
//
//	m = β1·m + (1−β1)·g
//	v = β2·v + (1−β2)·g²
//	p = p·decay − stepSize·m / (√v·rbc2 + eps)
//
// where stepSize = lr/(1−β1ᵗ), rbc2 = 1/√(1−β2ᵗ) and decay = 1 − lr·wd (or
// 1 without weight decay). The operations are engine/adamw.go's, in its
// order; the kernels fuse some multiply-adds, so results agree with it to
// float32 rounding.
func AdamW(p, g, m, v []float32, beta1, beta2, stepSize, rbc2, eps, decay float32) {
	sameLen("AdamW", len(p), len(g), len(m), len(v))
	adamW(p, g, m, v, beta1, beta2, stepSize, rbc2, eps, decay)
}

// LayerNormRow normalizes one row and applies the layer's affine map:
// out = (x − mean)·rstd·w + b with rstd = 1/√(variance + eps). The mean and
// the variance are float64 sums, the variance a second pass around the
// mean, so a large common offset in x costs no accuracy. It returns mean and
// rstd, rounded to float32, for LayerNormBackwardRow. out may be x; x must
// not be empty.
func LayerNormRow(out, x, w, b []float32, eps float64) (mean, rstd float32) {
	sameLen("LayerNormRow", len(x), len(out), len(w), len(b))
	if len(x) == 0 {
		panic("vec: LayerNormRow: empty row")
	}
	return layerNormRow(out, x, w, b, eps)
}

// LayerNormBackwardRow accumulates (+=) one row's gradients of LayerNormRow:
// into dx for the row, and into dw and db, which sum over rows. With
// norm = (x − mean)·rstd and dn = w·dout,
//
//	db += dout;  dw += norm·dout
//	dx += (dn − mean(dn) − norm·mean(dn·norm))·rstd
//
// The slices must not overlap.
func LayerNormBackwardRow(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	sameLen("LayerNormBackwardRow", len(x), len(dx), len(dw), len(db), len(dout), len(w))
	if len(x) == 0 {
		return
	}
	layerNormBackwardRow(dx, dw, db, dout, x, w, mean, rstd)
}
