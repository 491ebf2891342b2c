package engine

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// anatomyModel is smallRun's model after a few steps, with its trainer (for
// the moments) and a probe from its training data.
func anatomyModel(t testing.TB) (*Trainer, []int32, int32) {
	t.Helper()
	cfg, tc := smallRun()
	data := testData(500, cfg.VocabSize, 7)
	tr, err := NewTrainer(NewModel(cfg, 3), tc, Data{Train: []Segment{{Name: "x", Tokens: data, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		mustStep(t, tr)
	}
	return tr, data[100:110], data[110]
}

func TestAnatomyTargetRisesAndModelIsUntouched(t *testing.T) {
	tr, ids, target := anatomyModel(t)
	m := tr.Model
	arena := bits(m.arena)
	ck := tr.Checkpoint(nil, nil)
	for _, tt := range []struct {
		name string
		opt  AnatomyOptions
	}{
		{"checkpoint's moments", ck.AnatomyOptions()},
		{"fresh optimizer", AnatomyOptions{LR: 1e-3, Recipe: tr.Cfg}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Anatomy(m, ids, target, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !(rep.After.PTarget > rep.Before.PTarget) {
				t.Errorf("p_target %g → %g at lr %g, want a rise", rep.Before.PTarget, rep.After.PTarget, tt.opt.LR)
			}
			if !(rep.After.MeanLoss < rep.Before.MeanLoss) {
				t.Errorf("mean loss %g → %g, want a fall", rep.Before.MeanLoss, rep.After.MeanLoss)
			}
			if got, want := rep.Before.Loss, -math.Log(rep.Before.PTarget); math.Abs(got-want) > 1e-4*want {
				t.Errorf("loss at the last position %g, want −log p_target = %g", got, want)
			}
			if got, want := len(rep.Before.Losses), len(ids); got != want {
				t.Errorf("%d per-position losses, want %d", got, want)
			}
			for _, g := range rep.Layers {
				if !(g.GradNorm > 0 && g.UpdateRatio > 0) {
					t.Errorf("group %s: grad norm %g, update ratio %g; want both > 0", g.Name, g.GradNorm, g.UpdateRatio)
				}
			}
			if !slices.Equal(bits(m.arena), arena) {
				t.Error("Anatomy changed the caller's model")
			}
		})
	}
}

func TestAnatomyLRZeroChangesNothing(t *testing.T) {
	tr, ids, target := anatomyModel(t)
	opt := tr.Checkpoint(nil, nil).AnatomyOptions()
	opt.LR = 0
	rep, err := Anatomy(tr.Model, ids, target, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rep.After.PTarget != rep.Before.PTarget || !slices.Equal(rep.After.Losses, rep.Before.Losses) {
		t.Errorf("at lr 0: before %+v, after %+v; want equal", rep.Before, rep.After)
	}
	for _, g := range rep.Layers {
		if g.UpdateRatio != 0 {
			t.Errorf("group %s moved by %g at lr 0", g.Name, g.UpdateRatio)
		}
	}
}

// TestAnatomyIsOneTrainerStep: the anatomy's step is the trainer's step on
// the same batch: same weights after, bit for bit.
func TestAnatomyIsOneTrainerStep(t *testing.T) {
	tr, _, _ := anatomyModel(t)
	ck := tr.Checkpoint(nil, nil)
	// The trainer's next batch is the probe: one sequence of its context.
	tc := tr.Cfg
	tc.Batch = 1
	seq := testData(tc.Context+1, tr.Model.Config.VocabSize, 99)
	next, err := Resume(ck, &tc, Data{Train: []Segment{{Name: "probe", Tokens: seq, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	opt := ck.AnatomyOptions()
	opt.LR = next.LR()
	rep, err := Anatomy(ck.Model(), seq[:tc.Context], seq[tc.Context], opt)
	if err != nil {
		t.Fatal(err)
	}
	st := mustStep(t, next)
	if math.Abs(st.GradNorm-rep.GradNorm) > 1e-6*st.GradNorm {
		t.Errorf("anatomy grad norm %g, trainer's %g", rep.GradNorm, st.GradNorm)
	}
	loss := next.Model.Forward(seq[:tc.Context], seq[1:], 1, tc.Context)
	if got, want := rep.After.MeanLoss, float64(loss); got != want {
		t.Errorf("loss after the anatomy's step %g, after the trainer's %g", got, want)
	}
}

func TestTensorGroupsCoverTheArena(t *testing.T) {
	cfg, _ := smallRun()
	seen := make([]int, cfg.NumParams())
	total := 0
	for _, g := range cfg.TensorGroups() {
		for _, s := range g.spans {
			for i := s[0]; i < s[1]; i++ {
				seen[i]++
			}
		}
		total += g.Size()
	}
	if int64(total) != cfg.NumParams() {
		t.Errorf("groups hold %d parameters, the model %d", total, cfg.NumParams())
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("arena element %d is in %d groups, want 1", i, n)
		}
	}
	var names []string
	for _, g := range cfg.TensorGroups() {
		names = append(names, g.Name)
	}
	want := []string{"wte", "wpe", "h0.attn", "h0.mlp", "h0.ln", "h1.attn", "h1.mlp", "h1.ln", "ln_f"}
	if !slices.Equal(names, want) {
		t.Errorf("groups %v, want %v", names, want)
	}
}

func TestAnatomyNonFiniteGradient(t *testing.T) {
	tr, ids, target := anatomyModel(t)
	m := tr.Model.Clone()
	m.Params.LN1W[3] = float32(math.Inf(1))
	_, err := Anatomy(m, ids, target, AnatomyOptions{LR: 1e-3, Recipe: tr.Cfg})
	var de *DivergedError
	if !errors.As(err, &de) {
		t.Fatalf("Anatomy with an infinite ln_1 weight: %v, want a *DivergedError", err)
	}
}

// BenchmarkAnatomyVsStep compares one anatomy (a probe of a full context)
// with one training step of the tiny preset's recipe on the same model; the
// issue asks for at most three steps' cost. Report: ns/op of each sub-bench.
func BenchmarkAnatomyVsStep(b *testing.B) {
	p, _ := LookupPreset("tiny")
	c := p.Model
	c.VocabSize = 65
	tc := p.Train
	tc.Steps = 1 << 30
	data := testData(100000, c.VocabSize, 1)
	tr, err := NewTrainer(NewModel(c, 1), tc, Data{Train: []Segment{{Name: "x", Tokens: data, Weight: 1}}})
	if err != nil {
		b.Fatal(err)
	}
	tr.Step()
	b.Run("step", func(b *testing.B) {
		for b.Loop() {
			tr.Step()
		}
	})
	ck := tr.Checkpoint(nil, nil)
	m := ck.Model()
	opt := ck.AnatomyOptions()
	b.Run("anatomy", func(b *testing.B) {
		for b.Loop() {
			Anatomy(m, data[:c.Context], data[c.Context], opt)
		}
	})
}
