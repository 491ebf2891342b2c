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

// chunk runs heads bh = b·NH + h in [lo, hi), a run of heads of one batch
// row at a time. Each run's q, k and v are first copied into contiguous
// (head, t, HS) blocks, reading qkv's rows in order: read in place, a head's
// slices are T rows of HS floats 3C apart, and the cache misses of those
// strided reads cost more than the products (2.7× on the baby shape).
func (args *attentionArgs) chunk(lo, hi int) {
	out, att, qkv, T, C, NH := args.out, args.att, args.qkv, args.T, args.C, args.NH
	HS := C / NH
	scale := float32(1 / math.Sqrt(float64(HS)))
	scratch := headScratch.get(3 * T * C)
	defer headScratch.put(scratch)
	for bh := lo; bh < hi; {
		b, h0 := bh/NH, bh%NH
		h1 := min(NH, h0+hi-bh)
		nh := h1 - h0
		hq := scratch[:nh*T*HS]
		hk := scratch[nh*T*HS : 2*nh*T*HS]
		hv := scratch[2*nh*T*HS : 3*nh*T*HS]
		gatherQKV(hq, hk, hv, qkv[b*T*3*C:], h0, h1, T, HS, C)
		for h := h0; h < h1; h++ {
			o := (h - h0) * T * HS
			q := general(hq[o:], T, HS, HS)
			k := general(hk[o:], T, HS, HS)
			v := general(hv[o:], T, HS, HS)
			a := att[(b*NH+h)*T*T : (b*NH+h+1)*T*T]
			// Scores for t2 ≤ t (and a few past it); softmaxCausalRow
			// masks the rest.
			gemmShaped(fastblas.LowerC, blas.NoTrans, blas.Trans, scale, q, k, 0, general(a, T, T, T))
			for t := 0; t < T; t++ {
				softmaxCausalRow(a[t*T:(t+1)*T], t)
			}
			y := general(out[b*T*C+h*HS:], T, HS, C)
			gemmShaped(fastblas.LowerA, blas.NoTrans, blas.NoTrans, 1, general(a, T, T, T), v, 0, y)
		}
		bh += nh
	}
}

// gatherHeads copies heads [h0, h1) of one (T, ld) block of rows, the HS
// channels of head h at column off + h·HS, into dst as (h1−h0, T, HS).
func gatherHeads(dst, src []float32, off, h0, h1, T, HS, ld int) {
	nh := h1 - h0
	for t := range T {
		row := src[t*ld+off+h0*HS : t*ld+off+h1*HS]
		for i := range nh {
			copy(dst[(i*T+t)*HS:(i*T+t+1)*HS], row[i*HS:(i+1)*HS])
		}
	}
}

// gatherQKV gathers heads [h0, h1) of q, k and v from one batch row's
// (T, 3C) block of qkv, as three gatherHeads would, in one pass along each
// row: the rows are read in order, which the hardware prefetcher follows,
// where three passes each jumped 3C floats for a third of a row.
func gatherQKV(hq, hk, hv, rows []float32, h0, h1, T, HS, C int) {
	nh := h1 - h0
	for t := range T {
		row := rows[t*3*C : (t+1)*3*C]
		for part, dst := range [3][]float32{hq, hk, hv} {
			src := row[part*C+h0*HS : part*C+h1*HS]
			for i := range nh {
				copy(dst[(i*T+t)*HS:(i*T+t+1)*HS], src[i*HS:(i+1)*HS])
			}
		}
	}
}

// scatterQKV is gatherQKV's inverse: it writes dq, dk and dv, each
// (h1−h0, T, HS), into heads [h0, h1) of one batch row's (T, 3C) block of
// dqkv, a row at a time.
func scatterQKV(rows, dq, dk, dv []float32, h0, h1, T, HS, C int) {
	nh := h1 - h0
	for t := range T {
		row := rows[t*3*C : (t+1)*3*C]
		for part, src := range [3][]float32{dq, dk, dv} {
			dst := row[part*C+h0*HS : part*C+h1*HS]
			for i := range nh {
				copy(dst[i*HS:(i+1)*HS], src[(i*T+t)*HS:(i*T+t+1)*HS])
			}
		}
	}
}

// headScratch holds the per-chunk copies of attention's heads.
var headScratch floatsPool

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

// chunk runs heads bh = b·NH + h in [lo, hi), gathering each run of heads
// of one batch row as attentionArgs.chunk does, and scattering dq, dk and dv
// back into dqkv's rows in order.
func (args *attentionBackwardArgs) chunk(lo, hi int) {
	dqkv, datt, dout, qkv, att, T, C, NH := args.dqkv, args.datt, args.dout, args.qkv, args.att, args.T, args.C, args.NH
	HS := C / NH
	scale := float32(1 / math.Sqrt(float64(HS)))
	scratch := headScratch.get(7 * T * C)
	defer headScratch.put(scratch)
	for bh := lo; bh < hi; {
		b, h0 := bh/NH, bh%NH
		h1 := min(NH, h0+hi-bh)
		nh := h1 - h0
		part := func(i int) []float32 { return scratch[i*nh*T*HS : (i+1)*nh*T*HS] }
		hq, hk, hv, hdy, hdq, hdk, hdv := part(0), part(1), part(2), part(3), part(4), part(5), part(6)
		gatherQKV(hq, hk, hv, qkv[b*T*3*C:], h0, h1, T, HS, C)
		gatherHeads(hdy, dout[b*T*C:], 0, h0, h1, T, HS, C)
		for h := h0; h < h1; h++ {
			o := (h - h0) * T * HS
			q, k, v := general(hq[o:], T, HS, HS), general(hk[o:], T, HS, HS), general(hv[o:], T, HS, HS)
			dq, dk, dv := general(hdq[o:], T, HS, HS), general(hdk[o:], T, HS, HS), general(hdv[o:], T, HS, HS)
			dy := general(hdy[o:], T, HS, HS)
			bhT := (b*NH + h) * T * T
			a := general(att[bhT:], T, T, T)
			da := datt[bhT : bhT+T*T]
			dA := general(da, T, T, T)

			// y = a·v: da = dy·vᵀ (wanted on and below the diagonal only),
			// dv = aᵀ·dy (aᵀ upper triangular).
			gemmShaped(fastblas.LowerC, blas.NoTrans, blas.Trans, 1, dy, v, 0, dA)
			gemmShaped(fastblas.UpperA, blas.Trans, blas.NoTrans, 1, a, dy, 0, dv)
			// Softmax backward in place: ds = a ⊙ (da − Σ a·da), zero above
			// the diagonal because a is.
			for t := 0; t < T; t++ {
				ar := att[bhT+t*T : bhT+t*T+t+1]
				dr := da[t*T : (t+1)*T]
				vec.SoftmaxBackward(dr[:t+1], ar, dr[:t+1])
				clear(dr[t+1:])
			}
			// s = scale·q·kᵀ: dq = scale·ds·k, dk = scale·dsᵀ·q (ds lower
			// triangular).
			gemmShaped(fastblas.LowerA, blas.NoTrans, blas.NoTrans, scale, dA, k, 0, dq)
			gemmShaped(fastblas.UpperA, blas.Trans, blas.NoTrans, scale, dA, q, 0, dk)
		}
		scatterQKV(dqkv[b*T*3*C:], hdq, hdk, hdv, h0, h1, T, HS, C)
		bh += nh
	}
}
