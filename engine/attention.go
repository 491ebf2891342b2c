package engine

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"lmlab/engine/fastblas"
	"lmlab/engine/vec"
)

// gemmShaped is blas32.Gemm for a causal product: with fastblas behind
// blas32 it skips the zero (or unwanted) triangle that shape names; with
// another implementation it computes the whole product, which is the same
// where shape says it matters.
func gemmShaped(shape fastblas.Shape, tA, tB blas.Transpose, alpha float32, a, b blas32.General, beta float32, c blas32.General) {
	fb, ok := blas32.Implementation().(fastblas.Implementation)
	if !ok {
		blas32.Gemm(tA, tB, alpha, a, b, beta, c)
		return
	}
	m, k := a.Rows, a.Cols
	if tA != blas.NoTrans {
		m, k = k, m
	}
	n := b.Cols
	if tB != blas.NoTrans {
		n = b.Rows
	}
	fb.SgemmShaped(shape, tA, tB, m, n, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c.Data, c.Stride)
}

// attentionForward is causal multi-head self-attention on packed q, k, v.
// out (B,T,C); att (B,NH,T,T) keeps the probabilities for backward and
// inspection (entries above the diagonal are zero); qkv (B,T,3C) holds q, k
// and v side by side, head h in channels [h·HS, (h+1)·HS) of each.
func attentionForward(out, att, qkv []float32, B, T, C, NH int) {
	attentionTasks.run(B*NH, attentionArgs{out, att, qkv, T, C, NH})
}

var (
	attentionTasks         taskPool[attentionArgs, *attentionArgs]
	attentionBackwardTasks taskPool[attentionBackwardArgs, *attentionBackwardArgs]
)

// attentionArgs are attentionForward's arguments.
type attentionArgs struct {
	out, att, qkv []float32
	T, C, NH      int
}

// chunk runs heads bh = b·NH + h in [lo, hi).
func (args *attentionArgs) chunk(lo, hi int) {
	out, att, qkv, T, C, NH := args.out, args.att, args.qkv, args.T, args.C, args.NH
	HS := C / NH
	scale := float32(1 / math.Sqrt(float64(HS)))
	C3 := 3 * C
	for bh := lo; bh < hi; bh++ {
		b, h := bh/NH, bh%NH
		base := b * T * C3
		q := general(qkv[base+h*HS:], T, HS, C3)
		k := general(qkv[base+C+h*HS:], T, HS, C3)
		v := general(qkv[base+2*C+h*HS:], T, HS, C3)
		a := att[bh*T*T : (bh+1)*T*T]
		// Scores for t2 ≤ t (and a few past it); softmaxCausalRow masks
		// the rest.
		gemmShaped(fastblas.LowerC, blas.NoTrans, blas.Trans, scale, q, k, 0, general(a, T, T, T))
		for t := 0; t < T; t++ {
			softmaxCausalRow(a[t*T:(t+1)*T], t)
		}
		y := general(out[b*T*C+h*HS:], T, HS, C)
		gemmShaped(fastblas.LowerA, blas.NoTrans, blas.NoTrans, 1, general(a, T, T, T), v, 0, y)
	}
}

// softmaxCausalRow replaces row[0..t] with its softmax and zeroes the rest.
func softmaxCausalRow(row []float32, t int) {
	vis := row[:t+1]
	sum := vec.ExpSub(vis, vis, vec.Max(vis))
	vec.Scale(vis, 1/sum)
	clear(row[t+1:])
}

// attentionBackward writes dqkv (B,T,3C) from dout (B,T,C): each of dq, dk,
// dv comes from exactly one product, so nothing needs zeroing first.
// datt (B,NH,T,T) is scratch; qkv and att are the forward's.
func attentionBackward(dqkv, datt, dout, qkv, att []float32, B, T, C, NH int) {
	attentionBackwardTasks.run(B*NH, attentionBackwardArgs{dqkv, datt, dout, qkv, att, T, C, NH})
}

// attentionBackwardArgs are attentionBackward's arguments.
type attentionBackwardArgs struct {
	dqkv, datt, dout, qkv, att []float32
	T, C, NH                   int
}

// chunk runs heads bh = b·NH + h in [lo, hi).
func (args *attentionBackwardArgs) chunk(lo, hi int) {
	dqkv, datt, dout, qkv, att, T, C, NH := args.dqkv, args.datt, args.dout, args.qkv, args.att, args.T, args.C, args.NH
	HS := C / NH
	scale := float32(1 / math.Sqrt(float64(HS)))
	C3 := 3 * C
	for bh := lo; bh < hi; bh++ {
		b, h := bh/NH, bh%NH
		base := b * T * C3
		q := general(qkv[base+h*HS:], T, HS, C3)
		k := general(qkv[base+C+h*HS:], T, HS, C3)
		v := general(qkv[base+2*C+h*HS:], T, HS, C3)
		dq := general(dqkv[base+h*HS:], T, HS, C3)
		dk := general(dqkv[base+C+h*HS:], T, HS, C3)
		dv := general(dqkv[base+2*C+h*HS:], T, HS, C3)
		dy := general(dout[b*T*C+h*HS:], T, HS, C)
		a := general(att[bh*T*T:], T, T, T)
		da := datt[bh*T*T : (bh+1)*T*T]
		dA := general(da, T, T, T)

		// y = a·v: da = dy·vᵀ (wanted on and below the diagonal only),
		// dv = aᵀ·dy (aᵀ upper triangular).
		gemmShaped(fastblas.LowerC, blas.NoTrans, blas.Trans, 1, dy, v, 0, dA)
		gemmShaped(fastblas.UpperA, blas.Trans, blas.NoTrans, 1, a, dy, 0, dv)
		// Softmax backward in place: ds = a ⊙ (da − Σ a·da), zero above
		// the diagonal because a is.
		for t := 0; t < T; t++ {
			ar := att[bh*T*T+t*T : bh*T*T+t*T+t+1]
			dr := da[t*T : (t+1)*T]
			vec.SoftmaxBackward(dr[:t+1], ar, dr[:t+1])
			clear(dr[t+1:])
		}
		// s = scale·q·kᵀ: dq = scale·ds·k, dk = scale·dsᵀ·q (ds lower
		// triangular).
		gemmShaped(fastblas.LowerA, blas.NoTrans, blas.NoTrans, scale, dA, k, 0, dq)
		gemmShaped(fastblas.UpperA, blas.Trans, blas.NoTrans, scale, dA, q, 0, dk)
	}
}
