//go:build !race

// The race detector makes sync.Pool (fastblas keeps its jobs and packing
// buffers in some) drop items at random, so this file is left out of -race
// builds.

package engine

import (
	"runtime/debug"
	"testing"
)

// A warm generation step allocates nothing, inside the context (one new
// position), sliding (the whole window again) and with products shared over
// the worker pool; and so a whole Generate allocates as much for 60 tokens
// as for a few past the context (both slide, so both pack the weights once).
func TestKVCacheStepDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"small", Config{VocabSize: 29, Context: 12, Layers: 2, Heads: 2, Embd: 16}},
		{"shared products", Config{VocabSize: 40, Context: 6, Layers: 1, Heads: 4, Embd: 256}},
	}
	// Generate allocates its cache (hundreds of KB) per call, so the runs
	// below start garbage collections, and a collection empties the
	// sync.Pool fastblas keeps its products' contexts in: the refill would
	// count against the step. With the collector off the pool keeps them.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	// The promise is fastblas's: gonum's Sgemm (the default under purego)
	// starts goroutines for products it shares.
	useBLAS(t, "fast")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := peakedModel(tt.cfg, 1)
			T := tt.cfg.Context
			ids := testData(T+1, tt.cfg.VocabSize, 2)
			c := newKVCache(m)
			inside := ids[:T-1]
			c.next(inside[:T-2]) // warm: pooled tasks, the first prefill
			if got := testing.AllocsPerRun(20, func() { c.next(inside) }); got != 0 {
				t.Errorf("%v allocations per step inside the context, want 0", got)
			}
			// Alternating two windows of different positions slides every time.
			if got := testing.AllocsPerRun(20, func() { c.next(ids[:T]); c.next(ids[:T+1]) }); got != 0 {
				t.Errorf("%v allocations per pair of sliding steps, want 0", got)
			}
			opt := SampleOptions{Temperature: 0.8, TopK: 5, Seed: 3}
			short := testing.AllocsPerRun(5, func() { m.Generate(ids[:2], T+2, opt, nil) })
			long := testing.AllocsPerRun(5, func() { m.Generate(ids[:2], 60, opt, nil) })
			if long != short {
				t.Errorf("Generate allocates %v times for 60 tokens, %v for %d; want the same", long, short, T+2)
			}
		})
	}
}
