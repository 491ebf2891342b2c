package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/hf"
)

// TestExport trains a quick model, exports it in both formats, loads the
// Hugging Face directory back (the same weights, and a directory `export`
// itself accepts as --ckpt), and checks that a second export into the same
// directory is refused without --force and done with it.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.safetensors")
	if _, stderr, code := lmlab(t, append([]string{"train", "--steps", "3", "--out", ckpt}, small...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	src, err := engine.LoadCheckpoint(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hf")
	stdout, stderr, code := lmlab(t, "export", "--ckpt", ckpt, "--format", "hf", "--out", out)
	if code != 0 {
		t.Fatalf("export exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("stdout %q does not say what was written", stdout)
	}
	back, _, err := hf.Load(out, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Params, src.Params) {
		t.Error("exported weights differ from the checkpoint's")
	}

	_, stderr, code = lmlab(t, "export", "--ckpt", ckpt, "--format", "hf", "--out", out)
	if code != 1 || !strings.Contains(stderr, "--force") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("export over an export: exit %d, stderr %q; want 1 and one line naming --force", code, stderr)
	}
	if _, stderr, code = lmlab(t, "export", "--ckpt", ckpt, "--format", "hf", "--out", out, "--force"); code != 0 {
		t.Errorf("export --force exited %d: %s", code, stderr)
	}

	nano := filepath.Join(dir, "nano")
	stdout, stderr, code = lmlab(t, "export", "--ckpt", out, "--format", "nanogpt", "--out", nano)
	if code != 0 {
		t.Fatalf("export of the hf directory to nanogpt exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "nanogpt.py to-ckpt") {
		t.Errorf("stdout %q does not say the next step", stdout)
	}
	ck, err := engine.LoadCheckpoint(filepath.Join(nano, "ckpt.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ck.Params, src.Params) {
		t.Error("hf → nanogpt weights differ from the checkpoint's")
	}
	for _, f := range []string{"nanogpt.py", "stio.py", "README.md"} {
		if _, err := os.Stat(filepath.Join(nano, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestExportUsageErrors: missing or wrong flags are one-line errors that
// name the flag.
func TestExportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "hf", "--out", dir + "/x"}, "--ckpt is required"},
		{[]string{"--ckpt", "m", "--out", dir + "/x"}, "--format is required"},
		{[]string{"--ckpt", "m", "--format", "hf"}, "--out is required"},
		{[]string{"--ckpt", filepath.Join(dir, "none.safetensors"), "--format", "hf", "--out", dir + "/x"}, "none.safetensors"},
		{[]string{"--ckpt", filepath.Join(dir, "m"), "--tokenizer", "char", "--format", "hf", "--out", dir + "/x"}, "--tokenizer applies to a Hugging Face directory"},
	} {
		_, stderr, code := lmlab(t, append([]string{"export"}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("export %v: exit %d, stderr %q; want 1 and one line containing %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestCommandsReadHFDirectories: --ckpt takes a Hugging Face GPT-2
// directory in every command that reads a model; inspect and sample give
// the same answers on the exported directory as on the checkpoint.
func TestCommandsReadHFDirectories(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.safetensors")
	if _, stderr, code := lmlab(t, append([]string{"train", "--steps", "10", "--out", ckpt}, small...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	hfDir := filepath.Join(dir, "hf")
	if _, stderr, code := lmlab(t, "export", "--ckpt", ckpt, "--format", "hf", "--out", hfDir); code != 0 {
		t.Fatalf("export exited %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{"inspect", "--prompt", "The cat sat on the ", "--topk", "5", "--json"},
		{"sample", "--prompt", "The cat", "--tokens", "12", "--temperature", "0", "--json"},
		{"eval", "--data", "sample:cats", "--json"},
	} {
		want, stderr, code := lmlab(t, append(args, "--ckpt", ckpt)...)
		if code != 0 {
			t.Fatalf("%s on the checkpoint: %s", args[0], stderr)
		}
		got, stderr, code := lmlab(t, append(args, "--ckpt", hfDir)...)
		if code != 0 {
			t.Fatalf("%s on the Hugging Face directory: %s", args[0], stderr)
		}
		if got != want {
			t.Errorf("%s: the directory gives\n%s\nthe checkpoint\n%s", args[0], got, want)
		}
	}
	// And a new run starts from its weights.
	if _, stderr, code := lmlab(t, "train", "--ckpt", hfDir, "--data", "sample:cats", "--steps", "2", "--batch", "2", "--runs", "none"); code != 0 {
		t.Errorf("train --ckpt DIR: %s", stderr)
	}
}
