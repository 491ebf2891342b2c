package engine

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"lmlab/engine/fastblas"
)

// withThreads sets fastblas's thread count, which decides the step's shard
// count, until the test ends.
func withThreads(t *testing.T, n int) {
	old := fastblas.Threads()
	fastblas.SetThreads(n)
	t.Cleanup(func() { fastblas.SetThreads(old) })
}

// shardedGrads runs one backprop of a fresh trainer at the given thread
// count and returns its loss, gradients and shard count.
func shardedGrads(t *testing.T, threads, batch, accum int, precision string) (float64, []float32, int) {
	withThreads(t, threads)
	cfg, tc := smallRun()
	tc.Batch, tc.GradAccum, tc.Precision = batch, accum, precision
	data := Data{Train: []Segment{{Name: "x", Tokens: testData(3000, cfg.VocabSize, 5), Weight: 1}}}
	tr, err := NewTrainer(NewModel(cfg, 3), tc, data)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := tr.backprop()
	if err != nil {
		t.Fatal(err)
	}
	return loss, slices.Clone(tr.Model.garena), tr.shards
}

// TestShardedStepMatchesOneShard: cutting each micro-batch into shards
// computed by replicas (one per thread, uneven when the batch does not
// divide) gives the loss and every gradient of the whole batch on one
// model, to float32 rounding: each gradient is a sum over the batch's
// positions that the shards split and add back in another order.
func TestShardedStepMatchesOneShard(t *testing.T) {
	for _, tt := range []struct {
		threads, batch, accum int
		precision             string
	}{
		{2, 4, 1, PrecisionFP32},
		{3, 7, 1, PrecisionFP32},
		{2, 5, 2, PrecisionFP32},
		{4, 3, 1, PrecisionFP32}, // more threads than sequences: one shard each
		{2, 4, 1, PrecisionBF16},
	} {
		t.Run(fmt.Sprintf("threads=%d/batch=%d/accum=%d/%s", tt.threads, tt.batch, tt.accum, tt.precision), func(t *testing.T) {
			want, wantG, one := shardedGrads(t, 1, tt.batch, tt.accum, tt.precision)
			got, gotG, shards := shardedGrads(t, tt.threads, tt.batch, tt.accum, tt.precision)
			if one != 1 || shards != min(tt.threads, tt.batch) {
				t.Fatalf("shards: %d at 1 thread, %d at %d threads; want 1 and %d", one, shards, tt.threads, min(tt.threads, tt.batch))
			}
			if !(math.Abs(got-want) <= 1e-6*want) {
				t.Errorf("loss %v in %d shards, %v in one", got, shards, want)
			}
			// Gradients: a float32 sum of n terms errs by about n·2⁻²⁴ of
			// the sum of their magnitudes; 1e-4 of the largest gradient
			// covers the batch's B·T·accum ≤ 160 positions with room.
			var scale float64
			for _, g := range wantG {
				scale = max(scale, math.Abs(float64(g)))
			}
			cfg, _ := smallRun()
			for i := range wantG {
				if d := math.Abs(float64(gotG[i] - wantG[i])); !(d <= 1e-4*scale) {
					name, j := tensorAt(cfg, i)
					t.Fatalf("gradient of %s[%d]: %g in %d shards, %g in one (|Δ| %.2g, scale %.2g)", name, j, gotG[i], shards, wantG[i], d, scale)
				}
			}
		})
	}
}

// tensorAt names the tensor of the arena at flat index i and the index
// inside it.
func tensorAt(c Config, i int) (string, int) {
	arena := make([]float32, c.NumParams())
	arena[i] = float32(math.NaN())
	return firstNonFinite(c, arena)
}

// TestShardedStepIsDeterministic: the shards run concurrently, but what
// each computes and the order in which their gradients are added do not
// depend on scheduling, so two runs agree bit for bit.
func TestShardedStepIsDeterministic(t *testing.T) {
	withThreads(t, 2)
	run := func() []float32 {
		cfg, tc := smallRun()
		tr, err := NewTrainer(NewModel(cfg, 9), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(3000, cfg.VocabSize, 6), Weight: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			mustStep(t, tr)
		}
		if tr.shards != 2 {
			t.Fatalf("%d shards at 2 threads, want 2", tr.shards)
		}
		return tr.Model.arena
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Error("two sharded runs of the same recipe ended with different weights")
	}
}

// TestShardCount: one shard per thread, at most one per sequence, as many
// replicas as 256 MB of their gradients allow, and one with dropout.
func TestShardCount(t *testing.T) {
	withThreads(t, 8)
	baby := Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}
	big := Config{VocabSize: 50304, Context: 1024, Layers: 12, Heads: 12, Embd: 768} // GPT-2 small: 496 MB of gradients
	mid := Config{VocabSize: 256, Context: 256, Layers: 6, Heads: 8, Embd: 768}      // 43M parameters: one replica's gradients fit
	for _, tt := range []struct {
		name    string
		c       Config
		batch   int
		dropout float64
		want    int
	}{
		{"baby", baby, 12, 0, 8},
		{"fewer sequences than threads", baby, 3, 0, 3},
		{"dropout", baby, 12, 0.1, 1},
		{"GPT-2 small", big, 8, 0, 1},
		{"one replica fits", mid, 8, 0, 2},
	} {
		c := tt.c
		c.Dropout = tt.dropout
		got := shardCount(c, TrainConfig{Batch: tt.batch})
		if got != tt.want {
			t.Errorf("%s (%d parameters, batch %d): %d shards, want %d", tt.name, c.NumParams(), tt.batch, got, tt.want)
		}
	}
}
