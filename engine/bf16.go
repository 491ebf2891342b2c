package engine

import (
	"fmt"
	"math"
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
// Here the rounding is emulated in Go: each operand is rounded into a
// float32 scratch buffer (its low 16 bits zero) and the float32 kernel
// multiplies the copies. The numbers are those of the bfloat16 instructions
// (up to the order of the float32 sums, and VDPBF16PS's flushing of
// subnormal sums to zero), so the learning curve shows what bf16 training
// does; the speed is not: the copies make a step slower (about a fifth of a
// baby step's time goes to rounding), and a speed gain needs an AVX512_BF16
// kernel dispatched at run time, which this package does not have yet.
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

// roundBF16 writes to dst each value of src rounded to bfloat16 and kept as
// a float32 whose low 16 bits are zero, as VCVTNE2PS2BF16 rounds: to
// nearest with ties to even (a value past the largest bfloat16 becomes
// ±Inf), NaN stays NaN (quiet), ±Inf stay, and subnormals become zero of
// their sign (the instruction treats input denormals as zero). dst and src
// may be the same slice; it panics if dst is shorter than src.
func roundBF16(dst, src []float32) {
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

// roundBF16Special is roundBF16 of a zero, subnormal, Inf or NaN, before
// the low 16 bits are cleared. Out of line, it keeps roundBF16's loop short.
func roundBF16Special(u uint32) uint32 {
	switch {
	case u&0x7f800000 == 0: // ±0 and subnormals: zero of their sign
		return u & 0x80000000
	case u&0x007fffff != 0: // NaN: keeps its sign and top bits, made quiet
		return u | 0x00400000
	}
	return u // ±Inf
}

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
