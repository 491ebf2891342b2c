package tui

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"lmlab/tokenizer"
)

const viewTrainText = "The cat sat on the mat.\nThe dog sat on the log.\n\tdef f(x):\n\t    return x  # done\n"

func viewTokenizers(t *testing.T) (word, bpe tokenizer.Tokenizer) {
	t.Helper()
	w, err := tokenizer.NewWord(viewTrainText, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tokenizer.TrainBPE(viewTrainText, tokenizer.TrainOptions{VocabSize: 300, Special: []string{"<|endoftext|>"}})
	if err != nil {
		t.Fatal(err)
	}
	return w, b
}

// TestTokenView renders texts at fixed widths without colour; the golden
// files under testdata/TestTokenView show boundaries as │ and whitespace as
// · → ⏎. Regenerate with go test ./tui -run TestTokenView -update.
func TestTokenView(t *testing.T) {
	word, bpe := viewTokenizers(t)
	tests := []struct {
		name string
		tok  tokenizer.Tokenizer
		text string
		opt  TokenViewOptions
	}{
		{"word_80", word, "The cat sat on the mat.\n\tdef f(x):  # two  spaces\n", TokenViewOptions{Width: 80, Whitespace: true}},
		{"word_ids_40", word, "The cat sat on the mat.\nThe dog sat on the log.", TokenViewOptions{Width: 40, ShowIDs: true, Whitespace: true}},
		{"bpe_special_emoji_cjk_30", bpe, "The cat 🤖 sat<|endoftext|>中文 on\r\nthe mat", TokenViewOptions{Width: 30, Whitespace: true}},
		{"bpe_invalid_utf8_24", bpe, "bad \xff\xfe bytes, cut \xe4\xb8", TokenViewOptions{Width: 24, Whitespace: true}},
		{"bpe_no_whitespace_glyphs", bpe, "The cat\tsat\n\non the mat ", TokenViewOptions{}},
		{"empty", bpe, "", TokenViewOptions{Width: 10}},
		{"bpe_wrap_at_tokens_30", bpe, "The cat 🤖 sat<|endoftext|>中文 on\r\nthe mat", TokenViewOptions{Width: 30, Whitespace: true, WrapAtTokens: true, ShowIDs: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := RenderTokens(PlainStyles(), tt.text, tt.tok.EncodeTokens(tt.text), tt.opt)
			checkWidth(t, out, tt.opt.Width)
			golden.RequireEqual(t, ansi.Strip(out))
		})
	}
}

func TestTokenViewCompare(t *testing.T) {
	word, bpe := viewTokenizers(t)
	text := "The cat sat on the mat, then the dog sat."
	out := RenderCompare(PlainStyles(), text, TokenRow{"word", word.EncodeTokens(text)}, TokenRow{"bpe:300", bpe.EncodeTokens(text)}, TokenViewOptions{Width: 60, Whitespace: true})
	checkWidth(t, out, 60)
	golden.RequireEqual(t, ansi.Strip(out))

	same := RenderCompare(PlainStyles(), text, TokenRow{"a", word.EncodeTokens(text)}, TokenRow{"b", word.EncodeTokens(text)}, TokenViewOptions{})
	if !strings.Contains(same, "same places") || strings.Contains(same, glyphDiffSep) {
		t.Errorf("identical cuts are reported as different:\n%s", same)
	}
}

// TestTokenViewUnknown shows characters outside a char vocabulary.
func TestTokenViewUnknown(t *testing.T) {
	c, err := tokenizer.NewChar("abc ", false)
	if err != nil {
		t.Fatal(err)
	}
	text := "a cé\xff"
	out := ansi.Strip(RenderTokens(PlainStyles(), text, c.EncodeTokens(text), TokenViewOptions{ShowIDs: true, Whitespace: true}))
	if want := "a₁│·₀│c₃│é⁇₋│<FF>⁇₋"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestTokenViewColour checks that colour styles draw boundaries with
// styles (ANSI sequences), not with │ marks.
func TestTokenViewColour(t *testing.T) {
	st := DefaultStyles()
	if st.NoColor {
		t.Setenv("NO_COLOR", "")
		st = DefaultStyles()
	}
	word, _ := viewTokenizers(t)
	text := "The cat sat"
	out := RenderTokens(st, text, word.EncodeTokens(text), TokenViewOptions{})
	if ansi.Strip(out) != text {
		t.Errorf("stripped colour view %q, want the text %q", ansi.Strip(out), text)
	}
	if out == text {
		t.Error("colour view has no styling")
	}
	t.Setenv("NO_COLOR", "1")
	if !DefaultStyles().NoColor {
		t.Error("NO_COLOR=1 does not give colourless styles")
	}
}

// checkWidth fails when a line of out is wider than width.
func checkWidth(t *testing.T, out string, width int) {
	t.Helper()
	if width <= 0 {
		return
	}
	for i, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d cells wide, limit %d: %q", i, w, width, ansi.Strip(l))
		}
	}
}

// FuzzRenderTokens renders arbitrary text with arbitrary (even nonsensical)
// spans: it must not panic and must respect the width.
func FuzzRenderTokens(f *testing.F) {
	f.Add("The cat\n\t🤖 \xff", uint64(1), 10)
	f.Add("", uint64(2), 0)
	f.Add("中文分词测试", uint64(3), 3)
	f.Fuzz(func(t *testing.T, text string, seed uint64, width int) {
		rng := rand.New(rand.NewPCG(seed, 7))
		toks := make([]tokenizer.Token, rng.IntN(12))
		for i := range toks {
			a, b := rng.IntN(len(text)+3)-1, rng.IntN(len(text)+3)-1
			toks[i] = tokenizer.Token{ID: rng.IntN(1000) - 5, Start: a, End: b,
				Special: rng.IntN(5) == 0, Fallback: rng.IntN(5) == 0, SplitsRune: rng.IntN(5) == 0}
		}
		width = width % 200
		opt := TokenViewOptions{Width: width, ShowIDs: seed%2 == 0, Whitespace: seed%3 == 0, WrapAtTokens: seed%5 < 2}
		out := RenderTokens(PlainStyles(), text, toks, opt)
		if width >= 12 { // wide enough for any one unit (an id or a <XX> byte)
			checkWidth(t, out, width)
		}
		RenderCompare(DefaultStyles(), text, TokenRow{"a", toks}, TokenRow{"b", toks[:len(toks)/2]}, opt)
	})
}

// spans cuts text at the given byte offsets into tokens with ids 0, 1, ...
func spans(text string, cuts ...int) []tokenizer.Token {
	var toks []tokenizer.Token
	start := 0
	for i, c := range append(cuts, len(text)) {
		toks = append(toks, tokenizer.Token{ID: i, Start: start, End: c})
		start = c
	}
	return toks
}

// TestTokenViewInvisible shows invisible and format characters as
// <U+XXXX> marks, keeps emoji sequences whole and marks a cut inside a
// character with ┊.
func TestTokenViewInvisible(t *testing.T) {
	tests := []struct {
		name, text string
		cuts       []int
		want       string
	}{
		{"zero-width space", "a\u200bb", nil, "a<U+200B>b"},
		{"BOM", "\ufeffhi", nil, "<U+FEFF>hi"},
		{"soft hyphen", "co\u00adop", nil, "co<U+00AD>op"},
		{"lone combining mark", "\u0301x", nil, "<U+0301>x"},
		{"combining mark with its base", "e\u0301", nil, "e\u0301"},
		{"cut before a combining mark", "e\u0301", []int{1}, "e┊<U+0301>"},
		{"bidi controls", "\u202eabc\u202c", nil, "<U+202E>abc<U+202C>"},
		{"zero-width joiner between letters", "a\u200db", nil, "a<U+200D>b"},
		{"ZWJ family stays whole", "👨\u200d👩\u200d👧", nil, "👨\u200d👩\u200d👧"},
		{"flag", "🇯🇵", nil, "🇯🇵"},
		{"cut inside a character", "中", []int{1, 2}, "<E4>┊<B8>┊<AD>"},
		{"space before a combining mark", " \u0301", nil, "·<U+0301>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ansi.Strip(RenderTokens(PlainStyles(), tt.text, spans(tt.text, tt.cuts...), TokenViewOptions{Whitespace: true}))
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTokenViewWideClusters lays out wide characters, ZWJ sequences and
// flags at fixed widths: no line is wider than the width and no cluster is
// cut across lines.
func TestTokenViewWideClusters(t *testing.T) {
	text := "👨\u200d👩\u200d👧🇯🇵中文한국어e\u0301👍🏽x🏳\ufe0f\u200d🌈"
	var cuts []int
	for rest, p := text, 0; rest != ""; {
		c, _ := ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth)
		p += len(c)
		rest = rest[len(c):]
		if rest != "" {
			cuts = append(cuts, p)
		}
	}
	for _, width := range []int{2, 3, 4, 5, 7, 11} {
		for _, st := range []Styles{PlainStyles(), DefaultStyles()} {
			out := RenderTokens(st, text, spans(text, cuts...), TokenViewOptions{Width: width, WrapAtTokens: true})
			checkWidth(t, out, width)
			joined := strings.NewReplacer("\n", "", glyphSep, "").Replace(ansi.Strip(out))
			if joined != text {
				t.Errorf("width %d: lines join to %q, want %q", width, joined, text)
			}
		}
	}
}

// TestTokenViewAdjacentDistinct checks that any two adjacent tokens are told
// apart, with and without colour: a separator unit lies between them or
// their styles differ. Fallback, unknown and special tokens side by side
// included.
func TestTokenViewAdjacentDistinct(t *testing.T) {
	_, bpe := viewTokenizers(t)
	char, err := tokenizer.NewChar("abc ", false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tok  tokenizer.Tokenizer
		text string
	}{
		{bpe, "🤖🤖 中文 <|endoftext|><|endoftext|>The cat"},
		{char, "éé\xff\xfe abc"},
	}
	for _, st := range []Styles{PlainStyles(), DefaultStyles()} {
		for _, tt := range tests {
			toks := tt.tok.EncodeTokens(tt.text)
			units := tokenUnits(st, tt.text, toks, nil, TokenViewOptions{Whitespace: true})
			for k := 1; k < len(units); k++ {
				prev, cur := units[k-1], units[k]
				if prev.tok == cur.tok {
					continue
				}
				sep := prev.text == glyphSep || prev.text == glyphJoin || prev.text == glyphDiffSep
				if !sep && prev.style == cur.style {
					t.Errorf("NoColor=%v %q: tokens %d and %d are drawn alike with nothing between (%q, %q)", st.NoColor, tt.text, prev.tok, cur.tok, prev.text, cur.text)
				}
			}
		}
	}
}

func TestLegendExplainsEveryGlyph(t *testing.T) {
	for _, st := range []Styles{PlainStyles(), DefaultStyles()} {
		legend := ansi.Strip(Legend(st))
		for _, g := range []string{glyphSpace, glyphTab, glyphNewline, glyphCR, glyphUniSpace, glyphEmpty, glyphJoin, glyphUnknown, glyphMeta, "<E4>", "<U+200B>", "<|endoftext|>", "₋"} {
			if !strings.Contains(legend, g) {
				t.Errorf("NoColor=%v: the legend does not explain %q:\n%s", st.NoColor, g, legend)
			}
		}
		if st.NoColor && (!strings.Contains(legend, glyphSep) || !strings.Contains(legend, glyphDiffSep)) {
			t.Errorf("the plain legend does not explain %s and %s:\n%s", glyphSep, glyphDiffSep, legend)
		}
	}
}
