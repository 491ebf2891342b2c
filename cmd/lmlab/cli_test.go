package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// lmlab runs the command line in-process and returns stdout, stderr and the
// exit status.
func lmlab(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// small is a quick model on the cats sample, for tests.
var small = []string{"--data", "sample:cats", "--preset", "tiny", "--layers", "1", "--embd", "32", "--heads", "2",
	"--context", "16", "--batch", "4", "--eval-every", "20", "--eval-windows", "10", "--seed", "7"}

func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("stdout line %q is not a JSON object: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func stepLosses(lines []map[string]any) map[float64]float64 {
	out := map[float64]float64{}
	for _, l := range lines {
		if loss, ok := l["loss"].(float64); ok && l["done"] == nil {
			out[l["step"].(float64)] = loss
		}
	}
	return out
}

func TestTrainJSONAndResumeIsExact(t *testing.T) {
	dir := t.TempDir()
	full, stderr, code := lmlab(t, append([]string{"train", "--steps", "60", "--json"}, small...)...)
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	lines := jsonLines(t, full)
	last := lines[len(lines)-1]
	for _, k := range []string{"done", "step", "train_loss", "val_loss", "ms_per_iter", "tokens_per_s"} {
		if _, ok := last[k]; !ok {
			t.Errorf("last line %v lacks %q", last, k)
		}
	}
	if last["done"] != true || last["step"] != 60.0 {
		t.Errorf("last line %v, want done at step 60", last)
	}
	var evals int
	for _, l := range lines {
		if _, ok := l["val_loss"]; ok && l["done"] == nil {
			evals++
		}
	}
	if evals != 3 { // steps 20, 40 and the final pass at 60
		t.Errorf("%d eval lines, want 3", evals)
	}

	ckpt := filepath.Join(dir, "half.safetensors")
	first, stderr, code := lmlab(t, append([]string{"train", "--steps", "60", "--stop-at", "30", "--out", ckpt, "--json"}, small...)...)
	if code != 0 {
		t.Fatalf("train --stop-at exited %d: %s", code, stderr)
	}
	second, stderr, code := lmlab(t, "train", "--resume", ckpt, "--json")
	if code != 0 {
		t.Fatalf("train --resume exited %d: %s", code, stderr)
	}
	want := stepLosses(lines)
	got := stepLosses(append(jsonLines(t, first), jsonLines(t, second)...))
	if len(got) != 60 || len(want) != 60 {
		t.Fatalf("got %d and %d step losses, want 60 each", len(got), len(want))
	}
	for step, w := range want {
		if got[step] != w {
			t.Errorf("step %v: stopped-and-resumed loss %v, uninterrupted %v", step, got[step], w)
		}
	}
	resumedLast := jsonLines(t, second)
	if fl := resumedLast[len(resumedLast)-1]; fl["val_loss"] != last["val_loss"] {
		t.Errorf("final val loss %v after resume, %v uninterrupted", fl["val_loss"], last["val_loss"])
	}
}

func TestEvalSampleInspect(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.safetensors")
	if _, stderr, code := lmlab(t, append([]string{"train", "--steps", "40", "--out", ckpt, "--json"}, small...)...); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	text := filepath.Join(dir, "t.txt")
	os.WriteFile(text, []byte(strings.Repeat("The cat sat on the mat. The dog sat on the rug.\n", 20)), 0o644)
	out, stderr, code := lmlab(t, "eval", "--ckpt", ckpt, "--data", text, "--json")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	var ev struct {
		Loss   float64 `json:"loss"`
		Tokens int     `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || !(ev.Loss > 0) || ev.Tokens%16 != 0 || ev.Tokens == 0 {
		t.Errorf("eval printed %q (%v); want a positive loss over whole windows of 16", out, err)
	}

	a, _, _ := lmlab(t, "sample", "--ckpt", ckpt, "--prompt", "The cat", "--tokens", "12", "--seed", "3")
	b, _, _ := lmlab(t, "sample", "--ckpt", ckpt, "--prompt", "The cat", "--tokens", "12", "--seed", "3")
	if a != b || !strings.HasPrefix(a, "The cat") || len(a) <= len("The cat\n") {
		t.Errorf("sample printed %q then %q; want the same continuation of the prompt", a, b)
	}

	out, stderr, code = lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", "The cat sat on the", "--topk", "3", "--json")
	if code != 0 {
		t.Fatalf("inspect: %s", stderr)
	}
	var ins struct {
		Tokens    []jsonToken     `json:"tokens"`
		Next      []jsonToken     `json:"next"`
		Attention [][][][]float32 `json:"attention"`
	}
	if err := json.Unmarshal([]byte(out), &ins); err != nil {
		t.Fatal(err)
	}
	T := len(ins.Tokens)
	// "The", " cat", " sat", " on", " the": a word carries its space.
	if T != 5 || len(ins.Next) != 3 || len(ins.Attention) != 1 || len(ins.Attention[0]) != 2 || len(ins.Attention[0][1]) != T || len(ins.Attention[0][1][T-1]) != T {
		t.Errorf("inspect JSON has %d tokens, %d next, attention %d layers; want 5, 3, [1][2][5][5]", T, len(ins.Next), len(ins.Attention))
	}
	out, _, _ = lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", "The cat")
	if !strings.Contains(out, "next token after the prompt") || !strings.Contains(out, "layer 1/1 head 2/2") {
		t.Errorf("inspect table lacks its sections:\n%s", out)
	}
}

func TestBadCheckpointIsAnErrorNotAPanic(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, []byte("definitely not a checkpoint"), 0o644)
	for _, args := range [][]string{
		{"eval", "--ckpt", bad, "--data", "sample:cats"},
		{"sample", "--ckpt", bad},
		{"inspect", "--ckpt", bad, "--prompt", "x"},
		{"train", "--resume", bad},
		{"sample", "--ckpt", filepath.Join(dir, "missing.safetensors")},
	} {
		out, stderr, code := lmlab(t, args...)
		if code != 1 || out != "" || !strings.Contains(stderr, dir) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and an error naming the file", args, code, out, stderr)
		}
	}
}

func TestTrainRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--preset", "huge"}, "unknown preset"},
		{[]string{"train", "--heads", "3", "--embd", "32"}, "divide"},
		{[]string{"train", "--stop-at", "5"}, "--out"},
		{[]string{"train", "--data", "/nonexistent/file.txt"}, "/nonexistent/file.txt"},
		{[]string{"train", "--lr", "-1"}, "lr"},
	}
	for _, tt := range tests {
		_, stderr, code := lmlab(t, tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want failure mentioning %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestInterruptSavesBeforeExiting: Ctrl-C (a cancelled context) between
// steps saves to --out and exits 130; the checkpoint resumes.
func TestInterruptSavesBeforeExiting(t *testing.T) {
	opt := addTrainFlags(flag.NewFlagSet("t", flag.ContinueOnError))
	if err := opt.fs.Parse(append([]string{"--steps", "50"}, small...)); err != nil {
		t.Fatal(err)
	}
	s, err := lab.Open(opt.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	s.Trainer.Step()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), "int.safetensors")
	var stdout, stderr bytes.Buffer
	code := trainLoop(ctx, s, &trainReport{w: &stdout}, out, 0, &stderr)
	if code != 130 || !strings.Contains(stderr.String(), "interrupted at step 1") {
		t.Fatalf("exit %d, stderr %q; want 130 and the step", code, stderr.String())
	}
	ck, err := engine.LoadCheckpoint(out)
	if err != nil || ck.Step != 1 {
		t.Fatalf("checkpoint after interrupt: step %v, %v; want step 1", ck, err)
	}
}

// TestDivergedRunSavesTheLastGoodState: a run whose loss overflows stops
// with the step and what to try, exits 1, and saves the state before the
// step that diverged (which was not applied) to --out.
func TestDivergedRunSavesTheLastGoodState(t *testing.T) {
	opt := addTrainFlags(flag.NewFlagSet("t", flag.ContinueOnError))
	if err := opt.fs.Parse(append([]string{"--steps", "50"}, small...)); err != nil {
		t.Fatal(err)
	}
	s, err := lab.Open(opt.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	s.Trainer.Step()
	s.Trainer.Step()
	// Weights near the float32 limit, as a run gone wrong leaves them: finite
	// (so they can be saved), but the next forward pass overflows.
	for i, w := range s.Trainer.Model.Params.FCW {
		s.Trainer.Model.Params.FCW[i] = float32(math.Copysign(3e38, float64(w)))
	}
	out := filepath.Join(t.TempDir(), "diverged.safetensors")
	var stdout, stderr bytes.Buffer
	code := trainLoop(context.Background(), s, &trainReport{w: &stdout}, out, 0, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "diverged at step 3") || !strings.Contains(stderr.String(), "--lr") {
		t.Fatalf("exit %d, stderr %q; want 1 and what to try", code, stderr.String())
	}
	ck, err := engine.LoadCheckpoint(out)
	if err != nil {
		t.Fatalf("the last good state was not saved: %v; stderr %q", err, stderr.String())
	}
	if ck.Step != 2 || s.Trainer.Steps() != 2 {
		t.Errorf("saved step %d, trainer at %d; want step 2, the last applied", ck.Step, s.Trainer.Steps())
	}
}

// TestEvalLowersTheBatchToFit: eval halves --batch until its forward passes
// fit in --max-memory, says so, and still evaluates every window.
func TestEvalLowersTheBatchToFit(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "m.safetensors")
	if _, stderr, code := lmlab(t, append([]string{"train", "--steps", "2", "--out", ckpt, "--runs", "none"}, small...)...); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	ck, err := engine.LoadCheckpoint(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	limit := engine.EstimateEvalMemory(ck.Config, 2, ck.Config.Context)
	want, _, _ := lmlab(t, "eval", "--ckpt", ckpt, "--data", "sample:cats", "--json")
	got, stderr, code := lmlab(t, "eval", "--ckpt", ckpt, "--data", "sample:cats", "--json", "--batch", "16", "--max-memory", fmt.Sprint(limit))
	if code != 0 || !strings.Contains(stderr, "using 2 windows per pass") {
		t.Fatalf("exit %d, stderr %q; want the batch lowered to 2", code, stderr)
	}
	if got != want {
		t.Errorf("with the lower batch: %s; with the default: %s", got, want)
	}
}
