package engine

import (
	"errors"
	"math"
	"path/filepath"
	"testing"
)

func ptr(x float64) *float64 { return &x }

// A run whose recipe changes at step 20 and is saved at step 30 resumes
// exactly as the uninterrupted changed run goes on.
func TestChangeRecipeResumesExactly(t *testing.T) {
	change := RecipeChange{LRScale: 2, WeightDecay: ptr(0.05), GradClip: ptr(0.5), Dropout: ptr(0.2)}
	full, data := trainerForTest(t)
	var want []float64
	for !full.Done() {
		if full.Steps() == 20 {
			if err := full.ChangeRecipe(change); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, mustStep(t, full).Loss)
	}

	part, _ := trainerForTest(t)
	var got []float64
	for part.Steps() < 30 {
		if part.Steps() == 20 {
			if err := part.ChangeRecipe(change); err != nil {
				t.Fatal(err)
			}
		}
		got = append(got, mustStep(t, part).Loss)
	}
	path := filepath.Join(t.TempDir(), "run.safetensors")
	if err := SaveCheckpoint(path, part.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Train.LR != 6e-3 || ck.Train.WeightDecay != 0.05 || ck.Train.GradClip != 0.5 || ck.Config.Dropout != 0.2 {
		t.Fatalf("checkpoint recipe lr %g wd %g clip %g dropout %g; want 6e-3 0.05 0.5 0.2",
			ck.Train.LR, ck.Train.WeightDecay, ck.Train.GradClip, ck.Config.Dropout)
	}
	resumed, err := Resume(ck, nil, data)
	if err != nil {
		t.Fatal(err)
	}
	for !resumed.Done() {
		got = append(got, mustStep(t, resumed).Loss)
	}
	if len(got) != len(want) {
		t.Fatalf("resumed run has %d steps, full run %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("step %d: resumed loss %v, uninterrupted %v", i+1, got[i], want[i])
		}
	}

	// And the change mattered: the unchanged run differs after step 20.
	plain, _ := trainerForTest(t)
	for plain.Steps() < 21 {
		l := mustStep(t, plain).Loss
		if plain.Steps() == 21 && l == want[20] {
			t.Errorf("step 21 has loss %v with and without the change", l)
		}
	}
}

// Dropout switched on in a run that had none sizes its masks.
func TestChangeRecipeDropoutFromZero(t *testing.T) {
	cfg, tc := smallRun()
	data := Data{Train: []Segment{{Name: "a", Tokens: testData(600, cfg.VocabSize, 1), Weight: 1}}}
	tr, err := NewTrainer(NewModel(cfg, 1), tc, data)
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, tr)
	if err := tr.ChangeRecipe(RecipeChange{Dropout: ptr(0.1)}); err != nil {
		t.Fatal(err)
	}
	if st := mustStep(t, tr); math.IsNaN(st.Loss) || st.Step != 2 {
		t.Errorf("step after turning dropout on: %+v", st)
	}
}

func TestChangeRecipeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change RecipeChange
		flag   string // the ConfigError's flag; "": another error
	}{
		{"nothing", RecipeChange{}, ""},
		{"negative scale", RecipeChange{LRScale: -1}, ""},
		{"lr too high", RecipeChange{LRScale: 1e4}, "--lr"},
		{"dropout 1", RecipeChange{Dropout: ptr(1)}, "--dropout"},
		{"negative clip", RecipeChange{GradClip: ptr(-1)}, "--grad-clip"},
		{"NaN decay", RecipeChange{WeightDecay: ptr(math.NaN())}, "--weight-decay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := trainerForTest(t)
			before := tr.Cfg
			err := tr.ChangeRecipe(tc.change)
			if err == nil {
				t.Fatal("no error")
			}
			if tr.Cfg != before {
				t.Errorf("refused change changed the recipe to %+v", tr.Cfg)
			}
			var ce *ConfigError
			if tc.flag == "" {
				if errors.As(err, &ce) {
					t.Errorf("got config error %v; want another", err)
				}
				return
			}
			if !errors.As(err, &ce) || ce.Flag != tc.flag {
				t.Errorf("got %v; want a *ConfigError for %s", err, tc.flag)
			}
		})
	}
	tr, _ := trainerForTest(t)
	if err := tr.ChangeRecipe(RecipeChange{}); !errors.Is(err, ErrRecipeChange) {
		t.Errorf("empty change: %v; want ErrRecipeChange", err)
	}
}

func TestRunnerSetRecipeAndAnatomize(t *testing.T) {
	tr, _ := trainerForTest(t)
	r := NewRunner(tr)
	defer r.Stop()
	ids := []uint64{r.Send(Step{N: 3}), r.Send(SetRecipe{Change: RecipeChange{LRScale: 0.5}}),
		r.Send(Anatomize{Probe: []int32{1, 2, 3}, Target: 4, Top: 3}),
		r.Send(Anatomize{Probe: nil, Target: 4}), r.Send(SetRecipe{}),
		r.Send(Anatomize{Probe: []int32{1, 2, 3}, Target: -1})}
	got := answers(t, r, ids, nil)
	if ev := got[ids[1]]; ev.Kind != EventRecipe || ev.Recipe.LR != 1.5e-3 || ev.Step != 3 || ev.Dropout != 0.1 {
		t.Errorf("SetRecipe answered with kind %v lr %g step %d dropout %g; want EventRecipe 1.5e-3 3 0.1", ev.Kind, ev.Recipe.LR, ev.Step, ev.Dropout)
	}
	ev := got[ids[2]]
	if ev.Kind != EventAnatomy || ev.Anatomy == nil {
		t.Fatalf("Anatomize answered with %+v", ev)
	}
	a := ev.Anatomy
	if a.Target != 4 || len(a.Top) != 3 || a.Report.Tokens != 3 || a.Report.LR != tr.Cfg.LRAt(3) {
		t.Errorf("anatomy target %d top %d tokens %d lr %g; want 4 3 3 %g", a.Target, len(a.Top), a.Report.Tokens, a.Report.LR, tr.Cfg.LRAt(3))
	}
	if a.Report.After.PTarget <= a.Report.Before.PTarget {
		t.Errorf("p(target) %g → %g: the step did not raise it", a.Report.Before.PTarget, a.Report.After.PTarget)
	}
	if ev := got[ids[3]]; ev.Kind != EventError {
		t.Errorf("empty probe answered with %+v; want an error", ev)
	}
	if ev := got[ids[5]]; ev.Kind != EventAnatomy || len(ev.Anatomy.Top) != 1 || ev.Anatomy.Target != ev.Anatomy.Top[0].ID {
		t.Errorf("Anatomize with target -1 answered with %+v; want the top token as target", ev.Anatomy)
	}
	if ev := got[ids[4]]; ev.Kind != EventError || !errors.Is(ev.Err, ErrRecipeChange) {
		t.Errorf("empty change answered with %+v; want ErrRecipeChange", ev)
	}
}
