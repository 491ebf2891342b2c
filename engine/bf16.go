package engine

import (
	"fmt"

	"lmlab/engine/vec"
)

// Mixed precision. With TrainConfig.Precision "bf16" every matrix product of
// the training step (the four linear layers of each block and the tied LM
// head, forward and backward) multiplies operands rounded to bfloat16, as
// a CPU with AVX512_BF16 does: VCVTNE2PS2BF16 rounds each float32 operand
// to bfloat16 (to nearest, ties to even), and VDPBF16PS multiplies pairs of
// them, exactly in float32, and accumulates in float32. Everything else
// stays float32: the master weights, the gradients' accumulation buffers,
// AdamW's moments, layer norm, softmax, GELU, the loss, and the attention's
// per-head products (small T×HS products, left in float32).
//
// Here the rounding is emulated: each operand is rounded into a float32
// scratch buffer (its low 16 bits zero; vec.RoundBF16, eight lanes at a
// time on AVX2) and the float32 kernel multiplies the copies. The numbers
// are those of the bfloat16 instructions (up to the order of the float32
// sums, and VDPBF16PS's flushing of subnormal sums to zero), so the learning
// curve shows what bf16 training does; the speed is not: the copies make a
// baby step 2–7 % slower than float32's (it was 25–29 % with the rounding
// in a Go loop), and a speed gain needs an AVX512_BF16 kernel dispatched at
// run time, which this package does not have yet.
//
// The precision is the model's (SetPrecision), so a bf16 trainer's
// evaluations run in bf16 too, as its training steps do. Clone returns a
// float32 model, and generation's products (kvcache.go) are float32.

// The values of TrainConfig.Precision. "" means PrecisionFP32, and is what a
// float32 run saves, so its checkpoints are the same bytes as before
// precision existed.
const (
	PrecisionFP32 = "fp32"
	PrecisionBF16 = "bf16"
)

// validPrecision reports whether p names a precision ("" is fp32).
func validPrecision(p string) bool {
	return p == "" || p == PrecisionFP32 || p == PrecisionBF16
}

// SetPrecision sets the precision of m's matrix products: PrecisionBF16, or
// "" or PrecisionFP32 for float32. NewTrainer sets it from the recipe. It
// returns a *ConfigError naming --precision for anything else.
func (m *Model) SetPrecision(p string) error {
	if !validPrecision(p) {
		return badPrecision(p)
	}
	if p != PrecisionBF16 {
		m.bf = nil
	} else if m.bf == nil {
		m.bf = new(bf16Scratch)
	}
	return nil
}

// Precision is PrecisionBF16 or PrecisionFP32.
func (m *Model) Precision() string {
	if m.bf != nil {
		return PrecisionBF16
	}
	return PrecisionFP32
}

// badPrecision is the error of an unknown precision.
func badPrecision(p string) error {
	return &ConfigError{Flag: "--precision", Value: fmt.Sprintf("%q", p),
		Want: "unknown precision; use fp32 (float32, the default) or bf16 (bfloat16 matrix products, emulated)"}
}

// roundBF16 writes to dst each value of src rounded to bfloat16, as
// vec.RoundBF16 does (see there: to nearest with ties to even, as
// VCVTNE2PS2BF16 rounds). dst and src must have the same length and may be
// the same slice.
func roundBF16(dst, src []float32) { vec.RoundBF16(dst, src) }

// bf16Scratch holds a bf16 model's rounded operands, one product at a time:
// x the row operand (N,K), w the weight (OC,C), d the output gradient
// (N,OC). They grow to the largest product seen and are then reused, so a
// warm step allocates nothing.
type bf16Scratch struct {
	x, w, d []float32
}

// grow returns buf resliced to n, reallocated when its capacity is short.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// matmulForward is matmulForward at m's precision.
func (m *Model) matmulForward(out, inp, w, bias []float32, N, C, OC int) {
	s := m.bf
	if s == nil {
		matmulForward(out, inp, w, bias, N, C, OC)
		return
	}
	s.x, s.w = grow(s.x, N*C), grow(s.w, OC*C)
	roundBF16Tasks.run(N, roundBF16Args{s.x, inp[:N*C], C})
	roundBF16Tasks.run(OC, roundBF16Args{s.w, w[:OC*C], C})
	matmulForward(out, s.x, s.w, bias, N, C, OC)
}

// matmulBackward is matmulBackward at m's precision: the gradients are
// products of rounded operands too (dinp = d·w, dw += dᵀ·x), accumulated
// into float32 dw; dbias sums the float32 dout.
func (m *Model) matmulBackward(dinp, dw, dbias, dout, inp, w []float32, N, C, OC int) {
	s := m.bf
	if s == nil {
		matmulBackward(dinp, dw, dbias, dout, inp, w, N, C, OC)
		return
	}
	s.x, s.w, s.d = grow(s.x, N*C), grow(s.w, OC*C), grow(s.d, N*OC)
	roundBF16Tasks.run(N, roundBF16Args{s.d, dout[:N*OC], OC})
	roundBF16Tasks.run(N, roundBF16Args{s.x, inp[:N*C], C})
	if dinp != nil {
		roundBF16Tasks.run(OC, roundBF16Args{s.w, w[:OC*C], C})
	}
	matmulBackward(dinp, dw, nil, s.d, s.x, s.w, N, C, OC)
	if dbias != nil {
		biasGradTasks.run(OC, biasGradArgs{dbias, dout, N, OC})
	}
}

var roundBF16Tasks taskPool[roundBF16Args, *roundBF16Args]

// roundBF16Args round src into dst, rows of n values.
type roundBF16Args struct {
	dst, src []float32
	n        int
}

// chunk rounds rows [lo, hi).
func (a *roundBF16Args) chunk(lo, hi int) {
	roundBF16(a.dst[lo*a.n:hi*a.n], a.src[lo*a.n:hi*a.n])
}
