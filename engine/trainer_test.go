package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testData returns a token stream with structure to learn: a repeating
// pattern with noise, over vocabulary V.
func testData(n, V int, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, 9))
	out := make([]int32, n)
	for i := range out {
		if rng.IntN(8) == 0 {
			out[i] = int32(rng.IntN(V))
		} else {
			out[i] = int32((i*7 + i/5) % V)
		}
	}
	return out
}

func smallRun() (Config, TrainConfig) {
	cfg := Config{VocabSize: 23, Context: 16, Layers: 2, Heads: 2, Embd: 32}
	tc := TrainConfig{Steps: 60, Batch: 4, Context: 16, GradAccum: 1, LR: 3e-3, MinLR: 3e-4, Warmup: 5,
		WeightDecay: 0.1, GradClip: 1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, Seed: 42}
	return cfg, tc
}

func TestLossAtInitIsLogV(t *testing.T) {
	for _, V := range []int{65, 500} {
		cfg := Config{VocabSize: V, Context: 32, Layers: 2, Heads: 2, Embd: 32}
		m := NewModel(cfg, 1)
		data := testData(2000, V, 1)
		loss, n := m.Eval(data, 32, 8, 0)
		if n == 0 {
			t.Fatal("no windows evaluated")
		}
		if want := math.Log(float64(V)); math.Abs(loss-want) > 0.1 {
			t.Errorf("V=%d: loss at init %.4f, want ln(V)=%.4f ± 0.1", V, loss, want)
		}
	}
}

func TestOverfitOneBatch(t *testing.T) {
	cfg, tc := smallRun()
	m := NewModel(cfg, 2)
	tr, err := NewTrainer(m, tc, Data{Train: []Segment{{Name: "x", Tokens: testData(200, cfg.VocabSize, 3), Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	tr.nextBatch()
	inputs, targets := append([]int32(nil), tr.inputs...), append([]int32(nil), tr.targets...)
	first := float64(m.Forward(inputs, targets, tc.Batch, tc.Context))
	var loss float64
	for i := 1; i <= 150; i++ {
		m.ZeroGrad()
		loss = float64(m.Forward(inputs, targets, tc.Batch, tc.Context))
		m.Backward(1)
		clipGradNorm(m.garena, 1)
		tr.opt.update(m.arena, m.garena, 3e-3, 0.9, 0.99, 1e-8, 0, i)
	}
	if loss > 0.05 {
		t.Errorf("after 150 steps on one batch, loss %.4f (from %.4f), want < 0.05", loss, first)
	}
}

func runLosses(t *testing.T, tc TrainConfig, cfg Config, data Data, steps int) []float64 {
	t.Helper()
	m := NewModel(cfg, tc.Seed)
	tr, err := NewTrainer(m, tc, data)
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for i := 0; i < steps; i++ {
		out = append(out, mustStep(t, tr).Loss)
	}
	return out
}

func TestTrainingIsReproducibleAndLearns(t *testing.T) {
	cfg, tc := smallRun()
	cfg.Dropout = 0.1
	data := Data{Train: []Segment{
		{Name: "a", Tokens: testData(3000, cfg.VocabSize, 4), Weight: 2},
		{Name: "b", Tokens: testData(1000, cfg.VocabSize, 5), Weight: 1},
	}}
	a := runLosses(t, tc, cfg, data, tc.Steps)
	b := runLosses(t, tc, cfg, data, tc.Steps)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d: loss %v then %v with the same seed", i+1, a[i], b[i])
		}
	}
	if first, last := a[0], a[len(a)-1]; !(last < first-0.5) {
		t.Errorf("loss went from %.3f to %.3f in %d steps; want a drop of more than 0.5 nat", first, last, tc.Steps)
	}
}

func TestScheduleMatchesRecipe(t *testing.T) {
	tests := []struct {
		step int
		want float64
	}{
		{0, 1e-5},   // (0+1)/100 of peak
		{99, 1e-3},  // end of warmup
		{100, 1e-3}, // cosine starts at the peak
		{1050, 1e-4 + 0.5*(1e-3-1e-4)},
		{2000, 1e-4},
		{5000, 1e-4},
	}
	for _, tt := range tests {
		if got := lrAt(tt.step, 2000, 100, 1e-3, 1e-4); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("lrAt(%d) = %g, want %g", tt.step, got, tt.want)
		}
	}
}

func TestFrozenParametersDoNotMove(t *testing.T) {
	cfg, tc := smallRun()
	tc.FreezeEmbeddings, tc.FreezeLayers = true, 1
	m := NewModel(cfg, 5)
	before := append([]float32(nil), m.arena...)
	tr, err := NewTrainer(m, tc, Data{Train: []Segment{{Name: "x", Tokens: testData(500, cfg.VocabSize, 6), Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		mustStep(t, tr)
	}
	frozen := make([]bool, len(m.arena))
	for _, s := range tr.opt.spans {
		for i := s.lo; i < s.hi; i++ {
			frozen[i] = s.frozen
		}
	}
	for _, nt := range cfg.tensors() {
		moved := 0
		for i := nt.start; i < nt.end; i++ {
			if math.Float32bits(m.arena[i]) != math.Float32bits(before[i]) {
				moved++
			}
		}
		wantFrozen := nt.name == "transformer.wte.weight" || nt.name == "transformer.wpe.weight" || len(nt.name) > 16 && nt.name[:16] == "transformer.h.0."
		if wantFrozen != frozen[nt.start] {
			t.Errorf("%s: frozen=%v, want %v", nt.name, frozen[nt.start], wantFrozen)
		}
		if wantFrozen && moved > 0 {
			t.Errorf("%s is frozen but %d values changed", nt.name, moved)
		}
		// Layer-norm biases of the trainable block may legitimately stay put
		// only if they got no gradient; weights must move.
		if !wantFrozen && moved == 0 {
			t.Errorf("%s is trainable but did not change", nt.name)
		}
	}
}

func TestEvalWindows(t *testing.T) {
	cfg := Config{VocabSize: 5, Context: 4, Layers: 1, Heads: 1, Embd: 4}
	m := NewModel(cfg, 1)
	tokens := testData(4*10+1, 5, 1) // exactly 10 full windows
	_, n := m.Eval(tokens, 4, 3, 0)
	if n != 40 {
		t.Errorf("Eval counted %d tokens, want 40", n)
	}
	_, n = m.Eval(tokens[:40], 4, 3, 0) // the last window lacks its final target
	if n != 36 {
		t.Errorf("Eval counted %d tokens, want 36", n)
	}
	_, n = m.Eval(tokens, 4, 3, 4)
	if n != 16 {
		t.Errorf("Eval with 4 windows counted %d tokens, want 16", n)
	}
	if l, n := m.Eval(tokens[:4], 4, 3, 0); n != 0 || l != 0 {
		t.Errorf("Eval of a short stream = %v, %d; want 0, 0 (no NaN as a signal)", l, n)
	}
}

func TestSetDataSwitchesSourcesAndKeepsState(t *testing.T) {
	cfg, tc := smallRun()
	a := Segment{Name: "a", Tokens: testData(500, cfg.VocabSize, 1), Weight: 1}
	b := Segment{Name: "b", Tokens: make([]int32, 500), Weight: 1} // all zeros: batches from b are recognisable
	tr, err := NewTrainer(NewModel(cfg, 1), tc, Data{Train: []Segment{a}})
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, tr)
	m1 := tr.opt.M[0]
	if err := tr.SetData(Data{Train: []Segment{{Name: "a", Tokens: a.Tokens, Weight: 0}, b}}); err != nil {
		t.Fatal(err)
	}
	tr.nextBatch()
	for _, id := range tr.inputs {
		if id != 0 {
			t.Fatalf("with a's weight at 0 a batch came from a: %v", tr.inputs)
		}
	}
	if tr.Steps() != 1 || tr.opt.M[0] != m1 {
		t.Error("SetData lost the step or the optimizer state")
	}
	if err := tr.SetData(Data{Train: []Segment{{Name: "short", Tokens: []int32{1, 2}, Weight: 1}}}); err == nil {
		t.Error("SetData accepted a source shorter than one window")
	}
}

// mustStep runs one training step and fails the test if it diverged.
func mustStep(t testing.TB, tr *Trainer) StepStats {
	t.Helper()
	st, err := tr.Step()
	if err != nil {
		t.Fatal(err)
	}
	return st
}
