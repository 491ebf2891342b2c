package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// peakedModel is a small model with weights drawn wide enough that its
// next-token distributions are far from uniform, so greedy decoding is not
// decided by rounding between near-ties.
func peakedModel(cfg Config, seed uint64) *Model {
	m := NewModel(cfg, seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	for i := range m.arena {
		m.arena[i] = float32(rng.NormFloat64() * 0.3)
	}
	return m
}

// kvTolerance is how far the cache's probabilities may sit from the full
// forward pass's. The two compute the same sums in a different order (dot
// products against gemm's packed FMA blocks). Reordering a float32 sum of K
// terms moves it by at most K·u·Σ|terms| (u = 2⁻²⁴, Higham's γ_K), but that
// worst case needs every rounding to go the same way; independent roundings
// add up like a random walk, to about √K·u·Σ|terms| (Higham, "Accuracy and
// Stability of Numerical Algorithms", §2.8), and that is the estimate used.
// The longest sums have K = 4C terms; layer norm keeps each block's terms near
// 1, each of the L blocks adds its error to the residual stream and the LM
// head one more, so the logits differ by about (L+1)·√(4C)·u times their
// spread, and a softmax probability moves by at most half the largest logit
// change. Measured differences sit 20–150× below this; a cache that drops
// the current position from attention misses it by 50× or more.
func kvTolerance(c Config, logitSpread float64) float64 {
	u := math.Pow(2, -24)
	return float64(c.Layers+1) * math.Sqrt(float64(4*c.Embd)) * u * max(logitSpread, 1) / 2
}

// logitSpread is max log p − min log p, the range of the logits (the softmax
// is invariant to their shift), with log 0 left out.
func logitSpread(probs []float32) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range probs {
		if p > 0 {
			lo, hi = min(lo, math.Log(float64(p))), max(hi, math.Log(float64(p)))
		}
	}
	return hi - lo
}

// TestKVCacheMatchesFullForward is the cache against its naive twin: greedy
// generation through the cache and through NextProbs (a full forward pass
// over the window for every token) gives the same tokens, and at every step
// the same distribution within kvTolerance, for prompts shorter than, equal
// to and longer than the context (the sliding window). The cache starts
// filled with NaN, so reading a key or value it has not written would show.
func TestKVCacheMatchesFullForward(t *testing.T) {
	cfg := Config{VocabSize: 29, Context: 12, Layers: 2, Heads: 2, Embd: 16}
	m := peakedModel(cfg, 3)
	tests := []struct {
		name      string
		promptLen int
	}{
		{"one token", 1},
		{"shorter than the context", 5},
		{"equal to the context", 12},
		{"longer than the context", 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prompt := testData(tt.promptLen, cfg.VocabSize, uint64(tt.promptLen))
			const n = 20 // every prompt runs past the context of 12
			want := m.generate(prompt, n, SampleOptions{}, nil, m.NextProbs)
			got := m.Generate(prompt, n, SampleOptions{}, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("greedy with the cache:\n%v\nwithout:\n%v", got, want)
			}

			c := newKVCache(m)
			for i := range c.k {
				c.k[i], c.v[i] = float32(math.NaN()), float32(math.NaN())
			}
			for end := len(prompt); end <= len(want); end++ {
				ids := want[:end]
				gotP := slices.Clone(c.next(ids))
				wantP := m.NextProbs(ids)
				tol := kvTolerance(cfg, logitSpread(wantP))
				for i := range wantP {
					if d := math.Abs(float64(gotP[i] - wantP[i])); !(d <= tol) {
						t.Fatalf("after %d tokens: p[%d] = %g with the cache, %g without (|Δ| %.2g > %.2g)", end, i, gotP[i], wantP[i], d, tol)
					}
				}
			}
		})
	}
}

// The cache keeps only what still matches: asking about a sequence that
// shares just a prefix with the last one (another branch, a shorter text)
// recomputes from where they part.
func TestKVCacheFollowsAChangedPrefix(t *testing.T) {
	cfg := Config{VocabSize: 29, Context: 12, Layers: 2, Heads: 2, Embd: 16}
	m := peakedModel(cfg, 4)
	c := newKVCache(m)
	seqs := [][]int32{
		{1, 2, 3, 4, 5, 6},
		{1, 2, 3, 9, 9},       // parts at position 3
		{1, 2},                // shorter
		{1, 2, 3, 9, 9, 7, 7}, // longer again
		{5},
		testData(30, cfg.VocabSize, 8), // slides
		testData(30, cfg.VocabSize, 8)[:29],
	}
	for _, ids := range seqs {
		got := slices.Clone(c.next(ids))
		want := m.NextProbs(ids)
		tol := kvTolerance(cfg, logitSpread(want))
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
				t.Fatalf("ids %v: p[%d] = %g with the cache, %g without", ids, i, got[i], want[i])
			}
		}
	}
}

// Products big enough to be shared over the worker pool (matvecShare) give
// what the serial ones give: the split only cuts the outputs into ranges.
func TestKVCacheSharedProducts(t *testing.T) {
	cfg := Config{VocabSize: 40, Context: 6, Layers: 1, Heads: 4, Embd: 256} // 4C·C = matvecShare
	if 4*cfg.Embd*cfg.Embd < matvecShare {
		t.Fatalf("config too small to exercise the shared path")
	}
	m := peakedModel(cfg, 5)
	prompt := []int32{3, 1, 4}
	want := m.generate(prompt, 8, SampleOptions{}, nil, m.NextProbs)
	if got := m.Generate(prompt, 8, SampleOptions{}, nil); !slices.Equal(got, want) {
		t.Fatalf("greedy with the cache %v, without %v", got, want)
	}
}

// Sampled (not greedy) generation draws the same tokens through the cache as
// without it: the sampling code sees the same distributions and the same
// random stream.
func TestKVCacheSampledGeneration(t *testing.T) {
	cfg := Config{VocabSize: 29, Context: 8, Layers: 2, Heads: 2, Embd: 16}
	m := peakedModel(cfg, 6)
	opt := SampleOptions{Temperature: 0.7, TopK: 10, TopP: 0.95, Seed: 42}
	prompt := []int32{1, 2, 3}
	want := m.generate(prompt, 25, opt, nil, m.NextProbs)
	if got := m.Generate(prompt, 25, opt, nil); !slices.Equal(got, want) {
		t.Errorf("sampled with the cache:\n%v\nwithout:\n%v", got, want)
	}
}

// Generate only reads the model, so two may run on one model at once (run
// with -race to check).
func TestGenerateConcurrentOnOneModel(t *testing.T) {
	cfg := Config{VocabSize: 29, Context: 8, Layers: 2, Heads: 2, Embd: 16}
	m := peakedModel(cfg, 7)
	want := m.Generate([]int32{1, 2}, 20, SampleOptions{}, nil)
	var wg sync.WaitGroup
	got := make([][]int32, 4)
	for i := range got {
		wg.Go(func() { got[i] = m.Generate([]int32{1, 2}, 20, SampleOptions{}, nil) })
	}
	wg.Wait()
	for i, g := range got {
		if !slices.Equal(g, want) {
			t.Errorf("goroutine %d generated %v, want %v", i, g, want)
		}
	}
}

// TestTranspose checks the blocked transpose against the definition on
// shapes around its block of eight rows.
func TestTranspose(t *testing.T) {
	for _, rows := range []int{1, 7, 8, 9, 16, 23} {
		for _, cols := range []int{1, 3, 8, 64} {
			src := make([]float32, rows*cols)
			for i := range src {
				src[i] = float32(i) + 0.5
			}
			dst := make([]float32, rows*cols)
			transpose(dst, src, rows, cols)
			for r := range rows {
				for c := range cols {
					if got, want := dst[c*rows+r], src[r*cols+c]; got != want {
						t.Fatalf("%d×%d: dst[%d][%d] = %v, want %v", rows, cols, c, r, got, want)
					}
				}
			}
		}
	}
}
