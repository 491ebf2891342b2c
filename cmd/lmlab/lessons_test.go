//go:build !race

// The lesson tests train real models for hundreds of steps. Under the race
// detector the engine's Go loops run ~20× slower, so these run in the plain
// `go test ./...` pass of .ci/run; they start no goroutines of their own and
// the Runner's concurrency is covered by the race pass elsewhere.

package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
)

type inspectOut struct {
	Tokens    []jsonToken     `json:"tokens"`
	Next      []jsonToken     `json:"next"`
	Attention [][][][]float32 `json:"attention"`
}

func inspectPrompt(t *testing.T, ckpt, prompt string) inspectOut {
	t.Helper()
	out, stderr, code := lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", prompt, "--topk", "5", "--json")
	if code != 0 {
		t.Fatalf("inspect: %s", stderr)
	}
	var ins inspectOut
	if err := json.Unmarshal([]byte(out), &ins); err != nil {
		t.Fatal(err)
	}
	return ins
}

// TestCatsLesson: with the word tokenizer and the tiny preset, a short run
// makes "mat" the top prediction after "The cat sat on the ", and each
// animal's own place the top one after its sentence.
func TestCatsLesson(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "cats.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:cats", "--steps", "400", "--seed", "1337", "--out", ckpt, "--json"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	for _, tt := range []struct{ animal, place string }{{"cat", "mat"}, {"dog", "rug"}, {"frog", "log"}} {
		ins := inspectPrompt(t, ckpt, "The "+tt.animal+" sat on the ")
		if got := ins.Next[0].Text; got != tt.place {
			t.Errorf("after %q the top prediction is %q (%.2f), want %q; top 5: %v", "The "+tt.animal+" sat on the ", got, ins.Next[0].Prob, tt.place, ins.Next)
		}
	}
}

// TestBankLesson: after training on the bank sample, the word after "bank"
// follows the meaning set far back in the sentence, and an attention head of
// the first layer links the position before that word to the disambiguating
// noun (boat, money, cheque): among its two strongest keys, with a weight at
// least three times uniform.
func TestBankLesson(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "bank.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:bank", "--steps", "1500", "--seed", "1337", "--eval-every", "0", "--out", ckpt, "--json"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	river := []string{"among", "under", "below", "beside"}
	money := []string{"in", "at", "opposite", "on"}
	for _, tt := range []struct {
		prompt, noun string
		want         []string
	}{
		{"Sam took the boat down to the bank ", "boat", river},
		{"Sam took the money down to the bank ", "money", money},
		{"Ann carried the cheque back to the bank ", "cheque", money},
		{"Ann carried the net back to the bank ", "net", river},
	} {
		ins := inspectPrompt(t, ckpt, tt.prompt)
		if top := ins.Next[0].Text; !slices.Contains(tt.want, top) {
			t.Errorf("%q → %q, want one of %v; top 5: %v", tt.prompt, top, tt.want, ins.Next)
		}
		T := len(ins.Tokens)
		noun := -1
		for i, tok := range ins.Tokens {
			if tok.Text == tt.noun {
				noun = i
			}
		}
		if noun < 0 {
			t.Fatalf("%q has no token %q", tt.prompt, tt.noun)
		}
		linked := false
		for _, head := range ins.Attention[0] {
			row := head[T-1]
			rank := 0
			for k := 0; k < T; k++ {
				if row[k] > row[noun] {
					rank++
				}
			}
			if rank < 2 && row[noun] >= 3/float32(T) {
				linked = true
			}
		}
		if !linked {
			t.Errorf("%q: no first-layer head attends from the last position to %q among its top two keys with ≥ 3× uniform weight", tt.prompt, tt.noun)
		}
	}
}
