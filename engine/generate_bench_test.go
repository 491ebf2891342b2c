package engine

import (
	"os"
	"testing"
)

// benchGenModel is the model BenchmarkGenerate runs: the checkpoint named by
// LMLAB_GEN_CKPT (generate_compare.sh passes the one PyTorch reads too), or
// else a freshly initialised baby model (4 layers, 4 heads, 128 channels,
// context 64, vocabulary 65), which does the same work.
func benchGenModel(b *testing.B) *Model {
	if path := os.Getenv("LMLAB_GEN_CKPT"); path != "" {
		ck, err := LoadCheckpoint(path)
		if err != nil {
			b.Fatal(err)
		}
		return ck.Model()
	}
	return NewModel(Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}, 1)
}

// genPrompt is the prompt generate_compare.sh gives PyTorch too: token
// (7i+1) mod V at position i.
func genPrompt(n, V int) []int32 {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32((7*i + 1) % V)
	}
	return p
}

// BenchmarkGenerate reports greedy generation's tokens/s:
//
//   - inside: from a one-token prompt to a full context (Context−1 tokens),
//     each token one new position through the KV cache;
//   - sliding: 64 tokens after a prompt that already fills the context, so
//     each token recomputes the whole window (absolute positions);
//   - inside-nocache: the inside run through NextProbs, a full forward pass
//     over the text for every token (the cache's naive twin), for scale.
//
// Each op is one Generate call, cache set-up included. Run it with
// GOMAXPROCS=1 to compare with a one-thread baseline.
func BenchmarkGenerate(b *testing.B) {
	m := benchGenModel(b)
	c := m.Config
	inside := genPrompt(1, c.VocabSize)
	full := genPrompt(c.Context, c.VocabSize)
	opt := SampleOptions{} // greedy, as the PyTorch script
	cases := []struct {
		name   string
		prompt []int32
		n      int
		run    func(prompt []int32, n int)
	}{
		{"inside", inside, c.Context - 1, func(p []int32, n int) { m.Generate(p, n, opt, nil) }},
		{"sliding", full, 64, func(p []int32, n int) { m.Generate(p, n, opt, nil) }},
		{"inside-nocache", inside, c.Context - 1, func(p []int32, n int) { m.generate(p, n, opt, nil, m.NextProbs) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			tc.run(tc.prompt, tc.n) // warm: pooled tasks, activations
			b.ReportAllocs()
			for b.Loop() {
				tc.run(tc.prompt, tc.n)
			}
			b.ReportMetric(float64(tc.n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
