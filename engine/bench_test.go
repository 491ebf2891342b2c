package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"lmlab/engine/fastblas"
)

// benchTrainer is the baby recipe on synthetic data of a char-level vocabulary.
func benchTrainer(b *testing.B, c Config, B int) *Trainer {
	p, _ := LookupPreset("baby")
	tc := p.Train
	tc.Batch, tc.Context, tc.Steps = B, c.Context, 1<<30
	tr, err := NewTrainer(NewModel(c, 1), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(200000, c.VocabSize, 1), Weight: 1}}})
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// BenchmarkStep times one optimizer step of the baby recipe (4 layers, 4
// heads, 128 channels, context 64, batch 12, vocabulary 65), on all threads
// and on one (as torch_babygpt.py's THREADS argument).
func BenchmarkStep(b *testing.B) {
	c := Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}
	for _, threads := range []int{fastblas.Threads(), 1} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			defer fastblas.SetThreads(fastblas.Threads())
			fastblas.SetThreads(threads)
			tr := benchTrainer(b, c, 12)
			tr.Step() // warm: allocate activations, gradients, moments
			b.ReportAllocs()
			for b.Loop() {
				tr.Step()
			}
			tokens := float64(12 * 64)
			b.ReportMetric(tokens*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(float64(StepFLOPs(c, 12, 64))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// BenchmarkAttention times causal attention forward and backward for the
// baby preset's shape (batch 12, 4 heads, context 64, 128 channels) on one
// thread: its products are small and half their operands are zero.
func BenchmarkAttention(b *testing.B) {
	const B, T, C, NH = 12, 64, 128, 4
	defer fastblas.SetThreads(fastblas.Threads())
	fastblas.SetThreads(1)
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	qkv, dout := fill(B*T*3*C), fill(B*T*C)
	out, att := make([]float32, B*T*C), make([]float32, B*NH*T*T)
	dqkv, datt := make([]float32, B*T*3*C), make([]float32, B*NH*T*T)
	b.ReportAllocs()
	for b.Loop() {
		attentionForward(out, att, qkv, B, T, C, NH)
		attentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH)
	}
}
