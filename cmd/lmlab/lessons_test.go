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
	"strings"
	"testing"
	"time"
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
// makes "mat" the top prediction after "The cat sat on the" as the primer
// writes it, without a trailing space (the token is " mat", the word with
// its space), and each animal's own place the top one after its sentence;
// lmlab sample at temperature 0 writes "mat" after it.
func TestCatsLesson(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "cats.safetensors")
	start := time.Now()
	if _, stderr, code := lmlab(t, "train", "--data", "sample:cats", "--steps", "400", "--seed", "1337", "--out", ckpt, "--json"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	t.Logf("trained 400 steps in %v", time.Since(start).Round(time.Second))
	for _, tt := range []struct{ animal, place string }{{"cat", "mat"}, {"dog", "rug"}, {"frog", "log"}} {
		prompt := "The " + tt.animal + " sat on the"
		ins := inspectPrompt(t, ckpt, prompt)
		if got := ins.Next[0].Text; got != " "+tt.place {
			t.Errorf("after %q the top prediction is %q (%.2f), want %q; top 5: %v", prompt, got, ins.Next[0].Prob, " "+tt.place, ins.Next)
		}
	}
	const prompt = "The cat sat on the"
	out, stderr, code := lmlab(t, "sample", "--ckpt", ckpt, "--prompt", prompt, "--tokens", "1", "--temperature", "0")
	if code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	if got, ok := strings.CutPrefix(out, prompt); !ok || strings.TrimSpace(got) != "mat" {
		t.Errorf("lmlab sample --prompt %q --tokens 1 --temperature 0 printed %q, want the prompt and then mat", prompt, out)
	}
}

// TestBankLesson: after training on the bank sample, the word after "bank"
// follows the meaning set earlier in the sentence (what was carried there,
// or what the bank is near: "The bank is near the river, so Sam went to the
// bank"), and one attention head's look from "bank" back to the noun that
// sets the meaning depends on the meaning: in each river/money pair of
// probes that head puts at least 0.4 more weight on the noun of the same
// sense every time (river, boat, net over market, money, cheque, or the
// other way round). An untrained model's heads spread attention almost
// evenly, so both probes of a pair get about the same weight.
//
// Measured at seed 2 on AVX2: layer 0 head 2 puts 0.88–0.98 on river, boat
// and net and 0.02–0.07 on market, money and cheque, a head that finds the
// river sense, while the money sense is read by layer 1. Since the corpus
// gained "The bank is near ..." lines no head links "bank" to the noun of
// both senses in every probe, as one did when all lines had one shape.
// Which layer and head learn it depends on the seed and on the CPU's
// matrix kernel, whose rounding differs.
func TestBankLesson(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "bank.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:bank", "--steps", "1500", "--seed", "2", "--eval-every", "0", "--out", ckpt, "--json"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	river := []string{" among", " under", " below", " beside"}
	money := []string{" in", " at", " opposite", " on"}
	type probe struct{ prompt, noun string }
	pairs := []struct{ river, money probe }{
		{probe{"The bank is near the river, so Sam went to the bank", " river"}, probe{"The bank is near the market, so Sam went to the bank", " market"}},
		{probe{"Sam took the boat down to the bank", " boat"}, probe{"Sam took the money down to the bank", " money"}},
		{probe{"Ann carried the net back to the bank", " net"}, probe{"Ann carried the cheque back to the bank", " cheque"}},
	}
	// nounWeight returns the attention weight [layer][head] from the last
	// token, " bank", to the noun, after checking the next-word guess.
	nounWeight := func(p probe, want []string) [][]float32 {
		ins := inspectPrompt(t, ckpt, p.prompt)
		if top := ins.Next[0].Text; !slices.Contains(want, top) {
			t.Errorf("%q → %q, want one of %q; top 5: %v", p.prompt, top, want, ins.Next)
		}
		noun := slices.IndexFunc(ins.Tokens, func(tok jsonToken) bool { return tok.Text == p.noun })
		bank := len(ins.Tokens) - 1
		if noun < 0 || ins.Tokens[bank].Text != " bank" {
			t.Fatalf("%q: tokens %v, want %q among them and \" bank\" last", p.prompt, ins.Tokens, p.noun)
		}
		w := make([][]float32, len(ins.Attention))
		for l, heads := range ins.Attention {
			for _, head := range heads {
				w[l] = append(w[l], head[bank][noun])
			}
		}
		return w
	}
	// riverHead[l][h] and moneyHead[l][h]: in every pair so far, that head
	// weighs the river (money) noun at least 0.4 more than the other.
	var riverHead, moneyHead [][]bool
	for i, pair := range pairs {
		r, m := nounWeight(pair.river, river), nounWeight(pair.money, money)
		if i == 0 {
			for l := range r {
				riverHead = append(riverHead, slices.Repeat([]bool{true}, len(r[l])))
				moneyHead = append(moneyHead, slices.Repeat([]bool{true}, len(r[l])))
			}
		}
		for l := range r {
			for h := range r[l] {
				t.Logf("layer %d head %d: %.2f on %q, %.2f on %q", l, h, r[l][h], pair.river.noun, m[l][h], pair.money.noun)
				riverHead[l][h] = riverHead[l][h] && r[l][h]-m[l][h] >= 0.4
				moneyHead[l][h] = moneyHead[l][h] && m[l][h]-r[l][h] >= 0.4
			}
		}
	}
	found := func(heads []bool) bool { return slices.Contains(heads, true) }
	if !slices.ContainsFunc(riverHead, found) && !slices.ContainsFunc(moneyHead, found) {
		t.Error("no attention head's weight from \"bank\" on the noun depends on river vs money in every pair (≥ 0.4 more on the same sense's noun)")
	}
}
