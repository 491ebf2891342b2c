package engine

import "lmlab/engine/vec"

// residualForward adds the residual stream and a branch. out, a, b (N).
// Its backward is the identity into both inputs, which Model.Backward does by
// letting both read the same gradient buffer rather than copying it.
func residualForward(out, a, b []float32) {
	residualTasks.run(len(a), residualArgs{out, a, b})
}

var residualTasks taskPool[residualArgs, *residualArgs]

// residualArgs are residualForward's arguments.
type residualArgs struct{ out, a, b []float32 }

func (r *residualArgs) chunk(lo, hi int) { vec.Add(r.out[lo:hi], r.a[lo:hi], r.b[lo:hi]) }
