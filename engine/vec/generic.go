package vec

import "math"

// The pure-Go twins of the assembly kernels: the same formulas, element by
// element, in the same order of operations (except that the assembly fuses
// multiply-adds and sums reductions lane by lane). They run where there is
// no assembly and are what the tests hold the assembly to.

// expGo is e^x by the kernels' method: n = ⌊x·log2e⌋, r = x − n·ln2 in two
// steps (Cody–Waite) so r is nearly exact, e^r ≈ 1 + r + r²·q(r) on
// [0, ln2), and 2ⁿ added to the exponent field. n outside the normal range
// gives +Inf or 0, so results below the smallest normal float32 flush to 0.
func expGo(x float32) float32 {
	n := float32(math.Floor(float64(x * log2e)))
	switch {
	case n > expMaxN:
		return float32(math.Inf(1))
	case n < expMinN:
		return 0
	case x != x:
		return x
	}
	r := x - n*ln2Hi
	r -= n * ln2Lo
	p := float32(expC6)
	p = p*r + expC5
	p = p*r + expC4
	p = p*r + expC3
	p = p*r + expC2
	p = p*r + 1
	p = p*r + 1
	return math.Float32frombits(math.Float32bits(p) + uint32(int32(n))<<23)
}

// geluGo is x·σ(2u) = x/(1 + e^w), w = −2u = x·(geluNegA + geluNegB·x²).
// Below geluLo the result is −0 in float32 anyway; clamping there keeps
// −Inf from becoming −Inf·0.
func geluGo(x float32) float32 {
	x = max(x, geluLo)
	w := x * (geluNegA + geluNegB*x*x)
	return x / (1 + expGo(w))
}

// geluGradGo is gelu'(x) = s + x·s·(1−s)·(geluA + geluB3·x²) with
// s = σ(2u), 1 − s taken as e^w·s (accurate where 1 − s would cancel), x
// clamped to [geluLo, geluHi] where gelu' is exactly 0 or 1.
func geluGradGo(x float32) float32 {
	x = min(max(x, geluLo), geluHi)
	x2 := x * x
	k := geluA + geluB3*x2
	e := expGo(x * (geluNegA + geluNegB*x2))
	s := 1 / (1 + e)
	q := e * s
	if !(q <= 1) {
		q = 1 // e = +Inf, s = 0: Inf·0 is NaN, and 1 − s is 1
	}
	t := q * x * k
	return s*t + s
}

func geluForwardGo(out, x []float32) {
	out = out[:len(x)]
	for i, v := range x {
		out[i] = geluGo(v)
	}
}

func geluBackwardGo(dx, x, dout []float32) {
	dx, dout = dx[:len(x)], dout[:len(x)]
	for i, v := range x {
		dx[i] = geluGradGo(v) * dout[i]
	}
}

func expSubGo(dst, src []float32, shift float32) float32 {
	dst = dst[:len(src)]
	var sum float32
	for i, v := range src {
		e := expGo(v - shift)
		dst[i] = e
		sum += e
	}
	return sum
}

func maxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		} else if v != v {
			return v
		}
	}
	return m
}

// softmaxBackwardGo is engine/attention.go's row loop: the dot product,
// then dx = y·(dy − dot).
func softmaxBackwardGo(dx, y, dy []float32) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	d := dotGo(y, dy)
	for i, v := range y {
		dx[i] = v * (dy[i] - d)
	}
}

func scaleToGo(dst, x []float32, a float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = a * v
	}
}

func addGo(dst, a, b []float32) {
	dst, b = dst[:len(a)], b[:len(a)]
	for i, v := range a {
		dst[i] = v + b[i]
	}
}

func addToGo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// addRowsGo adds the rows one at a time, so each column sums in row order.
func addRowsGo(dst, src []float32, rows, stride int) {
	for r := range rows {
		addToGo(dst, src[r*stride:r*stride+len(dst)])
	}
}

func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func sumSquaresGo(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// adamWGo is engine/adamw.go's loop.
func adamWGo(p, g, m, v []float32, beta1, beta2, stepSize, rbc2, eps, decay float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi := g[i]
		mi := beta1*m[i] + (1-beta1)*gi
		vi := beta2*v[i] + (1-beta2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] = p[i]*decay - stepSize*mi/(float32(math.Sqrt(float64(vi)))*rbc2+eps)
	}
}

// layerNormRowGo is engine/layernorm.go's row: mean, then variance, each a
// float64 pass, then the affine map in float32.
func layerNormRowGo(out, x, w, b []float32, eps float64) (mean, rstd float32) {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	m := s / float64(len(x))
	var v2 float64
	for _, v := range x {
		d := float64(v) - m
		v2 += d * d
	}
	mean, rstd = float32(m), lnRstd(v2, len(x), eps)
	lnAffineGo(out, x, w, b, mean, rstd)
	return mean, rstd
}

// lnRstd is 1/√(variance + eps) from the sum of squared deviations.
func lnRstd(v2 float64, n int, eps float64) float32 {
	return float32(1 / math.Sqrt(v2/float64(n)+eps))
}

func lnAffineGo(out, x, w, b []float32, mean, rstd float32) {
	out, w, b = out[:len(x)], w[:len(x)], b[:len(x)]
	for i, v := range x {
		out[i] = (v-mean)*rstd*w[i] + b[i]
	}
}

// layerNormBackwardRowGo is engine/layernorm.go's backward for one row.
func layerNormBackwardRowGo(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	n := len(x)
	dx, dw, db, dout, w = dx[:n], dw[:n], db[:n], dout[:n], w[:n]
	// The two reductions of the backward: mean of dnorm and of dnorm·norm.
	var dnMean, dnNormMean float32
	for i, v := range x {
		norm := (v - mean) * rstd
		dn := w[i] * dout[i]
		dnMean += dn
		dnNormMean += dn * norm
	}
	dnMean /= float32(n)
	dnNormMean /= float32(n)
	for i, v := range x {
		norm := (v - mean) * rstd
		dn := w[i] * dout[i]
		db[i] += dout[i]
		dw[i] += norm * dout[i]
		dx[i] += (dn - dnMean - norm*dnNormMean) * rstd
	}
}

// roundBF16Go writes to dst each value of src rounded to bfloat16 and kept
// as a float32 whose low 16 bits are zero, as VCVTNE2PS2BF16 rounds: to
// nearest with ties to even (a value past the largest bfloat16 becomes
// ±Inf), NaN stays NaN (quiet), ±Inf stay, and subnormals become zero of
// their sign (the instruction treats input denormals as zero). The normal
// case is integer arithmetic on the bits; the AVX2 kernel does the same to
// eight lanes at once and blends the special cases in.
func roundBF16Go(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		u := math.Float32bits(x)
		if u&0x7f800000-0x00800000 < 0x7f000000 { // normal: exponent 1..254
			// Adding just under half a bfloat16 ulp, plus the kept part's
			// lowest bit, carries into it exactly when the dropped half is
			// over half an ulp, or exactly half with an odd kept part. A
			// carry out of the mantissa raises the exponent, as it should,
			// up to +Inf past the largest bfloat16.
			u += 0x7fff + (u>>16)&1
		} else {
			u = roundBF16Special(u)
		}
		dst[i] = math.Float32frombits(u &^ 0xffff)
	}
}

// roundBF16Special is roundBF16Go of a zero, subnormal, Inf or NaN, before
// the low 16 bits are cleared. Out of line, it keeps roundBF16Go's loop short.
func roundBF16Special(u uint32) uint32 {
	switch {
	case u&0x7f800000 == 0: // ±0 and subnormals: zero of their sign
		return u & 0x80000000
	case u&0x007fffff != 0: // NaN: keeps its sign and top bits, made quiet
		return u | 0x00400000
	}
	return u // ±Inf
}
