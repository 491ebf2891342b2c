package engine

import "encoding/base64"

// Plan draws the windows of the next k optimizer steps exactly as Step would
// draw them (the same generator, segments and weights), without computing
// anything, and calls fn once per micro-batch with the step it belongs to
// (1-based, counting from the trainer's current step) and its inputs and
// targets, (B,T) each. fn must not keep the slices: they are the trainer's
// batch buffers, overwritten by the next draw. Afterwards the trainer's data
// generator stands where k real steps would leave it (its DataRNG is theirs);
// the model, the optimizer, the step count and the dropout stream are
// untouched. A caller that hands the steps to another framework (engine/torch
// continue.py) and then resumes from what that framework wrote continues
// with lmlab's own data order.
func (t *Trainer) Plan(k int, fn func(step int, inputs, targets []int32)) {
	for s := 1; s <= k; s++ {
		for i := 0; i < t.Cfg.GradAccum; i++ {
			t.nextBatch()
			fn(t.step+s, t.inputs, t.targets)
		}
	}
}

// PlanWindows is Plan returning the windows: for each of the next k steps,
// its Batch×GradAccum windows of Context+1 tokens, micro-batch after
// micro-batch, in the order Step trains on them.
func (t *Trainer) PlanWindows(k int) [][][]int32 {
	B, T := t.Cfg.Batch, t.Cfg.Context
	steps := make([][][]int32, k)
	t.Plan(k, func(step int, inputs, targets []int32) {
		s := step - t.step - 1
		for b := 0; b < B; b++ {
			w := make([]int32, T+1)
			copy(w, inputs[b*T:(b+1)*T])
			w[T] = targets[(b+1)*T-1]
			steps[s] = append(steps[s], w)
		}
	})
	return steps
}

// DataRNG returns the state of the trainer's batch-sampling generator (its
// data position) as a checkpoint's "rng" metadata stores it: base64 of the
// generator's binary form.
func (t *Trainer) DataRNG() string {
	rng, _ := t.pcg.MarshalBinary() // PCG's marshalling cannot fail
	return base64.StdEncoding.EncodeToString(rng)
}
