package engine

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

// TestPlanDrawsWhatStepTrainsOn plans k steps on one trainer and runs k real
// steps on an identical one: each step's loss is the mean loss of the planned
// micro-batches on the model before that step (so the planned windows are the
// ones Step trained on), the last micro-batch Step drew is the last planned
// one, the planning trainer's DataRNG is the "rng" metadata of a checkpoint
// of the stepped trainer, and the next real step of both draws the same
// batch. Plan leaves the step count and the weights alone.
func TestPlanDrawsWhatStepTrainsOn(t *testing.T) {
	cfg, base := smallRun()
	V := cfg.VocabSize
	cases := []struct {
		name    string
		accum   int
		k       int
		dropout float64
		segs    []Segment
	}{
		{"one segment", 1, 4, 0, []Segment{{Name: "a", Tokens: testData(300, V, 1), Weight: 1}}},
		{"weighted segments, accumulation", 3, 3, 0, []Segment{
			{Name: "a", Tokens: testData(300, V, 1), Weight: 1},
			{Name: "b", Tokens: testData(90, V, 2), Weight: 3},
			{Name: "c", Tokens: testData(17, V, 3), Weight: 0.5}}},
		{"dropout", 2, 2, 0.1, []Segment{
			{Name: "a", Tokens: testData(300, V, 1), Weight: 2},
			{Name: "b", Tokens: testData(60, V, 2), Weight: 1}}},
		{"no steps", 1, 0, 0, []Segment{{Name: "a", Tokens: testData(300, V, 1), Weight: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mc := cfg
			mc.Dropout = c.dropout
			tc := base
			tc.GradAccum = c.accum
			data := Data{Train: c.segs, Val: c.segs[0].Tokens}
			newTrainer := func() *Trainer {
				tr, err := NewTrainer(NewModel(mc, 7), tc, data)
				if err != nil {
					t.Fatal(err)
				}
				mustStep(t, tr) // plan from the middle of a run, not its start
				return tr
			}
			planner, stepper := newTrainer(), newTrainer()
			weights := slices.Clone(planner.Model.arena)
			drop := planner.Model.dropMu

			B, T := tc.Batch, tc.Context
			steps := planner.PlanWindows(c.k)
			if planner.Steps() != 1 || !slices.Equal(planner.Model.arena, weights) || planner.Model.dropMu != drop {
				t.Fatalf("Plan changed the trainer: step %d, weights equal %v, dropout stream equal %v",
					planner.Steps(), slices.Equal(planner.Model.arena, weights), planner.Model.dropMu == drop)
			}
			if len(steps) != c.k {
				t.Fatalf("PlanWindows(%d) returned %d steps", c.k, len(steps))
			}
			for s, ws := range steps {
				if len(ws) != B*c.accum {
					t.Fatalf("step %d: %d windows, want %d", s+1, len(ws), B*c.accum)
				}
				var want float64
				if c.dropout == 0 {
					for i := 0; i < c.accum; i++ {
						x, y := cut(ws[i*B:(i+1)*B], T)
						stepper.Model.SetTraining(true)
						want += float64(stepper.Model.Forward(x, y, B, T))
						stepper.Model.SetTraining(false)
					}
					want /= float64(c.accum)
				}
				st := mustStep(t, stepper)
				// Step's loss is the mean of its shards' float32 means (one
				// shard per thread), so it matches to rounding, 1e-6;
				// other windows would differ by far more.
				if c.dropout == 0 && !(math.Abs(st.Loss-want) <= 1e-6*want) {
					t.Errorf("step %d: Step's loss %v, loss of the planned windows %v", st.Step, st.Loss, want)
				}
				x, y := cut(ws[len(ws)-B:], T)
				if !slices.Equal(stepper.inputs, x) || !slices.Equal(stepper.targets, y) {
					t.Errorf("step %d: Step's last micro-batch differs from the planned one", st.Step)
				}
			}
			if got, want := planner.DataRNG(), metaRNG(t, stepper); got != want {
				t.Errorf("DataRNG after planning %d steps: %q; checkpoint rng after %d steps: %q", c.k, got, c.k, want)
			}
			mustStep(t, planner)
			mustStep(t, stepper)
			if !slices.Equal(planner.inputs, stepper.inputs) || !slices.Equal(planner.targets, stepper.targets) {
				t.Errorf("the step after the plan draws another batch than the step after %d real steps", c.k)
			}
		})
	}
}

// cut splits windows of T+1 tokens into (inputs, targets), (B,T) each.
func cut(ws [][]int32, T int) (x, y []int32) {
	for _, w := range ws {
		x, y = append(x, w[:T]...), append(y, w[1:T+1]...)
	}
	return x, y
}

// metaRNG returns the "rng" metadata a checkpoint of tr stores.
func metaRNG(t *testing.T, tr *Trainer) string {
	t.Helper()
	head, _, err := tr.Checkpoint(nil, nil).encodeHeader()
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Meta map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal(head, &h); err != nil {
		t.Fatalf("checkpoint header: %v", err)
	}
	if h.Meta["rng"] == "" {
		t.Fatal("checkpoint has no rng metadata")
	}
	return h.Meta["rng"]
}
