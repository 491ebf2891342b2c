package engine

import "lmlab/engine/vec"

// geluForward applies GELU (tanh approximation) element-wise. out, inp (N).
func geluForward(out, inp []float32) {
	t := newChunkTask(geluForwardChunk)
	t.s[0], t.s[1] = out, inp
	t.parallel(len(inp))
}

func geluForwardChunk(t *chunkTask, lo, hi int) {
	vec.GeluForward(t.s[0][lo:hi], t.s[1][lo:hi])
}

// geluBackward writes dinp = gelu'(inp) ⊙ dout; dinp may be dout.
// dinp, inp, dout (N).
func geluBackward(dinp, inp, dout []float32) {
	t := newChunkTask(geluBackwardChunk)
	t.s[0], t.s[1], t.s[2] = dinp, inp, dout
	t.parallel(len(inp))
}

func geluBackwardChunk(t *chunkTask, lo, hi int) {
	vec.GeluBackward(t.s[0][lo:hi], t.s[1][lo:hi], t.s[2][lo:hi])
}
