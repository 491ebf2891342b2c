package engine

import "lmlab/engine/vec"

// geluForward applies GELU (tanh approximation) element-wise. out, inp (N).
func geluForward(out, inp []float32) {
	geluForwardTasks.run(len(inp), geluForwardArgs{out, inp})
}

var (
	geluForwardTasks  taskPool[geluForwardArgs, *geluForwardArgs]
	geluBackwardTasks taskPool[geluBackwardArgs, *geluBackwardArgs]
)

// geluForwardArgs are geluForward's arguments.
type geluForwardArgs struct{ out, inp []float32 }

func (a *geluForwardArgs) chunk(lo, hi int) { vec.GeluForward(a.out[lo:hi], a.inp[lo:hi]) }

// geluBackward writes dinp = gelu'(inp) ⊙ dout; dinp may be dout.
// dinp, inp, dout (N).
func geluBackward(dinp, inp, dout []float32) {
	geluBackwardTasks.run(len(inp), geluBackwardArgs{dinp, inp, dout})
}

// geluBackwardArgs are geluBackward's arguments.
type geluBackwardArgs struct{ dinp, inp, dout []float32 }

func (a *geluBackwardArgs) chunk(lo, hi int) {
	vec.GeluBackward(a.dinp[lo:hi], a.inp[lo:hi], a.dout[lo:hi])
}
