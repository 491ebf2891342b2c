package engine

import (
	"errors"
	"fmt"
	"math"
)

// A run that has reached its length can go on: an Extension adds steps and
// says what the learning rate does over them. It is written in the recipe's
// own terms (Steps, Warmup, LR, MinLR), so the recipe a checkpoint saves
// after it, read by any lmlab, continues the run as it goes on here:
//
//   - HoldFinal: LR = MinLR = the rate the schedule ended at, Warmup 0. The
//     cosine of lrAt between two equal rates is that rate.
//   - CosineTail: Warmup = the step the tail starts at, LR = its peak. lrAt's
//     cosine runs from Warmup to Steps, so it decays from the peak to MinLR
//     over exactly the added steps.
//
// Either way the recipe describes the schedule from the extension on, as
// after a RecipeChange of the rate: TrainConfig.LRAt of a step before it
// no longer gives the rate that step was taken at.

// ScheduleRule is what the learning rate does over the steps an Extension adds.
type ScheduleRule int

const (
	// HoldFinal keeps the rate the cosine ended at (MinLR, --lr/10 by
	// default) for every added step: the run goes on where it was, so the
	// loss goes on down from where it stood.
	HoldFinal ScheduleRule = iota
	// CosineTail restarts warm: from Extension.Peak back down to MinLR by a
	// cosine over the added steps. The loss may rise for a while first.
	CosineTail
)

func (r ScheduleRule) String() string {
	switch r {
	case HoldFinal:
		return "hold the final rate"
	case CosineTail:
		return "fresh cosine tail"
	}
	return fmt.Sprintf("ScheduleRule(%d)", int(r))
}

// Extension adds Steps optimizer steps to a run under Rule.
type Extension struct {
	Steps int          // steps to add, ≥ 1
	Rule  ScheduleRule // HoldFinal or CosineTail
	// Peak is where a CosineTail starts, in (MinLR, 10]; 0 takes the
	// recipe's peak LR, or 10×MinLR when the rate is held already (a
	// HoldFinal extension made LR = MinLR; --lr/10 is the default MinLR).
	Peak float64
}

// ErrNotAtEnd is the error of an Extension asked of a run that has not
// reached its length (a HoldFinal of a run whose rate is held already is
// allowed: adding steps to a constant rate holds it).
var ErrNotAtEnd = errors.New("the run has not reached its length")

// ErrHoldZero is the error of a HoldFinal when the schedule ended at rate 0
// (--min-lr 0): holding it would train nothing.
var ErrHoldZero = errors.New("the schedule ended at learning rate 0")

// held reports whether the schedule's rate from step on is constant.
func (tc TrainConfig) held(step int) bool {
	return tc.LR == tc.MinLR && step >= tc.Warmup
}

// Extended returns tc going on for e.Steps more steps under e.Rule, after
// step (the steps completed, ≥ tc.Steps unless the rate is held already)
// or after tc.Steps when that is later.
// Errors: ErrNotAtEnd, ErrHoldZero, or a *ConfigError for the peak.
func (tc TrainConfig) Extended(step int, e Extension) (TrainConfig, error) {
	if e.Steps < 1 {
		return tc, badInt("extension steps", e.Steps, "must be ≥ 1")
	}
	end := max(step, tc.Steps) // the added steps come after it
	if e.Steps > math.MaxInt32-end {
		return tc, badInt("extension steps", e.Steps, "would run past step %d", math.MaxInt32)
	}
	if step < tc.Steps && !(e.Rule == HoldFinal && tc.held(step)) {
		return tc, fmt.Errorf("at step %d of %d: %w; a run goes on from its end", step, tc.Steps, ErrNotAtEnd)
	}
	switch e.Rule {
	case HoldFinal:
		lr := tc.LRAt(end) // the rate the schedule ends at: MinLR once warmup is over
		if !(lr > 0) {
			return tc, fmt.Errorf("hold the final rate: %w (--min-lr 0); go on with a fresh cosine tail instead", ErrHoldZero)
		}
		tc.LR, tc.MinLR, tc.Warmup = lr, lr, 0
	case CosineTail:
		peak := e.Peak
		if peak == 0 {
			peak = tc.LR
			if tc.LR == tc.MinLR {
				peak = 10 * tc.MinLR
			}
		}
		if !(peak > tc.MinLR && peak <= 10) {
			return tc, badFloat("tail peak lr", peak, "must be in (the final rate %g, 10]", tc.MinLR)
		}
		tc.LR, tc.Warmup = peak, step
	default:
		panic(fmt.Sprintf("engine: extend: unknown schedule rule %d", int(e.Rule)))
	}
	tc.Steps = end + e.Steps
	return tc, nil
}

// Schedule says in a few words what the rate does from step on, for a
// status line: "constant lr 3.00e-04 (the final rate)" or "cosine lr
// 3.00e-03 → 3.00e-04".
func (tc TrainConfig) Schedule(step int) string {
	if tc.held(step) {
		return fmt.Sprintf("constant lr %.2e (the final rate)", tc.LR)
	}
	return fmt.Sprintf("cosine lr %.2e → %.2e", tc.LRAt(step), tc.MinLR)
}

// Extend makes the run go on for e.Steps more steps (see Extended): Done
// is false again and the checkpoint it saves from now on has the longer
// recipe. Nothing changes on an error.
func (t *Trainer) Extend(e Extension) error {
	tc, err := t.Cfg.Extended(t.step, e)
	if err != nil {
		return err
	}
	t.Cfg = tc
	return nil
}

// ExtendResumed keeps the schedule of a resumed run whose recipe asks for
// more steps than the checkpoint's recipe had (saved, from --steps): the run
// finishes its saved schedule and then goes on at the final rate for the
// rest (a HoldFinal Extension), as the workbench's E does, instead of
// stretching its cosine over the new length. When the trainer stands at or
// past the saved end it is extended now and more is 0; otherwise its Steps
// go back to saved and more is the extension to make when it gets there.
// With Steps ≤ saved it changes nothing and returns 0.
func (t *Trainer) ExtendResumed(saved int) (more int, err error) {
	want := t.Cfg.Steps
	if want <= saved {
		return 0, nil
	}
	tc := t.Cfg
	tc.Steps = saved
	switch {
	case t.step < saved:
		t.Cfg = tc
		return want - saved, nil
	case t.step >= want:
		return 0, nil // it has as many steps as asked: done either way
	}
	tc, err = tc.Extended(t.step, Extension{Steps: want - t.step, Rule: HoldFinal})
	if err != nil {
		return 0, err
	}
	t.Cfg = tc
	return 0, nil
}
