//go:build !purego

package vec

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run ./internal/asmgen

// supported lists the levels this CPU runs, fastest first. x/sys/cpu's
// AVX-512 and AVX2 flags already require the OS to save the wide registers.
func supported() []level {
	ls := []level{generic}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ls = append([]level{avx2}, ls...)
	}
	if cpu.X86.HasAVX512F {
		ls = append([]level{avx512}, ls...)
	}
	return ls
}

// The assembly in vec_amd64.s; each comment there states what its kernel
// computes. n is the common length; pointers may be nil when n is 0.

//go:noescape
func geluFwdAVX512(out, x *float32, n int)

//go:noescape
func geluFwdAVX2(out, x *float32, n int)

//go:noescape
func geluBwdAVX512(dx, x, dout *float32, n int)

//go:noescape
func geluBwdAVX2(dx, x, dout *float32, n int)

//go:noescape
func expSubAVX512(dst, src *float32, n int, shift float32) float32

//go:noescape
func expSubAVX2(dst, src *float32, n int, shift float32) float32

//go:noescape
func maxAVX512(x *float32, n int) float32

//go:noescape
func maxAVX2(x *float32, n int) float32

//go:noescape
func scaleToAVX512(dst, x *float32, n int, a float32)

//go:noescape
func scaleToAVX2(dst, x *float32, n int, a float32)

//go:noescape
func addAVX512(dst, a, b *float32, n int)

//go:noescape
func addAVX2(dst, a, b *float32, n int)

//go:noescape
func addToAVX512(dst, src *float32, n int)

//go:noescape
func addToAVX2(dst, src *float32, n int)

//go:noescape
func dotAVX512(a, b *float32, n int) float32

//go:noescape
func dotAVX2(a, b *float32, n int) float32

// roundBF16AVX2 has no AVX-512 twin: it is bound by memory, and an AVX-512
// CPU runs it as it is.
//
//go:noescape
func roundBF16AVX2(dst, src *float32, n int)

//go:noescape
func sumSquaresAVX512(x *float32, n int) float64

//go:noescape
func sumSquaresAVX2(x *float32, n int) float64

//go:noescape
func adamWAVX512(p, grad, m, v *float32, n int, beta1, omb1, beta2, omb2, stepSize, rbc2, eps, decay float32)

//go:noescape
func adamWAVX2(p, grad, m, v *float32, n int, beta1, omb1, beta2, omb2, stepSize, rbc2, eps, decay float32)

//go:noescape
func lnSumAVX512(x *float32, n int) float64

//go:noescape
func lnSumAVX2(x *float32, n int) float64

//go:noescape
func lnSumSqDevAVX512(x *float32, n int, mean float64) float64

//go:noescape
func lnSumSqDevAVX2(x *float32, n int, mean float64) float64

//go:noescape
func lnAffineAVX512(out, x, w, b *float32, n int, mean, rstd float32)

//go:noescape
func lnAffineAVX2(out, x, w, b *float32, n int, mean, rstd float32)

//go:noescape
func lnBwdSumsAVX512(dout, x, w *float32, n int, mean, rstd float32) (a, c float32)

//go:noescape
func lnBwdSumsAVX2(dout, x, w *float32, n int, mean, rstd float32) (a, c float32)

//go:noescape
func lnBwdApplyAVX512(dx, dw, db, dout, x, w *float32, n int, mean, rstd, dnMean, dnNormMean float32)

//go:noescape
func lnBwdApplyAVX2(dx, dw, db, dout, x, w *float32, n int, mean, rstd, dnMean, dnNormMean float32)

//go:noescape
func addRowsAVX512(dst, src *float32, n, rows, stride int)

//go:noescape
func addRowsAVX2(dst, src *float32, n, rows, stride int)

//go:noescape
func subMulAVX512(dx, y, dy *float32, n int, d float32)

//go:noescape
func subMulAVX2(dx, y, dy *float32, n int, d float32)

// ptr is the address of s's first element (nil or anything for an empty s:
// the kernels do not touch memory when n is 0).
func ptr(s []float32) *float32 { return unsafe.SliceData(s) }

func geluForward(out, x []float32) {
	switch active {
	case avx512:
		geluFwdAVX512(ptr(out), ptr(x), len(x))
	case avx2:
		geluFwdAVX2(ptr(out), ptr(x), len(x))
	default:
		geluForwardGo(out, x)
	}
}

func geluBackward(dx, x, dout []float32) {
	switch active {
	case avx512:
		geluBwdAVX512(ptr(dx), ptr(x), ptr(dout), len(x))
	case avx2:
		geluBwdAVX2(ptr(dx), ptr(x), ptr(dout), len(x))
	default:
		geluBackwardGo(dx, x, dout)
	}
}

func expSub(dst, src []float32, shift float32) float32 {
	switch active {
	case avx512:
		return expSubAVX512(ptr(dst), ptr(src), len(src), shift)
	case avx2:
		return expSubAVX2(ptr(dst), ptr(src), len(src), shift)
	}
	return expSubGo(dst, src, shift)
}

func maxOf(x []float32) float32 {
	switch active {
	case avx512:
		return maxAVX512(ptr(x), len(x))
	case avx2:
		return maxAVX2(ptr(x), len(x))
	}
	return maxGo(x)
}

func scaleTo(dst, x []float32, a float32) {
	switch active {
	case avx512:
		scaleToAVX512(ptr(dst), ptr(x), len(x), a)
	case avx2:
		scaleToAVX2(ptr(dst), ptr(x), len(x), a)
	default:
		scaleToGo(dst, x, a)
	}
}

func add(dst, a, b []float32) {
	switch active {
	case avx512:
		addAVX512(ptr(dst), ptr(a), ptr(b), len(a))
	case avx2:
		addAVX2(ptr(dst), ptr(a), ptr(b), len(a))
	default:
		addGo(dst, a, b)
	}
}

func addTo(dst, src []float32) {
	switch active {
	case avx512:
		addToAVX512(ptr(dst), ptr(src), len(src))
	case avx2:
		addToAVX2(ptr(dst), ptr(src), len(src))
	default:
		addToGo(dst, src)
	}
}

func dot(a, b []float32) float32 {
	switch active {
	case avx512:
		return dotAVX512(ptr(a), ptr(b), len(a))
	case avx2:
		return dotAVX2(ptr(a), ptr(b), len(a))
	}
	return dotGo(a, b)
}

func roundBF16(dst, src []float32) {
	if active == generic {
		roundBF16Go(dst, src)
		return
	}
	roundBF16AVX2(ptr(dst), ptr(src), len(src))
}

func sumSquares(x []float32) float64 {
	switch active {
	case avx512:
		return sumSquaresAVX512(ptr(x), len(x))
	case avx2:
		return sumSquaresAVX2(ptr(x), len(x))
	}
	return sumSquaresGo(x)
}

func adamW(p, g, m, v []float32, beta1, beta2, stepSize, rbc2, eps, decay float32) {
	// 1 − β in float32, as the Go loop computes it.
	omb1, omb2 := 1-beta1, 1-beta2
	switch active {
	case avx512:
		adamWAVX512(ptr(p), ptr(g), ptr(m), ptr(v), len(p), beta1, omb1, beta2, omb2, stepSize, rbc2, eps, decay)
	case avx2:
		adamWAVX2(ptr(p), ptr(g), ptr(m), ptr(v), len(p), beta1, omb1, beta2, omb2, stepSize, rbc2, eps, decay)
	default:
		adamWGo(p, g, m, v, beta1, beta2, stepSize, rbc2, eps, decay)
	}
}

func layerNormRow(out, x, w, b []float32, eps float64) (mean, rstd float32) {
	n := len(x)
	switch active {
	case avx512:
		m := lnSumAVX512(ptr(x), n) / float64(n)
		mean, rstd = float32(m), lnRstd(lnSumSqDevAVX512(ptr(x), n, m), n, eps)
		lnAffineAVX512(ptr(out), ptr(x), ptr(w), ptr(b), n, mean, rstd)
	case avx2:
		m := lnSumAVX2(ptr(x), n) / float64(n)
		mean, rstd = float32(m), lnRstd(lnSumSqDevAVX2(ptr(x), n, m), n, eps)
		lnAffineAVX2(ptr(out), ptr(x), ptr(w), ptr(b), n, mean, rstd)
	default:
		mean, rstd = layerNormRowGo(out, x, w, b, eps)
	}
	return mean, rstd
}

func layerNormBackwardRow(dx, dw, db, dout, x, w []float32, mean, rstd float32) {
	n := len(x)
	switch active {
	case avx512:
		a, c := lnBwdSumsAVX512(ptr(dout), ptr(x), ptr(w), n, mean, rstd)
		lnBwdApplyAVX512(ptr(dx), ptr(dw), ptr(db), ptr(dout), ptr(x), ptr(w), n, mean, rstd, a/float32(n), c/float32(n))
	case avx2:
		a, c := lnBwdSumsAVX2(ptr(dout), ptr(x), ptr(w), n, mean, rstd)
		lnBwdApplyAVX2(ptr(dx), ptr(dw), ptr(db), ptr(dout), ptr(x), ptr(w), n, mean, rstd, a/float32(n), c/float32(n))
	default:
		layerNormBackwardRowGo(dx, dw, db, dout, x, w, mean, rstd)
	}
}

func addRows(dst, src []float32, rows, stride int) {
	switch active {
	case avx512:
		addRowsAVX512(ptr(dst), ptr(src), len(dst), rows, stride)
	case avx2:
		addRowsAVX2(ptr(dst), ptr(src), len(dst), rows, stride)
	default:
		addRowsGo(dst, src, rows, stride)
	}
}

func softmaxBackward(dx, y, dy []float32) {
	switch active {
	case avx512:
		subMulAVX512(ptr(dx), ptr(y), ptr(dy), len(y), dotAVX512(ptr(y), ptr(dy), len(y)))
	case avx2:
		subMulAVX2(ptr(dx), ptr(y), ptr(dy), len(y), dotAVX2(ptr(y), ptr(dy), len(y)))
	default:
		softmaxBackwardGo(dx, y, dy)
	}
}
