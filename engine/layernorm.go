package engine

import "math"

const layerNormEps = 1e-5

// layerNormForward normalizes each of the N rows of C channels, then scales
// and shifts. out (N,C); mean, rstd (N) kept for backward; inp (N,C); w, b (C).
func layerNormForward(out, mean, rstd, inp, w, b []float32, N, C int) {
	parallelFor(N, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x := inp[r*C : (r+1)*C]
			o := out[r*C : (r+1)*C]
			// Two passes over the row in float64: mean, then variance, for
			// accuracy on rows with a large offset.
			var s float64
			for _, v := range x {
				s += float64(v)
			}
			m := s / float64(C)
			var v2 float64
			for _, v := range x {
				d := float64(v) - m
				v2 += d * d
			}
			rs := float32(1 / math.Sqrt(v2/float64(C)+layerNormEps))
			mf := float32(m)
			w, b := w[:len(x)], b[:len(x)]
			for i, v := range x {
				o[i] = (v-mf)*rs*w[i] + b[i]
			}
			mean[r], rstd[r] = mf, rs
		}
	})
}

// layerNormBackward accumulates (+=) into dinp, dw and db.
// dinp (N,C); dw, db (C); dout, inp (N,C); w (C); mean, rstd (N).
//
// dw and db are sums over rows, so rows are not split across workers here;
// the per-row input gradient is where the work is and stays serial per call.
func layerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd []float32, N, C int) {
	for r := 0; r < N; r++ {
		x := inp[r*C : (r+1)*C]
		d := dout[r*C : (r+1)*C]
		di := dinp[r*C : (r+1)*C]
		m, rs := mean[r], rstd[r]
		// The two reductions of the backward: mean of dnorm and of dnorm·norm.
		var dnMean, dnNormMean float32
		for i, v := range x {
			norm := (v - m) * rs
			dn := w[i] * d[i]
			dnMean += dn
			dnNormMean += dn * norm
		}
		dnMean /= float32(C)
		dnNormMean /= float32(C)
		for i, v := range x {
			norm := (v - m) * rs
			dn := w[i] * d[i]
			db[i] += d[i]
			dw[i] += norm * d[i]
			di[i] += (dn - dnMean - norm*dnNormMean) * rs
		}
	}
}
