package engine

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// shortRun is trainerForTest's run cut to 20 steps, so that extensions of
// it are quick.
func shortRun(t *testing.T) (*Trainer, Data) {
	t.Helper()
	tr, data := trainerForTest(t)
	tr.Cfg.Steps = 20
	return tr, data
}

func TestExtendedSchedule(t *testing.T) {
	_, base := smallRun() // lr 3e-3, min 3e-4, warmup 5
	base.Steps = 20
	held := base
	held.LR, held.Warmup, held.Steps = 3e-4, 0, 30 // after a HoldFinal
	tests := []struct {
		name      string
		tc        TrainConfig
		step      int
		ext       Extension
		steps     int     // Steps after
		first     float64 // LRAt(step)
		last      float64 // LRAt(steps−1), to 0.5 %: min + (1+cos(π·9/10))/2·(peak−min) for a cosine
		monotone  bool    // the rate falls over the added steps
		scheduled string
	}{
		{"hold", base, 20, Extension{Steps: 10}, 30, 3e-4, 3e-4, false, "constant lr 3.00e-04 (the final rate)"},
		{"hold past the end", base, 23, Extension{Steps: 1}, 24, 3e-4, 3e-4, false, "constant lr 3.00e-04 (the final rate)"},
		{"hold a held rate before its end", held, 25, Extension{Steps: 4}, 34, 3e-4, 3e-4, false, "constant lr 3.00e-04 (the final rate)"},
		{"tail from the recipe's peak", base, 20, Extension{Steps: 10, Rule: CosineTail}, 30, 3e-3, 3.661e-4, true, "cosine lr 3.00e-03 → 3.00e-04"},
		{"tail from a chosen peak", base, 20, Extension{Steps: 10, Rule: CosineTail, Peak: 1e-3}, 30, 1e-3, 3.171e-4, true, "cosine lr 1.00e-03 → 3.00e-04"},
		{"tail after a hold: 10×final", held, 30, Extension{Steps: 10, Rule: CosineTail}, 40, 3e-3, 3.661e-4, true, "cosine lr 3.00e-03 → 3.00e-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tc.Extended(tt.step, tt.ext)
			if err != nil {
				t.Fatal(err)
			}
			if got.Steps != tt.steps {
				t.Errorf("Steps %d, want %d", got.Steps, tt.steps)
			}
			if lr := got.LRAt(tt.step); !near(lr, tt.first, 1e-12) {
				t.Errorf("LRAt(%d) = %g, want %g", tt.step, lr, tt.first)
			}
			if lr := got.LRAt(got.Steps - 1); !near(lr, tt.last, 0.005) {
				t.Errorf("LRAt(%d) = %g, want ≈%g", got.Steps-1, lr, tt.last)
			}
			if lr := got.LRAt(got.Steps); !near(lr, got.MinLR, 1e-12) || got.MinLR != 3e-4 {
				t.Errorf("the extended schedule ends at %g (MinLR %g), want 3e-4", lr, got.MinLR)
			}
			for s := tt.step + 1; s < got.Steps; s++ {
				prev, lr := got.LRAt(s-1), got.LRAt(s)
				if tt.monotone && !(lr < prev) || !tt.monotone && lr != prev {
					t.Errorf("LRAt(%d) = %g after %g: want it %s", s, lr, prev, map[bool]string{true: "falling", false: "constant"}[tt.monotone])
				}
			}
			if s := got.Schedule(tt.step); s != tt.scheduled {
				t.Errorf("Schedule = %q, want %q", s, tt.scheduled)
			}
			if err := got.Validate(Config{VocabSize: 23, Context: 16, Layers: 2, Heads: 2, Embd: 32}); err != nil {
				t.Errorf("the extended recipe does not validate: %v", err)
			}
		})
	}
}

func near(a, b, rel float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= rel*max(b, -b)
}

func TestExtendedRefuses(t *testing.T) {
	_, base := smallRun()
	base.Steps = 20
	zero := base
	zero.MinLR = 0
	tests := []struct {
		name string
		tc   TrainConfig
		step int
		ext  Extension
		is   error // or nil: a *ConfigError
	}{
		{"before the end", base, 12, Extension{Steps: 10}, ErrNotAtEnd},
		{"a tail before the end", base, 19, Extension{Steps: 10, Rule: CosineTail}, ErrNotAtEnd},
		{"no steps", base, 20, Extension{Steps: 0}, nil},
		{"negative steps", base, 20, Extension{Steps: -3}, nil},
		{"hold a rate of 0", zero, 20, Extension{Steps: 10}, ErrHoldZero},
		{"tail peak below the final rate", base, 20, Extension{Steps: 10, Rule: CosineTail, Peak: 1e-4}, nil},
		{"tail peak above 10", base, 20, Extension{Steps: 10, Rule: CosineTail, Peak: 11}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tc.Extended(tt.step, tt.ext)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if _, ok := errors.AsType[*ConfigError](err); tt.is == nil && !ok {
				t.Errorf("err = %v, want a *ConfigError", err)
			}
			if got != tt.tc {
				t.Errorf("refused, yet the recipe changed: %+v", got)
			}
		})
	}
	tr, _ := shortRun(t)
	before := tr.Cfg
	if err := tr.ChangeRecipe(RecipeChange{LRScale: 2, Extend: &Extension{Steps: 5}}); !errors.Is(err, ErrNotAtEnd) {
		t.Errorf("ChangeRecipe with an extension at step 0: %v, want ErrNotAtEnd", err)
	}
	if tr.Cfg != before {
		t.Errorf("a refused change changed the recipe to %+v", tr.Cfg)
	}
}

// A run of 20 steps extended by 10 takes steps 21–30 at the rate the rule
// gives, and a checkpoint saved after the extension resumes exactly as the
// uninterrupted extended run goes on: same losses, same weights.
func TestExtendRunsOnAndResumesExactly(t *testing.T) {
	for _, rule := range []ScheduleRule{HoldFinal, CosineTail} {
		t.Run(rule.String(), func(t *testing.T) {
			ext := Extension{Steps: 10, Rule: rule}
			full, data := shortRun(t)
			orig := full.Cfg
			var want []StepStats
			for !full.Done() {
				want = append(want, mustStep(t, full))
			}
			if err := full.ChangeRecipe(RecipeChange{Extend: &ext}); err != nil {
				t.Fatal(err)
			}
			if full.Done() || full.Cfg.Steps != 30 {
				t.Fatalf("after the extension Done %v, Steps %d; want false, 30", full.Done(), full.Cfg.Steps)
			}
			for !full.Done() {
				want = append(want, mustStep(t, full))
			}
			if len(want) != 30 || want[29].Step != 30 {
				t.Fatalf("the extended run took %d steps, last %d; want 30", len(want), want[len(want)-1].Step)
			}
			for i, st := range want {
				wantLR := orig.LRAt(i)
				if i >= 20 {
					wantLR = full.Cfg.LRAt(i)
				}
				if st.LR != wantLR {
					t.Errorf("step %d at lr %g, want %g", st.Step, st.LR, wantLR)
				}
			}
			switch rule { // across the boundary
			case HoldFinal:
				if want[20].LR != orig.MinLR || want[29].LR != orig.MinLR {
					t.Errorf("held steps 21, 30 at lr %g, %g; want the final rate %g", want[20].LR, want[29].LR, orig.MinLR)
				}
			case CosineTail:
				if want[20].LR != orig.LR || !(want[29].LR < 1.25*orig.MinLR) {
					t.Errorf("tail steps 21, 30 at lr %g, %g; want %g, then ≈%g", want[20].LR, want[29].LR, orig.LR, orig.MinLR)
				}
			}

			part, _ := shortRun(t)
			for !part.Done() {
				mustStep(t, part)
			}
			if err := part.Extend(ext); err != nil {
				t.Fatal(err)
			}
			for part.Steps() < 25 {
				mustStep(t, part)
			}
			path := filepath.Join(t.TempDir(), "run.safetensors")
			if err := SaveCheckpoint(path, part.Checkpoint(nil, nil)); err != nil {
				t.Fatal(err)
			}
			ck, err := LoadCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			if *ck.Train != full.Cfg {
				t.Fatalf("checkpoint recipe %+v, want the extended one %+v", *ck.Train, full.Cfg)
			}
			resumed, err := Resume(ck, nil, data)
			if err != nil {
				t.Fatal(err)
			}
			var got []StepStats
			for !resumed.Done() {
				got = append(got, mustStep(t, resumed))
			}
			if len(got) != 5 {
				t.Fatalf("the resumed run took %d steps, want 5 (26–30)", len(got))
			}
			for i, st := range got {
				w := want[25+i]
				if st.Step != w.Step || st.Loss != w.Loss || st.LR != w.LR {
					t.Errorf("resumed step %d loss %g lr %g; uninterrupted step %d loss %g lr %g", st.Step, st.Loss, st.LR, w.Step, w.Loss, w.LR)
				}
			}
			if !slices.Equal(resumed.Model.arena, full.Model.arena) {
				t.Error("the resumed run's weights differ from the uninterrupted run's")
			}
		})
	}
}

// A run resumed with more steps than its checkpoint's recipe finishes its
// saved schedule and then holds the final rate, from a checkpoint at its
// end and from one in the middle, as the uninterrupted run extended at its
// end does.
func TestExtendResumed(t *testing.T) {
	full, data := shortRun(t)
	var want []StepStats
	for !full.Done() {
		want = append(want, mustStep(t, full))
	}
	if err := full.Extend(Extension{Steps: 10}); err != nil {
		t.Fatal(err)
	}
	for !full.Done() {
		want = append(want, mustStep(t, full))
	}
	for _, at := range []int{20, 12} {
		part, _ := shortRun(t)
		for part.Steps() < at {
			mustStep(t, part)
		}
		ck := part.Checkpoint(nil, nil)
		longer := *ck.Train
		longer.Steps = 30 // --steps 30
		resumed, err := Resume(ck, &longer, data)
		if err != nil {
			t.Fatal(err)
		}
		more, err := resumed.ExtendResumed(ck.Train.Steps)
		if err != nil {
			t.Fatal(err)
		}
		wantMore, wantSteps := 0, 30
		if at < 20 {
			wantMore, wantSteps = 10, 20
		}
		if more != wantMore || resumed.Cfg.Steps != wantSteps {
			t.Fatalf("from step %d: ExtendResumed gave %d more, Steps %d; want %d, %d", at, more, resumed.Cfg.Steps, wantMore, wantSteps)
		}
		var got []StepStats
		for !resumed.Done() || more > 0 {
			if resumed.Done() {
				if err := resumed.Extend(Extension{Steps: more}); err != nil {
					t.Fatal(err)
				}
				more = 0
			}
			got = append(got, mustStep(t, resumed))
		}
		if len(got) != 30-at {
			t.Fatalf("from step %d: %d steps, want %d", at, len(got), 30-at)
		}
		for i, st := range got {
			if w := want[at+i]; st != (StepStats{Step: w.Step, Loss: w.Loss, LR: w.LR, GradNorm: w.GradNorm, Tokens: w.Tokens, Duration: st.Duration}) {
				t.Errorf("from step %d: step %d loss %g lr %g; uninterrupted loss %g lr %g", at, st.Step, st.Loss, st.LR, w.Loss, w.LR)
			}
		}
	}

	// Asking for no more steps than saved changes nothing.
	tr, _ := shortRun(t)
	if more, err := tr.ExtendResumed(20); more != 0 || err != nil || tr.Cfg.Steps != 20 {
		t.Errorf("ExtendResumed(20) of a 20-step recipe: %d, %v, Steps %d; want 0, nil, 20", more, err, tr.Cfg.Steps)
	}
}

// Through the runner: Step after the end is refused, an extension then Run
// trains to the new end, which ends the run again; an extension before the
// end is refused with ErrNotAtEnd.
func TestRunnerExtendsAfterTheEnd(t *testing.T) {
	tr, _ := shortRun(t)
	r := NewRunner(tr)
	defer r.Stop()
	early := r.Send(SetRecipe{Change: RecipeChange{Extend: &Extension{Steps: 10}}})
	run := r.Send(Run{})
	var dones []int
	other := func(ev Event) {
		if ev.Kind == EventDone {
			dones = append(dones, ev.Step)
		}
	}
	got := answers(t, r, []uint64{early, run}, other)
	if ev := got[early]; ev.Kind != EventError || !errors.Is(ev.Err, ErrNotAtEnd) {
		t.Errorf("an extension at step 0 answered with %+v; want ErrNotAtEnd", ev)
	}
	for len(dones) == 0 {
		other(<-r.Events())
	}
	step := r.Send(Step{})
	ext := r.Send(SetRecipe{Change: RecipeChange{Extend: &Extension{Steps: 10}}})
	run = r.Send(Run{})
	got = answers(t, r, []uint64{step, ext, run}, other)
	if ev := got[step]; ev.Kind != EventError || !errors.Is(ev.Err, ErrRunDone) {
		t.Errorf("Step after the end answered with %+v; want ErrRunDone", ev)
	}
	if ev := got[ext]; ev.Kind != EventRecipe || ev.Recipe.Steps != 30 || ev.Step != 20 || ev.Recipe.LRAt(20) != 3e-4 {
		t.Errorf("the extension answered with kind %v steps %d at step %d lr %g; want EventRecipe 30 at 20, lr 3e-4",
			ev.Kind, ev.Recipe.Steps, ev.Step, ev.Recipe.LRAt(20))
	}
	if ev := got[run]; ev.Kind != EventState || !ev.Running {
		t.Errorf("Run after the extension answered with %+v; want running", ev)
	}
	for len(dones) < 2 {
		other(<-r.Events())
	}
	if !slices.Equal(dones, []int{20, 30}) {
		t.Errorf("the run ended at steps %v, want [20 30]", dones)
	}
	var steps int
	r.Do(func(t *Trainer) { steps = t.Steps() })
	if steps != 30 {
		t.Errorf("the trainer stands at step %d, want 30", steps)
	}
}
