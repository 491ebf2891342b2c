package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func addEdgeSeeds(f *testing.F) {
	for _, tt := range edgeTexts {
		f.Add(tt.text)
	}
}

// FuzzByteLevelRoundTrip checks Decode(Encode(s)) == s and the spans of
// every byte-level tokenizer on any byte string.
func FuzzByteLevelRoundTrip(f *testing.F) {
	addEdgeSeeds(f)
	toks := []*BPE{trained(f, 500)}
	if useShared() {
		for _, file := range []string{"gpt2.tiktoken", "cl100k_base.tiktoken", "o200k_base.tiktoken", "o200k.tokenizer.json"} {
			toks = append(toks, loadShared(f, file))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, b := range toks {
			if got := b.Decode(b.Encode(s)); got != s {
				t.Fatalf("%s: Decode(Encode(%q)) = %q", b.Name(), s, got)
			}
			checkSpans(t, b.Name(), s, b.EncodeTokens(s), b)
		}
	})
}

// FuzzSentencePiece checks that the SentencePiece-style tokenizer never
// panics, keeps spans in order, and round-trips text without leading or
// doubled spaces that its normalizer rewrites.
func FuzzSentencePiece(f *testing.F) {
	addEdgeSeeds(f)
	b := loadShared(f, "spm-bpe-32k.tokenizer.json") // skips without ../shared
	f.Fuzz(func(t *testing.T, s string) {
		toks := b.EncodeTokens(s)
		last := 0
		for _, tk := range toks {
			if tk.Start < last || tk.End < tk.Start || tk.End > len(s) {
				t.Fatalf("%q: span [%d,%d) after %d", s, tk.Start, tk.End, last)
			}
			last = tk.Start
		}
		if !strings.Contains(s, "<") && !strings.HasPrefix(s, " ") && s != "" {
			if got := b.Decode(b.Encode(s)); got != s {
				t.Fatalf("Decode(Encode(%q)) = %q", s, got)
			}
		}
	})
}

// FuzzCharWord trains char and word tokenizers on any text and checks that
// valid text round-trips and unknown places are reported.
func FuzzCharWord(f *testing.F) {
	addEdgeSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := NewChar(s, false)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatal("char: invalid UTF-8 trained without error")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Decode(c.Encode(s)); got != s {
			t.Fatalf("char: Decode(Encode(%q)) = %q", s, got)
		}
		w, err := NewWord(s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Decode(w.Encode(s)); got != s {
			t.Fatalf("word: Decode(Encode(%q)) = %q", s, got)
		}
		if u := Unknown(c, s+"\xff"); len(u) != 1 || !u[0].Invalid || u[0].Offset != len(s) {
			t.Fatalf("char: Unknown of an appended invalid byte = %v", u)
		}
	})
}

// fuzzAllocBudget is what parsing n bytes of fuzz input may allocate: the
// hostile-file budget (allocBudget) plus 64 KiB for building a small
// tokenizer (the 256 byte tokens, maps, a compiled regex).
func fuzzAllocBudget(n int) uint64 { return allocBudget(n) + 64<<10 }

// FuzzParseTiktoken feeds malformed rank files to the loader: errors, never
// panics, allocates in proportion to the input, and what loads is
// byte-level.
func FuzzParseTiktoken(f *testing.F) {
	f.Add([]byte("YQ== 0\nYg== 1\nYWI= 2\n"))
	f.Add([]byte("YQ== 0\r\n\r\nYg== 7"))
	f.Add([]byte("=== 0\n"))
	f.Add([]byte("YQ== -1\n"))
	f.Add([]byte("YQ== 1099511627776\n"))
	f.Add([]byte("YQ== 16777215\n"))
	f.Add([]byte(byteRanks() + "YWI= 256\nYWJj 25"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b *BPE
		var err error
		if got := allocated(func() { b, err = ParseTiktoken(data, "x", TiktokenOptions{Pattern: "gpt2"}) }); got > fuzzAllocBudget(len(data)) {
			t.Fatalf("allocated %d bytes for %d bytes of input", got, len(data))
		}
		if err != nil {
			return
		}
		if !b.cfg.ByteLevel {
			t.Fatal("not byte-level")
		}
	})
}

// FuzzParseHF feeds malformed tokenizer.json files to the loader: errors,
// never panics, allocates in proportion to the input.
func FuzzParseHF(f *testing.F) {
	defer func(d time.Duration) { patternTimeout = d }(patternTimeout)
	patternTimeout = 10 * time.Millisecond
	f.Add([]byte(hfJSON(tinyModel, "")))
	f.Add([]byte(hfJSON(tinyModel, `"normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]},`)))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":[["a","b"]]},"pre_tokenizer":{"type":"Split","pattern":{"Regex":"\\s+"},"behavior":"Removed","invert":false}}`))
	f.Add([]byte(tinyHF))
	f.Add([]byte(strings.Replace(tinyHF, `"id":4`, `"id":16777215`, 1)))
	f.Add([]byte(strings.Replace(tinyHF, `"ab":3`, `"ab":1e400`, 1)))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{` + byteLevelVocab() + `},"merges":[]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(a+)+$"},"behavior":"Isolated"},{"type":"ByteLevel"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b *BPE
		var err error
		if got := allocated(func() { b, err = ParseHF(data, "fuzz") }); got > fuzzAllocBudget(len(data)) {
			t.Fatalf("allocated %d bytes for %d bytes of input", got, len(data))
		}
		if err != nil {
			return
		}
		for _, s := range []string{"", "ab a b", "<unk>▁x", "\xff"} {
			b.EncodeTokens(s)
			b.Decode(b.Encode(s))
		}
	})
}

// FuzzUnmarshal feeds malformed saved tokenizers (as checkpoints carry
// them) to Unmarshal: errors, never panics, allocates in proportion to the
// input.
func FuzzUnmarshal(f *testing.F) {
	defer func(d time.Duration) { patternTimeout = d }(patternTimeout)
	patternTimeout = 10 * time.Millisecond
	evil, err := TrainBPE("ab ba", TrainOptions{VocabSize: 258, Pattern: `(a+)+$`})
	if err != nil {
		f.Fatal(err)
	}
	for _, tok := range []Tokenizer{trained(f, 300), mustChar(f), mustWord(f), evil} {
		data, err := Marshal(tok)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(oldWordJSON))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tok Tokenizer
		var err error
		if got := allocated(func() { tok, err = Unmarshal(data) }); got > fuzzAllocBudget(len(data)) {
			t.Fatalf("allocated %d bytes for %d bytes of input", got, len(data))
		}
		if err != nil {
			return
		}
		for _, s := range []string{"", "First Citizen", "\xff🤖"} {
			tok.EncodeTokens(s)
			tok.Decode(tok.Encode(s))
		}
	})
}

func mustChar(tb testing.TB) *Char {
	c, err := NewChar(trainText, true)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func mustWord(tb testing.TB) *Word {
	w, err := NewWord(trainText, 30)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// leadingFromOld is the naive twin of eachWordLeading: it takes the pieces
// of the old word rule, where every run of whitespace is a piece, and moves
// the whitespace before a word as GPT-2's \s+(?!\S) does: the run's last
// character leaves it, and joins the word if it is a space.
func leadingFromOld(text string) []string {
	var old, out []string
	eachWord(text, func(s, e int) { old = append(old, text[s:e]) })
	space := ""
	for i, p := range old {
		if r, _ := utf8.DecodeRuneInString(p); !unicode.IsSpace(r) {
			out = append(out, space+p)
			space = ""
			continue
		}
		if i == len(old)-1 {
			out = append(out, p)
			continue
		}
		runes := []rune(p)
		if len(runes) > 1 {
			out = append(out, string(runes[:len(runes)-1]))
		}
		if last := string(runes[len(runes)-1]); last == " " {
			space = " "
		} else {
			out = append(out, last)
		}
	}
	return out
}

// FuzzWordLeading checks the word pieces against their naive twin, and that
// a vocabulary of either rule decodes what it encodes; cutting at
// LastSafeCut changes no id.
func FuzzWordLeading(f *testing.F) {
	addEdgeSeeds(f)
	f.Add("a\n\n  b \t c\u00a0 d \u00a0e  \n")
	f.Add("x \xff y\xff  \"z\"?\n\n1\nq")
	old, err := Unmarshal([]byte(oldWordJSON))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got []string
		eachWordLeading(s, func(start, end int) { got = append(got, s[start:end]) })
		if want := leadingFromOld(s); !slices.Equal(got, want) {
			t.Fatalf("%q: pieces %q, naive twin %q", s, got, want)
		}
		if strings.Join(got, "") != s {
			t.Fatalf("%q: pieces %q do not make up the text", s, got)
		}
		text := strings.ToValidUTF8(s, "")
		w, err := NewWord(text, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Decode(w.Encode(text)); got != text {
			t.Fatalf("word: Decode(Encode(%q)) = %q", text, got)
		}
		for _, tok := range []Tokenizer{w, old} {
			if i := LastSafeCut(tok, s); i >= 0 {
				got := append(tok.Encode(s[:i]), tok.Encode(s[i:])...)
				if want := tok.Encode(s); !slices.Equal(got, want) {
					t.Fatalf("%q cut at %d: %v, whole %v", s, i, got, want)
				}
			}
		}
	})
}
