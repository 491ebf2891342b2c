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
// follows the meaning set far back in the sentence, and one attention head
// links "bank" (the token itself or the space after it, whose next word
// depends on the meaning) to the disambiguating noun (boat, money, cheque,
// net) in every probe: the noun is among that head's two strongest keys
// there, with at least twice the weight of uniform attention over the keys
// it can see. An untrained model's heads spread attention almost evenly, so
// one head doing this for all four sentences is the lesson. Which layer and
// head learn it depends on the seed and on the CPU's matrix kernel, whose
// rounding differs: with AVX-512, seeds 1, 2 and 1337 give such a head; with
// AVX2 only seed 2 of those does (1 and 1337 predict as well through a less
// direct route, relaying the noun over the words in between, which this
// check does not follow). Seed 2 gives the head on both.
func TestBankLesson(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "bank.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:bank", "--steps", "1500", "--seed", "2", "--eval-every", "0", "--out", ckpt, "--json"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	river := []string{"among", "under", "below", "beside"}
	money := []string{"in", "at", "opposite", "on"}
	probes := []struct {
		prompt, noun string
		want         []string
	}{
		{"Sam took the boat down to the bank ", "boat", river},
		{"Sam took the money down to the bank ", "money", money},
		{"Ann carried the cheque back to the bank ", "cheque", money},
		{"Ann carried the net back to the bank ", "net", river},
	}
	// links[l][h][0] for the query at "bank", [1] for the last position:
	// does that head link in every probe so far.
	var links [][][2]bool
	for pi, tt := range probes {
		ins := inspectPrompt(t, ckpt, tt.prompt)
		if top := ins.Next[0].Text; !slices.Contains(tt.want, top) {
			t.Errorf("%q → %q, want one of %v; top 5: %v", tt.prompt, top, tt.want, ins.Next)
		}
		find := func(word string) int {
			i := slices.IndexFunc(ins.Tokens, func(tok jsonToken) bool { return tok.Text == word })
			if i < 0 {
				t.Fatalf("%q has no token %q", tt.prompt, word)
			}
			return i
		}
		noun, bank, last := find(tt.noun), find("bank"), len(ins.Tokens)-1
		if pi == 0 {
			links = make([][][2]bool, len(ins.Attention))
			for l := range links {
				links[l] = make([][2]bool, len(ins.Attention[l]))
				for h := range links[l] {
					links[l][h] = [2]bool{true, true}
				}
			}
		}
		for l, heads := range ins.Attention {
			for h, head := range heads {
				for i, q := range []int{bank, last} {
					row := head[q]
					rank := 0
					for k := 0; k <= q; k++ {
						if row[k] > row[noun] {
							rank++
						}
					}
					links[l][h][i] = links[l][h][i] && rank < 2 && row[noun] >= 2/float32(q+1)
				}
			}
		}
	}
	linked := false
	for _, heads := range links {
		for _, qs := range heads {
			linked = linked || qs[0] || qs[1]
		}
	}
	if !linked {
		t.Error("no attention head links \"bank\" (or the space after it) to the disambiguating noun in every probe (top-two key, ≥ 2× uniform)")
	}
}
