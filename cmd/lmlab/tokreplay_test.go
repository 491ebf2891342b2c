package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestTokenizeMerges replays the merges of a text with the shared tokenizer
// files: one JSON line per merge, each joining the pieces it names, and a
// last line with the ids --ids prints.
func TestTokenizeMerges(t *testing.T) {
	dir := sharedTokenizers(t)
	text := "Hello world, naïve café 🤖 中文\n\tx = 1"
	for _, spec := range []string{"tiktoken:" + filepath.Join(dir, "cl100k_base.tiktoken"), "hf:" + filepath.Join(dir, "qwen3.tokenizer.json"), "hf:" + filepath.Join(dir, "spm-bpe-32k.tokenizer.json")} {
		out, errOut, code := tokenize(t, "", "--tokenizer", spec, "--merges", "--json", text)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", spec, code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		for i, l := range lines[:len(lines)-1] {
			var m mergeLine
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%s line %d: %v: %s", spec, i+1, err, l)
			}
			partial := strings.Contains(m.LeftPiece+m.RightPiece, "<0x") // pieces of a character spelled as bytes
			if m.Step != i+1 || (!m.Whole && !partial && m.LeftPiece+m.RightPiece != m.Piece) {
				t.Errorf("%s line %d: step %d joins %q + %q into %q", spec, i+1, m.Step, m.LeftPiece, m.RightPiece, m.Piece)
			}
		}
		var last struct{ IDs []int }
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
			t.Fatal(err)
		}
		idsOut, _, _ := tokenize(t, "", "--tokenizer", spec, "--ids", text)
		if got, want := joinInts(last.IDs, " "), strings.TrimSpace(idsOut); got != want {
			t.Errorf("%s: replay ends in %s, --ids prints %s", spec, got, want)
		}
		if len(lines) < 10 {
			t.Errorf("%s: only %d lines for %q", spec, len(lines), text)
		}
	}
}

func TestTokenizeMergesNotBPE(t *testing.T) {
	_, errOut, code := tokenize(t, "", "--tokenizer", "char", "--data", corpus(t), "--merges", "the cat")
	if code != 1 || !strings.Contains(errOut, "char has no merges") {
		t.Errorf("exit %d, stderr %q; want 1 and a message naming char", code, errOut)
	}
}

func TestTokenizeDecode(t *testing.T) {
	data := corpus(t)
	text := "the cat sat on the log."
	for _, spec := range []string{"char", "word", "bpe:300"} {
		ids, errOut, code := tokenize(t, "", "--tokenizer", spec, "--data", data, "--ids", text)
		if code != 0 {
			t.Fatalf("%s --ids: %s", spec, errOut)
		}
		out, errOut, code := tokenize(t, "", "--tokenizer", spec, "--data", data, "--decode", "--json", strings.ReplaceAll(strings.TrimSpace(ids), " ", ", "))
		if code != 0 {
			t.Fatalf("%s --decode: exit %d: %s", spec, code, errOut)
		}
		var got decodeOut
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Text != text || len(got.Pieces) != len(strings.Fields(ids)) || len(got.Outside) != 0 {
			t.Errorf("%s: decoded %+v, want %q in %d pieces", spec, got, text, len(strings.Fields(ids)))
		}
	}
	out, errOut, code := tokenize(t, "", "--tokenizer", "char", "--data", data, "--decode", "[0, 99999, 1, -2]")
	if code != 1 || !strings.Contains(errOut, "2 ids outside the vocabulary") || !strings.Contains(errOut, "99999 (position 2)") || !strings.Contains(errOut, "-2 (position 4)") {
		t.Errorf("ids outside the vocabulary: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "99999 ⁇") {
		t.Errorf("the pieces do not flag the unknown id:\n%s", out)
	}
	_, errOut, code = tokenize(t, "", "--tokenizer", "char", "--data", data, "--decode", "1 two 3")
	if code != 1 || !strings.Contains(errOut, `id 2 is "two"`) {
		t.Errorf("a word among ids: exit %d, stderr %q", code, errOut)
	}
}

func TestParseIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"", []int{}}, {"1 2 3", []int{1, 2, 3}}, {"[1, 2,3]", []int{1, 2, 3}}, {" 7\n8\t9 ", []int{7, 8, 9}}, {"-1", []int{-1}},
	}
	for _, tt := range tests {
		got, err := parseIDs(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseIDs(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := parseIDs("1 x"); err == nil || !strings.Contains(err.Error(), strconv.Quote("x")) {
		t.Errorf("parseIDs(\"1 x\"): error %v, want one naming \"x\"", err)
	}
}

// FuzzParseIDs: parseIDs never panics, and the ids it reads read back the
// same when written with commas.
func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"", "1 2 3", "[1,2]", "-5", "x", "99999999999999999999", "1,,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := parseIDs(s)
		if err != nil {
			return
		}
		again, err := parseIDs(joinInts(ids, ", "))
		if err != nil || !slices.Equal(again, ids) {
			t.Errorf("%q: %v reads back as %v, %v", s, ids, again, err)
		}
	})
}
