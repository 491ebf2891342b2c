package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// catsCheckpoint trains the small test model on the cats lesson for 60 steps
// and returns the checkpoint's path.
func catsCheckpoint(t *testing.T) string {
	t.Helper()
	ckpt := filepath.Join(t.TempDir(), "cats.safetensors")
	if _, stderr, code := lmlab(t, append([]string{"train", "--steps", "60", "--out", ckpt, "--json"}, small...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	return ckpt
}

type anatomyJSON struct {
	Target string `json:"target"`
	Before struct {
		PTarget *float64 `json:"p_target"`
		Loss    *float64 `json:"loss"`
	} `json:"before"`
	After struct {
		PTarget *float64 `json:"p_target"`
		Loss    *float64 `json:"loss"`
	} `json:"after"`
	Layers []struct {
		Name        string   `json:"name"`
		GradNorm    *float64 `json:"grad_norm"`
		UpdateRatio *float64 `json:"update_ratio"`
	} `json:"layers"`
}

func anatomy(t *testing.T, args ...string) anatomyJSON {
	t.Helper()
	out, stderr, code := lmlab(t, append([]string{"anatomy", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("anatomy %v exited %d: %s", args, code, stderr)
	}
	var a anatomyJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("anatomy --json printed %q: %v", out, err)
	}
	if a.Before.PTarget == nil || a.Before.Loss == nil || a.After.PTarget == nil || a.After.Loss == nil || len(a.Layers) == 0 {
		t.Fatalf("anatomy --json lacks before/after p_target and loss, or layers: %s", out)
	}
	for _, l := range a.Layers {
		if l.Name == "" || l.GradNorm == nil || l.UpdateRatio == nil {
			t.Fatalf("layer %+v lacks name, grad_norm or update_ratio", l)
		}
	}
	return a
}

func TestAnatomyCommand(t *testing.T) {
	ckpt := catsCheckpoint(t)
	before, _ := os.ReadFile(ckpt)
	// The word tokenizer's words carry their leading space: the target is " mat".
	probe := []string{"--ckpt", ckpt, "--prompt", "The cat sat on the", "--target", " mat"}

	a := anatomy(t, probe...)
	if !(*a.After.PTarget > *a.Before.PTarget) || !(*a.After.Loss < *a.Before.Loss) {
		t.Errorf("at the recipe's lr p(mat) %g → %g, loss %g → %g; want a rise and a fall", *a.Before.PTarget, *a.After.PTarget, *a.Before.Loss, *a.After.Loss)
	}
	if got, want := len(a.Layers), 2+3*1+1; got != want { // wte, wpe, one block's attn, mlp, ln, ln_f
		t.Errorf("%d layer groups, want %d", got, want)
	}

	z := anatomy(t, append(probe, "--lr", "0")...)
	if *z.After.PTarget != *z.Before.PTarget || *z.After.Loss != *z.Before.Loss {
		t.Errorf("at --lr 0 p(mat) %g → %g; want no change", *z.Before.PTarget, *z.After.PTarget)
	}

	out, stderr, code := lmlab(t, append([]string{"anatomy"}, probe...)...)
	if code != 0 || !strings.Contains(out, "mat went from") || !strings.Contains(out, "h0.attn") {
		t.Errorf("anatomy table (exit %d, %s):\n%s", code, stderr, out)
	}
	if after, _ := os.ReadFile(ckpt); !bytes.Equal(before, after) {
		t.Error("anatomy changed the checkpoint")
	}
}

func TestAnatomyCommandErrors(t *testing.T) {
	ckpt := catsCheckpoint(t)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no checkpoint", []string{"--prompt", "The cat", "--target", "mat"}, "--ckpt is required"},
		{"target of two tokens", []string{"--ckpt", ckpt, "--prompt", "The cat sat on the", "--target", " mat rug"}, `--target " mat rug" encodes to 2 tokens (" mat" " rug")`},
		{"empty target", []string{"--ckpt", ckpt, "--prompt", "The cat sat on the", "--target", ""}, "--target \"\" has no tokens"},
		{"word without its space", []string{"--ckpt", ckpt, "--prompt", "The cat sat on the", "--target", "mat"}, `--target "mat" is not in the vocabulary; words carry the space before them: give " mat"`},
		{"unknown target", []string{"--ckpt", ckpt, "--prompt", "The cat sat on the", "--target", "zebra"}, `--target "zebra" is not in the vocabulary; give a token of the vocabulary`},
		{"empty prompt", []string{"--ckpt", ckpt, "--target", "mat"}, "--prompt \"\" has no tokens"},
		{"negative lr", []string{"--ckpt", ckpt, "--prompt", "The cat", "--target", "mat", "--lr", "-1"}, "--lr -1 is out of range"},
		{"NaN lr", []string{"--ckpt", ckpt, "--prompt", "The cat", "--target", "mat", "--lr", "NaN"}, "--lr NaN is out of range"},
		{"stray argument", []string{"--ckpt", ckpt, "mat"}, `unexpected argument "mat"`},
	} {
		_, stderr, code := lmlab(t, append([]string{"anatomy"}, tt.args...)...)
		if code != 1 || !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want 1 and one line with %q", tt.name, code, stderr, tt.want)
		}
	}
}
