package tui

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"lmlab/tokenizer"
)

// cacheTokenizers are tokenizers of every kind the workbench trains, and
// the GPT-2 and cl100k tiktoken files when the shared data is there.
func cacheTokenizers(t *testing.T) map[string]tokenizer.Tokenizer {
	t.Helper()
	corpus, err := os.ReadFile(testCorpus)
	if err != nil {
		t.Fatal(err)
	}
	train := string(corpus) + pasteText(4<<10)
	toks := map[string]tokenizer.Tokenizer{}
	for _, spec := range []string{"char", "word", "bpe:300", "bpe:400"} {
		tok, err := tokenizer.FromSpec(spec, tokenizer.SpecOptions{Text: train, TextName: "the test corpus"})
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		toks[spec] = tok
	}
	dir := filepath.Join("..", "..", "shared", "data", "tokenizers")
	for _, name := range []string{"gpt2.tiktoken", "cl100k_base.tiktoken"} {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			continue // the shared data is beside the repository, not in it
		}
		tok, err := tokenizer.FromSpec("tiktoken:"+path, tokenizer.SpecOptions{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		toks[name] = tok
	}
	return toks
}

// TestTokenCacheMatchesFullEncoding is the naive twin of the incremental
// encoding: after every one of a few hundred random edits (typing, deleting,
// pasting, replacing, at the start, the end and anywhere between), the
// cache's tokens are exactly those of encoding the whole text once.
func TestTokenCacheMatchesFullEncoding(t *testing.T) {
	pieces := []string{"a", " ", "e", "the", " cat", ".", "\n", "猫", "🐈", "👍🏽", "é", "  ", "sat on", "x", "\n\n", "狐と鶏。"}
	for name, tok := range cacheTokenizers(t) {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			text := pasteText(16 << 10)
			var c tokenCache
			for i := 0; i < 150; i++ {
				// A rune boundary at random, and an edit there.
				at := rng.IntN(len(text) + 1)
				switch rng.IntN(8) {
				case 0:
					at = 0
				case 1:
					at = len(text)
				}
				for at < len(text) && at > 0 && (text[at]&0xc0) == 0x80 {
					at++
				}
				cut := at
				if rng.IntN(2) == 0 { // delete up to a few runes
					for n := rng.IntN(4); n > 0 && cut < len(text); n-- {
						cut++
						for cut < len(text) && (text[cut]&0xc0) == 0x80 {
							cut++
						}
					}
				}
				ins := ""
				if rng.IntN(3) > 0 {
					ins = pieces[rng.IntN(len(pieces))]
				}
				text = text[:at] + ins + text[cut:]
				got := c.tokens(tok, text)
				want := tok.EncodeTokens(text)
				if !slices.Equal(got, want) {
					j := 0
					for j < min(len(got), len(want)) && got[j] == want[j] {
						j++
					}
					t.Fatalf("edit %d (at %d, %q for %d bytes): %d tokens, want %d; first difference at token %d: got %+v, want %+v",
						i, at, ins, cut-at, len(got), len(want), j, at2(got, j), at2(want, j))
				}
			}
		})
	}
}

// at2 is toks[i], or the zero token past the end.
func at2(toks []tokenizer.Token, i int) tokenizer.Token {
	if i < len(toks) {
		return toks[i]
	}
	return tokenizer.Token{}
}
