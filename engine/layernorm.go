package engine

import "lmlab/engine/vec"

const layerNormEps = 1e-5

// layerNormForward normalizes each of the N rows of C channels, then scales
// and shifts. out (N,C); mean, rstd (N) kept for backward; inp (N,C); w, b (C).
func layerNormForward(out, mean, rstd, inp, w, b []float32, N, C int) {
	layerNormTasks.run(N, layerNormArgs{out, mean, rstd, inp, w, b, C})
}

var layerNormTasks taskPool[layerNormArgs, *layerNormArgs]

// layerNormArgs are layerNormForward's arguments.
type layerNormArgs struct {
	out, mean, rstd, inp, w, b []float32
	C                          int
}

// chunk normalizes rows [lo, hi). vec.LayerNormRow makes two float64 passes
// over the row, mean then variance, for accuracy on rows with a large offset.
func (a *layerNormArgs) chunk(lo, hi int) {
	C := a.C
	for r := lo; r < hi; r++ {
		a.mean[r], a.rstd[r] = vec.LayerNormRow(a.out[r*C:(r+1)*C], a.inp[r*C:(r+1)*C], a.w[:C], a.b[:C], layerNormEps)
	}
}

// layerNormBackward accumulates (+=) into dinp, dw and db.
// dinp (N,C); dw, db (C); dout, inp (N,C); w (C); mean, rstd (N).
//
// dw and db are sums over rows, so rows are not split across workers here;
// the per-row input gradient is where the work is and stays serial per call.
func layerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd []float32, N, C int) {
	for r := 0; r < N; r++ {
		row := func(s []float32) []float32 { return s[r*C : (r+1)*C] }
		vec.LayerNormBackwardRow(row(dinp), dw[:C], db[:C], row(dout), row(inp), w[:C], mean[r], rstd[r])
	}
}
