package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// encodeInBlocks encodes text as a streaming encoder does: it takes about
// block bytes at a time, cuts at the last safe cut, and carries the rest.
func encodeInBlocks(t Tokenizer, text string, block int) (ids []int, cuts int) {
	rest := text
	for len(rest) > block {
		i := LastSafeCut(t, rest[:block])
		if i <= 0 {
			i = LastSafeCut(t, rest) // no cut in the block: look further
			if i <= 0 {
				break
			}
		}
		ids = append(ids, t.Encode(rest[:i])...)
		rest = rest[i:]
		cuts++
	}
	return append(ids, t.Encode(rest)...), cuts
}

// TestLastSafeCut encodes tiny shakespeare and every oracle text, joined by
// newlines, in small blocks cut at LastSafeCut: the ids equal those of the
// whole text, for every shared tokenizer that allows cuts.
func TestLastSafeCut(t *testing.T) {
	dir := sharedDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "data", "tinyshakespeare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range sharedFiles {
		t.Run(file, func(t *testing.T) {
			b := loadShared(t, file)
			var sb strings.Builder
			sb.Write(data[:200_000])
			for _, c := range readOracle(t, oracleFile(file)) {
				sb.WriteString("\n" + c.Text + "\nx/\n!\n/y\n 1\n2")
			}
			text := sb.String()
			got, cuts := encodeInBlocks(b, text, 997)
			if want := b.Encode(text); !slices.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("in blocks the ids differ from token %d on (%d cuts)", i, cuts)
			}
			if file == "spm-bpe-32k.tokenizer.json" {
				if cuts != 0 {
					t.Errorf("SentencePiece-style (prepends ▁ to each piece): %d cuts, want none", cuts)
				}
			} else if cuts < 100 {
				t.Errorf("only %d cuts in %d bytes", cuts, len(text))
			}
		})
	}
}

func TestLastSafeCutSmall(t *testing.T) {
	b, err := TrainBPE("the cat\nsat", TrainOptions{VocabSize: 260, Pattern: "o200k"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewChar("ab中", false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tok  Tokenizer
		text string
		want int
	}{
		{b, "", -1}, {b, "no newline", -1}, {b, "a\nb", 2}, {b, "a\n/b", -1}, {b, "a\n b", -1}, {b, "a\nb\n\nc\n", 2}, {b, "\nb", -1}, {b, "a \nb", -1}, {b, ".\nb", 2},
		{b, "a\n1", 2}, {b, "x\n", -1}, {c, "a中", 1}, {c, "中", -1}, {c, "", -1},
	}
	for _, tt := range tests {
		if got := LastSafeCut(tt.tok, tt.text); got != tt.want {
			t.Errorf("%s: LastSafeCut(%q) = %d, want %d", tt.tok.Name(), tt.text, got, tt.want)
		}
	}
}

// FuzzLastSafeCut checks on arbitrary text that encoding the two sides of
// the last safe cut gives the ids of the whole, for each split pattern.
func FuzzLastSafeCut(f *testing.F) {
	f.Add("the cat\nsat\n\non the mat\n1 2\n/x")
	f.Add("a \nb\n\tc\nd's\n'e\n")
	f.Add("x\n\u00a0\ny\n中\nz")
	var toks []*BPE
	for _, p := range []string{"gpt2", "cl100k", "o200k", "qwen2"} {
		b, err := TrainBPE("the cat sat on the mat.\nThe dog's log!\n\n  x = 1/2\n", TrainOptions{VocabSize: 300, Pattern: p})
		if err != nil {
			f.Fatal(err)
		}
		toks = append(toks, b)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, b := range toks {
			i := LastSafeCut(b, text)
			if i < 0 {
				continue
			}
			if i == 0 || i >= len(text) {
				t.Fatalf("%q: cut at %d, outside 1..%d", text, i, len(text)-1)
			}
			got := append(b.Encode(text[:i]), b.Encode(text[i:])...)
			if want := b.Encode(text); !slices.Equal(got, want) {
				t.Errorf("%s: %q cut at %d: %v, whole %v", b.Name(), text, i, got, want)
			}
		}
	})
}

// TestLastSafeCutWord: a word tokenizer's text encoded in blocks cut at
// LastSafeCut gives the ids of the whole, with cuts made.
func TestLastSafeCutWord(t *testing.T) {
	dir := sharedDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "data", "tinyshakespeare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data[:200_000]) + "\nend  \n\nx\n 1\n2 — 中文\n3"
	w, err := NewWord(text, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, cuts := encodeInBlocks(w, text, 997)
	if want := w.Encode(text); !slices.Equal(got, want) {
		t.Fatalf("in blocks the word ids differ from the whole text's (%d cuts)", cuts)
	}
	if cuts < 100 {
		t.Errorf("only %d cuts in %d bytes", cuts, len(text))
	}
}
