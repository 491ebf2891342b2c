package engine

import (
	"fmt"
	"slices"
)

// AnatomyOptions is the optimizer step an anatomy takes.
type AnatomyOptions struct {
	LR     float64     // the step's learning rate; 0 measures without moving the weights
	Recipe TrainConfig // betas, eps, weight decay, gradient clipping and freezing (its LR and shape fields are not used)
	Step   int         // optimizer steps already taken, for Adam's bias correction
	M, V   []float32   // AdamW moments in arena layout, copied; nil: a fresh optimizer
}

// AnatomyOptions returns the step the checkpoint's run would take next: its
// recipe, step count and AdamW moments, at the recipe's peak learning rate.
// A weights-only checkpoint gets the tiny preset's optimizer settings, a
// fresh optimizer and LR 0 (the caller must choose a rate to see a change).
func (ck *Checkpoint) AnatomyOptions() AnatomyOptions {
	if ck.Train == nil {
		return AnatomyOptions{Recipe: presets["tiny"].Train}
	}
	return AnatomyOptions{LR: ck.Train.LR, Recipe: *ck.Train, Step: ck.Step, M: ck.OptM, V: ck.OptV}
}

// AnatomyPoint is what the model predicts for a probe at one moment.
type AnatomyPoint struct {
	PTarget  float64   `json:"p_target"`  // probability of the target after the probe
	Loss     float64   `json:"loss"`      // −log p_target, the loss at the last position
	MeanLoss float64   `json:"mean_loss"` // mean over Losses: what the step minimises
	Losses   []float64 `json:"losses"`    // at each position: predicting the next probe token, the last one the target
}

// AnatomyGroup is one tensor group's part in the step.
type AnatomyGroup struct {
	Name        string  `json:"name"`        // TensorGroup.Name: wte, wpe, h0.attn, …, ln_f
	Kind        string  `json:"kind"`        // embedding, attention, mlp, layernorm
	GradNorm    float64 `json:"grad_norm"`   // L2 norm of the group's gradient, before clipping
	WeightNorm  float64 `json:"weight_norm"` // L2 norm of the weights before the update
	UpdateRatio float64 `json:"update_ratio"`
	// UpdateRatio is ‖Δw‖/‖w‖ over the group (0 for an all-zero group):
	// around 1e-3 in a healthy SGD run by Karpathy's rule of thumb; see
	// UpdateRatioHighBand for what Adam's runs here show.
}

// AnatomyReport is one training step taken apart for a probe.
type AnatomyReport struct {
	Before   AnatomyPoint   `json:"before"`
	After    AnatomyPoint   `json:"after"` // on the updated weights
	LR       float64        `json:"lr"`
	GradNorm float64        `json:"grad_norm"` // global, before clipping
	Clipped  bool           `json:"clipped"`   // the gradient was scaled down to Recipe.GradClip
	Tokens   int            `json:"tokens"`    // positions trained on: the probe, cropped to the context
	Layers   []AnatomyGroup `json:"layers"`    // in TensorGroups order
}

// Anatomy takes one optimizer step on a copy of m (m is not changed) for a
// batch of one sequence, the probe ids with target appended (cropped to the
// model's context from the left), and reports the target's probability and
// the losses before and after, each group's gradient norm and its
// update-to-weight ratio. Dropout is off, so the same call gives the same
// report. A non-finite gradient is not applied and returns a *DivergedError
// naming the first tensor where it appeared. It panics on an empty probe, an
// id outside the vocabulary or moments of the wrong length.
func Anatomy(m *Model, ids []int32, target int32, opt AnatomyOptions) (AnatomyReport, error) {
	cfg := m.Config
	if len(ids) == 0 {
		panic("engine: Anatomy: empty probe")
	}
	if opt.M != nil && (len(opt.M) != len(m.arena) || len(opt.V) != len(m.arena)) {
		panic(fmt.Sprintf("engine: Anatomy: moments of %d and %d for %d parameters", len(opt.M), len(opt.V), len(m.arena)))
	}
	seq := append(slices.Clone(ids), target)
	if n := cfg.Context + 1; len(seq) > n {
		seq = seq[len(seq)-n:]
	}
	T := len(seq) - 1
	inputs, targets := seq[:T], seq[1:]
	c := m.Clone()
	rec := opt.Recipe
	rep := AnatomyReport{LR: opt.LR, Tokens: T, Before: c.probe(inputs, targets)}

	c.ZeroGrad()
	c.Backward(1)
	o := newAdamW(cfg, rec.FreezeEmbeddings, rec.FreezeLayers)
	o.clearFrozen(c.garena)
	groups := cfg.TensorGroups()
	rep.Layers = make([]AnatomyGroup, len(groups))
	for i, g := range groups {
		rep.Layers[i] = AnatomyGroup{Name: g.Name, Kind: g.Kind, GradNorm: g.Norm(c.garena), WeightNorm: g.Norm(c.arena)}
	}
	rep.GradNorm = clipGradNorm(c.garena, rec.GradClip)
	if !finite(rep.GradNorm) {
		name, _ := firstNonFinite(cfg, c.garena)
		return rep, &DivergedError{Step: opt.Step + 1, Loss: rep.Before.MeanLoss, GradNorm: rep.GradNorm, LR: opt.LR, Tensor: name}
	}
	rep.Clipped = rec.GradClip > 0 && rep.GradNorm > rec.GradClip

	prev := slices.Clone(c.arena)
	if opt.M != nil {
		o.M, o.V = slices.Clone(opt.M), slices.Clone(opt.V)
	}
	o.update(c.arena, c.garena, opt.LR, rec.Beta1, rec.Beta2, rec.Eps, rec.WeightDecay, opt.Step+1)
	for i, g := range groups {
		if w := rep.Layers[i].WeightNorm; w > 0 {
			rep.Layers[i].UpdateRatio = g.DiffNorm(c.arena, prev) / w
		}
	}
	rep.After = c.probe(inputs, targets)
	return rep, nil
}

// probe runs one sequence with its targets (dropout off) and reads the
// target's probability at the last position and the loss at every position.
// The probabilities stay for a Backward.
func (m *Model) probe(inputs, targets []int32) AnatomyPoint {
	T, V := len(inputs), m.Config.VocabSize
	m.SetTraining(false)
	mean := m.Forward(inputs, targets, 1, T)
	pt := AnatomyPoint{MeanLoss: float64(mean), Losses: make([]float64, T)}
	for t, l := range m.acts.losses[:T] {
		pt.Losses[t] = float64(l)
	}
	pt.Loss = pt.Losses[T-1]
	pt.PTarget = float64(m.acts.probs[(T-1)*V+int(targets[T-1])])
	return pt
}
