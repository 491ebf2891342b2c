package tokenizer

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// edgeTexts are the inputs every tokenizer is tried on.
var edgeTexts = []struct{ name, text string }{
	{"empty", ""},
	{"ascii", "Hello world!"},
	{"spaces", "  leading and trailing   "},
	{"newlines", "a\n\n\nb\r\nc\rd"},
	{"lone CR", "\r"},
	{"emoji", "emoji 🤖🚀 family 👨‍👩‍👧‍👦 flags 🇺🇸"},
	{"CJK", "中文分词测试，这是一个句子。"},
	{"combining", "e\u0301 vs é"},
	{"invalid UTF-8", "ok \xff\xfe bad \xc3 cut"},
	{"special", "<|endoftext|> text"},
	{"code", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }\n\tx := 1\n"},
}

const trainText = `First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

First Citizen:
You are all resolved rather to die than to famish?

All:
Resolved. resolved.

First Citizen:
First, you know Caius Marcius is chief enemy to the people.
<|endoftext|>
All:
We know't, we know't.
`

func trained(tb testing.TB, size int) *BPE {
	tb.Helper()
	b, err := TrainBPE(trainText, TrainOptions{VocabSize: size, Special: []string{"<|endoftext|>"}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestCharVocabulary(t *testing.T) {
	c, err := NewChar("hello, world", false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(c.chars), " ,dehlorw"; got != want {
		t.Fatalf("vocabulary %q, want %q", got, want)
	}
	if got, want := c.Encode("hello"), []int{4, 3, 5, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("Encode(hello) = %v, want %v", got, want)
	}
	if got := c.Decode(c.Encode("low doe")); got != "low doe" {
		t.Errorf("round trip: %q", got)
	}
}

func TestCharUnknown(t *testing.T) {
	tests := []struct {
		name, text string
		unk        bool
		wantIDs    []int
		wantUnk    []Position
	}{
		{"empty", "", false, []int{}, nil},
		{"known", "ab", false, []int{0, 1}, nil},
		{"unknown dropped", "aéb", false, []int{0, 1}, []Position{{Offset: 1, Text: "é"}}},
		{"unknown as unk", "aéb", true, []int{0, 2, 1}, []Position{{Offset: 1, Text: "é"}}},
		{"emoji", "🤖a", true, []int{2, 0}, []Position{{Offset: 0, Text: "🤖"}}},
		{"invalid", "a\xffb", true, []int{0, 2, 1}, []Position{{Offset: 1, Text: "\xff", Invalid: true}}},
		{"lone CR", "\r", false, []int{}, []Position{{Offset: 0, Text: "\r"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := NewChar("ab", tt.unk)
			if got := c.Encode(tt.text); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("Encode = %v, want %v", got, tt.wantIDs)
			}
			if got := Unknown(c, tt.text); !slices.Equal(got, tt.wantUnk) {
				t.Errorf("Unknown = %v, want %v", got, tt.wantUnk)
			}
			toks := c.EncodeTokens(tt.text)
			fallbacks := 0
			for _, tk := range toks {
				if tk.Fallback {
					fallbacks++
				}
			}
			if fallbacks != len(tt.wantUnk) {
				t.Errorf("EncodeTokens marks %d tokens as fallback, want %d: %+v", fallbacks, len(tt.wantUnk), toks)
			}
		})
	}
	if _, err := NewChar("a\xffb", false); err == nil || !strings.Contains(err.Error(), "byte 1") {
		t.Errorf("training on invalid UTF-8: got %v, want an error naming byte 1", err)
	}
}

func TestCharShakespeareHas65(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedDir(t), "data", "tinyshakespeare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewChar(string(data), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.VocabSize(); got != 65 {
		t.Errorf("VocabSize = %d, want 65 (the PyTorch baseline's)", got)
	}
	if got, _ := NewChar(string(data), true); got.VocabSize() != 66 {
		t.Errorf("with <unk>: VocabSize = %d, want 66", got.VocabSize())
	}
}

func TestWord(t *testing.T) {
	w, err := NewWord("The cat sat on the mat. The cat sat on the hat.", 0)
	if err != nil {
		t.Fatal(err)
	}
	// A word carries the space before it; the pieces in frequency, then byte order.
	wantVocab := []string{"<unk>", " cat", " on", " sat", " the", ".", " The", " hat", " mat", "The"}
	if !slices.Equal(w.words, wantVocab) {
		t.Fatalf("vocabulary %q, want %q", w.words, wantVocab)
	}
	if got, want := w.Encode("The cat sat on the"), []int{9, 1, 3, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if got, want := w.Encode("The cat sat on the mat"), []int{9, 1, 3, 2, 4, 8}; !slices.Equal(got, want) {
		t.Errorf("Encode(... mat) = %v, want %v: \" mat\" is one token", got, want)
	}
	if got := w.Decode(w.Encode("the dog sat")); got != "<unk><unk> sat" {
		t.Errorf("unknown words decode to %q, want \"<unk><unk> sat\"", got)
	}
	if got, want := Unknown(w, "The dog \xff  \n?"), []Position{{Offset: 4, Text: "dog"}, {Offset: 8, Text: "\xff", Invalid: true}, {Offset: 9, Text: "  "}, {Offset: 11, Text: "\n"}, {Offset: 12, Text: "?"}}; !slices.Equal(got, want) {
		t.Errorf("Unknown = %v, want %v", got, want)
	}
	toks := w.EncodeTokens("The cat\xff")
	if len(toks) != 3 || toks[1].Start != 3 || toks[1].End != 7 || !toks[2].Unknown || toks[2].Start != 7 {
		t.Errorf("EncodeTokens = %+v, want The [0,3), \" cat\" [3,7), <unk> [7,8)", toks)
	}

	limited, _ := NewWord("a a a b b c", 3)
	if got, want := limited.words, []string{"<unk>", " a", " b"}; !slices.Equal(got, want) {
		t.Errorf("limit 3: vocabulary %q, want %q", got, want)
	}
	if got, want := limited.Encode("a b b"), []int{0, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("limit 3: Encode(a b b) = %v, want %v", got, want)
	}
	if limited.Name() != "word:3" {
		t.Errorf("Name = %q", limited.Name())
	}
	if _, err := NewWord("ok \xff", 0); err == nil || !strings.Contains(err.Error(), "byte 3 (0xff)") {
		t.Errorf("invalid UTF-8 after a space: err = %v, want it to name byte 3 (0xff)", err)
	}
}

// oldWordJSON is a word vocabulary as lmlab saved it before words carried
// their leading space: no "space" field.
const oldWordJSON = `{"format":"lmlab-tokenizer","version":1,"kind":"word","words":[" ",".","The","cat","on","sat","the","hat","mat"]}`

// TestWordOldRule: a word vocabulary saved without a "space" field encodes
// with the rule it was trained with (every run of whitespace a token), so
// old checkpoints still read their text as before, and saves back the same.
func TestWordOldRule(t *testing.T) {
	tok, err := Unmarshal([]byte(oldWordJSON))
	if err != nil {
		t.Fatal(err)
	}
	w := tok.(*Word)
	if got, want := w.Encode("The cat sat on the mat"), []int{3, 1, 4, 1, 6, 1, 5, 1, 7, 1, 9}; !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if got := w.Decode(w.Encode("the dog sat")); got != "the <unk> sat" {
		t.Errorf("unknown word decodes to %q, want \"the <unk> sat\"", got)
	}
	if got, want := Unknown(w, "the dog\xff"), []Position{{Offset: 4, Text: "dog"}, {Offset: 7, Text: "\xff", Invalid: true}}; !slices.Equal(got, want) {
		t.Errorf("Unknown = %v, want %v", got, want)
	}
	if w.Name() != "word" || w.VocabSize() != 10 || w.LeadingSpace() {
		t.Errorf("Name %q, VocabSize %d, LeadingSpace %v; want word, 10, false", w.Name(), w.VocabSize(), w.LeadingSpace())
	}
	data, err := Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != oldWordJSON {
		t.Errorf("saved back as\n%s\nwant\n%s", data, oldWordJSON)
	}
	fresh, _ := NewWord("the mat", 0)
	if !fresh.LeadingSpace() {
		t.Error("NewWord: LeadingSpace false, want true")
	}
	if data, _ := Marshal(fresh); !strings.Contains(string(data), `"space":"leading"`) {
		t.Errorf("a new word vocabulary saves as %s, want a \"space\":\"leading\" field", data)
	}
}

func TestWordPieces(t *testing.T) {
	tests := []struct {
		in        string
		old, want []string // before words carried their space; now
	}{
		{"", nil, nil},
		{"The cat sat on the mat", []string{"The", " ", "cat", " ", "sat", " ", "on", " ", "the", " ", "mat"},
			[]string{"The", " cat", " sat", " on", " the", " mat"}},
		{"don't stop", []string{"don", "'", "t", " ", "stop"}, []string{"don", "'", "t", " stop"}},
		{"a\n\n  b", []string{"a", "\n\n  ", "b"}, []string{"a", "\n\n ", " b"}},
		{"a\n b", []string{"a", "\n ", "b"}, []string{"a", "\n", " b"}},
		{"a\nb", []string{"a", "\n", "b"}, []string{"a", "\n", "b"}},
		{"a \nb", []string{"a", " \n", "b"}, []string{"a", " ", "\n", "b"}},
		{"a\t\tb", []string{"a", "\t\t", "b"}, []string{"a", "\t", "\t", "b"}},
		{"a  ", []string{"a", "  "}, []string{"a", "  "}},
		{" a", []string{" ", "a"}, []string{" a"}},
		{"  ", []string{"  "}, []string{"  "}},
		{"x2 = 3.5", []string{"x2", " ", "=", " ", "3", ".", "5"}, []string{"x2", " =", " 3", ".", "5"}},
		{`He said "hi?!"`, []string{"He", " ", "said", " ", `"`, "hi", "?", "!", `"`}, []string{"He", " said", ` "`, "hi", "?", "!", `"`}},
		{"中文，好", []string{"中文", "，", "好"}, []string{"中文", "，", "好"}},
		{"a\u00a0b", []string{"a", "\u00a0", "b"}, []string{"a", "\u00a0", "b"}},
		{"a \u00a0b", []string{"a", " \u00a0", "b"}, []string{"a", " ", "\u00a0", "b"}},
		{"a\u00a0 b", []string{"a", "\u00a0 ", "b"}, []string{"a", "\u00a0", " b"}},
		{"é\u0301!🤖 🤖", []string{"é\u0301", "!", "🤖", " ", "🤖"}, []string{"é\u0301", "!", "🤖", " 🤖"}},
		{"\r", []string{"\r"}, []string{"\r"}},
		{"a\xffb \xff", []string{"a", "\xff", "b", " ", "\xff"}, []string{"a", "\xff", "b", " \xff"}},
	}
	for _, tt := range tests {
		for _, rule := range []struct {
			each func(string, func(int, int))
			want []string
		}{{eachWord, tt.old}, {eachWordLeading, tt.want}} {
			var got []string
			rule.each(tt.in, func(s, e int) { got = append(got, tt.in[s:e]) })
			if !slices.Equal(got, rule.want) {
				t.Errorf("%q: got %q, want %q", tt.in, got, rule.want)
			}
		}
	}
}

// naiveTrain is the naive twin of TrainBPE's trainer: it recounts every
// pair of every pre-token after each merge.
func naiveTrain(text string, pattern string, merges int) [][4]int {
	sp, _ := newSplitter(ResolvePattern(pattern))
	var words [][]int
	sp.each(text, func(s, e int) {
		w := make([]int, 0, e-s)
		for i := s; i < e; i++ {
			w = append(w, int(text[i]))
		}
		words = append(words, w)
	})
	var out [][4]int
	for id := 256; len(out) < merges; id++ {
		counts := map[[2]int]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w); i++ {
				counts[[2]int{w[i], w[i+1]}]++
			}
		}
		var best [2]int
		bestN := 0
		for p, n := range counts {
			if n > bestN || (n == bestN && (p[0] < best[0] || (p[0] == best[0] && p[1] < best[1]))) {
				best, bestN = p, n
			}
		}
		if bestN == 0 {
			break
		}
		out = append(out, [4]int{best[0], best[1], id, bestN})
		for wi, w := range words {
			var nw []int
			for i := 0; i < len(w); i++ {
				if i+1 < len(w) && w[i] == best[0] && w[i+1] == best[1] {
					nw = append(nw, id)
					i++
				} else {
					nw = append(nw, w[i])
				}
			}
			words[wi] = nw
		}
	}
	return out
}

func TestTrainMatchesNaiveTwin(t *testing.T) {
	text := strings.ReplaceAll(trainText, "<|endoftext|>", "")
	for _, pattern := range []string{"gpt2", "cl100k", "o200k"} {
		b, err := TrainBPE(text, TrainOptions{VocabSize: 256 + 120, Pattern: pattern})
		if err != nil {
			t.Fatal(err)
		}
		want := naiveTrain(text, pattern, 120)
		got := b.Merges()
		if len(got) != len(want) {
			t.Fatalf("%s: %d merges, want %d", pattern, len(got), len(want))
		}
		for i, m := range got {
			if w := want[i]; m.Left != w[0] || m.Right != w[1] || m.ID != w[2] || m.Count != w[3] {
				t.Fatalf("%s: merge %d is %+v, want %v", pattern, i, m, w)
			}
		}
	}
}

func TestTrainedBPE(t *testing.T) {
	b := trained(t, 350)
	if got := b.VocabSize(); got != 350 {
		t.Errorf("VocabSize = %d, want 350", got)
	}
	if got := b.Encode("<|endoftext|>"); !slices.Equal(got, []int{349}) {
		t.Errorf("special token: %v, want [349]", got)
	}
	// The small text runs out of pairs before 1000 ids: training stops there.
	if all := trained(t, 1000); all.VocabSize() >= 1000 || all.Name() != fmt.Sprintf("bpe:%d", all.VocabSize()) {
		t.Errorf("exhausted training: VocabSize %d, Name %s", all.VocabSize(), all.Name())
	}
	text := "First Citizen: speak, speak."
	ids := b.Encode(text)
	if len(ids) >= len(text)/2 {
		t.Errorf("a text like the training text takes %d tokens for %d bytes; merges do not apply", len(ids), len(text))
	}
	if _, err := TrainBPE("x", TrainOptions{VocabSize: 100}); err == nil {
		t.Error("a vocabulary smaller than 256 trains without error")
	}
	if _, err := TrainBPE("x", TrainOptions{VocabSize: 300, Pattern: "(unclosed"}); err == nil || !strings.Contains(err.Error(), "(unclosed") {
		t.Errorf("bad pattern: got %v, want an error quoting it", err)
	}
}

// byteLevel returns the byte-level tokenizers to try: a trained one, and the
// shared files when present.
func byteLevel(t *testing.T) []*BPE {
	toks := []*BPE{trained(t, 500)}
	if useShared() {
		for _, f := range sharedFiles[:5] {
			toks = append(toks, loadShared(t, f))
		}
	}
	return toks
}

func TestRoundTripAndSpans(t *testing.T) {
	for _, b := range byteLevel(t) {
		for _, tt := range edgeTexts {
			want := tt.text
			if len(b.cfg.Normalizers) > 0 { // Qwen3 decodes to the NFC form
				want, _ = b.normalize(tt.text)
			}
			ids := b.Encode(tt.text)
			if got := b.Decode(ids); got != want {
				t.Errorf("%s %s: Decode(Encode(%q)) = %q, want %q", b.Name(), tt.name, tt.text, got, want)
			}
			if len(b.cfg.Normalizers) == 0 {
				checkSpans(t, b.Name()+" "+tt.name, tt.text, b.EncodeTokens(tt.text), b)
			}
		}
	}
}

// checkSpans checks that spans tile the text in order and that each token's
// bytes are the bytes it covers.
func checkSpans(t *testing.T, name, text string, toks []Token, tok Tokenizer) {
	t.Helper()
	pos := 0
	for i, tk := range toks {
		if tk.Start != pos || tk.End < tk.Start || tk.End > len(text) {
			t.Errorf("%s: token %d span [%d,%d) does not continue at %d", name, i, tk.Start, tk.End, pos)
			return
		}
		if got := string(tok.TokenBytes(tk.ID)); got != text[tk.Start:tk.End] {
			t.Errorf("%s: token %d is %q but covers %q", name, i, got, text[tk.Start:tk.End])
		}
		if want := insideRune(text, tk.Start) || insideRune(text, tk.End); tk.SplitsRune != want {
			t.Errorf("%s: token %d SplitsRune = %v, want %v", name, i, tk.SplitsRune, want)
		}
		pos = tk.End
	}
	if pos != len(text) {
		t.Errorf("%s: tokens end at %d of %d", name, pos, len(text))
	}
}

func TestSplitsRune(t *testing.T) {
	b := trained(t, 300)
	toks := b.EncodeTokens("🤖")
	if len(toks) < 2 {
		t.Fatalf("a rare emoji should split into bytes: %+v", toks)
	}
	for _, tk := range toks[:len(toks)-1] {
		if !tk.SplitsRune {
			t.Errorf("token %+v inside 🤖 is not marked SplitsRune", tk)
		}
	}
	if b.EncodeTokens("\xff")[0].SplitsRune {
		t.Error("an invalid byte is marked as splitting a character")
	}
}

func TestSentencePieceSpans(t *testing.T) {
	b := loadShared(t, "spm-bpe-32k.tokenizer.json")
	text := " Hello  wörld\n🤖"
	toks := b.EncodeTokens(text)
	var got []string
	for _, tk := range toks {
		got = append(got, fmt.Sprintf("%d[%d,%d)%v", tk.ID, tk.Start, tk.End, tk.Fallback))
	}
	// "▁" prepended (no input bytes), "▁Hello" covers " Hello", "ör" spans
	// the two bytes of ö, "\n" and the emoji fall back to their bytes.
	want := []string{"28705[0,0)false", "22557[0,6)false", "28705[6,7)false", "275[7,9)false", "2024[9,12)false", "417[12,14)false",
		"13[14,15)true", "243[15,16)true", "162[16,17)true", "167[17,18)true", "153[18,19)true"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens:\n got %v\nwant %v", got, want)
	}
	if got := b.Decode(b.Encode(text)); got != text {
		t.Errorf("Decode(Encode(%q)) = %q", text, got)
	}
}

func TestNormalizedSpans(t *testing.T) {
	b := loadShared(t, "qwen3.tokenizer.json")
	text := "e\u0301 x" // NFC composes e + combining acute into é
	toks := b.EncodeTokens(text)
	if toks[0].Start != 0 || toks[len(toks)-1].End != len(text) {
		t.Errorf("spans %+v do not cover %q", toks, text)
	}
	for i := 1; i < len(toks); i++ {
		if toks[i].Start < toks[i-1].Start {
			t.Errorf("spans go backwards: %+v", toks)
		}
	}
}

func TestTiktokenTablesMatchSharedJSON(t *testing.T) {
	for _, name := range []string{"gpt2", "cl100k_base", "o200k_base"} {
		data, err := os.ReadFile(filepath.Join(tokDir(t), name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Pattern string         `json:"pat_str"`
			Special map[string]int `json:"special_tokens"`
		}
		if err := jsonUnmarshal(data, &meta); err != nil {
			t.Fatal(err)
		}
		enc := encodings[name]
		if enc.pattern != meta.Pattern {
			t.Errorf("%s: pattern %q, want %q", name, enc.pattern, meta.Pattern)
		}
		if fmt.Sprint(enc.special) != fmt.Sprint(meta.Special) {
			t.Errorf("%s: special tokens %v, want %v", name, enc.special, meta.Special)
		}
	}
}

func TestAllowSpecial(t *testing.T) {
	path := filepath.Join(tokDir(t), "cl100k_base.tiktoken")
	b, err := LoadTiktoken(path, TiktokenOptions{AllowSpecial: true})
	if err != nil {
		t.Fatal(err)
	}
	toks := b.EncodeTokens("a<|endoftext|>b")
	if len(toks) != 3 || toks[1].ID != 100257 || !toks[1].Special || toks[1].Start != 1 || toks[1].End != 14 {
		t.Errorf("tokens %+v, want a, <|endoftext|> (100257, special, [1,14)), b", toks)
	}
	if got := loadShared(t, "cl100k_base.tiktoken").Encode("<|endoftext|>"); len(got) == 1 {
		t.Errorf("by default <|endoftext|> is ordinary text; got %v", got)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c, _ := NewChar(trainText, true)
	w, _ := NewWord(trainText, 20)
	toks := []Tokenizer{c, w, trained(t, 400)}
	if useShared() {
		for _, f := range sharedFiles {
			toks = append(toks, loadShared(t, f))
		}
	}
	for _, tok := range toks {
		data, err := Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Unmarshal(data)
		if err != nil {
			t.Fatalf("%s: %v", tok.Name(), err)
		}
		if back.Name() != tok.Name() || back.VocabSize() != tok.VocabSize() {
			t.Errorf("%s: back as %s with %d ids, want %d", tok.Name(), back.Name(), back.VocabSize(), tok.VocabSize())
		}
		for _, tt := range edgeTexts {
			if got, want := back.Encode(tt.text), tok.Encode(tt.text); !slices.Equal(got, want) {
				t.Errorf("%s %s: after Unmarshal %v, before %v", tok.Name(), tt.name, got, want)
			}
		}
		if b, ok := tok.(*BPE); ok && !slices.Equal(back.(*BPE).Merges(), b.Merges()) {
			t.Errorf("%s: merge history lost", tok.Name())
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "not a saved tokenizer"},
		{`{"format":"other"}`, "format"},
		{`{"format":"lmlab-tokenizer","version":9}`, "version"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"x"}`, "kind"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"char","chars":"ba"}`, "chars"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"word","words":["a","a"]}`, "words[1]"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"word","words":["a"],"space":"trailing"}`, "space"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe"}`, "bpe"},
		// vocab_bytes "ab", vocab_lens [1, 1], merge_ids [[0, 5, 1]]
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe","bpe":{"byte_level":true,"vocab_bytes":"YWI=","vocab_lens":"AQAAAAEAAAA=","unk":-1}}`, "byte 0x00"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe","bpe":{"vocab_bytes":"YWI=","vocab_lens":"AQAAAAEAAAA=","merge_ids":"AAAAAAUAAAABAAAA","unk":-1}}`, "merges[0]"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe","bpe":{"vocab_bytes":"YWI=","vocab_lens":"AQAAAAEAAAA=","splits":[{"pattern":"(","behavior":"isolated"}],"unk":-1}}`, "splits[0]"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe","bpe":{"vocab_bytes":"YWI=","vocab_lens":"AQAAAAUAAAA=","unk":-1}}`, "vocab_lens[1]"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe","bpe":{"vocab_bytes":"YWI=","vocab_lens":"AQAA","unk":-1}}`, "vocab_lens"},
		{`{"format":"lmlab-tokenizer","version":1,"kind":"bpe","bpe":{"vocab_bytes":"YWI=","vocab_lens":"AQAAAAEAAAA=","merge_ids":"AAAA","unk":-1}}`, "merge_ids"},
	}
	for _, tt := range tests {
		_, err := Unmarshal([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

func TestParseTiktokenErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"YQ== 0\nYg==\n", "line 2"},
		{"YQ== 0\nYg== x\n", "line 2: rank"},
		{"YQ== 0\n!!!! 1\n", "line 2: token"},
		{"YQ== 0\nYg== 0\n", "line 2: rank 0: two pieces share one id"},
		{"YQ== 0\nYQ== 1\n", "also id 0"},
		{"YQ== 99999999999\n", "line 1: rank"},
		{"YQ== 1 2\n", "line 1"},
	}
	for _, tt := range tests {
		_, err := ParseTiktoken([]byte(tt.in), "gpt2", TiktokenOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
	if _, err := ParseTiktoken([]byte("YQ== 0\n"), "mystery", TiktokenOptions{}); err == nil || !strings.Contains(err.Error(), "--pattern") {
		t.Errorf("unknown encoding name: got %v, want advice to pass --pattern", err)
	}
}

// hfJSON builds a small SentencePiece-style or byte-level tokenizer.json.
func hfJSON(model, extra string) string {
	return `{"added_tokens":[{"id":0,"content":"<unk>","special":true}],` + extra + `"model":` + model + `}`
}

const tinyModel = `{"type":"BPE","unk_token":"<unk>","vocab":{"<unk>":0,"a":1,"b":2,"ab":3},"merges":["a b"]}`

func TestParseHF(t *testing.T) {
	b, err := ParseHF([]byte(hfJSON(tinyModel, "")), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.Encode("abxab<unk>"), []int{3, 0, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if b.Name() != "hf:tiny" {
		t.Errorf("Name = %q", b.Name())
	}
}

func TestParseHFErrors(t *testing.T) {
	tests := []struct {
		in, want    string
		unsupported bool
	}{
		{`{`, "not valid JSON", false},
		{`{"model":null}`, "model: missing", false},
		{hfJSON(`{"type":"WordPiece","vocab":{"a":0}}`, ""), `model.type "WordPiece"`, true},
		{hfJSON(`{"type":"Unigram"}`, ""), `model.type "Unigram"`, true},
		{hfJSON(tinyModel, `"normalizer":{"type":"Lowercase"},`), `normalizer: normalizer "Lowercase"`, true},
		{hfJSON(tinyModel, `"pre_tokenizer":{"type":"Whitespace"},`), `pre_tokenizer: pre-tokenizer "Whitespace"`, true},
		{hfJSON(tinyModel, `"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"a"},"behavior":"MergedWithNext"}]},`), `pre_tokenizer.pretokenizers[0]: Split behavior "MergedWithNext"`, true},
		{hfJSON(tinyModel, `"decoder":{"type":"WordPiece"},`), `decoder "WordPiece"`, true},
		{hfJSON(`{"type":"BPE","dropout":0.1,"vocab":{"a":0},"merges":[]}`, ""), "model.dropout", true},
		{hfJSON(`{"type":"BPE","continuing_subword_prefix":"##","vocab":{"a":0},"merges":[]}`, ""), "continuing_subword_prefix", true},
		{hfJSON(`{"type":"BPE","vocab":{"<unk>":0,"a":1},"merges":["a c"]}`, ""), `model.merges[0]: "c" is not in model.vocab`, false},
		{hfJSON(`{"type":"BPE","vocab":{"<unk>":0,"a":1},"merges":["a"]}`, ""), `model.merges[0]`, false},
		{hfJSON(`{"type":"BPE","vocab":{"<unk>":0,"a":1,"b":1},"merges":[]}`, ""), `model.vocab["b"] at byte 107: id 1: two pieces share one id: "a" at byte 101 has it too`, false},
		{hfJSON(`{"type":"BPE","unk_token":"<u>","vocab":{"<unk>":0,"a":1},"merges":[]}`, ""), `model.unk_token "<u>"`, false},
		{`{"added_tokens":[{"id":5,"content":"x","lstrip":true}],"model":` + tinyModel + `}`, `added_tokens[0] ("x"): lstrip`, true},
		{hfJSON(`{"type":"BPE","vocab":{"<unk>":0,"a":1},"merges":[]}`, `"pre_tokenizer":{"type":"ByteLevel"},`), `byte 0x00`, false},
		{hfJSON(`{"type":"BPE","vocab":{"<unk>":0},"merges":[]}`, `"pre_tokenizer":{"type":"Split","pattern":{"Regex":"("},"behavior":"Isolated"},`), `pre_tokenizer: split pattern`, false},
	}
	for _, tt := range tests {
		_, err := ParseHF([]byte(tt.in), "x")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%.60s…: got %v, want an error mentioning %q", tt.in, err, tt.want)
			continue
		}
		if got := errors.Is(err, errUnsupported); got != tt.unsupported {
			t.Errorf("%q: errors.Is(err, errUnsupported) = %v, want %v", err, got, tt.unsupported)
		}
	}
}

// TestMergeSmallMatchesLarge pits the O(n²) merge against the heap-based
// one on random words and random merge tables.
func TestMergeSmallMatchesLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		alphabet := 2 + rng.IntN(4)
		pairs := map[uint64]uint64{}
		next := int32(alphabet)
		for range rng.IntN(30) {
			l, r := int32(rng.IntN(int(next))), int32(rng.IntN(int(next)))
			if _, ok := pairs[uint64(l)<<32|uint64(r)]; !ok {
				pairs[uint64(l)<<32|uint64(r)] = uint64(rng.IntN(20))<<32 | uint64(next)
				next++
			}
		}
		n := 1 + rng.IntN(200)
		syms := make([]sym, n)
		w := make([]byte, n)
		for i := range syms {
			syms[i] = sym{start: int32(i), end: int32(i + 1), id: int32(rng.IntN(alphabet))}
			w[i] = byte('a' + syms[i].id)
		}
		rk := pairRanker{pairs}
		small := mergeSmall(rk, string(w), slices.Clone(syms))
		large := mergeLarge(rk, string(w), slices.Clone(syms))
		if !slices.Equal(small, large) {
			t.Fatalf("trial %d: small %v, large %v", trial, small, large)
		}
		// The same through the byte-rank path on runs of one letter.
		table, _, _ := newPieceTable([][]byte{[]byte("aaa"), []byte("aa"), []byte("aaaa")})
		pr := pieceRanker{table}
		s := strings.Repeat("a", n)
		bytesSyms := make([]sym, n)
		for i := range bytesSyms {
			bytesSyms[i] = sym{start: int32(i), end: int32(i + 1)}
		}
		if a, b := mergeSmall(pr, s, slices.Clone(bytesSyms)), mergeLarge(pr, s, slices.Clone(bytesSyms)); !slices.Equal(a, b) {
			t.Fatalf("trial %d: rank merge small %v, large %v", trial, a, b)
		}
	}
}

func TestFromSpec(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "bpe.json")
	b := trained(t, 300)
	data, _ := Marshal(b)
	if err := os.WriteFile(saved, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec, wantName, wantErr string
	}{
		{"char", "char", ""},
		{"word", "word", ""},
		{"word:50", "word:50", ""},
		{"bpe:300", "bpe:300", ""},
		{"bpe:" + saved, "bpe:300", ""},
		{"bpe:", "", "want bpe:N"},
		{"bpe:" + filepath.Join(dir, "missing.json"), "", "missing.json"},
		{"word:x", "", "word:N"},
		{"hf:", "", "hf:FILE"},
		{"tiktoken:" + filepath.Join(dir, "nope.tiktoken"), "", "nope.tiktoken"},
		{"ckpt:x.ckpt", "", "checkpoints are not readable"},
		{"nonsense", "", "unknown kind"},
	}
	if _, err := FromSpec("char", SpecOptions{TextName: "empty.txt"}); err == nil || !strings.Contains(err.Error(), "empty.txt") {
		t.Errorf("char on an empty text: got %v, want an error naming empty.txt", err)
	}
	for _, tt := range tests {
		tok, err := FromSpec(tt.spec, SpecOptions{Text: trainText, Special: []string{"<|endoftext|>"}})
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: got %v, want an error mentioning %q", tt.spec, err, tt.wantErr)
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.spec, err)
		case tt.wantErr == "" && tok.Name() != tt.wantName:
			t.Errorf("%s: Name %q, want %q", tt.spec, tok.Name(), tt.wantName)
		}
	}
	ck, err := FromSpec("ckpt:m.ckpt", SpecOptions{Checkpoint: func(string) ([]byte, error) { return data, nil }})
	if err != nil || ck.Name() != "bpe:300" {
		t.Errorf("ckpt: got %v, %v", ck, err)
	}
}

func TestPositionString(t *testing.T) {
	tests := []struct {
		p    Position
		want string
	}{
		{Position{Offset: 3, Text: "é"}, `"é" (U+00E9) at byte 3`},
		{Position{Offset: 0, Text: "\xff", Invalid: true}, "invalid UTF-8 byte 0xff at byte 0"},
		{Position{Offset: 9, Text: "dog"}, `"dog" at byte 9`},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
	if !utf8.ValidString(tests[0].want) {
		t.Fatal("test table is not UTF-8")
	}
}

// TestMetaChunksMatchWholeText pits the word-by-word merge of a
// SentencePiece-style BPE against merging the whole text as one word, which
// is what Hugging Face does.
func TestMetaChunksMatchWholeText(t *testing.T) {
	fast := loadShared(t, "spm-bpe-32k.tokenizer.json")
	if !fast.metaChunks {
		t.Fatal("spm-bpe-32k does not take the word-by-word path")
	}
	whole := *fast
	whole.metaChunks = false
	data, err := os.ReadFile(filepath.Join(sharedDir(t), "data", "tinyshakespeare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	texts := []string{string(data[:20000]), "▁▁x▁ ▁", "a▁b", " ▁ "}
	for _, tt := range edgeTexts {
		texts = append(texts, tt.text)
	}
	for range 50 {
		var sb strings.Builder
		for range 60 {
			sb.WriteString([]string{" ", "  ", "▁", "the", "e", "t", "h", "中", "🤖", "\n", "'"}[rng.IntN(11)])
		}
		texts = append(texts, sb.String())
	}
	for _, s := range texts {
		if got, want := fast.Encode(s), whole.Encode(s); !slices.Equal(got, want) {
			t.Fatalf("%.40q: word by word %v, whole %v", s, got, want)
		}
	}
}

// TestPieceTableMatchesMap pits the hash table against its naive twin, a Go
// map, on every piece of a vocabulary and on strings that are not pieces.
func TestPieceTableMatchesMap(t *testing.T) {
	vocab := [][]byte{[]byte("a"), nil, []byte("ab"), []byte(""), []byte("abc"), []byte("a"), []byte("\x00\xff")}
	for i := range 3000 {
		vocab = append(vocab, []byte(fmt.Sprintf("p%dq", i*7)))
	}
	table, first, second := newPieceTable(vocab)
	if first != 0 || second != 5 {
		t.Errorf("duplicate reported as (%d, %d), want (0, 5)", first, second)
	}
	twin := map[string]int32{}
	for id, p := range vocab {
		if _, dup := twin[string(p)]; p != nil && !dup {
			twin[string(p)] = int32(id)
		}
	}
	probes := []string{"", "b", "abcd", "p1q", "p7", "\x00", "\x00\xff"}
	for p := range twin {
		probes = append(probes, p, p+"x", "x"+p)
	}
	for _, s := range probes {
		gotID, gotOK := table.lookup(s)
		wantID, wantOK := twin[s]
		if gotOK != wantOK || gotID != wantID {
			t.Fatalf("lookup(%q) = %d, %v; map says %d, %v", s, gotID, gotOK, wantID, wantOK)
		}
	}
}
