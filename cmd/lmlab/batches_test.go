package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine/lab"
)

// batchesRun saves a run of the cats sample stopped at step 3 of 10, with
// gradient accumulation and no dropout, and returns its checkpoint.
func batchesRun(t *testing.T) string {
	t.Helper()
	ckpt := filepath.Join(t.TempDir(), "run.safetensors")
	args := append([]string{"train", "--steps", "10", "--stop-at", "3", "--accum", "2", "--dropout", "0", "--out", ckpt}, small...)
	if _, stderr, code := lmlab(t, args...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	return ckpt
}

// TestBatchesAreWhatResumeTrainsOn writes the windows of 3 steps of a
// resumed run: their shape is the recipe's, the loss of each step's windows
// on the model before it is the loss `train --resume` reports for that step,
// and the file's rng is the data position of the resumed trainer after the
// 3 steps.
func TestBatchesAreWhatResumeTrainsOn(t *testing.T) {
	ckpt := batchesRun(t)
	out := filepath.Join(t.TempDir(), "windows.json")
	stdout, stderr, code := lmlab(t, "batches", "--resume", ckpt, "--steps", "3", "--out", out)
	if code != 0 {
		t.Fatalf("batches exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "steps 4 to 6") || !strings.Contains(stdout, "continue.py") {
		t.Errorf("stdout %q does not name the steps and the next command", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var f batchesFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s is not a batches file: %v", out, err)
	}
	s, err := lab.Open(lab.Options{Resume: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	tr := s.Trainer
	B, T, accum := tr.Cfg.Batch, tr.Cfg.Context, tr.Cfg.GradAccum
	if f.From != 3 || len(f.Windows) != 3 {
		t.Fatalf("from_step %d with %d steps, want 3 with 3", f.From, len(f.Windows))
	}
	for i, ws := range f.Windows {
		if len(ws) != B*accum {
			t.Fatalf("step %d: %d windows, want %d×%d", i+4, len(ws), B, accum)
		}
		var want float64
		for j := 0; j < accum; j++ {
			var x, y []int32
			for _, w := range ws[j*B : (j+1)*B] {
				if len(w) != T+1 {
					t.Fatalf("step %d: a window of %d tokens, want %d", i+4, len(w), T+1)
				}
				x, y = append(x, w[:T]...), append(y, w[1:]...)
			}
			want += float64(tr.Model.Forward(x, y, B, T))
		}
		want /= float64(accum)
		st, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		// Step's loss is the mean of its shards' float32 means (one shard
		// per thread): equal to rounding, where other windows differ by far
		// more.
		if !(math.Abs(st.Loss-want) <= 1e-6*want) {
			t.Errorf("step %d: resumed training's loss %v, loss of the written windows %v", st.Step, st.Loss, want)
		}
	}
	if got := tr.DataRNG(); f.RNG != got {
		t.Errorf("rng %q, resumed trainer after 3 steps %q", f.RNG, got)
	}
}

// TestBatchesRefusals: missing flags and outputs that must not be written
// are one-line errors that leave the file there as it was; a file batches
// wrote is overwritten, and --force overwrites anything regular.
func TestBatchesRefusals(t *testing.T) {
	ckpt := batchesRun(t)
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.json")
	os.WriteFile(notes, []byte(`{"windows": [[[1, 2]]]}`), 0o644) // JSON, but no rng
	cases := []struct {
		name string
		args []string
		want string // in stderr; "" for success
	}{
		{"no resume", []string{"--steps", "1", "--out", filepath.Join(dir, "a.json")}, "--resume is required"},
		{"no steps", []string{"--resume", ckpt, "--out", filepath.Join(dir, "a.json")}, "--steps is required"},
		{"no out", []string{"--resume", ckpt, "--steps", "1"}, "--out is required"},
		{"argument", []string{"--resume", ckpt, "--steps", "1", "--out", filepath.Join(dir, "a.json"), "x"}, `unexpected argument "x"`},
		{"out is the checkpoint", []string{"--resume", ckpt, "--steps", "1", "--out", ckpt}, "--out " + ckpt},
		{"someone else's file", []string{"--resume", ckpt, "--steps", "1", "--out", notes}, "lmlab batches did not write"},
		{"missing checkpoint", []string{"--resume", filepath.Join(dir, "none.safetensors"), "--steps", "1", "--out", filepath.Join(dir, "a.json")}, "none.safetensors"},
		{"fresh", []string{"--resume", ckpt, "--steps", "1", "--out", filepath.Join(dir, "b.json")}, ""},
		{"over its own file", []string{"--resume", ckpt, "--steps", "2", "--out", filepath.Join(dir, "b.json")}, ""},
		{"forced", []string{"--resume", ckpt, "--steps", "1", "--out", notes, "--force"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := os.ReadFile(notes)
			ckBefore, _ := os.ReadFile(ckpt)
			_, stderr, code := lmlab(t, append([]string{"batches"}, c.args...)...)
			if c.want == "" {
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				return
			}
			if code != 1 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want status 1 and one line containing %q", code, stderr, c.want)
			}
			after, _ := os.ReadFile(notes)
			ckAfter, _ := os.ReadFile(ckpt)
			if string(after) != string(before) || string(ckAfter) != string(ckBefore) {
				t.Error("a refused run changed a file")
			}
		})
	}
	b, _ := os.ReadFile(filepath.Join(dir, "b.json"))
	var f batchesFile
	if json.Unmarshal(b, &f) != nil || len(f.Windows) != 2 {
		t.Errorf("b.json was not rewritten with 2 steps: %.80s", b)
	}
	b, _ = os.ReadFile(notes)
	if !isBatchesFile(b) {
		t.Errorf("--force did not overwrite %s: %.80s", notes, b)
	}
}

// TestBatchesOutErrorIsTyped: the refusal of a file batches did not write is
// a *lab.OutputError wrapping lab.ErrNotOurs.
func TestBatchesOutErrorIsTyped(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(p, []byte("not json"), 0o644)
	_, err := guardBatchesOut(p, "", nil, strings.NewReader(""), false)
	var oe *lab.OutputError
	if !errors.As(err, &oe) || !errors.Is(err, lab.ErrNotOurs) {
		t.Errorf("guardBatchesOut over a text file: %v (%T), want a *lab.OutputError wrapping ErrNotOurs", err, err)
	}
	if _, err := guardBatchesOut(p, "", nil, strings.NewReader(""), true); err != nil {
		t.Errorf("with force: %v", err)
	}
}
