package engine

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"lmlab/engine/vec"
)

// general views data as a rows×cols row-major matrix with the given stride.
func general(data []float32, rows, cols, stride int) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: stride, Data: data}
}

// matmulForward is a linear layer: out = inp·wᵀ + bias, as nn.Linear.
// out (N,OC); inp (N,C); w (OC,C); bias (OC) or nil.
func matmulForward(out, inp, w, bias []float32, N, C, OC int) {
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, general(inp, N, C, C), general(w, OC, C, C), 0, general(out, N, OC, OC))
	if bias == nil {
		return
	}
	t := newChunkTask(addBiasRows)
	t.s[0], t.s[1], t.k[0] = out, bias, OC
	t.parallel(N)
}

// addBiasRows adds bias (OC) to rows [lo, hi) of out (N,OC); the task holds
// out, bias and OC.
func addBiasRows(t *chunkTask, lo, hi int) {
	out, bias, OC := t.s[0], t.s[1], t.k[0]
	for r := lo; r < hi; r++ {
		vec.AddTo(out[r*OC:(r+1)*OC], bias[:OC])
	}
}

// matmulBackward overwrites dinp and accumulates (+=) into dw and dbias (which
// sum over micro-batches); dinp or dbias may be nil when not wanted.
// dinp (N,C); dw (OC,C); dbias (OC); dout (N,OC); inp (N,C); w (OC,C).
func matmulBackward(dinp, dw, dbias, dout, inp, w []float32, N, C, OC int) {
	if dinp != nil {
		// dinp = dout · w
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, general(dout, N, OC, OC), general(w, OC, C, C), 0, general(dinp, N, C, C))
	}
	// dw += doutᵀ · inp
	blas32.Gemm(blas.Trans, blas.NoTrans, 1, general(dout, N, OC, OC), general(inp, N, C, C), 1, general(dw, OC, C, C))
	if dbias != nil {
		t := newChunkTask(sumBiasGradCols)
		t.s[0], t.s[1], t.k[0], t.k[1] = dbias, dout, N, OC
		t.parallel(OC)
	}
}

// sumBiasGradCols accumulates columns [lo, hi) of dout (N,OC) into dbias,
// adding rows in order so each sum is the same whatever the split; the task
// holds dbias, dout, N and OC.
func sumBiasGradCols(t *chunkTask, lo, hi int) {
	dbias, dout, N, OC := t.s[0], t.s[1], t.k[0], t.k[1]
	vec.AddRows(dbias[lo:hi], dout[lo:], N, OC)
}
