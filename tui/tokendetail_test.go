package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/testenv"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// testText is the workbench test corpus, for tokenizers these tests train.
func testText(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(testCorpus)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testBPE is a small byte-level BPE trained on the test corpus.
func testBPE(t testing.TB) tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.TrainBPE(testText(t), tokenizer.TrainOptions{VocabSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// charWith returns a char tokenizer of the test corpus and extra, so that
// every character of extra is drawn whole.
func charWith(extra string) func(t testing.TB) tokenizer.Tokenizer {
	return func(t testing.TB) tokenizer.Tokenizer {
		tok, err := tokenizer.NewChar(testText(t)+extra, false)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
}

func testWord(t testing.TB) tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.NewWord(testText(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// sharedTokenizer loads a tokenizer file from ../shared/data/tokenizers.
func sharedTokenizer(t testing.TB, kind, file string) (tokenizer.Tokenizer, string) {
	t.Helper()
	spec := kind + ":" + filepath.Join(testenv.Shared(t), "data", "tokenizers", file)
	tok, err := tokenizer.FromSpec(spec, tokenizer.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tok, spec
}

// paneHarness is a Tokens pane on its own, with the key map the root model
// would give it.
type paneHarness struct {
	t  testing.TB
	p  *tokenPane
	km *keyMap
}

func newPaneHarness(t testing.TB, st Styles, tok tokenizer.Tokenizer, text string, w, h int) *paneHarness {
	km := newKeyMap()
	s := st
	p := newTokenPane(&s, &km)
	p.SetSize(w, h)
	p.SetFocused(true)
	p.setTokenizer(tok)
	p.setText(text)
	hs := &paneHarness{t: t, p: p, km: &km}
	hs.keys()
	return hs
}

// keys sets the bindings as the root model does for the pane's state.
func (h *paneHarness) keys() {
	h.km.update(keyState{focus: paneTokens, loaded: true, editing: h.p.Editing()})
}

// send delivers msg and returns the message its command reports, if any.
func (h *paneHarness) send(msg tea.Msg) tea.Msg {
	cmd := h.p.Update(msg)
	h.keys()
	if cmd == nil {
		return nil
	}
	return cmd()
}

func (h *paneHarness) press(names ...string) {
	for _, n := range names {
		h.send(keyPress(n))
	}
}

func (h *paneHarness) view() string { return ansi.Strip(h.p.View()) }

// type types s into the open edit box, one key per character.
func (h *paneHarness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// TestTokensGolden draws the Tokens pane at a fixed size on texts that
// are hard to draw: emoji (with a ZWJ sequence, a skin tone and a flag),
// CJK, combining marks, zero-width characters, byte fallback and unknown
// words, with the cursor on a token and its details below; in plain styles
// and in colour (stripped). Every line has the pane's width: a wide or
// zero-width character never moves a border.
func TestTokensGolden(t *testing.T) {
	const w, h = 50, 16
	cases := []struct {
		name  string
		tok   func(t testing.TB) tokenizer.Tokenizer
		text  string
		moves int // → presses: the cursor's token
		keys  []string
	}{
		{"emoji", testBPE, "The 🤖 cat 👍🏽 sat 👨‍👩‍👧 on 🇫🇷 flags.", 3, nil},
		{"emoji_whole", charWith("The 🤖 cat 👍🏽 sat 👨‍👩‍👧 on 🇫🇷 flags."), "The 🤖 cat 👍🏽 sat 👨‍👩‍👧 on 🇫🇷 flags.", 4, nil},
		{"cjk_whole", charWith("猫は静かに座っていた。全角　space 漢字"), "猫は静かに座っていた。全角　space 漢字", 3, nil},
		{"cjk", testBPE, "猫は静かに座っていた。全角　space 漢字", 2, nil},
		{"combining", testBPE, "cafe\u0301 nai\u0308ve Z\u0335\u0321a\u0300 ok", 4, []string{"g"}},
		{"zero_width", testBPE, "zero\u200bwidth\u200djoin\ufeffbom\u2060end", 5, nil},
		{"unknown_words", testWord, "The zebra sat on the mat.\nA yak is quiet.", 2, nil},
		{"byte_fallback", func(t testing.TB) tokenizer.Tokenizer {
			tok, _ := sharedTokenizer(t, "hf", "spm-bpe-32k.tokenizer.json")
			return tok
		}, "def main(): 🤖 returns 𝔘 ok", 5, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.tok(t)
			for _, colour := range []bool{false, true} {
				name := "plain"
				st := PlainStyles()
				if colour {
					name, st = "colour", DefaultStyles()
					st.NoColor = false
				}
				t.Run(name, func(t *testing.T) {
					hs := newPaneHarness(t, st, tok, tc.text, w, h)
					for range tc.moves {
						hs.press("right")
					}
					hs.press(tc.keys...)
					view := hs.view()
					lines := strings.Split(view, "\n")
					if len(lines) != h {
						t.Errorf("the pane has %d lines, want %d", len(lines), h)
					}
					for i, l := range lines {
						if n := ansi.StringWidth(l); n != w {
							t.Errorf("line %d is %d cells wide, want %d: %q", i, n, w, l)
						}
					}
					if !strings.Contains(view, fmt.Sprintf("token %d/", tc.moves)) {
						t.Errorf("no detail line for token %d:\n%s", tc.moves, view)
					}
					checkGolden(t, view, w)
				})
			}
		})
	}
}

// sgrRun is one run of text and the SGR parameters it is drawn with.
var sgrRun = regexp.MustCompile("\x1b\\[([0-9;:]*)m([^\x1b]+)")

// TestTokensColourAlternates: in colour, two adjacent tokens are drawn in
// different styles (that is how their boundary shows without │). The
// words carry the space before them, so "The cat sat" is three adjacent
// tokens: The, ·cat, ·sat.
func TestTokensColourAlternates(t *testing.T) {
	st := DefaultStyles()
	st.NoColor = false
	hs := newPaneHarness(t, st, testWord(t), "The cat sat", 60, 10)
	view := hs.p.View()
	styleOf := func(piece string) string {
		for _, m := range sgrRun.FindAllStringSubmatch(view, -1) {
			if m[2] == piece {
				return m[1]
			}
		}
		t.Fatalf("no run %q in the coloured view:\n%q", piece, view)
		return ""
	}
	the, cat, sat := styleOf("The"), styleOf("cat"), styleOf("sat")
	if the == cat || cat == sat {
		t.Errorf("adjacent tokens share a style: The %q, ·cat %q, ·sat %q", the, cat, sat)
	}
	if strings.Contains(ansi.Strip(view), glyphSep) {
		t.Errorf("the coloured view draws │ separators:\n%s", ansi.Strip(view))
	}
}

// TestTokenCursor moves the cursor over the tokens with the pane's keys
// and checks the detail line: the token's place, id, piece and bytes.
func TestTokenCursor(t *testing.T) {
	tok := testBPE(t)
	text := "The cat 🤖 sat."
	toks := tok.EncodeTokens(text)
	hs := newPaneHarness(t, PlainStyles(), tok, text, 70, 20)
	if strings.Contains(hs.view(), "token 1/") {
		t.Fatalf("a detail line before the cursor moved:\n%s", hs.view())
	}
	tests := []struct {
		key  string
		want int // token index after the key
	}{
		{"right", 0}, {"right", 1}, {"l", 2}, {"left", 1}, {"end", len(toks) - 1}, {"right", len(toks) - 1},
		{"home", 0}, {"h", 0},
	}
	for _, tc := range tests {
		hs.press(tc.key)
		if hs.p.cur != tc.want {
			t.Fatalf("after %s the cursor is on token %d, want %d", tc.key, hs.p.cur, tc.want)
		}
		tk := toks[tc.want]
		want := fmt.Sprintf("token %d/%d id %d · piece %q · bytes %s", tc.want+1, len(toks), tk.ID,
			rawPiece(tok, pieceByteLevel, tk), hexBytes(tok.TokenBytes(tk.ID)))
		if got := hs.view(); !strings.Contains(got, want) {
			t.Errorf("after %s the pane lacks %q:\n%s", tc.key, want, got)
		}
	}
	// The robot's bytes: every token of it says which character it is part
	// of and how many tokens that character takes.
	robot := strings.Index(text, "🤖")
	var ids []string
	first := -1
	for i, tk := range toks {
		if tk.End > robot && tk.Start < robot+len("🤖") {
			ids = append(ids, fmt.Sprint(tk.ID))
			if first < 0 {
				first = i
			}
		}
	}
	if len(ids) < 2 {
		t.Fatalf("the test BPE has 🤖 in %d token; the test needs a character it splits", len(ids))
	}
	hs.p.moveCursor(first)
	want := fmt.Sprintf(`"🤖" U+1F916 (F0 9F A4 96) = %d tokens: ids %s`, len(ids), strings.Join(ids, " "))
	if got := hs.view(); !strings.Contains(got, want) {
		t.Errorf("the cursor on 🤖's first token does not show %q:\n%s", want, got)
	}
}

// TestRawPiece spells pieces as the tokenizers' files do.
func TestRawPiece(t *testing.T) {
	gpt2, _ := sharedTokenizer(t, "tiktoken", "gpt2.tiktoken")
	spm, _ := sharedTokenizer(t, "hf", "spm-bpe-32k.tokenizer.json")
	tests := []struct {
		name string
		tok  tokenizer.Tokenizer
		text string
		want []string // the pieces of text's tokens
		kind pieceKind
	}{
		{"gpt2", gpt2, " the\tfox", []string{"Ġthe", "ĉ", "fox"}, pieceByteLevel},
		{"word", testWord(t), "The cat", []string{"The", " cat"}, piecePlain},
		{"spm", spm, "def 𝔘", nil, pieceMeta},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := pieceKindOf(tc.tok); got != tc.kind {
				t.Fatalf("pieceKindOf = %d, want %d", got, tc.kind)
			}
			var got []string
			for _, tk := range tc.tok.EncodeTokens(tc.text) {
				got = append(got, rawPiece(tc.tok, tc.kind, tk))
			}
			if tc.want != nil && strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("pieces %q, want %q", got, tc.want)
			}
			if tc.kind == pieceMeta {
				joined := strings.Join(got, "")
				if !strings.Contains(joined, metaspace+"def") || !strings.Contains(joined, "<0xF0>") {
					t.Errorf("SentencePiece pieces %q lack ▁def or the byte fallback <0xF0>", got)
				}
			}
		})
	}
}

// TestTokensMultiline: alt+enter and ctrl+j write a newline into the text,
// a paste keeps its newlines, esc restores and enter keeps the text whole.
func TestTokensMultiline(t *testing.T) {
	hs := newPaneHarness(t, PlainStyles(), testWord(t), "The cat", 60, 16)
	hs.press("e")
	if !hs.p.Editing() {
		t.Fatal("e did not open the edit box")
	}
	hs.send(tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModAlt})
	hs.typeText("A dog")
	hs.send(tea.KeyPressMsg{Code: 'j', Mod: tea.ModCtrl})
	hs.send(tea.PasteMsg{Content: "The hen\r\nThe owl sat.\n"})
	want := "The cat\nA dog\nThe hen\nThe owl sat.\n"
	if got := fromBox(hs.p.value()); got != want {
		t.Errorf("while editing the text is %q, want %q", got, want)
	}
	if v := hs.view(); !strings.Contains(v, "┃The│·cat│⏎│ ") || !strings.Contains(v, "┃A│·dog│⏎│ ") || !strings.Contains(v, "┃The│·owl│·sat│.│⏎ ") {
		t.Errorf("the tokens below the box do not show the newlines as ⏎:\n%s", v)
	}
	hs.press("enter")
	if hs.p.text != want {
		t.Errorf("enter kept %q, want %q", hs.p.text, want)
	}
	hs.press("e")
	hs.typeText("xyz")
	hs.press("esc")
	if hs.p.text != want || fromBox(hs.p.value()) != want {
		t.Errorf("esc left the text %q (box %q), want %q", hs.p.text, fromBox(hs.p.value()), want)
	}
}

// TestTokensOpenFile loads files into the text with o: a text file, and
// refusals, without blocking, of a FIFO, a binary file, a directory and a
// missing file. A refusal leaves the text as it was and says why.
func TestTokensOpenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("notes.txt", []byte("The fox\nsat on 🤖.\n"))
	binary := write("blob.bin", []byte("ELF\x00\x01\x02\x00\x00binary"))
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	big := write("big.txt", []byte(strings.Repeat("a", tokenFileMax+1)))

	tests := []struct {
		name, path string
		wantText   string // "" for a refusal
		wantErr    error
		wantMsg    string
	}{
		{"text", good, "The fox\nsat on 🤖.\n", nil, ""},
		{"fifo", fifo, "", samples.ErrNotRegular, "named pipe"},
		{"binary", binary, "", samples.ErrNotText, "binary"},
		{"directory", dir, "", errNotTextFile, "a directory"},
		{"missing", filepath.Join(dir, "nope.txt"), "", nil, "no such file"},
		{"too large", big, "", samples.ErrTooLarge, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const before = "The cat sat."
			hs := newPaneHarness(t, PlainStyles(), testWord(t), before, 70, 16)
			hs.press("o")
			if !hs.p.Editing() || !strings.Contains(hs.view(), "file ") {
				t.Fatalf("o did not open the path box:\n%s", hs.view())
			}
			hs.send(tea.PasteMsg{Content: tc.path})
			msg := hs.send(keyPress("enter"))
			if hs.p.Editing() {
				t.Fatal("enter left the path box open")
			}
			if tc.wantText != "" {
				if hs.p.text != tc.wantText || msg != nil {
					t.Errorf("loaded %q (message %v), want %q", hs.p.text, msg, tc.wantText)
				}
				return
			}
			if hs.p.text != before {
				t.Errorf("a refused file changed the text to %q", hs.p.text)
			}
			em, ok := msg.(errMsg)
			if !ok {
				t.Fatalf("a refusal reported %#v, want an errMsg", msg)
			}
			if tc.wantErr != nil && !errors.Is(em.err, tc.wantErr) {
				t.Errorf("error %v is not %v", em.err, tc.wantErr)
			}
			if tc.name != "too large" && !strings.Contains(em.err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not say %q", em.err, tc.wantMsg)
			}
			if !strings.Contains(hs.view(), "open") {
				t.Errorf("the pane does not show the error:\n%s", hs.view())
			}
		})
	}
}

// TestMergeReplay steps through the merges of a token with [ and ]: from
// its bytes, one merge at a time, to the token itself, for a trained BPE
// (merge list) and for tiktoken (merges ranked by the merged piece's id).
func TestMergeReplay(t *testing.T) {
	gpt2, _ := sharedTokenizer(t, "tiktoken", "gpt2.tiktoken")
	for _, tc := range []struct {
		name string
		tok  tokenizer.Tokenizer
		text string
	}{{"trained", testBPE(t), "The owl waited"}, {"tiktoken", gpt2, "Tokenizers"}} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newPaneHarness(t, PlainStyles(), tc.tok, tc.text, 80, 24)
			toks := tc.tok.EncodeTokens(tc.text)
			// The longest token: the one with the most merges.
			best := 0
			for i, tk := range toks {
				if tk.End-tk.Start > toks[best].End-toks[best].Start {
					best = i
				}
			}
			hs.press("r")
			hs.p.moveCursor(best)
			r := hs.p.replay
			if r == nil || r.why != "" {
				t.Fatalf("no replay for token %d: %+v", best, r)
			}
			piece := tc.tok.TokenBytes(toks[best].ID)
			if len(r.start) != len(piece) {
				t.Errorf("the replay starts from %d symbols, want the %d bytes", len(r.start), len(piece))
			}
			if !strings.Contains(hs.view(), fmt.Sprintf("0 of %d merges", len(r.steps))) {
				t.Errorf("the replay does not start at 0 merges:\n%s", hs.view())
			}
			for i := range r.steps {
				hs.press("]")
				s := r.steps[i]
				want := fmt.Sprintf("rank %d: %q + %q", s.rank, rawPiece(tc.tok, pieceByteLevel, tokenizer.Token{ID: s.left}),
					rawPiece(tc.tok, pieceByteLevel, tokenizer.Token{ID: s.right}))
				if v := hs.view(); !strings.Contains(v, want) {
					t.Fatalf("step %d does not show %q:\n%s", i+1, want, v)
				}
			}
			hs.press("]") // past the end: stays
			if got := r.after(hs.p.step); len(got) != 1 || got[0] != toks[best].ID {
				t.Errorf("the merges end in %v, want the token %d", got, toks[best].ID)
			}
			if len(r.steps) != len(piece)-1 {
				t.Errorf("%d merges for %d bytes, want %d", len(r.steps), len(piece), len(piece)-1)
			}
			hs.press("[")
			if hs.p.step != len(r.steps)-1 {
				t.Errorf("[ went to step %d, want %d", hs.p.step, len(r.steps)-1)
			}
		})
	}
	t.Run("word", func(t *testing.T) {
		hs := newPaneHarness(t, PlainStyles(), testWord(t), "The cat", 80, 24)
		hs.press("r")
		if v := hs.view(); !strings.Contains(v, "only a byte-level BPE has merges to replay;") {
			t.Errorf("the replay of a word tokenizer does not say why it has none:\n%s", v)
		}
	})
}

// TestTokensCompareFiles compares the session's tokenizer with two real
// tokenizer files given by CompareWith (--compare): c shows each in turn,
// with its counts and the places where the cuts differ.
func TestTokensCompareFiles(t *testing.T) {
	gpt2, gpt2Spec := sharedTokenizer(t, "tiktoken", "gpt2.tiktoken")
	spm, spmSpec := sharedTokenizer(t, "hf", "spm-bpe-32k.tokenizer.json")
	m, _ := newTestModel(t, 160, 50)
	if err := m.CompareWith(gpt2Spec, spmSpec, gpt2Spec); err != nil {
		t.Fatal(err)
	}
	if err := m.CompareWith("bpe:12"); err == nil || !strings.Contains(err.Error(), `--compare "bpe:12"`) {
		t.Errorf("a bad spec gave %v, want an error naming it", err)
	}
	d := newDriver(t, m)
	d.run(m.Init())
	d.until("the session", func() bool { return m.sess != nil })
	m.setFocus(paneTokens)
	// gpt2 cuts words as the word tokenizer does (the space goes with the
	// word after it); a word the cats vocabulary lacks, which gpt2 splits
	// into pieces, makes them differ.
	text := "The cat sat on the hippopotamus."
	m.tokens.setText(text)
	for _, tc := range []struct {
		spec string
		tok  tokenizer.Tokenizer
	}{{gpt2Spec, gpt2}, {spmSpec, spm}} {
		d.key("c")
		d.until(tc.spec, func() bool { return m.tokens.cmpTok != nil })
		screen := stripped(m)
		want := fmt.Sprintf(" %d tokens · ", len(tc.tok.EncodeTokens(text)))
		if !strings.Contains(screen, tc.tok.Name()) || !strings.Contains(screen, want) {
			t.Errorf("comparing with %s the screen lacks %q or %q:\n%s", tc.spec, tc.tok.Name(), want, screen)
		}
		at, _ := differAt(m.sess.Tokenizer.EncodeTokens(text), tc.tok.EncodeTokens(text), 8)
		if len(at) == 0 {
			t.Fatalf("%s cuts the prompt as the word tokenizer does; the test needs a difference", tc.spec)
		}
		if line := lineWith(screen, "cuts differ"); !strings.Contains(line, fmt.Sprintf("at bytes %d, ", at[0])) {
			t.Errorf("the differ line %q does not start at byte %d", line, at[0])
		}
	}
	d.key("c")
	if spec := m.tokens.specList()[m.tokens.cmpIdx]; spec != "char" {
		t.Errorf("after the two files c shows %q, want the built-in char", spec)
	}
}

// TestTokenCursorFollows: on a text longer than the pane, moving the
// cursor to the last token scrolls the view to it, and home scrolls back.
func TestTokenCursorFollows(t *testing.T) {
	text := strings.Repeat("The cat sat on the mat.\n", 40) + "The owl."
	hs := newPaneHarness(t, PlainStyles(), testWord(t), text, 40, 12)
	hs.press("end")
	v := hs.view() // the view scrolls as it is drawn
	if hs.p.offset == 0 || !strings.Contains(v, "┃The│·owl│.") {
		t.Errorf("after end the view (at line %d) does not show the last tokens:\n%s", hs.p.offset, v)
	}
	hs.press("home")
	if hs.view(); hs.p.offset != 0 {
		t.Errorf("home left the view at line %d, want 0", hs.p.offset)
	}
}

// FuzzTokensPane draws the Tokens pane on any text, with the cursor moved
// a few tokens, for a byte-level BPE and a word tokenizer, in plain styles
// and colour: it never panics, and every line has the pane's width, so no
// character breaks the border.
func FuzzTokensPane(f *testing.F) {
	for _, s := range []string{"The 🤖 cat", "👨‍👩‍👧🇫🇷👍🏽 🇫", "e\u0301\u200b\u202eabc\u0301", "\xff\xfe\xf0\x9f", "猫\t\r\n全角　", "\u1100\u1161 \U000E0100"} {
		f.Add(s, uint8(3))
	}
	bpe, word := testBPE(f), testWord(f)
	colour := DefaultStyles()
	colour.NoColor = false
	const w, h = 40, 12
	f.Fuzz(func(t *testing.T, text string, moves uint8) {
		for _, tok := range []tokenizer.Tokenizer{bpe, word} {
			for _, st := range []Styles{PlainStyles(), colour} {
				hs := newPaneHarness(t, st, tok, text, w, h)
				for range moves % 8 {
					hs.press("right")
				}
				lines := strings.Split(hs.view(), "\n")
				if len(lines) != h {
					t.Fatalf("%s: %d lines, want %d", tok.Name(), len(lines), h)
				}
				for i, l := range lines {
					if n := ansi.StringWidth(l); n != w {
						t.Fatalf("%s: line %d is %d cells wide, want %d: %q", tok.Name(), i, n, w, l)
					}
				}
			}
		}
	})
}

// TestTokensUnknown: the pane lists what the tokenizer cannot represent,
// as lmlab tokenize does, and says nothing for a byte-level tokenizer.
func TestTokensUnknown(t *testing.T) {
	char, err := tokenizer.NewChar(testText(t), false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tok  tokenizer.Tokenizer
		text string
		want string // "" for no line
	}{
		{"word", testWord(t), "The zebra sat.", `1 not in the vocabulary: "zebra" at byte 4`},
		{"char", char, "The 🤖 sat. 🤖", `2 not in the vocabulary: "🤖" at byte 4, "🤖" at byte 14`},
		{"char invalid", char, "The \xff", `1 not in the vocabulary: invalid UTF-8 byte 0xff at byte 4`},
		{"bpe", testBPE(t), "The zebra 🤖", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newPaneHarness(t, PlainStyles(), tc.tok, tc.text, 100, 16)
			v := hs.view()
			got := strings.TrimRight(strings.Trim(lineWith(v, "not in the vocabulary"), "┃"), " ")
			if got != tc.want {
				t.Errorf("unknown line %q, want %q:\n%s", got, tc.want, v)
			}
		})
	}
}

// TestTokensHelp: ? with the Tokens pane focused lists its keys, each
// pair once.
func TestTokensHelp(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneTokens)
	m.Update(keyPress("?"))
	screen := stripped(m)
	for _, want := range []string{"token cursor (details)", "first/last token", "glyph legend", "open a file", "merge replay (BPE)", "merge back/forward"} {
		if n := strings.Count(screen, want); n != 1 {
			t.Errorf("the help shows %q %d times, want once:\n%s", want, n, screen)
		}
	}
}
