package engine

import (
	"math"

	"lmlab/engine/vec"
)

// softmaxCrossEntropyForward turns logits into probabilities in place and
// writes each position's loss −log p[target]. probs (N,V) holds the logits on
// entry; losses (N); targets (N).
func softmaxCrossEntropyForward(probs, losses []float32, targets []int32, N, V int) {
	crossEntropyTasks.run(N, crossEntropyArgs{probs, losses, targets, V})
}

var (
	crossEntropyTasks         taskPool[crossEntropyArgs, *crossEntropyArgs]
	crossEntropyBackwardTasks taskPool[crossEntropyBackwardArgs, *crossEntropyBackwardArgs]
)

// crossEntropyArgs are softmaxCrossEntropyForward's arguments.
type crossEntropyArgs struct {
	probs, losses []float32
	targets       []int32
	V             int
}

// chunk is the forward on rows [lo, hi).
func (a *crossEntropyArgs) chunk(lo, hi int) {
	V := a.V
	for r := lo; r < hi; r++ {
		p := a.probs[r*V : (r+1)*V]
		sum := vec.ExpSub(p, p, vec.Max(p))
		vec.Scale(p, 1/sum)
		if a.targets != nil {
			pt := p[a.targets[r]]
			// Guard log(0): a probability that underflowed is at most
			// the smallest normal float32.
			if pt < math.SmallestNonzeroFloat32 {
				pt = math.SmallestNonzeroFloat32
			}
			a.losses[r] = -float32(math.Log(float64(pt)))
		}
	}
}

// softmaxCrossEntropyBackward writes (not accumulates) dlogits = (p − onehot)·dloss,
// in place over probs: dlogits and probs (N,V) may be the same slice.
func softmaxCrossEntropyBackward(dlogits, probs []float32, targets []int32, dloss float32, N, V int) {
	crossEntropyBackwardTasks.run(N, crossEntropyBackwardArgs{dlogits, probs, targets, dloss, V})
}

// crossEntropyBackwardArgs are softmaxCrossEntropyBackward's arguments.
type crossEntropyBackwardArgs struct {
	dlogits, probs []float32
	targets        []int32
	dloss          float32
	V              int
}

// chunk is the backward on rows [lo, hi).
func (a *crossEntropyBackwardArgs) chunk(lo, hi int) {
	V := a.V
	for r := lo; r < hi; r++ {
		d := a.dlogits[r*V : (r+1)*V]
		vec.ScaleTo(d, a.probs[r*V:(r+1)*V], a.dloss)
		d[a.targets[r]] -= a.dloss
	}
}
