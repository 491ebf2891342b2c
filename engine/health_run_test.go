//go:build !race

// These tests train the cats lesson for hundreds of steps; under the race
// detector the engine's loops run ~20× slower, so they run in the plain
// test pass of .ci/run only (as cmd/lmlab's lesson tests do).

package engine_test

import (
	"slices"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// watchRun trains the tiny preset on sample:cats for steps steps at lr (0:
// the preset's) under a HealthMonitor, as the train loop is meant to: the
// update ratio every step, validation and attention at each evaluation. It
// stops at the first refused step and returns every event.
func watchRun(t *testing.T, steps int, lr float64) []engine.HealthEvent {
	t.Helper()
	s, err := lab.Open(lab.Options{Data: []string{"sample:cats"}, Preset: "tiny", Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
		tc.Steps = steps
		if lr > 0 {
			tc.LR, tc.MinLR = lr, lr/10
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Trainer
	groups := tr.Model.Config.TensorGroups()
	prev := slices.Clone(tr.Model.Arena())
	probe := s.Encode(s.Prompt())
	var h engine.HealthMonitor
	var evs []engine.HealthEvent
	for !tr.Done() {
		copy(prev, tr.Model.Arena())
		st, err := tr.Step()
		if err != nil {
			evs = append(evs, h.ObserveDiverged(err)...)
			break
		}
		evs = append(evs, h.ObserveStep(st, engine.StepExtra{UpdateRatio: engine.UpdateRatio(groups, prev, tr.Model.Arena())})...)
		if st.Step%tr.Cfg.EvalEvery == 0 || tr.Done() {
			val, _ := tr.Evaluate(tr.Cfg.EvalWindows)
			evs = append(evs, h.ObserveEval(st.Step, val)...)
			evs = append(evs, h.ObserveAttention(st.Step, tr.Model.Inspect(probe, 1).Attention)...)
		}
	}
	return evs
}

// TestHealthQuietOnALesson: the cats lesson with the tiny preset learns
// normally for 200 steps, and the monitor says nothing.
func TestHealthQuietOnALesson(t *testing.T) {
	if evs := watchRun(t, 200, 0); len(evs) != 0 {
		t.Errorf("a healthy lesson run raised %+v", evs)
	}
}

// TestHealthSeesDivergence: the same lesson at lr 10 diverges, and the
// divergence checks say so within its first steps.
func TestHealthSeesDivergence(t *testing.T) {
	evs := watchRun(t, 30, 10)
	first := map[engine.HealthKind]int{}
	for _, e := range evs {
		if _, ok := first[e.Kind]; !ok {
			first[e.Kind] = e.Step
		}
	}
	for _, k := range []engine.HealthKind{engine.UpdateRatioHigh, engine.LossSpike} {
		if s, ok := first[k]; !ok || s > 10 {
			t.Errorf("at lr 10, %s first fired at step %d (fired: %v); want within 10 steps", k, s, ok)
		}
	}
}
