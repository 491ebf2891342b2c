package torch_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/tokenizer"
)

// torchrun runs continue.py on 2 processes and returns its JSON lines.
func torchrun(t *testing.T, py string, args ...string) []map[string]float64 {
	t.Helper()
	// --redirects 1 --tee 1: Debian's torch 1.13 under Python 3.11 cannot
	// parse the default --redirects 0 (Std.from_str returns None); with
	// these, each process's stdout reaches ours prefixed "[defaultN]:".
	cmd := exec.Command(py, append([]string{"-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
		"--redirects", "1", "--tee", "1", "continue.py"}, args...)...)
	cmd.Dir = t.TempDir() // torchrun's logs
	cmd.Args[len(cmd.Args)-len(args)-1], _ = filepath.Abs("continue.py")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torchrun continue.py: %v\n%s\n%s", err, out, stderr.String())
	}
	var lines []map[string]float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, "]:"); ok && strings.HasPrefix(line, "[") {
			line = rest
		}
		var m map[string]float64
		if json.Unmarshal([]byte(line), &m) == nil {
			lines = append(lines, m)
		}
	}
	return lines
}

// windowsOf cuts (x, y) of B windows of T+1 tokens, flattened.
func windowsOf(ws [][]int32, T int) (x, y []int32) {
	for _, w := range ws {
		x, y = append(x, w[:T]...), append(y, w[1:T+1]...)
	}
	return x, y
}

// TestTorchrunContinuation continues a 3-step lmlab run with continue.py
// under torchrun on 2 CPU processes. On the same windows, its first-step loss
// equals lmlab's loss of the checkpoint to 1e-4; the checkpoint it writes
// loads in lmlab with step 3+2 and the moments, its weights give the loss
// PyTorch reported, and lmlab resumes training from it. Then, on a batch of
// one repeated window (the only batch lmlab's sampler can draw from a
// segment of context+1 tokens), lmlab and PyTorch continue the checkpoint
// side by side and report the same losses step after step: the same AdamW,
// schedule and clipping.
func TestTorchrunContinuation(t *testing.T) {
	py := python(t)
	text := strings.Repeat("first citizen: before we proceed any further, hear me speak. all: speak, speak.\n", 8)
	tok, err := tokenizer.NewChar(text, false)
	if err != nil {
		t.Fatal(err)
	}
	ids := engine.IDs(tok.Encode(text))
	cfg := engine.Config{VocabSize: tok.VocabSize(), Context: 16, Layers: 2, Heads: 2, Embd: 16}
	tc := engine.TrainConfig{Steps: 20, Batch: 4, Context: 16, GradAccum: 1, LR: 3e-3, MinLR: 3e-4, Warmup: 2,
		WeightDecay: 0.1, GradClip: 1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, Seed: 1}
	data := engine.Data{Train: []engine.Segment{{Name: "text", Tokens: ids, Weight: 1}}, Val: ids}
	tr, err := engine.NewTrainer(engine.NewModel(cfg, 1), tc, data)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		tr.Step()
	}
	tokJSON, _ := tokenizer.Marshal(tok)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.safetensors")
	if err := engine.SaveCheckpoint(ckpt, tr.Checkpoint(tokJSON, nil)); err != nil {
		t.Fatal(err)
	}
	ck, err := engine.LoadCheckpoint(ckpt)
	if err != nil {
		t.Fatal(err)
	}

	// Two steps of 4 distinct windows each.
	T := tc.Context
	var steps [][][]int32
	for s := range 2 {
		var ws [][]int32
		for b := range 4 {
			off := (s*4 + b) * 37 % (len(ids) - T - 1)
			ws = append(ws, ids[off:off+T+1])
		}
		steps = append(steps, ws)
	}
	wj, _ := json.Marshal(steps)
	wpath := filepath.Join(dir, "windows.json")
	os.WriteFile(wpath, wj, 0o644)
	out := filepath.Join(dir, "continued.safetensors")
	lines := torchrun(t, py, ckpt, "--out", out, "--steps", "2", "--windows", wpath)
	if len(lines) != 3 {
		t.Fatalf("continue.py printed %d JSON lines, want 3 (2 steps, final loss): %v", len(lines), lines)
	}
	x, y := windowsOf(steps[0], T)
	want := float64(ck.Model().Forward(x, y, 4, T))
	t.Logf("first-step loss: PyTorch %.7f, lmlab %.7f", lines[0]["loss"], want)
	if got := lines[0]["loss"]; math.Abs(got-want) > 1e-4 {
		t.Errorf("first-step loss: PyTorch %.6f, lmlab %.6f", got, want)
	}
	back, err := engine.LoadCheckpoint(out)
	if err != nil {
		t.Fatalf("lmlab cannot load the continued checkpoint: %v", err)
	}
	if back.Step != 5 || back.OptM == nil || *back.Train != tc || back.Config != cfg {
		t.Errorf("continued checkpoint: step %d, moments %v, train %+v, config %+v", back.Step, back.OptM != nil, back.Train, back.Config)
	}
	if got, want := lines[2]["final_loss"], float64(back.Model().Forward(x, y, 4, T)); math.Abs(got-want) > 1e-4 {
		t.Errorf("loss of the written weights: PyTorch %.6f, lmlab %.6f", got, want)
	}
	rt, err := engine.Resume(back, nil, data)
	if err != nil {
		t.Fatalf("lmlab cannot resume the continued checkpoint: %v", err)
	}
	if st, err := rt.Step(); err != nil || st.Step != 6 {
		t.Errorf("resumed step: %+v, %v", st, err)
	}

	// Side by side on one repeated window.
	seg := ids[5 : 5+T+1]
	one := engine.Data{Train: []engine.Segment{{Name: "one", Tokens: seg, Weight: 1}}, Val: seg}
	lt, err := engine.Resume(ck, nil, one)
	if err != nil {
		t.Fatal(err)
	}
	const K = 4
	same := [][][]int32{{seg, seg, seg, seg}}
	wj, _ = json.Marshal(same)
	os.WriteFile(wpath, wj, 0o644)
	lines = torchrun(t, py, ckpt, "--out", out, "--steps", "4", "--windows", wpath)
	for k := range K {
		st, err := lt.Step()
		if err != nil {
			t.Fatalf("lmlab step %d: %v", k+1, err)
		}
		// Float32 sums in a different order differ by ~1e-7 relative and
		// AdamW carries that along: 5e-7 apart after 4 steps here. 1e-5
		// still catches a missing weight decay (2e-5 after one step).
		t.Logf("step %d: PyTorch loss %.7f lr %.6g, lmlab loss %.7f lr %.6g", st.Step, lines[k]["loss"], lines[k]["lr"], st.Loss, st.LR)
		if got := lines[k]["loss"]; math.Abs(got-st.Loss) > 1e-5 {
			t.Errorf("step %d: PyTorch loss %.6f, lmlab %.6f", st.Step, got, st.Loss)
		}
		if got := lines[k]["lr"]; math.Abs(got-st.LR) > 1e-12 {
			t.Errorf("step %d: PyTorch lr %g, lmlab %g", st.Step, got, st.LR)
		}
	}
}

// buildLmlab builds the lmlab command into a temporary directory.
func buildLmlab(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lmlab")
	// The go that runs the tests is on PATH.
	if out, err := exec.Command("go", "build", "-o", bin, "lmlab/cmd/lmlab").CombinedOutput(); err != nil {
		t.Fatalf("go build lmlab/cmd/lmlab: %v\n%s", err, out)
	}
	return bin
}

// resumeSteps opens ckpt as `lmlab train --resume` does and takes n steps,
// returning their stats and the trainer.
func resumeSteps(t *testing.T, ckpt string, n int) ([]engine.StepStats, *engine.Trainer) {
	t.Helper()
	s, err := lab.Open(lab.Options{Resume: ckpt})
	if err != nil {
		t.Fatalf("resume %s: %v", ckpt, err)
	}
	var sts []engine.StepStats
	for range n {
		st, err := s.Trainer.Step()
		if err != nil {
			t.Fatal(err)
		}
		sts = append(sts, st)
	}
	return sts, s.Trainer
}

// TestTorchrunKeepsLmlabDataOrder continues a run stopped at step 5 of 20
// (char tokenizer, batch 4, accumulation 2, dropout 0) two ways: (a) lmlab
// resumes it for 6 steps; (b) `lmlab batches` writes the windows of 4 steps,
// continue.py trains them on 2 processes under torchrun, and lmlab resumes
// what it wrote for 2 more. PyTorch's losses of steps 6–9 are lmlab's to
// 1e-5 (TestTorchrunContinuation's tolerance for float32 sums in another
// order); the continued checkpoint is at step 9 with lmlab's data position
// after step 9, exactly; and steps 10 and 11 of (b) draw the same windows as
// (a): the same losses to 1e-5.
func TestTorchrunKeepsLmlabDataOrder(t *testing.T) {
	py := python(t)
	bin := buildLmlab(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "speech.txt")
	text := strings.Repeat("first citizen: before we proceed any further, hear me speak. all: speak, speak.\n"+
		"first citizen: you are all resolved rather to die than to famish? all: resolved. resolved.\n", 12)
	if err := os.WriteFile(data, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "run.safetensors")
	train := exec.Command(bin, "train", "--data", data, "--tokenizer", "char", "--preset", "tiny", "--layers", "2",
		"--heads", "2", "--embd", "16", "--context", "16", "--batch", "4", "--accum", "2", "--steps", "20",
		"--warmup", "2", "--dropout", "0", "--seed", "3", "--eval-every", "0", "--stop-at", "5", "--out", ckpt)
	if out, err := train.CombinedOutput(); err != nil {
		t.Fatalf("lmlab train: %v\n%s", err, out)
	}

	want, _ := resumeSteps(t, ckpt, 6) // (a): steps 6 to 11

	windows := filepath.Join(dir, "windows.json")
	if out, err := exec.Command(bin, "batches", "--resume", ckpt, "--steps", "4", "--out", windows).CombinedOutput(); err != nil {
		t.Fatalf("lmlab batches: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "continued.safetensors")
	lines := torchrun(t, py, ckpt, "--out", out, "--steps", "4", "--windows", windows)
	if len(lines) != 5 {
		t.Fatalf("continue.py printed %d JSON lines, want 5 (4 steps, final loss): %v", len(lines), lines)
	}
	for k := range 4 {
		t.Logf("step %d: PyTorch loss %.7f, lmlab %.7f", want[k].Step, lines[k]["loss"], want[k].Loss)
		if got := lines[k]["loss"]; lines[k]["step"] != float64(want[k].Step) || math.Abs(got-want[k].Loss) > 1e-5 {
			t.Errorf("step %v: PyTorch loss %.7f; lmlab's step %d: %.7f", lines[k]["step"], got, want[k].Step, want[k].Loss)
		}
	}

	back, err := engine.LoadCheckpoint(out)
	if err != nil {
		t.Fatalf("lmlab cannot load the continued checkpoint: %v", err)
	}
	_, at9 := resumeSteps(t, ckpt, 4)
	if back.Step != 9 {
		t.Errorf("continued checkpoint at step %d, want 9", back.Step)
	}
	_, rt := resumeSteps(t, out, 0)
	if g, w := rt.DataRNG(), at9.DataRNG(); g != w {
		t.Errorf("continued checkpoint's data position %q, lmlab's after step 9 %q", g, w)
	}
	got, _ := resumeSteps(t, out, 2) // (b): steps 10 and 11
	for k, st := range got {
		w := want[4+k]
		t.Logf("step %d after PyTorch: loss %.7f; lmlab throughout: %.7f", st.Step, st.Loss, w.Loss)
		if st.Step != w.Step || math.Abs(st.Loss-w.Loss) > 1e-5 {
			t.Errorf("step %d after PyTorch: loss %.7f; lmlab's step %d: %.7f", st.Step, st.Loss, w.Step, w.Loss)
		}
	}
}
