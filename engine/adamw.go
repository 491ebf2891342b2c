package engine

import (
	"math"
	"slices"

	"lmlab/engine/vec"
)

// adamW holds AdamW's moments in the parameter arena's layout, so the update
// is one flat loop over the arena (llm.c's gpt2_update).
type adamW struct {
	M, V []float32 // first and second moments, (NumParams)

	// spans is splitRanges of the arena for the decay and frozen ranges in
	// spansOf; a trainer passes the same ranges every step, so the update
	// reuses it rather than building it (and allocating) again.
	spans   []span
	spansOf struct {
		n             int
		decay, frozen [][2]int
	}
}

// update applies one AdamW step (PyTorch's formulation: decoupled weight decay
// p ← p − lr·wd·p on the ranges in decay, then the bias-corrected Adam step).
// t is the 1-based step number. Ranges in frozen are left untouched, moments
// included.
func (o *adamW) update(params, grads []float32, decay, frozen [][2]int, lr, beta1, beta2, eps, wd float64, t int) {
	if o.M == nil {
		o.M = make([]float32, len(params))
		o.V = make([]float32, len(params))
	}
	bc1 := 1 - math.Pow(beta1, float64(t))
	bc2 := 1 - math.Pow(beta2, float64(t))
	stepSize := float32(lr / bc1)
	rbc2 := float32(1 / math.Sqrt(bc2))
	b1, b2, e := float32(beta1), float32(beta2), float32(eps)
	// Walk the arena in order, switching the decay factor at range edges and
	// skipping frozen ranges.
	for _, r := range o.splitRanges(len(params), decay, frozen) {
		if r.frozen {
			continue
		}
		wdf := float32(1)
		if r.decay {
			wdf = float32(1 - lr*wd)
		}
		t := newChunkTask(adamWChunk)
		a, b := r.lo, r.hi
		t.s[0], t.s[1], t.s[2], t.s[3] = params[a:b], grads[a:b], o.M[a:b], o.V[a:b]
		t.x = [6]float32{b1, b2, stepSize, rbc2, e, wdf}
		t.parallel(b - a)
	}
}

// adamWChunk updates elements [lo, hi) of a span; the task holds the span's
// params, grads, M and V, and β1, β2, stepSize, rbc2, eps and the decay
// factor wdf. vec.AdamW's Go twin is the scalar loop
//
//	m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g·g
//	p = p·wdf − stepSize·m/(√v·rbc2 + eps)
func adamWChunk(t *chunkTask, lo, hi int) {
	x := &t.x
	vec.AdamW(t.s[0][lo:hi], t.s[1][lo:hi], t.s[2][lo:hi], t.s[3][lo:hi], x[0], x[1], x[2], x[3], x[4], x[5])
}

// splitRanges is the package's splitRanges, cached for the last ranges.
func (o *adamW) splitRanges(n int, decay, frozen [][2]int) []span {
	c := &o.spansOf
	if o.spans == nil || c.n != n || !slices.Equal(c.decay, decay) || !slices.Equal(c.frozen, frozen) {
		o.spans = splitRanges(n, decay, frozen)
		c.n, c.decay, c.frozen = n, slices.Clone(decay), slices.Clone(frozen)
	}
	return o.spans
}

// span is a piece of the arena with uniform update rules.
type span struct {
	lo, hi        int
	decay, frozen bool
}

// splitRanges cuts [0, n) at every edge of decay and frozen ranges.
func splitRanges(n int, decay, frozen [][2]int) []span {
	cuts := map[int]bool{0: true, n: true}
	for _, r := range decay {
		cuts[r[0]], cuts[r[1]] = true, true
	}
	for _, r := range frozen {
		cuts[r[0]], cuts[r[1]] = true, true
	}
	var pts []int
	for c := range cuts {
		pts = append(pts, c)
	}
	slices.Sort(pts)
	in := func(rs [][2]int, x int) bool {
		for _, r := range rs {
			if x >= r[0] && x < r[1] {
				return true
			}
		}
		return false
	}
	var out []span
	for i := 0; i+1 < len(pts); i++ {
		lo, hi := pts[i], pts[i+1]
		out = append(out, span{lo, hi, in(decay, lo), in(frozen, lo)})
	}
	return out
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
			t := newChunkTask(scaleChunk)
			t.s[0], t.x[0] = grads, float32(coef)
			t.parallel(len(grads))
		}
	}
	return norm
}

// scaleChunk multiplies elements [lo, hi) of the task's slice by its scalar.
func scaleChunk(t *chunkTask, lo, hi int) { vec.Scale(t.s[0][lo:hi], t.x[0]) }
