package engine

import "math"

// softmaxCrossEntropyForward turns logits into probabilities in place and
// writes each position's loss −log p[target]. probs (N,V) holds the logits on
// entry; losses (N); targets (N).
func softmaxCrossEntropyForward(probs, losses []float32, targets []int32, N, V int) {
	parallelFor(N, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			p := probs[r*V : (r+1)*V]
			mx := p[0]
			for _, v := range p[1:] {
				if v > mx {
					mx = v
				}
			}
			var sum float32
			for i, v := range p {
				e := expf(v - mx)
				p[i] = e
				sum += e
			}
			inv := 1 / sum
			for i := range p {
				p[i] *= inv
			}
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
	})
}

// softmaxCrossEntropyBackward writes (not accumulates) dlogits = (p − onehot)·dloss,
// in place over probs: dlogits and probs (N,V) may be the same slice.
func softmaxCrossEntropyBackward(dlogits, probs []float32, targets []int32, dloss float32, N, V int) {
	parallelFor(N, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			p := probs[r*V : (r+1)*V]
			d := dlogits[r*V : (r+1)*V]
			for i, v := range p {
				d[i] = v * dloss
			}
			d[targets[r]] -= dloss
		}
	})
}
