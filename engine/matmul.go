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
	addBiasTasks.run(N, addBiasArgs{out, bias, OC})
}

var (
	addBiasTasks  taskPool[addBiasArgs, *addBiasArgs]
	biasGradTasks taskPool[biasGradArgs, *biasGradArgs]
)

// addBiasArgs add bias (OC) to every row of out (N,OC).
type addBiasArgs struct {
	out, bias []float32
	OC        int
}

// chunk adds the bias to rows [lo, hi).
func (a *addBiasArgs) chunk(lo, hi int) {
	OC := a.OC
	for r := lo; r < hi; r++ {
		vec.AddTo(a.out[r*OC:(r+1)*OC], a.bias[:OC])
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
		biasGradTasks.run(OC, biasGradArgs{dbias, dout, N, OC})
	}
}

// biasGradArgs accumulate the columns of dout (N,OC) into dbias (OC).
type biasGradArgs struct {
	dbias, dout []float32
	N, OC       int
}

// chunk accumulates columns [lo, hi), adding rows in order so each sum is
// the same whatever the split.
func (a *biasGradArgs) chunk(lo, hi int) {
	vec.AddRows(a.dbias[lo:hi], a.dout[lo:], a.N, a.OC)
}
