package engine

import "math"

// expf is a float32 exp accurate to about 2 ulp over the range that matters
// here (softmax and GELU arguments), several times faster than math.Exp
// through float64. Its naive twin is math.Exp; fastmath_test.go pits them.
//
// Cody–Waite reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 Taylor
// polynomial for e^r (truncation error r⁷/7! < 1.3e-7 relative), then 2ⁿ by
// writing the exponent bits.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375 // ln2 split so n·ln2hi is exact in float32
		ln2lo = -2.12194440e-4
	)
	if x > 88.37 {
		return float32(math.Inf(1))
	}
	if x < -87.33 {
		return 0
	}
	// Round to nearest: n = floor(x·log2e + 0.5).
	fn := x*log2e + 0.5
	n := int32(fn)
	if fn < 0 && float32(n) != fn {
		n-- // floor for negatives
	}
	r := x - float32(n)*ln2hi - float32(n)*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// tanhf is tanh(x) = 1 - 2/(e^{2x}+1) through expf, saturating at ±9 where
// float32 tanh is ±1 to within half an ulp.
func tanhf(x float32) float32 {
	if x > 9 {
		return 1
	}
	if x < -9 {
		return -1
	}
	return 1 - 2/(expf(2*x)+1)
}
