package engine

import (
	"math"

	"lmlab/engine/vec"
)

// softmaxCrossEntropyForward turns logits into probabilities in place and
// writes each position's loss −log p[target]. probs (N,V) holds the logits on
// entry; losses (N); targets (N).
func softmaxCrossEntropyForward(probs, losses []float32, targets []int32, N, V int) {
	t := newChunkTask(softmaxCrossEntropyRows)
	t.s[0], t.s[1], t.ids, t.k[0] = probs, losses, targets, V
	t.parallel(N)
}

// softmaxCrossEntropyRows is the forward on rows [lo, hi); the task holds
// probs, losses, targets and V.
func softmaxCrossEntropyRows(t *chunkTask, lo, hi int) {
	probs, losses, targets, V := t.s[0], t.s[1], t.ids, t.k[0]
	for r := lo; r < hi; r++ {
		p := probs[r*V : (r+1)*V]
		sum := vec.ExpSub(p, p, vec.Max(p))
		vec.Scale(p, 1/sum)
		if targets != nil {
			pt := p[targets[r]]
			// Guard log(0): a probability that underflowed is at most
			// the smallest normal float32.
			if pt < math.SmallestNonzeroFloat32 {
				pt = math.SmallestNonzeroFloat32
			}
			losses[r] = -float32(math.Log(float64(pt)))
		}
	}
}

// softmaxCrossEntropyBackward writes (not accumulates) dlogits = (p − onehot)·dloss,
// in place over probs: dlogits and probs (N,V) may be the same slice.
func softmaxCrossEntropyBackward(dlogits, probs []float32, targets []int32, dloss float32, N, V int) {
	t := newChunkTask(softmaxCrossEntropyBackwardRows)
	t.s[0], t.s[1], t.ids, t.x[0], t.k[0] = dlogits, probs, targets, dloss, V
	t.parallel(N)
}

// softmaxCrossEntropyBackwardRows is the backward on rows [lo, hi); the
// task holds dlogits, probs, targets, dloss and V.
func softmaxCrossEntropyBackwardRows(t *chunkTask, lo, hi int) {
	dlogits, probs, targets, dloss, V := t.s[0], t.s[1], t.ids, t.x[0], t.k[0]
	for r := lo; r < hi; r++ {
		d := dlogits[r*V : (r+1)*V]
		vec.ScaleTo(d, probs[r*V:(r+1)*V], dloss)
		d[targets[r]] -= dloss
	}
}
