package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/tokenizer"
)

// TestTokenizeIDsStream encodes an input of several blocks (with a line
// longer than a block, which has no safe cut) with --ids on 1 and 3
// threads: the output equals the ids of the whole text encoded at once.
func TestTokenizeIDsStream(t *testing.T) {
	data := corpus(t)
	var sb strings.Builder
	for i := 0; sb.Len() < 2*streamBlock; i++ {
		fmt.Fprintf(&sb, "Line %d: the cat sat on the mat, 🤖 中文 \xff!\n\n  indented %d\n", i, i*7919)
		if i == 5000 {
			sb.WriteString(strings.Repeat("one long line without a newline ", streamBlock/30) + "\n")
		}
	}
	text := sb.String()
	path := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &tokenizeFlags{data: []string{data}, special: "<|endoftext|>"}
	tok, err := buildTokenizer(f, "bpe:300", strings.NewReader(""), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if tokenizer.LastSafeCut(tok, text) < 0 {
		t.Fatal("the trained BPE allows no cut: the test would not stream")
	}
	want := joinInts(tok.Encode(text), " ") + "\n"
	for _, threads := range []string{"1", "3"} {
		out, errOut, code := tokenize(t, "", "--tokenizer", "bpe:300", "--data", data, "--ids", "--threads", threads, "--file", path)
		if code != 0 {
			t.Fatalf("threads %s: exit %d: %s", threads, code, errOut)
		}
		if out != want {
			n := 0
			for n < min(len(out), len(want)) && out[n] == want[n] {
				n++
			}
			t.Errorf("threads %s: output differs from the whole text's ids at byte %d of %d", threads, n, len(want))
		}
	}
	out, _, _ := tokenize(t, "", "--tokenizer", "bpe:300", "--data", data, "--ids", "--file", os.DevNull)
	if out != "\n" {
		t.Errorf("empty input: got %q, want an empty line", out)
	}
}

// TestTokenizeIDsStreamCharWord: char and word tokenizers stream too (their
// blocks cut at character or word boundaries); the ids equal the whole
// text's, and what the vocabulary lacks is reported once, with offsets in
// the whole input, as for a text read whole.
func TestTokenizeIDsStreamCharWord(t *testing.T) {
	data := corpus(t)
	var sb strings.Builder
	for i := 0; sb.Len() < 2*streamBlock+1000; i++ {
		fmt.Fprintf(&sb, "the cat sat on the mat %d\nzebra\n", i%10)
	}
	text := sb.String()
	path := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"char", "word"} {
		f := &tokenizeFlags{data: []string{data}}
		tok, err := buildTokenizer(f, spec, strings.NewReader(""), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if tokenizer.LastSafeCut(tok, text) < 0 {
			t.Fatalf("%s allows no cut: the test would not stream", spec)
		}
		var whole strings.Builder
		reportUnknown(tok, text, "", &whole)
		want := joinInts(tok.Encode(text), " ") + "\n"
		for _, threads := range []string{"1", "3"} {
			out, errOut, code := tokenize(t, "", "--tokenizer", spec, "--data", data, "--ids", "--threads", threads, "--file", path)
			if code != 0 {
				t.Fatalf("%s, threads %s: exit %d: %s", spec, threads, code, errOut)
			}
			if out != want {
				t.Errorf("%s, threads %s: streamed ids differ from the whole text's", spec, threads)
			}
			if errOut != whole.String() || whole.Len() == 0 {
				t.Errorf("%s, threads %s: stderr %q, want the whole text's report %q", spec, threads, errOut, whole.String())
			}
		}
	}
}
