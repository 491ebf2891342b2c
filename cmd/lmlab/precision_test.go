package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
)

// TestTrainPrecisionBF16: --precision bf16 trains (the loss falls), its
// losses are not fp32's, a run stopped and resumed without the flag stays
// bf16 and takes the uninterrupted run's steps, and its checkpoint's recipe
// says bf16.
func TestTrainPrecisionBF16(t *testing.T) {
	dir := t.TempDir()
	train := func(extra ...string) map[float64]float64 {
		t.Helper()
		out, stderr, code := lmlab(t, append(append([]string{"train", "--steps", "40", "--json"}, small...), extra...)...)
		if code != 0 {
			t.Fatalf("train %v exited %d: %s", extra, code, stderr)
		}
		return stepLosses(jsonLines(t, out))
	}
	fp := train()
	bf := train("--precision", "bf16")
	if len(bf) != 40 || len(fp) != 40 {
		t.Fatalf("got %d bf16 and %d fp32 step losses, want 40 each", len(bf), len(fp))
	}
	if !(bf[40] < bf[1]) {
		t.Errorf("bf16 loss went from %v to %v, want it to fall", bf[1], bf[40])
	}
	same := true
	for s, l := range fp {
		same = same && bf[s] == l
	}
	if same {
		t.Errorf("--precision bf16 gave fp32's losses")
	}

	ckpt := filepath.Join(dir, "half.safetensors")
	if _, stderr, code := lmlab(t, append(append([]string{"train", "--steps", "40", "--stop-at", "20", "--out", ckpt, "--json"}, small...), "--precision", "bf16")...); code != 0 {
		t.Fatalf("train --stop-at exited %d: %s", code, stderr)
	}
	ck, err := engine.LoadCheckpoint(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Train.Precision != engine.PrecisionBF16 {
		t.Errorf("checkpoint recipe precision %q, want bf16", ck.Train.Precision)
	}
	out, stderr, code := lmlab(t, "train", "--resume", ckpt, "--json")
	if code != 0 {
		t.Fatalf("train --resume exited %d: %s", code, stderr)
	}
	resumed := stepLosses(jsonLines(t, out))
	if len(resumed) != 20 {
		t.Fatalf("resumed run printed %d step losses, want 20 (steps 21..40)", len(resumed))
	}
	for s, l := range resumed {
		if bf[s] != l {
			t.Errorf("step %v: resumed bf16 loss %v, uninterrupted %v", s, l, bf[s])
		}
	}
}

// TestPrecisionFP32FlagKeepsCheckpoints: --precision fp32 writes the same
// checkpoint bytes as no flag at all (fp32 is saved as nothing).
func TestPrecisionFP32FlagKeepsCheckpoints(t *testing.T) {
	dir := t.TempDir()
	var files [][]byte
	for i, extra := range [][]string{nil, {"--precision", "fp32"}} {
		path := filepath.Join(dir, []string{"none", "fp32"}[i]+".safetensors")
		if _, stderr, code := lmlab(t, append(append([]string{"train", "--steps", "5", "--out", path, "--json"}, small...), extra...)...); code != 0 {
			t.Fatalf("train %v exited %d: %s", extra, code, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("--precision fp32 wrote a checkpoint of %d bytes that differs from the default's %d", len(files[1]), len(files[0]))
	}
	if bytes.Contains(files[1], []byte("precision")) {
		t.Errorf("an fp32 checkpoint mentions precision")
	}
}

func TestPrecisionFlagRefusesOthers(t *testing.T) {
	for _, cmd := range []string{"train", "finetune", "bench"} {
		for _, p := range []string{"fp16", "BF16", ""} {
			_, stderr, code := lmlab(t, cmd, "--precision", p)
			if code != 2 || !strings.Contains(stderr, "-precision") || !strings.Contains(stderr, "use fp32 or bf16") {
				t.Errorf("%s --precision %q: exit %d, stderr %q; want 2 and a line naming -precision and its values", cmd, p, code, stderr)
			}
		}
	}
}

// TestTrainSaysBF16: the text header of a bf16 run says its products are
// bf16 and emulated; an fp32 run's says nothing of precision.
func TestTrainSaysBF16(t *testing.T) {
	for _, tt := range []struct {
		prec string
		want bool
	}{{"bf16", true}, {"fp32", false}} {
		out, stderr, code := lmlab(t, append(append([]string{"train", "--steps", "2", "--runs", "none"}, small...), "--precision", tt.prec)...)
		if code != 0 {
			t.Fatalf("train --precision %s exited %d: %s", tt.prec, code, stderr)
		}
		header, _, _ := strings.Cut(out, "\n")
		if got := strings.Contains(header, "bf16 matrix products (emulated"); got != tt.want {
			t.Errorf("--precision %s: header %q says bf16: %v, want %v", tt.prec, header, got, tt.want)
		}
	}
}
