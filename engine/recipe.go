package engine

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// RecipeChange is what of a run's recipe can change while it runs: the
// learning rate (its whole schedule scaled), weight decay, gradient clipping
// and dropout, and, once the run has reached its length, its length (an
// Extension: more steps and what the rate does over them). Zero or nil
// fields leave theirs as they are.
type RecipeChange struct {
	LRScale     float64    // multiplies the peak and the final learning rate (2: ×2, 0.5: ÷2); 0: unchanged
	WeightDecay *float64   // the new decoupled weight decay
	GradClip    *float64   // the new global-norm clip; 0 disables
	Dropout     *float64   // the new dropout probability (the model's Config.Dropout)
	Extend      *Extension // more steps, after the other changes (see TrainConfig.Extended)
}

// ErrRecipeChange is the error of a RecipeChange that asks for nothing.
var ErrRecipeChange = errors.New("the recipe change changes nothing")

// LRAt is the learning rate the schedule of tc gives step (0-based: the
// rate of the step that follows step completed ones), as Trainer.LR.
func (tc TrainConfig) LRAt(step int) float64 {
	return lrAt(step, tc.Steps, tc.Warmup, tc.LR, tc.MinLR)
}

// ChangeRecipe applies c between steps. The new values are checked as the
// flags are (a *ConfigError naming the flag); an Extension of a run that
// has not reached its length is refused (ErrNotAtEnd, see Extended);
// nothing changes on an error.
// The recipe a checkpoint saves is the changed one, so a run resumed from it
// continues as this one does. Weights, optimizer moments, step and the data
// position are kept.
func (t *Trainer) ChangeRecipe(c RecipeChange) error {
	if c.LRScale == 0 && c.WeightDecay == nil && c.GradClip == nil && c.Dropout == nil && c.Extend == nil {
		return ErrRecipeChange
	}
	tc, mc := t.Cfg, t.Model.Config
	if c.LRScale != 0 {
		if !(c.LRScale > 0) || math.IsInf(c.LRScale, 0) {
			return fmt.Errorf("learning-rate scale %g: must be finite and > 0", c.LRScale)
		}
		tc.LR *= c.LRScale
		tc.MinLR *= c.LRScale
	}
	if c.WeightDecay != nil {
		tc.WeightDecay = *c.WeightDecay
	}
	if c.GradClip != nil {
		tc.GradClip = *c.GradClip
	}
	if c.Dropout != nil {
		mc.Dropout = *c.Dropout
	}
	if err := mc.Validate(); err != nil {
		return err
	}
	if c.Extend != nil {
		var err error
		if tc, err = tc.Extended(t.step, *c.Extend); err != nil {
			return err
		}
	}
	if err := tc.Validate(mc); err != nil {
		return err
	}
	if mc.Dropout > 0 && t.Model.Config.Dropout == 0 {
		// The activations were sized without dropout masks: size them again.
		t.Model.acts = activations{}
	}
	t.Cfg, t.Model.Config = tc, mc
	return nil
}

// anatomyOptions is the step the trainer takes next, for Anatomy: its
// rate, recipe, step count and a copy of its optimizer moments.
func (t *Trainer) anatomyOptions() AnatomyOptions {
	opt := AnatomyOptions{LR: t.LR(), Recipe: t.Cfg, Step: t.step}
	if t.opt.M != nil {
		opt.M, opt.V = slices.Clone(t.opt.M), slices.Clone(t.opt.V)
	}
	return opt
}

// AnatomyResult answers an Anatomize request.
type AnatomyResult struct {
	Probe  []int32 // as asked
	Target int32
	Report AnatomyReport
	Top    []Prediction // the model's likeliest next tokens after the probe, before the step
}
