package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/tokenizer"
)

func TestPerByteLoss(t *testing.T) {
	tests := []struct {
		loss     float64
		n, bytes int
		want     float64
	}{
		{2, 10, 40, 0.5},  // 4 bytes per token: a quarter of the loss per byte
		{1.5, 8, 8, 1.5},  // one byte per token: the same
		{3, 0, 0, 0},      // nothing evaluated
		{1, 5, 0, 0},      // tokens that stand for no bytes
		{0.9, 3, 9, 0.30}, // 0.9×3/9
	}
	for _, tt := range tests {
		if got := perByteLoss(tt.loss, tt.n, tt.bytes); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("perByteLoss(%v, %d, %d) = %v, want %v", tt.loss, tt.n, tt.bytes, got, tt.want)
		}
	}
}

func TestTargetBytes(t *testing.T) {
	b, err := tokenizer.TrainBPE("the cat sat on the mat", tokenizer.TrainOptions{VocabSize: 270})
	if err != nil {
		t.Fatal(err)
	}
	ids := b.Encode("the cat 🤖")
	ids32 := make([]int32, len(ids))
	for i, id := range ids {
		ids32[i] = int32(id)
	}
	first := len(b.TokenBytes(ids[0]))
	if got, want := targetBytes(b, ids32, len(ids)-1), len("the cat 🤖")-first; got != want {
		t.Errorf("targetBytes = %d, want %d (all but the first token, which is never predicted)", got, want)
	}
}

func TestEvalBitsPerByte(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.safetensors")
	args := append([]string{"train", "--steps", "5", "--out", ckpt, "--json", "--tokenizer", "char"}, small...)
	if _, stderr, code := lmlab(t, args...); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	text := filepath.Join(dir, "t.txt")
	os.WriteFile(text, []byte(strings.Repeat("The cat sat on the mat. The dog sat on the rug.\n", 4)), 0o644)
	out, stderr, code := lmlab(t, "eval", "--ckpt", ckpt, "--data", text, "--json")
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	var ev struct {
		Loss        float64 `json:"loss"`
		Tokens      int     `json:"tokens"`
		Bytes       int     `json:"bytes"`
		LossPerByte float64 `json:"loss_per_byte"`
		BitsPerByte float64 `json:"bits_per_byte"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("eval --json printed %q: %v", out, err)
	}
	// A char tokenizer on ASCII: one byte per token, so per byte is per token.
	if ev.Bytes != ev.Tokens || ev.LossPerByte != ev.Loss || math.Abs(ev.BitsPerByte-ev.Loss/math.Ln2) > 1e-4 {
		t.Errorf("char model on ASCII: %+v; want bytes = tokens, loss_per_byte = loss, bits_per_byte = loss/ln 2", ev)
	}
	text2, _, _ := lmlab(t, "eval", "--ckpt", ckpt, "--data", text)
	if !strings.Contains(text2, "bits per byte") || !strings.Contains(text2, "different tokenizers") {
		t.Errorf("eval does not report bits per byte and why:\n%s", text2)
	}
}
