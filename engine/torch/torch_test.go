package torch_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/hf"
	"lmlab/tokenizer"
)

// python returns a python3 that imports torch: $LMLAB_PYTHON, else Debian's
// /usr/bin/python3 (a pyenv or venv python3 earlier on PATH does not see
// python3-torch), else python3. Without one the test skips, unless
// LMLAB_REQUIRE lists torch (or all), when it fails.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("LMLAB_PYTHON"), "/usr/bin/python3", "python3"} {
		if p != "" && exec.Command(p, "-c", "import torch").Run() == nil {
			return p
		}
	}
	for _, r := range strings.Split(os.Getenv("LMLAB_REQUIRE"), ",") {
		if r = strings.TrimSpace(r); r == "torch" || r == "all" {
			t.Fatal("python3 with torch is required (LMLAB_REQUIRE) but none was found: apt-get install python3-torch, or set LMLAB_PYTHON")
		}
	}
	t.Skip("skip: no python3 with torch (apt-get install python3-torch, or set LMLAB_PYTHON; LMLAB_REQUIRE=torch makes this a failure)")
	return ""
}

// script runs one of this folder's scripts and returns its stdout.
func script(t *testing.T, py string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(py, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// logProbs runs ids through m and returns log p(next) at every position.
func logProbs(m *engine.Model, ids []int32) [][]float64 {
	m.Forward(ids, nil, 1, len(ids))
	out := make([][]float64, len(ids))
	for i := range ids {
		for _, p := range m.Probs(0, i) {
			out[i] = append(out[i], math.Log(float64(p)))
		}
	}
	return out
}

// pyLogProbs reads {"logprobs": [[...]]} from a script's output.
func pyLogProbs(t *testing.T, out []byte) [][]float64 {
	t.Helper()
	var r struct {
		LogProbs [][]float64 `json:"logprobs"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("script printed %.200q: %v", out, err)
	}
	return r.LogProbs
}

// compare checks log-probabilities position by position to tol.
func compare(t *testing.T, got, want [][]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d positions, want %d", len(got), len(want))
	}
	worst := 0.0
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("position %d: %d log-probs, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			worst = max(worst, math.Abs(got[i][j]-want[i][j]))
		}
	}
	if worst > tol {
		t.Errorf("log-probs differ by up to %.3g, want ≤ %g", worst, tol)
	}
	t.Logf("largest difference %.3g", worst)
}

func writeIDs(t *testing.T, dir string, ids []int32) string {
	t.Helper()
	b, _ := json.Marshal(ids)
	p := filepath.Join(dir, "ids.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// trainedBPE is a small byte-level BPE with GPT-2's split pattern and
// end-of-text token.
func trainedBPE(t *testing.T) *tokenizer.BPE {
	t.Helper()
	b, err := tokenizer.TrainBPE(strings.Repeat("the quick brown fox jumps over the lazy dog; it's 1234 o'clock.\n", 40),
		tokenizer.TrainOptions{VocabSize: 300, Pattern: "gpt2", Special: []string{"<|endoftext|>"}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGPT2ImportMatchesPyTorch builds random GPT-2 directories in the
// Hugging Face layout with gpt2.py (two shapes; with and without the
// "transformer." prefix; with the attention buffers and a tied lm_head copy;
// F32 and BF16), loads them with hf.Load and checks lmlab's log-probabilities
// against gpt2.py's PyTorch GPT-2 forward (float64) on the same files. The
// 1e-4 tolerance is the brief's; float32 accumulation over these widths
// gives differences near 1e-6.
func TestGPT2ImportMatchesPyTorch(t *testing.T) {
	py := python(t)
	tok := trainedBPE(t)
	tj, err := tokenizer.MarshalHF(tok)
	if err != nil {
		t.Fatal(err)
	}
	V := strconv.Itoa(tok.VocabSize())
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"prefix_buffers_lmhead", []string{"--ctx", "32", "--embd", "48", "--layer", "2", "--head", "4", "--buffers", "--lm-head"}},
		{"noprefix", []string{"--ctx", "24", "--embd", "32", "--layer", "3", "--head", "2", "--no-prefix", "--seed", "5"}},
		{"bf16", []string{"--ctx", "16", "--embd", "16", "--layer", "1", "--head", "4", "--no-prefix", "--dtype", "BF16"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			gdir := filepath.Join(dir, "gpt2")
			script(t, py, append([]string{"gpt2.py", "make", gdir, "--vocab", V}, tc.args...)...)
			if err := os.WriteFile(filepath.Join(gdir, "tokenizer.json"), tj, 0o644); err != nil {
				t.Fatal(err)
			}
			ck, ltok, err := hf.Load(gdir, "")
			if err != nil {
				t.Fatal(err)
			}
			T := ck.Config.Context
			ids := engine.IDs(ltok.Encode(strings.Repeat("the lazy fox, it's 99 o'clock! ", 20)))[:T]
			want := pyLogProbs(t, script(t, py, "gpt2.py", "logits", gdir, writeIDs(t, dir, ids)))
			compare(t, logProbs(ck.Model(), ids), want, 1e-4)
		})
	}
}

// TestExportHFMatchesPyTorch: a model lmlab exports in the Hugging Face
// layout gives, in gpt2.py's PyTorch GPT-2, the log-probabilities lmlab
// gives.
func TestExportHFMatchesPyTorch(t *testing.T) {
	py := python(t)
	tok := trainedBPE(t)
	cfg := engine.Config{VocabSize: tok.VocabSize(), Context: 20, Layers: 2, Heads: 4, Embd: 32}
	m := engine.NewModel(cfg, 11)
	dir := t.TempDir()
	out := filepath.Join(dir, "hf")
	if err := hf.Export(&engine.Checkpoint{Config: cfg, Params: m.Arena()}, tok, "hf", out, false); err != nil {
		t.Fatal(err)
	}
	ids := engine.IDs(tok.Encode(strings.Repeat("over the lazy dog; ", 10)))[:cfg.Context]
	want := pyLogProbs(t, script(t, py, "gpt2.py", "logits", out, writeIDs(t, dir, ids)))
	compare(t, logProbs(m, ids), want, 1e-4)
}

// TestExportNanoGPT: lmlab export --format nanogpt, then the exported
// nanogpt.py writes nanoGPT's ckpt.pt; nanoGPT's model (strict
// load_state_dict) on it gives lmlab's log-probabilities, and converted back
// to an lmlab checkpoint (with meta.pkl's characters as its tokenizer) it is
// the same model bit for bit.
func TestExportNanoGPT(t *testing.T) {
	py := python(t)
	text := "first citizen: before we proceed any further, hear me speak.\n"
	tok, err := tokenizer.NewChar(text, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{VocabSize: tok.VocabSize(), Context: 16, Layers: 2, Heads: 2, Embd: 16}
	m := engine.NewModel(cfg, 5)
	dir := t.TempDir()
	out := filepath.Join(dir, "nano")
	if err := hf.Export(&engine.Checkpoint{Config: cfg, Params: m.Arena(), Step: 42}, tok, "nanogpt", out, false); err != nil {
		t.Fatal(err)
	}
	// The exported script, not this folder's copy, is what users run.
	script(t, py, filepath.Join(out, "nanogpt.py"), "to-ckpt", out, "--dataset", "shakespeare_char")
	ckpt := filepath.Join(out, "ckpt.pt")
	ids := engine.IDs(tok.Encode(text))[:cfg.Context]
	want := pyLogProbs(t, script(t, py, "nanogpt.py", "logits", ckpt, writeIDs(t, dir, ids)))
	compare(t, logProbs(m, ids), want, 1e-4)

	back := filepath.Join(dir, "back.safetensors")
	script(t, py, "nanogpt.py", "to-lmlab", ckpt, back, "--meta", filepath.Join(out, "meta.pkl"))
	ck, err := engine.LoadCheckpoint(back)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Config != cfg || ck.Step != 42 {
		t.Errorf("config %+v step %d, want %+v step 42", ck.Config, ck.Step, cfg)
	}
	if !slices.Equal(ck.Params, m.Arena()) {
		t.Error("weights differ after lmlab → nanoGPT → lmlab")
	}
	checkNanoGPTOptimizer(t, py, tok, dir)

	btok, err := tokenizer.Unmarshal(ck.Tokenizer)
	if err != nil {
		t.Fatalf("tokenizer from meta.pkl: %v", err)
	}
	if got, want := btok.Encode(text), tok.Encode(text); !slices.Equal(got, want) {
		t.Errorf("meta.pkl tokenizer ids: got %v, want %v", got, want)
	}
}

// checkNanoGPTOptimizer exports a training checkpoint (AdamW moments and
// recipe) for nanoGPT and checks that its ckpt.pt's "optimizer" loads into
// torch's AdamW over nanoGPT's parameter groups with lmlab's moments.
func checkNanoGPTOptimizer(t *testing.T, py string, tok tokenizer.Tokenizer, dir string) {
	t.Helper()
	text := "first citizen: before we proceed any further, hear me speak.\n"
	ids := engine.IDs(tok.Encode(strings.Repeat(text, 4)))
	cfg := engine.Config{VocabSize: tok.VocabSize(), Context: 16, Layers: 1, Heads: 2, Embd: 8}
	tc := engine.TrainConfig{Steps: 10, Batch: 2, Context: 16, GradAccum: 1, LR: 1e-3, MinLR: 1e-4, Warmup: 2,
		WeightDecay: 0.1, GradClip: 1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, Seed: 1}
	tr, err := engine.NewTrainer(engine.NewModel(cfg, 2), tc, engine.Data{Train: []engine.Segment{{Tokens: ids, Weight: 1}}, Val: ids})
	if err != nil {
		t.Fatal(err)
	}
	tr.Step()
	tr.Step()
	out := filepath.Join(dir, "nano-train")
	ck := tr.Checkpoint(nil, nil)
	if err := hf.Export(ck, tok, "nanogpt", out, false); err != nil {
		t.Fatal(err)
	}
	script(t, py, filepath.Join(out, "nanogpt.py"), "to-ckpt", out)
	check := `
import sys, torch
sys.path.insert(0, sys.argv[1])
from nanogpt import GPT
ck = torch.load(sys.argv[1] + "/ckpt.pt")
m = GPT(ck["model_args"]); m.load_state_dict(ck["model"])
ps = [p for p in m.parameters()]
opt = torch.optim.AdamW([{"params": [p for p in ps if p.dim() >= 2], "weight_decay": 0.1},
                         {"params": [p for p in ps if p.dim() < 2], "weight_decay": 0.0}], lr=1e-3)
opt.load_state_dict(ck["optimizer"])
st = opt.state[m.transformer.wte.weight]
print(int(st["step"]), ck["iter_num"], float(st["exp_avg"].flatten()[0]), float(st["exp_avg_sq"].flatten()[0]))
`
	got := strings.Fields(string(script(t, py, "-c", check, out)))
	want := []string{"2", "2", strconv.FormatFloat(float64(ck.OptM[0]), 'g', -1, 32), strconv.FormatFloat(float64(ck.OptV[0]), 'g', -1, 32)}
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("nanoGPT optimizer state: got %v, want step and iter_num 2", got)
	}
	for i := 2; i < 4; i++ {
		g, _ := strconv.ParseFloat(got[i], 64)
		w, _ := strconv.ParseFloat(want[i], 64)
		if float32(g) != float32(w) {
			t.Errorf("moment %d of wte[0]: nanoGPT %s, lmlab %s", i-1, got[i], want[i])
		}
	}
}
