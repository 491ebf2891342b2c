package main

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/hf"
)

// TestFinetuneHFDirFreezes fine-tunes a Hugging Face GPT-2 directory with
// both freeze options: the frozen tensors come out bit-identical to the
// directory's, the others move, and the memory estimate is printed first.
func TestFinetuneHFDirFreezes(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "base.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:cats", "--preset", "tiny", "--layers", "2", "--embd", "32",
		"--heads", "2", "--context", "16", "--batch", "4", "--steps", "5", "--seed", "7", "--runs", "none", "--out", ckpt); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	hfDir := filepath.Join(dir, "hf")
	if _, stderr, code := lmlab(t, "export", "--ckpt", ckpt, "--format", "hf", "--out", hfDir); code != 0 {
		t.Fatalf("export exited %d: %s", code, stderr)
	}
	ft := filepath.Join(dir, "ft.safetensors")
	stdout, stderr, code := lmlab(t, "finetune", "--ckpt", hfDir, "--data", "sample:cats", "--steps", "4", "--batch", "2",
		"--freeze-embeddings", "--freeze-layers", "1", "--runs", "none", "--out", ft)
	if code != 0 {
		t.Fatalf("finetune exited %d: %s", code, stderr)
	}
	first := strings.SplitN(stdout, "\n", 3)
	if len(first) < 2 || !strings.HasPrefix(first[1], "memory: about ") || !strings.Contains(first[1], " parameters (") {
		t.Errorf("the second line of the output is not the memory estimate:\n%s", stdout)
	}

	baseCk, _, err := hf.Load(hfDir, "")
	if err != nil {
		t.Fatal(err)
	}
	ftCk, err := engine.LoadCheckpoint(ft)
	if err != nil {
		t.Fatal(err)
	}
	base, tuned := baseCk.TakeModel(), ftCk.TakeModel()
	C := base.Config.Embd
	block0 := func(p *engine.Params) [][]float32 { // every tensor of block 0
		return [][]float32{p.LN1W[:C], p.LN1B[:C], p.QKVW[:3*C*C], p.QKVB[:3*C], p.AttProjW[:C*C], p.AttProjB[:C],
			p.LN2W[:C], p.LN2B[:C], p.FCW[:4*C*C], p.FCB[:4*C], p.FCProjW[:4*C*C], p.FCProjB[:C]}
	}
	frozen := map[string][2][]float32{"wte": {base.Params.WTE, tuned.Params.WTE}, "wpe": {base.Params.WPE, tuned.Params.WPE}}
	for i, b := range block0(&base.Params) {
		frozen["block 0 tensor "+string(rune('a'+i))] = [2][]float32{b, block0(&tuned.Params)[i]}
	}
	for name, p := range frozen {
		if !slices.Equal(p[0], p[1]) {
			t.Errorf("%s is frozen but changed", name)
		}
	}
	if slices.Equal(base.Params.QKVW[3*C*C:], tuned.Params.QKVW[3*C*C:]) {
		t.Error("block 1's attention weights did not move: nothing was trained")
	}
}

// TestMemoryAdvice checks that a fine-tune's memory refusal names what can
// be lowered, given the checkpoint fixes the shape, and stays a MemoryError.
func TestMemoryAdvice(t *testing.T) {
	c := engine.Config{VocabSize: 50257, Context: 1024, Layers: 12, Heads: 12, Embd: 768}
	tc := engine.TrainConfig{Batch: 4, Context: 128}
	tests := []struct {
		name  string
		limit int64
		want  string
	}{
		{"weights do not fit", 1 << 30, "whatever --batch and --context are"},
		{"activations do not fit", engine.EstimateMemory(c, tc) - 1, "lower --batch or --context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := memoryAdvice(engine.CheckMemory(c, tc, tt.limit), "gpt2", c, tc)
			if err == nil {
				t.Fatal("no refusal")
			}
			var me *engine.MemoryError
			if !errors.As(err, &me) {
				t.Errorf("%v is not a *engine.MemoryError", err)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) || strings.Contains(got, "--embd") {
				t.Errorf("got %q, want it to say %q and not --embd", got, tt.want)
			}
		})
	}
	if err := memoryAdvice(errors.New("other"), "gpt2", c, tc); err.Error() != "other" {
		t.Errorf("another error became %q", err)
	}
}
