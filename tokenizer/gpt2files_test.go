package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gpt2FileTexts are encoded by both forms of a tokenizer and compared.
var gpt2FileTexts = []string{"", "hello world", "Hello  world!\n\nthe end<|endoftext|>next",
	"emoji 🙂🙂 and CJK 你好世界", "lone \r return", "invalid \xff\xfe utf-8", "it's 12345 o'clock, isn't it?",
	"the quick brown fox jumps over the lazy dog " + strings.Repeat("again ", 5)}

// gpt2FilesFrom writes a byte-level tokenizer.json's vocabulary and merges as
// GPT-2's vocab.json and merges.txt, with <|endoftext|> in the vocabulary as
// GPT-2 has it.
func gpt2FilesFrom(t *testing.T, tokJSON []byte) (vocab, merges []byte) {
	t.Helper()
	var doc struct {
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		Model struct {
			Vocab  map[string]int `json:"vocab"`
			Merges [][2]string    `json:"merges"`
		} `json:"model"`
	}
	if err := json.Unmarshal(tokJSON, &doc); err != nil {
		t.Fatal(err)
	}
	for _, a := range doc.AddedTokens {
		doc.Model.Vocab[a.Content] = a.ID
	}
	vocab, _ = json.Marshal(doc.Model.Vocab)
	var b strings.Builder
	b.WriteString("#version: 0.2\n")
	for _, m := range doc.Model.Merges {
		fmt.Fprintf(&b, "%s %s\n", m[0], m[1])
	}
	return vocab, []byte(b.String())
}

// TestGPT2FilesMatchTokenizerJSON: a tokenizer given as vocab.json +
// merges.txt encodes every text to the same ids as the same tokenizer given
// as tokenizer.json, and as the BPE both were written from.
func TestGPT2FilesMatchTokenizerJSON(t *testing.T) {
	text := strings.Repeat("the quick brown fox jumps over the lazy dog; it's 1234 o'clock. 你好 🙂\n", 20)
	orig, err := TrainBPE(text, TrainOptions{VocabSize: 400, Pattern: "gpt2", Special: []string{"<|endoftext|>"}})
	if err != nil {
		t.Fatal(err)
	}
	tj, err := MarshalHF(orig)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ParseHF(tj, "small")
	if err != nil {
		t.Fatalf("ParseHF(MarshalHF(bpe)): %v", err)
	}
	dir := t.TempDir()
	vocab, merges := gpt2FilesFrom(t, tj)
	os.WriteFile(filepath.Join(dir, "vocab.json"), vocab, 0o644)
	os.WriteFile(filepath.Join(dir, "merges.txt"), merges, 0o644)
	fromFiles, err := LoadGPT2Files(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fromFiles.VocabSize(), orig.VocabSize(); got != want {
		t.Errorf("VocabSize: got %d, want %d", got, want)
	}
	for _, s := range append(gpt2FileTexts, text) {
		want := orig.Encode(s)
		if got := fromJSON.Encode(s); !slices.Equal(got, want) {
			t.Errorf("tokenizer.json %q:\n got %v\nwant %v", s, got, want)
		}
		if got := fromFiles.Encode(s); !slices.Equal(got, want) {
			t.Errorf("vocab.json+merges.txt %q:\n got %v\nwant %v", s, got, want)
		}
		if got := fromFiles.Decode(want); got != orig.Decode(want) {
			t.Errorf("Decode %q: got %q", s, got)
		}
	}
}

// TestGPT2FilesErrors: malformed files are one-line errors naming the file
// and the line or piece, never a panic.
func TestGPT2FilesErrors(t *testing.T) {
	vocab := `{"a":0,"b":1,"ab":2}`
	for _, tc := range []struct {
		name, vocab, merges, want string
		is                        error
	}{
		{"not an object", `[1,2]`, "", "vocab.json: want a JSON object", nil},
		{"truncated", `{"a":0,"b"`, "", "vocab.json", ErrTruncated},
		{"id not integer", `{"a":0.5}`, "", "vocab.json", ErrNotInteger},
		{"merge of one piece", vocab, "#version: 0.2\nab\n", "merges.txt line 2: \"ab\" is not two pieces", nil},
		{"unknown piece", vocab, "a c\n", "merges.txt line 1: piece \"c\" is not in vocab.json", nil},
		{"merged piece unknown", `{"a":0,"b":1}`, "a b\n", "merges.txt line 1: piece \"ab\" is not in vocab.json", nil},
		{"id gap", `{"a":0,"b":100000}`, "", "", ErrIDRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseGPT2Files([]byte(tc.vocab), []byte(tc.merges), "x")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
}

// TestMarshalHFTiktoken: GPT-2's tiktoken rank file written as a
// tokenizer.json (merges derived from the ranks) and read back gives the
// ids tiktoken gave for every oracle text.
func TestMarshalHFTiktoken(t *testing.T) {
	dir := tokDir(t)
	b, err := LoadTiktoken(filepath.Join(dir, "gpt2.tiktoken"), TiktokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tj, err := MarshalHF(b)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseHF(tj, "gpt2")
	if err != nil {
		t.Fatal(err)
	}
	cases := readOracle(t, oracleFile("gpt2.tiktoken"))
	bad := 0
	for _, c := range cases {
		if strings.Contains(c.Text, "<|endoftext|>") {
			continue // Hugging Face matches added tokens; tiktoken's encode_ordinary does not
		}
		if got := back.Encode(c.Text); !slices.Equal(got, c.IDs) {
			if bad++; bad <= 3 {
				t.Errorf("%q:\n got %v\nwant %v", c.Text, got, c.IDs)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d texts differ", bad, len(cases))
	}
}

// TestMarshalHFRefusesCharAndWord: only byte-level BPE has a tokenizer.json
// form here.
func TestMarshalHFRefusesCharAndWord(t *testing.T) {
	c, _ := NewChar("abc", false)
	w, _ := NewWord("a b c", 0)
	for _, tk := range []Tokenizer{c, w} {
		if _, err := MarshalHF(tk); !errors.Is(err, ErrNotByteLevel) {
			t.Errorf("MarshalHF(%s): %v, want ErrNotByteLevel", tk.Name(), err)
		}
	}
}

// FuzzGPT2Files: any pair of files is a tokenizer or an error, and a
// tokenizer decodes its own encoding back to the text's bytes.
func FuzzGPT2Files(f *testing.F) {
	f.Add([]byte(`{"a":0,"b":1,"ab":2}`), []byte("#version: 0.2\na b\n"), "abab")
	f.Add([]byte(`{"<|endoftext|>":0,"a":1}`), []byte(""), "a<|endoftext|>")
	f.Add([]byte(`{"a":0,"b":1e400}`), []byte("a b"), "")
	f.Fuzz(func(t *testing.T, vocab, merges []byte, text string) {
		b, err := ParseGPT2Files(vocab, merges, "fuzz")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		ids := b.Encode(text)
		for _, id := range ids {
			if id < 0 || id >= b.VocabSize() {
				t.Fatalf("id %d outside vocabulary %d", id, b.VocabSize())
			}
		}
	})
}
