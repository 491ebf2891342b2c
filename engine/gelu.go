package engine

import "math"

// geluScale is sqrt(2/π), GPT-2's tanh approximation of GELU.
var geluScale = float32(math.Sqrt(2 / math.Pi))

// geluForward applies GELU (tanh approximation) element-wise. out, inp (N).
func geluForward(out, inp []float32) {
	parallelFor(len(inp), func(lo, hi int) {
		o := out[lo:hi]
		for i, x := range inp[lo:hi] {
			u := geluScale * (x + 0.044715*x*x*x)
			o[i] = 0.5 * x * (1 + tanhf(u))
		}
	})
}

// geluBackward writes dinp = gelu'(inp) ⊙ dout; dinp may be dout.
// dinp, inp, dout (N).
func geluBackward(dinp, inp, dout []float32) {
	parallelFor(len(inp), func(lo, hi int) {
		di := dinp[lo:hi]
		d := dout[lo:hi]
		for i, x := range inp[lo:hi] {
			u := geluScale * (x + 0.044715*x*x*x)
			th := tanhf(u)
			sech2 := 1 - th*th
			local := 0.5*(1+th) + 0.5*x*sech2*geluScale*(1+3*0.044715*x*x)
			di[i] = local * d[i]
		}
	})
}
