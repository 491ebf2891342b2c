package main

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine/testenv"
)

// TestWorkbenchCompareFlag: --compare is repeatable and takes any
// tokenizer spec, real files included; a spec that does not parse, a file
// that is not there and a checkpoint are refused when the flags are read,
// with the flag, the spec and the fix named.
func TestWorkbenchCompareFlag(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "data", "tokenizers")
	gpt2 := "tiktoken:" + filepath.Join(dir, "gpt2.tiktoken")
	spm := "hf:" + filepath.Join(dir, "spm-bpe-32k.tokenizer.json")
	var stderr bytes.Buffer
	_, compare, code, ok := workbenchFlags([]string{"--data", "sample:cats", "--compare", gpt2, "--compare", spm, "--compare", "bpe:512"},
		nil, io.Discard, &stderr)
	if !ok {
		t.Fatalf("flags refused (%d): %s", code, stderr.String())
	}
	if got, want := strings.Join(compare, " "), gpt2+" "+spm+" bpe:512"; got != want {
		t.Errorf("--compare gave %q, want %q", got, want)
	}

	missing := filepath.Join(t.TempDir(), "nope.tiktoken")
	tests := []struct {
		spec string
		want []string // in the error
	}{
		{"bpe:12", []string{"-compare", "bpe:12", "256"}},
		{"tiktoken:" + missing, []string{"-compare", "no such file " + missing}},
		{"hf:" + t.TempDir(), []string{"-compare", "not a regular file"}},
		{"ckpt:" + missing, []string{"-compare", "not checkpoints", "hf:FILE"}},
		{"nonsense", []string{"-compare", `unknown kind "nonsense"`}},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			var stderr bytes.Buffer
			_, _, code, ok := workbenchFlags([]string{"--data", "sample:cats", "--compare", tc.spec}, nil, io.Discard, &stderr)
			if ok || code != 2 {
				t.Fatalf("--compare %s accepted (ok %v, code %d)", tc.spec, ok, code)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("the error lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}
