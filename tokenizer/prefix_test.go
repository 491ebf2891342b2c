package tokenizer

import (
	"slices"
	"testing"
)

// TestFirstMergesEqualsTraining: a trained BPE cut to its first k merges
// encodes as TrainBPE with VocabSize 256+k on the same text, for several
// k, with and without special tokens, on texts the training never saw.
func TestFirstMergesEqualsTraining(t *testing.T) {
	train := "the cat sat on the mat. the hat! that cat, that hat; the theme of the then-theatre.\n" +
		"Tokenizers merge bytes: tokens, token, taken, talk, 🤖🤖 ok 猫猫猫 <|end|> the end"
	probes := []string{"", "the that hat cat", "then theatre tokens", "🤖 猫 \r\n\xff", "<|end|>the<|end|>", train}
	for _, special := range [][]string{nil, {"<|end|>"}} {
		full, err := TrainBPE(train, TrainOptions{VocabSize: 256 + 80, Special: special})
		if err != nil {
			t.Fatal(err)
		}
		n := len(full.Merges())
		for _, k := range []int{0, 1, 2, 7, 31, n - 1, n} {
			got, err := full.FirstMerges(k)
			if err != nil {
				t.Fatalf("FirstMerges(%d): %v", k, err)
			}
			want, err := TrainBPE(train, TrainOptions{VocabSize: 256 + k + len(special), Special: special})
			if err != nil {
				t.Fatal(err)
			}
			if got.Name() != want.Name() || got.VocabSize() != want.VocabSize() {
				t.Errorf("k=%d special=%v: got %s (%d), want %s (%d)", k, special, got.Name(), got.VocabSize(), want.Name(), want.VocabSize())
			}
			if gm, wm := got.Merges(), want.Merges(); !slices.Equal(gm, wm) {
				t.Errorf("k=%d special=%v: merges differ:\ngot  %v\nwant %v", k, special, gm, wm)
			}
			for _, s := range probes {
				if g, w := got.Encode(s), want.Encode(s); !slices.Equal(g, w) {
					t.Errorf("k=%d special=%v: Encode(%q) = %v, want %v", k, special, s, g, w)
				}
			}
		}
	}
}

// TestFirstMergesErrors: k out of range, and a tokenizer without a merge
// list, are errors.
func TestFirstMergesErrors(t *testing.T) {
	full, err := TrainBPE("aaab aab ab", TrainOptions{VocabSize: 258})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{-1, 3} {
		if _, err := full.FirstMerges(k); err == nil {
			t.Errorf("FirstMerges(%d) of a BPE with 2 merges: no error", k)
		}
	}
	ranked := &BPE{cfg: bpeConfig{Name: "tiktoken:x", RankMerges: true}}
	if _, err := ranked.FirstMerges(0); err == nil {
		t.Error("FirstMerges of a rank-merging BPE: no error")
	}
}
