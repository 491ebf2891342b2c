package engine

import (
	"math"

	"lmlab/engine/vec"
)

// adamW holds AdamW's moments in the parameter arena's layout, so the update
// is one flat loop over the arena (llm.c's gpt2_update), and the arena's
// spans with their update rules, built once per run from the parameter table.
type adamW struct {
	M, V  []float32 // first and second moments, (NumParams)
	spans []span    // cover the arena in order

	step adamWStep        // the running update's arguments, read by chunk
	run  func(lo, hi int) // o.chunk, bound once
}

// span is a piece of the arena with uniform update rules.
type span struct {
	lo, hi        int
	decay, frozen bool
}

// newAdamW returns an optimizer for a model of shape c whose embeddings
// (wte, wpe and so the tied LM head) are frozen when freezeEmbeddings, and
// every tensor of the first freezeLayers blocks.
func newAdamW(c Config, freezeEmbeddings bool, freezeLayers int) adamW {
	return adamW{spans: c.updateSpans(freezeEmbeddings, freezeLayers)}
}

// updateSpans cuts the arena into spans by the table's decay flags and the
// freeze options, merging neighbours with the same rules.
func (c Config) updateSpans(freezeEmbeddings bool, freezeLayers int) []span {
	var out []span
	add := func(s span) {
		if s.lo == s.hi {
			return
		}
		if k := len(out) - 1; k >= 0 && out[k].hi == s.lo && out[k].decay == s.decay && out[k].frozen == s.frozen {
			out[k].hi = s.hi
			return
		}
		out = append(out, s)
	}
	k := min(max(freezeLayers, 0), c.Layers)
	for _, at := range c.layout() {
		if !at.layered {
			add(span{at.start, at.end, at.decay, at.embedding && freezeEmbeddings})
			continue
		}
		cut := at.start + k*at.n // layers below k are frozen
		add(span{at.start, cut, at.decay, true})
		add(span{cut, at.end, at.decay, false})
	}
	return out
}

// clearFrozen zeroes the gradients of frozen spans, so frozen weights
// neither move nor count in the gradient norm.
func (o *adamW) clearFrozen(grads []float32) {
	for _, s := range o.spans {
		if s.frozen {
			clear(grads[s.lo:s.hi])
		}
	}
}

// adamWStep is one update's arguments: the arena, its gradients, and the
// step's scalars (wdf is the factor 1 − lr·wd that decayed spans take).
type adamWStep struct {
	params, grads                          []float32
	beta1, beta2, stepSize, rbc2, eps, wdf float32
}

// update applies one AdamW step (PyTorch's formulation: decoupled weight decay
// p ← p − lr·wd·p on the decayed spans, then the bias-corrected Adam step).
// t is the 1-based step number. Frozen spans are left untouched, moments
// included.
func (o *adamW) update(params, grads []float32, lr, beta1, beta2, eps, wd float64, t int) {
	if o.M == nil {
		o.M = make([]float32, len(params))
		o.V = make([]float32, len(params))
	}
	if o.run == nil {
		o.run = o.chunk
	}
	if len(o.spans) == 0 || o.spans[len(o.spans)-1].hi != len(params) {
		panic("engine: adamW: spans do not cover the arena")
	}
	bc1 := 1 - math.Pow(beta1, float64(t))
	bc2 := 1 - math.Pow(beta2, float64(t))
	o.step = adamWStep{params: params, grads: grads,
		beta1: float32(beta1), beta2: float32(beta2), eps: float32(eps),
		stepSize: float32(lr / bc1), rbc2: float32(1 / math.Sqrt(bc2)), wdf: float32(1 - lr*wd)}
	parallelFor(len(params), o.run)
	o.step = adamWStep{}
}

// chunk updates arena elements [lo, hi): the part of each span that falls
// inside, with the span's decay, skipping frozen spans. vec.AdamW's Go twin
// is the scalar loop
//
//	m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g·g
//	p = p·wdf − stepSize·m/(√v·rbc2 + eps)
func (o *adamW) chunk(lo, hi int) {
	s := &o.step
	for _, sp := range o.spans {
		a, b := max(lo, sp.lo), min(hi, sp.hi)
		if a >= b || sp.frozen {
			continue
		}
		wdf := float32(1)
		if sp.decay {
			wdf = s.wdf
		}
		vec.AdamW(s.params[a:b], s.grads[a:b], o.M[a:b], o.V[a:b], s.beta1, s.beta2, s.stepSize, s.rbc2, s.eps, wdf)
	}
}

// lrAt is the schedule: linear warmup to lr over warmup steps, then cosine
// decay to minLR at the end of the run (step is 0-based, as in nanoGPT).
func lrAt(step, steps, warmup int, lr, minLR float64) float64 {
	if step < warmup {
		return lr * float64(step+1) / float64(warmup)
	}
	r := float64(step-warmup) / float64(max(1, steps-warmup))
	r = min(r, 1)
	return minLR + 0.5*(1+math.Cos(math.Pi*r))*(lr-minLR)
}

// clipGradNorm scales grads so their global L2 norm is at most maxNorm
// (PyTorch's clip_grad_norm_: coefficient maxNorm/(norm+1e-6), capped at 1)
// and returns the norm before clipping. maxNorm 0 only measures.
func clipGradNorm(grads []float32, maxNorm float64) float64 {
	// One goroutine sums all squares, in float64: splitting the sum would
	// make its rounding, and so the clipped gradients, depend on the
	// number of threads.
	norm := math.Sqrt(vec.SumSquares(grads))
	if maxNorm > 0 {
		if coef := maxNorm / (norm + 1e-6); coef < 1 {
			scaleTasks.run(len(grads), scaleArgs{grads, float32(coef)})
		}
	}
	return norm
}

var scaleTasks taskPool[scaleArgs, *scaleArgs]

// scaleArgs multiply x by a scalar in place.
type scaleArgs struct {
	x []float32
	a float32
}

func (s *scaleArgs) chunk(lo, hi int) { vec.Scale(s.x[lo:hi], s.a) }
