package hf

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lmlab/engine"
)

// BenchmarkGPT2Dir times a real-sized model in the Hugging Face layout, the
// work engine/torch/bench_gpt2.py times in PyTorch: a forward pass over a
// 64-token prompt, and one fine-tune step (forward, backward, AdamW) on a
// batch of 4 × 128 tokens. The directory is $LMLAB_GPT2_DIR (no tokenizer
// needed); build a GPT-2-small-shaped one with
//
//	python3 engine/torch/gpt2.py make /tmp/gpt2 --vocab 50257 --ctx 1024 --embd 768 --layer 12 --head 12
//
// peak-RSS-MB is the process's high-water mark (VmHWM) after each part, so
// the step's includes the forward's, as bench_gpt2.py reports it.
func BenchmarkGPT2Dir(b *testing.B) {
	dir := os.Getenv("LMLAB_GPT2_DIR")
	if dir == "" {
		b.Skip("set LMLAB_GPT2_DIR to a GPT-2 directory (engine/torch/gpt2.py make DIR …)")
	}
	m := loadBenchModel(b, dir)
	V := m.Config.VocabSize
	rng := rand.New(rand.NewPCG(1, 2))
	ids := func(n int) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(rng.IntN(V))
		}
		return out
	}
	b.Run("forward-64", func(b *testing.B) {
		prompt := ids(64)
		m.Forward(prompt, nil, 1, len(prompt)) // sizes the activations
		for b.Loop() {
			m.Forward(prompt, nil, 1, len(prompt))
		}
		reportPeakRSS(b)
	})
	b.Run("finetune-step-4x128", func(b *testing.B) {
		tc := engine.TrainConfig{Steps: 1 << 20, Batch: 4, Context: 128, GradAccum: 1, LR: 1e-4, MinLR: 1e-5,
			WeightDecay: 0.1, GradClip: 1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, Seed: 1}
		tr, err := engine.NewTrainer(m, tc, engine.Data{Train: []engine.Segment{{Name: "random", Tokens: ids(1 << 16), Weight: 1}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tr.Step(); err != nil { // gradients, moments and activations
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := tr.Step(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/step")
		reportPeakRSS(b)
	})
}

// loadBenchModel reads dir's weights without a tokenizer.
func loadBenchModel(b *testing.B, dir string) *engine.Model {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := parseConfig(data)
	if err != nil {
		b.Fatal(err)
	}
	st, err := openSafetensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ck := &engine.Checkpoint{Config: cfg, Params: make([]float32, cfg.NumParams())}
	m := ck.TakeModel()
	if err := readWeights(st, m); err != nil {
		b.Fatal(err)
	}
	return m
}

// reportPeakRSS reports VmHWM from /proc/self/status in MB, where there is one.
func reportPeakRSS(b *testing.B) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err == nil {
				b.ReportMetric(kb/1024, "peak-RSS-MB")
			}
		}
	}
}
