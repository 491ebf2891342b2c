//go:build !race

// The race detector makes sync.Pool (fastblas keeps its jobs and packing
// buffers in some) drop items at random, so this file is
// left out of -race builds.

package engine

import (
	"testing"

	"lmlab/engine/fastblas"
)

// A warm training step allocates nothing: the layers' argument tasks are
// pooled, AdamW's spans are built once per run, and the activations,
// gradients and moments are reused.
func TestWarmStepDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name  string
		blas  string
		setup func(c *Config, tc *TrainConfig)
	}{
		{"plain", "fast", func(c *Config, tc *TrainConfig) {}},
		{"dropout+accum+freeze", "fast", func(c *Config, tc *TrainConfig) {
			c.Dropout, tc.GradAccum, tc.FreezeEmbeddings, tc.FreezeLayers = 0.1, 2, true, 1
		}},
		{"gonum", "gonum", func(c *Config, tc *TrainConfig) {}},
		{"bf16+accum", "fast", func(c *Config, tc *TrainConfig) { tc.Precision, tc.GradAccum = PrecisionBF16, 2 }},
		{"3 shards", "fast", func(c *Config, tc *TrainConfig) { fastblas.SetThreads(3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			useBLAS(t, tt.blas)
			defer fastblas.SetThreads(fastblas.Threads())
			cfg, tc := smallRun()
			tt.setup(&cfg, &tc)
			tr, err := NewTrainer(NewModel(cfg, 1), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(2000, cfg.VocabSize, 2), Weight: 1}}})
			if err != nil {
				t.Fatal(err)
			}
			tr.Step() // warm: activations, gradients, moments, pooled tasks
			if got := testing.AllocsPerRun(10, func() { tr.Step() }); got != 0 {
				t.Errorf("%v allocations per warm step, want 0", got)
			}
		})
	}
}
