//go:build !amd64 || purego

package vec

func supported() []level { return []level{generic} }

func geluForward(out, x []float32)                     { geluForwardGo(out, x) }
func geluBackward(dx, x, dout []float32)               { geluBackwardGo(dx, x, dout) }
func expSub(dst, src []float32, shift float32) float32 { return expSubGo(dst, src, shift) }
func maxOf(x []float32) float32                        { return maxGo(x) }
func scaleTo(dst, x []float32, a float32)              { scaleToGo(dst, x, a) }
func add(dst, a, b []float32)                          { addGo(dst, a, b) }
func addTo(dst, src []float32)                         { addToGo(dst, src) }
func dot(a, b []float32) float32                       { return dotGo(a, b) }
func sumSquares(x []float32) float64                   { return sumSquaresGo(x) }
func roundBF16(dst, src []float32)                     { roundBF16Go(dst, src) }

func adamW(p, g, m, v []float32, beta1, beta2, stepSize, rbc2, eps, decay float32) {
	adamWGo(p, g, m, v, beta1, beta2, stepSize, rbc2, eps, decay)
}

func layerNormRow(out, x, w, b []float32, eps float64) (mean, rstd float32) {
	return layerNormRowGo(out, x, w, b, eps)
}

func layerNormBackwardRow(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	layerNormBackwardRowGo(dx, dw, db, dout, x, w, mean, rstd)
}

func addRows(dst, src []float32, rows, stride int) { addRowsGo(dst, src, rows, stride) }

func softmaxBackward(dx, y, dy []float32) { softmaxBackwardGo(dx, y, dy) }
