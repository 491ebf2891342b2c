package engine

// residualForward adds the residual stream and a branch. out, a, b (N).
// Its backward is the identity into both inputs, which Model.Backward does by
// letting both read the same gradient buffer rather than copying it.
func residualForward(out, a, b []float32) {
	parallelFor(len(a), func(lo, hi int) {
		o, y := out[lo:hi], b[lo:hi]
		for i, x := range a[lo:hi] {
			o[i] = x + y[i]
		}
	})
}
