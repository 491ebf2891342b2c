package engine_test

import (
	"fmt"

	"lmlab/engine"
)

// A model learns a repeating sequence: the loss after 30 AdamW steps is a
// fraction of the loss at initialisation, which is near ln V.
func ExampleNewTrainer() {
	cfg := engine.Config{VocabSize: 8, Context: 16, Layers: 1, Heads: 2, Embd: 16}
	ids := make([]int32, 400)
	for i := range ids {
		ids[i] = int32(i % 8)
	}
	tc := engine.TrainConfig{Steps: 30, Batch: 4, Context: 16, GradAccum: 1, LR: 1e-2, MinLR: 1e-3,
		Warmup: 3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, GradClip: 1, Seed: 1}
	t, err := engine.NewTrainer(engine.NewModel(cfg, 1), tc, engine.Data{
		Train: []engine.Segment{{Name: "count", Tokens: ids, Weight: 1}}, Val: ids[:100]})
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := t.Evaluate(0)
	for !t.Done() {
		if _, err := t.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	last, _ := t.Evaluate(0)
	fmt.Printf("initial loss near ln 8: %v; after %d steps below a third of it: %v\n", first > 1.8 && first < 2.4, t.Steps(), last < first/3)
	// Output: initial loss near ln 8: true; after 30 steps below a third of it: true
}
