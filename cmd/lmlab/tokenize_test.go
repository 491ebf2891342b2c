package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine/testenv"
	"lmlab/tokenizer"
)

// tokenize runs `lmlab tokenize args...` with stdin and returns stdout,
// stderr and the exit status.
func tokenize(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"tokenize"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// sharedTokenizers returns ../shared/data/tokenizers, or skips (fails with
// LMLAB_REQUIRE=shared) when the shared data is absent.
func sharedTokenizers(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.Shared(t), "data", "tokenizers")
}

// corpus writes a small training text and returns its path.
func corpus(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "corpus.txt")
	text := strings.Repeat("the cat sat on the mat. the dog sat on the log.\n", 20)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTokenizeUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "--tokenizer SPEC is required"},
		{[]string{"--tokenizer", "char", "a", "b"}, "more than one TEXT"},
		{[]string{"--tokenizer", "char", "--file", "x", "text"}, "not both"},
		{[]string{"--tokenizer", "char", "--jsonl", "--ids"}, "--jsonl cannot"},
		{[]string{"--tokenizer", "char", "--width", "-3", "x"}, "--width"},
		{[]string{"--tokenizer", "hf:x.json", "--pattern", "gpt2", "x"}, "--pattern applies"},
	}
	for _, tt := range tests {
		_, errOut, code := tokenize(t, "", tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestTokenizeErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tiktoken")
	os.WriteFile(bad, []byte("YQ== 0\nnot-a-line\n"), 0o644)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--tokenizer", "tiktoken:" + filepath.Join(dir, "missing.tiktoken"), "x"}, []string{"missing.tiktoken"}},
		{[]string{"--tokenizer", "tiktoken:" + bad, "--pattern", "gpt2", "x"}, []string{"bad.tiktoken", "line 2"}},
		{[]string{"--tokenizer", "hf:" + bad, "x"}, []string{"bad.tiktoken", "line 1"}},
		{[]string{"--tokenizer", "char", "--data", filepath.Join(dir, "nope.txt"), "x"}, []string{"nope.txt"}},
		{[]string{"--tokenizer", "char", "--file", filepath.Join(dir, "input.txt")}, []string{"input.txt"}},
		{[]string{"--tokenizer", "ckpt:" + filepath.Join(dir, "m.ckpt"), "x"}, []string{"lmlab tokenize:"}},
	}
	for _, tt := range tests {
		_, errOut, code := tokenize(t, "", tt.args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1 (stderr %q)", tt.args, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q does not mention %q", tt.args, errOut, w)
			}
		}
	}
}

func TestTokenizePreview(t *testing.T) {
	data := corpus(t)
	// Flags may follow the text.
	out, errOut, code := tokenize(t, "", "--tokenizer", "word", "the cat  sat\n", "--data", data, "--show-ids", "--width", "40")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// A word carries the space before it; of two spaces the first is a
	// token of its own (unknown to this vocabulary).
	for _, want := range []string{"the", "│·cat", "│·⁇₀│·sat", "⏎", "word: 5 tokens · 2.60 chars/token · 2.60 bytes/token"} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("output to a pipe has ANSI sequences:\n%q", out)
	}
}

func TestTokenizeCharReportsUnknown(t *testing.T) {
	out, errOut, code := tokenize(t, "", "--tokenizer", "char", "--data", corpus(t), "--ids", "cat é\xff")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, `"é" (U+00E9) at byte 4`) || !strings.Contains(errOut, "invalid UTF-8 byte 0xff at byte 6") {
		t.Errorf("stderr %q does not report é at byte 4 and 0xff at byte 6", errOut)
	}
	if got := len(strings.Fields(out)); got != 4 {
		t.Errorf("ids %q: want 4 (c a t and the space)", out)
	}
}

func TestTokenizeTiktokenIDs(t *testing.T) {
	dir := sharedTokenizers(t)
	tests := []struct{ spec, text, want string }{
		{"tiktoken:" + filepath.Join(dir, "cl100k_base.tiktoken"), "Hello world", "9906 1917"},
		{"hf:" + filepath.Join(dir, "qwen3.tokenizer.json"), "Hello world", "9707 1879"},
		{"hf:" + filepath.Join(dir, "spm-bpe-32k.tokenizer.json"), "Hello world", "22557 1526"},
	}
	for _, tt := range tests {
		out, errOut, code := tokenize(t, tt.text, "--tokenizer", tt.spec, "--ids")
		if code != 0 || strings.TrimSpace(out) != tt.want {
			t.Errorf("%s: exit %d, ids %q, want %q (stderr %s)", tt.spec, code, out, tt.want, errOut)
		}
	}
	// --allow-special matches <|endoftext|>.
	out, _, _ := tokenize(t, "", "--tokenizer", tests[0].spec, "--ids", "--allow-special", "<|endoftext|>")
	if strings.TrimSpace(out) != "100257" {
		t.Errorf("--allow-special: ids %q, want 100257", out)
	}
}

func TestTokenizeCompare(t *testing.T) {
	data := corpus(t)
	out, errOut, code := tokenize(t, "", "--tokenizer", "word", "--compare", "char", "--data", data, "the cat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"word  2 tokens", "the│·cat", "char  7 tokens", "┃", "5 cuts differ"} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
}

func TestTokenizeJSONL(t *testing.T) {
	data := corpus(t)
	in := `{"text": "the cat sat"}` + "\n\n" + `{"text": "🤖 \u00e9"}` + "\n"
	out, errOut, code := tokenize(t, in, "--tokenizer", "bpe:300", "--data", data, "--jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d output lines for 2 texts:\n%s", len(lines), out)
	}
	var row struct {
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &row); err != nil {
		t.Fatal(err)
	}
	if len(row.IDs) != len(row.Tokens) || !strings.Contains(strings.Join(row.Tokens, ""), "<0xF0>") {
		t.Errorf("emoji line: %s; want as many tokens as ids, bytes written as <0xF0>...", lines[1])
	}

	_, errOut, code = tokenize(t, `{"text":"a"}`+"\n"+`{"text": 3}`+"\n", "--tokenizer", "word", "--data", data, "--jsonl")
	if code != 1 || !strings.Contains(errOut, "stdin line 2") {
		t.Errorf("malformed line: exit %d, stderr %q; want 1 and \"stdin line 2\"", code, errOut)
	}
}

func TestTokenizeTrainOutLoadsBack(t *testing.T) {
	data := corpus(t)
	saved := filepath.Join(t.TempDir(), "bpe.json")
	text := "the cat sat on the log"
	out1, errOut, code := tokenize(t, "", "--tokenizer", "bpe:280", "--data", data, "--train-out", saved, "--ids", text)
	if code != 0 || !strings.Contains(errOut, "saved bpe:") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out2, errOut, code := tokenize(t, "", "--tokenizer", "bpe:"+saved, "--ids", text)
	if code != 0 || out1 != out2 {
		t.Errorf("loaded back: exit %d, ids %q, want %q (%s)", code, out2, out1, errOut)
	}
	raw, _ := os.ReadFile(saved)
	tok, err := tokenizer.Unmarshal(raw)
	if err != nil {
		t.Fatalf("saved file: %v", err)
	}
	// The small corpus runs out of pairs before 280 ids.
	if b, ok := tok.(*tokenizer.BPE); !ok || len(b.Merges()) == 0 || b.VocabSize() > 280 {
		t.Errorf("saved file holds %s with %d ids, want a trained BPE of at most 280", tok.Name(), tok.VocabSize())
	}
}

func TestTokenizeInvalidUTF8ByteLevel(t *testing.T) {
	data := corpus(t)
	out, errOut, code := tokenize(t, "", "--tokenizer", "bpe:280", "--data", data, "--jsonl", "--special", "")
	if code != 0 || out != "" {
		t.Fatalf("empty stdin: exit %d, out %q, stderr %s", code, out, errOut)
	}
	out, _, code = tokenize(t, "ok \xff\xfe", "--tokenizer", "bpe:280", "--data", data)
	if code != 0 || !strings.Contains(out, "<FF>") || !strings.Contains(out, "<FE>") {
		t.Errorf("invalid bytes are not shown as <FF> <FE>: exit %d\n%s", code, out)
	}
}
