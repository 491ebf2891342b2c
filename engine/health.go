package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// HealthKind names a training-health check.
type HealthKind string

// The checks a HealthMonitor runs. Each fires once when its condition begins
// and again only after the condition has been clear for RearmSteps steps.
const (
	NonFinite        HealthKind = "non_finite"        // the loss or a gradient became NaN or Inf
	LossSpike        HealthKind = "loss_spike"        // the loss jumped far above its recent median
	ExplodingGrad    HealthKind = "exploding_grad"    // the gradient norm jumped far above its recent median
	VanishingGrad    HealthKind = "vanishing_grad"    // the gradient norm fell to a sliver of the run's start
	UpdateRatioHigh  HealthKind = "update_ratio_high" // updates are large against the weights
	UpdateRatioLow   HealthKind = "update_ratio_low"  // updates are tiny against the weights
	Overfitting      HealthKind = "overfitting"       // validation loss rises while training loss falls
	UniformAttention HealthKind = "uniform_attention" // a head still spreads its attention evenly
)

// The thresholds. They are rules of thumb, chosen with the margins measured
// on the built-in lessons (the tiny preset on sample:cats, 200 steps, stays
// quiet; the same run at lr 10 trips the divergence checks within 5 steps).
const (
	// HistorySteps is the window of the running medians of loss and
	// gradient norm; MinHistory the observations needed before judging.
	HistorySteps = 50
	MinHistory   = 5

	// SpikeFactor: a loss above SpikeFactor × the running median, and at
	// least SpikeMinNats above it, is a spike. Batch noise in the lessons
	// stays within ±20 % of the median; a diverging run doubles its loss
	// within a few steps. The floor keeps a loss near zero (a memorised
	// sample) from "spiking" from 0.01 to 0.03.
	SpikeFactor  = 2.0
	SpikeMinNats = 0.5

	// ExplodeFactor: a gradient norm above ExplodeFactor × the running
	// median is exploding. Healthy runs here see single-step jumps of up to
	// 5× (0.3 → 3 on cats, absorbed by clipping at 1).
	ExplodeFactor = 10.0

	// VanishFactor: a gradient norm below VanishFactor × the median of the
	// run's first VanishBaseline steps, for Patience steps in a row, is
	// vanishing: three decades is far beyond the 20× fall of a run that
	// learns its sample to the end of its schedule.
	VanishFactor   = 1e-3
	VanishBaseline = 20

	// UpdateRatioHigh/LowBand: the median over tensor groups of
	// ‖Δw‖/‖w‖. Karpathy's rule of thumb (makemore part 3) puts a healthy
	// ratio near 1e-3; Adam's steps are about lr per element, so with
	// lr 1e-3…3e-3 and weights of std 0.02 the lessons run at 1e-2 early
	// and 1e-3 at the end of the cosine. Two decades either side of the rule
	// is "far": above 1e-1 the weights are rewritten every few steps (lower
	// the learning rate), below 1e-5 they barely move (raise it).
	UpdateRatioHighBand = 1e-1
	UpdateRatioLowBand  = 1e-5

	// Patience is how many steps in a row a ratio or a vanishing norm must
	// hold before it is reported, so one odd step is not a trend.
	Patience = 3

	// OverfitEvals: validation loss rising at OverfitEvals evaluations in a
	// row (by OverfitRise in all) while the training loss fell is
	// overfitting.
	OverfitEvals = 2
	OverfitRise  = 0.01

	// UniformEntropy, UniformMinStep: a head whose rows' entropy is, on
	// average, above UniformEntropy of the uniform distribution's (log of
	// the keys it may see) attends evenly: the state of every head at
	// initialisation. Only when every head still does so at step
	// UniformMinStep has the model not learned where to look: a small
	// model keeps some heads diffuse on purpose. Measured on cats (tiny,
	// the prompt "The cat sat on the" as the probe, leading-space words):
	// at step 100 the first head is at 0.92 and by 200 at 0.45, while
	// layer 2's heads stay between 0.95 and 0.99 up to step 500.
	UniformEntropy = 0.99
	UniformMinStep = 100

	// RearmSteps: a check that fired fires again only after its condition
	// has been clear this many steps.
	RearmSteps = 100
)

// HealthEvent is one finding: the step where it began, its kind and a line
// for people that says what happened and what to try.
type HealthEvent struct {
	Step    int        `json:"step"`
	Kind    HealthKind `json:"kind"`
	Message string     `json:"message"`
}

// StepExtra is what a step's StepStats do not carry.
type StepExtra struct {
	// UpdateRatio is the median ‖Δw‖/‖w‖ over the tensor groups that moved
	// (UpdateRatio computes it); 0: not measured, the ratio checks skip.
	UpdateRatio float64
}

// UpdateRatio returns the median over groups of ‖after−before‖/‖before‖,
// leaving out groups that did not move (frozen) or hold only zeros; 0 when
// none is left. before and after are arenas around one optimizer step.
func UpdateRatio(groups []TensorGroup, before, after []float32) float64 {
	var rs []float64
	for _, g := range groups {
		d, w := g.DiffNorm(after, before), g.Norm(before)
		if d > 0 && w > 0 {
			rs = append(rs, d/w)
		}
	}
	return median(rs)
}

// HealthMonitor watches a run through its steps, evaluations and attention
// maps and reports what looks wrong. The zero value is ready to use; it is
// not safe for concurrent use.
type HealthMonitor struct {
	losses, norms []float64 // the last HistorySteps steps
	start         []float64 // gradient norms of the first VanishBaseline steps
	vanishRun     int       // steps in a row below the vanishing line
	highRun       int       // steps in a row with the ratio above the band
	lowRun        int       // … below the band
	evals         []evalPoint
	trainSum      float64 // training losses since the last evaluation
	trainN        int
	active        map[HealthKind]int // kinds whose condition holds, with the last step it held
}

type evalPoint struct {
	step       int
	val, train float64
}

// fire reports kind at step when cond holds and it is not already active;
// an active kind whose condition has been clear RearmSteps steps re-arms.
func (h *HealthMonitor) fire(out []HealthEvent, kind HealthKind, step int, cond bool, msg func() string) []HealthEvent {
	if h.active == nil {
		h.active = map[HealthKind]int{}
	}
	last, on := h.active[kind]
	switch {
	case cond && !on:
		h.active[kind] = step
		return append(out, HealthEvent{Step: step, Kind: kind, Message: msg()})
	case cond:
		h.active[kind] = step
	case on && step-last >= RearmSteps:
		delete(h.active, kind)
	}
	return out
}

// ObserveStep takes one completed step's statistics and returns the checks
// that began at it.
func (h *HealthMonitor) ObserveStep(st StepStats, x StepExtra) []HealthEvent {
	var out []HealthEvent
	s := st.Step
	bad := !finite(st.Loss) || !finite(st.GradNorm)
	out = h.fire(out, NonFinite, s, bad, func() string {
		return fmt.Sprintf("step %d: loss %v, gradient norm %v — the run diverged; lower the learning rate (now %.3g) and restart from the last good checkpoint", s, st.Loss, st.GradNorm, st.LR)
	})
	if bad {
		return out
	}

	if len(h.losses) >= MinHistory {
		med := median(h.losses)
		out = h.fire(out, LossSpike, s, st.Loss > SpikeFactor*med && st.Loss-med > SpikeMinNats, func() string {
			return fmt.Sprintf("step %d: loss spiked to %.3f, %.1f× its recent median %.3f — lower the learning rate (now %.3g) or raise warmup", s, st.Loss, st.Loss/med, med, st.LR)
		})
		gmed := median(h.norms)
		out = h.fire(out, ExplodingGrad, s, gmed > 0 && st.GradNorm > ExplodeFactor*gmed, func() string {
			return fmt.Sprintf("step %d: gradient norm %.3g is %.0f× its recent median %.3g (exploding) — lower the learning rate (now %.3g) or clip harder (--grad-clip)", s, st.GradNorm, st.GradNorm/gmed, gmed, st.LR)
		})
	}
	h.losses = pushWindow(h.losses, st.Loss, HistorySteps)
	h.norms = pushWindow(h.norms, st.GradNorm, HistorySteps)
	h.trainSum += st.Loss
	h.trainN++

	if len(h.start) < VanishBaseline {
		h.start = append(h.start, st.GradNorm)
	} else {
		base := median(h.start)
		h.vanishRun = streak(h.vanishRun, st.GradNorm < VanishFactor*base)
		out = h.fire(out, VanishingGrad, s, h.vanishRun >= Patience, func() string {
			return fmt.Sprintf("step %d: gradient norm %.3g, under %g of the run's start (%.3g) for %d steps (vanishing) — the model has stopped learning; raise the learning rate or check for dead layers", s, st.GradNorm, VanishFactor, base, h.vanishRun)
		})
	}

	if r := x.UpdateRatio; r > 0 {
		h.highRun = streak(h.highRun, r > UpdateRatioHighBand)
		h.lowRun = streak(h.lowRun, r < UpdateRatioLowBand)
		out = h.fire(out, UpdateRatioHigh, s, h.highRun >= Patience, func() string {
			return fmt.Sprintf("step %d: updates are %.2g of the weights (median over layers, %d steps in a row; healthy is ~1e-3, above %g is far) — lower the learning rate (now %.3g)", s, r, h.highRun, UpdateRatioHighBand, st.LR)
		})
		out = h.fire(out, UpdateRatioLow, s, h.lowRun >= Patience, func() string {
			return fmt.Sprintf("step %d: updates are %.2g of the weights (median over layers, %d steps in a row; healthy is ~1e-3, below %g is far) — raise the learning rate (now %.3g)", s, r, h.lowRun, UpdateRatioLowBand, st.LR)
		})
	}
	return out
}

// ObserveDiverged takes a step that Trainer.Step refused (a *DivergedError
// anywhere in err's chain) and reports it with the first tensor where it
// appeared. Other errors report nothing.
func (h *HealthMonitor) ObserveDiverged(err error) []HealthEvent {
	var de *DivergedError
	if !errors.As(err, &de) {
		return nil
	}
	where := "the loss"
	if de.Tensor != "" {
		where = "the gradient of " + de.Tensor
	}
	return h.fire(nil, NonFinite, de.Step, true, func() string {
		return fmt.Sprintf("step %d: %s became non-finite (loss %v, gradient norm %v); the step was not applied — lower the learning rate (now %.3g) or check the data", de.Step, where, de.Loss, de.GradNorm, de.LR)
	})
}

// ObserveEval takes a validation loss measured after step and returns the
// checks that began at it. The training loss it is compared with is the mean
// of the steps observed since the previous evaluation.
func (h *HealthMonitor) ObserveEval(step int, val float64) []HealthEvent {
	if !finite(val) {
		return nil // a diverged run is NonFinite's to report
	}
	p := evalPoint{step: step, val: val, train: math.NaN()}
	if h.trainN > 0 {
		p.train = h.trainSum / float64(h.trainN)
	}
	h.trainSum, h.trainN = 0, 0
	h.evals = append(h.evals, p)
	rising := false
	if n := len(h.evals); n > OverfitEvals {
		w := h.evals[n-OverfitEvals-1:]
		rising = w[len(w)-1].val > w[0].val*(1+OverfitRise) && w[len(w)-1].train < w[0].train
		for i := 1; i < len(w); i++ {
			rising = rising && w[i].val > w[i-1].val
		}
	}
	best := slices.MinFunc(h.evals, func(a, b evalPoint) int { return cmpFloat(a.val, b.val) })
	return h.fire(nil, Overfitting, step, rising, func() string {
		return fmt.Sprintf("step %d: validation loss %.4f has risen %d evaluations in a row while training loss fell (overfitting); the best was %.4f at step %d — stop here, add data or raise --dropout", step, val, OverfitEvals, best.val, best.step)
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ObserveAttention takes the attention maps of a probe after step,
// [layer][head][query][key] as Inspection.Attention holds them, and reports
// when every head still attends evenly from UniformMinStep on (once, naming
// them; layers and heads counted from 1, as the workbench and inspect do).
func (h *HealthMonitor) ObserveAttention(step int, att [][][][]float32) []HealthEvent {
	var uniform []string
	measured := 0
	for l, heads := range att {
		for hd, rows := range heads {
			e, ok := meanEntropy(rows)
			if !ok {
				continue
			}
			measured++
			if e > UniformEntropy {
				uniform = append(uniform, fmt.Sprintf("layer %d head %d (%.3f)", l+1, hd+1, e))
			}
		}
	}
	cond := step >= UniformMinStep && measured > 0 && len(uniform) == measured
	return h.fire(nil, UniformAttention, step, cond, func() string {
		return fmt.Sprintf("step %d: all %d attention heads still attend evenly (entropy above %g of uniform): %s — the model has not learned where to look; train longer or raise the learning rate", step, len(uniform), UniformEntropy, joinMax(uniform, 4))
	})
}

// meanEntropy is the mean over a head's rows that see more than one key of
// the row's entropy divided by log(keys seen): 1 for uniform attention, 0
// for attention on one key. ok is false when no row sees two keys.
func meanEntropy(rows [][]float32) (float64, bool) {
	var sum float64
	n := 0
	for q, row := range rows {
		if q == 0 || q >= len(row) {
			continue // the first query sees one key: no choice to make
		}
		var e float64
		for _, p := range row[:q+1] {
			if p > 0 {
				e -= float64(p) * math.Log(float64(p))
			}
		}
		sum += e / math.Log(float64(q+1))
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

func joinMax(xs []string, n int) string {
	s := ""
	for i, x := range xs {
		if i == n {
			return s + fmt.Sprintf(", and %d more", len(xs)-n)
		}
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

// pushWindow appends x, keeping the last n values.
func pushWindow(w []float64, x float64, n int) []float64 {
	if len(w) == n {
		copy(w, w[1:])
		w = w[:n-1]
	}
	return append(w, x)
}

// streak counts steps in a row where cond held.
func streak(run int, cond bool) int {
	if cond {
		return run + 1
	}
	return 0
}

// median of xs (0 for none), without changing xs.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
