package engine

import "lmlab/engine/vec"

// residualForward adds the residual stream and a branch. out, a, b (N).
// Its backward is the identity into both inputs, which Model.Backward does by
// letting both read the same gradient buffer rather than copying it.
func residualForward(out, a, b []float32) {
	t := newChunkTask(residualChunk)
	t.s[0], t.s[1], t.s[2] = out, a, b
	t.parallel(len(a))
}

func residualChunk(t *chunkTask, lo, hi int) {
	vec.Add(t.s[0][lo:hi], t.s[1][lo:hi], t.s[2][lo:hi])
}
