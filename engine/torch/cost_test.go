package torch_test

import (
	"os"
	"testing"
	"time"

	"lmlab/engine/hf"
)

// TestLoadCost loads the GPT-2 directory named by LMLAB_GPT2_DIR (a
// GPT-2-small-shaped one from `gpt2.py make DIR --vocab 50257 --ctx 1024
// --embd 768 --layer 12 --head 12`) as the commands do (hf.Load, then
// ck.Model()) and runs one forward pass of 64 tokens, logging the times. It
// is a measurement, run under /usr/bin/time -v for the peak RSS; without the
// variable it skips.
func TestLoadCost(t *testing.T) {
	dir := os.Getenv("LMLAB_GPT2_DIR")
	if dir == "" {
		t.Skip("skip: set LMLAB_GPT2_DIR to a GPT-2 directory to measure loading it")
	}
	t0 := time.Now()
	ck, tok, err := hf.Load(dir, os.Getenv("LMLAB_GPT2_TOKENIZER"))
	if err != nil {
		t.Fatal(err)
	}
	load := time.Since(t0)
	m := ck.Model()
	ids := make([]int32, 64)
	for i := range ids {
		ids[i] = int32(i * 97 % ck.Config.VocabSize)
	}
	m.Forward(ids, nil, 1, len(ids)) // warm: activations allocated
	best := time.Duration(1 << 62)
	for range 3 {
		t1 := time.Now()
		m.Forward(ids, nil, 1, len(ids))
		best = min(best, time.Since(t1))
	}
	if p := m.Probs(0, 63); len(p) != ck.Config.VocabSize {
		t.Fatalf("%d probabilities, want %d", len(p), ck.Config.VocabSize)
	}
	t.Logf("%d parameters, tokenizer %s: hf.Load %v, forward of 64 tokens %.1f ms (best of 3)",
		ck.Config.NumParams(), tok.Name(), load.Round(time.Millisecond), float64(best.Microseconds())/1e3)
}
