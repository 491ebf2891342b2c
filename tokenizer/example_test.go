package tokenizer_test

import (
	"fmt"

	"lmlab/tokenizer"
)

func ExampleNewChar() {
	c, _ := tokenizer.NewChar("hello world", false)
	fmt.Println(c.VocabSize(), c.Encode("hello"))
	fmt.Println(tokenizer.Unknown(c, "hi!"))
	// Output:
	// 8 [3 2 4 4 5]
	// ["i" (U+0069) at byte 1 "!" (U+0021) at byte 2]
}

func ExampleNewWord() {
	w, _ := tokenizer.NewWord("the cat sat on the mat", 0)
	for _, id := range w.Encode("the dog sat on the mat") {
		fmt.Printf("%d %q\n", id, w.TokenBytes(id))
	}
	// Output:
	// 6 "the"
	// 0 "<unk>"
	// 4 " sat"
	// 3 " on"
	// 5 " the"
	// 2 " mat"
}

func ExampleTrainBPE() {
	text := "low lower lowest low low lower newer newest"
	b, _ := tokenizer.TrainBPE(text, tokenizer.TrainOptions{VocabSize: 260, Pattern: "gpt2"})
	for _, m := range b.Merges() {
		fmt.Printf("%q + %q -> %d (%q, seen %d times)\n", b.TokenBytes(m.Left), b.TokenBytes(m.Right), m.ID, b.TokenBytes(m.ID), m.Count)
	}
	for _, t := range b.EncodeTokens(" lowest") {
		fmt.Printf("%d %q [%d,%d)\n", t.ID, b.TokenBytes(t.ID), t.Start, t.End)
	}
	// Output:
	// "l" + "o" -> 256 ("lo", seen 6 times)
	// "lo" + "w" -> 257 ("low", seen 6 times)
	// " " + "low" -> 258 (" low", seen 5 times)
	// "e" + "r" -> 259 ("er", seen 3 times)
	// 258 " low" [0,4)
	// 101 "e" [4,5)
	// 115 "s" [5,6)
	// 116 "t" [6,7)
}

func ExampleParseSpec() {
	for _, s := range []string{"word:5000", "bpe:4096", "tiktoken:cl100k_base.tiktoken", "bpe:4k"} {
		sp, err := tokenizer.ParseSpec(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(sp.Kind, sp.N, sp.Path, sp.Learns(), sp.ByteLevel())
	}
	// Output:
	// word 5000  true false
	// bpe 4096  true true
	// tiktoken 0 cl100k_base.tiktoken false true
	// tokenizer spec "bpe:4k": "4k" is not a whole number: want bpe:N (vocabulary size, e.g. bpe:4096) (valid forms: char, word, word:N, bpe:N, bpe:FILE (saved by --train-out), tiktoken:FILE, hf:FILE, ckpt:FILE)
}
