package engine

import (
	"math"
	"slices"
)

// adamW holds AdamW's moments in the parameter arena's layout, so the update
// is one flat loop over the arena (llm.c's gpt2_update).
type adamW struct {
	M, V []float32 // first and second moments, (NumParams)
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
	run := func(lo, hi int, wdf float32) {
		parallelFor(hi-lo, func(a, b int) {
			a, b = a+lo, b+lo
			p, g, m, v := params[a:b], grads[a:b], o.M[a:b], o.V[a:b]
			for i := range p {
				gi := g[i]
				mi := b1*m[i] + (1-b1)*gi
				vi := b2*v[i] + (1-b2)*gi*gi
				m[i], v[i] = mi, vi
				pi := p[i] * wdf
				p[i] = pi - stepSize*mi/(sqrtf(vi)*rbc2+e)
			}
		})
	}
	// Walk the arena in order, switching the decay factor at range edges and
	// skipping frozen ranges.
	edges := splitRanges(len(params), decay, frozen)
	for _, r := range edges {
		if r.frozen {
			continue
		}
		wdf := float32(1)
		if r.decay {
			wdf = float32(1 - lr*wd)
		}
		run(r.lo, r.hi, wdf)
	}
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

func sqrtf(x float32) float32 { return float32(math.Sqrt(float64(x))) }

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
	var ss float64
	for _, g := range grads {
		ss += float64(g) * float64(g)
	}
	norm := math.Sqrt(ss)
	if maxNorm > 0 {
		if coef := maxNorm / (norm + 1e-6); coef < 1 {
			c := float32(coef)
			parallelFor(len(grads), func(lo, hi int) {
				for i := range grads[lo:hi] {
					grads[lo+i] *= c
				}
			})
		}
	}
	return norm
}
