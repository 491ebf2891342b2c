package tui

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/samples"
)

// explainText is everything pane p's explanation says in state s, as one
// string: paragraphs, legend marks and meanings.
func explainText(p paneID, s explainState) string {
	e := explain(p, s)
	var b strings.Builder
	for _, ps := range [][]string{e.shows, e.read, e.now} {
		for _, x := range ps {
			b.WriteString(x + "\n")
		}
	}
	for _, l := range e.legend {
		b.WriteString(l.mark + " " + l.meaning + "\n")
	}
	return b.String()
}

// TestHelpExplainsEachPane opens ? on each pane and reads the explanation
// on screen: its sections, the pane's first sentence and its keys.
func TestHelpExplainsEachPane(t *testing.T) {
	for p := paneID(0); p < numPanes; p++ {
		t.Run(paneTitles[p], func(t *testing.T) {
			m := fixture(t, 200, 60)
			m.setFocus(p)
			m.Update(keyPress("?"))
			screen := stripped(m)
			e := explain(p, m.explainState())
			first, _, _ := strings.Cut(e.shows[0], ".")
			first = strings.Fields(first)[0] + " " + strings.Fields(first)[1]
			for _, want := range []string{paneTitles[p] + " pane", "What it shows", first, "How to read it", "Symbols",
				"What to look for now", "Keys", "Training", "Moving around"} {
				if !strings.Contains(screen, want) {
					t.Errorf("? on %s: the screen lacks %q:\n%s", paneTitles[p], want, screen)
				}
			}
			for _, b := range m.keys.paneKeys(p) {
				if d := b.Help().Desc; !strings.Contains(screen, d) {
					t.Errorf("? on %s: the key %q (%s) is missing:\n%s", paneTitles[p], b.Help().Key, d, screen)
				}
			}
		})
	}
}

// TestExplainNumbers checks the numbers the explanations print against
// the session: V, ln V, 1/V, the shade limits, temperature and top-k.
func TestExplainNumbers(t *testing.T) {
	m := fixture(t, 120, 40)
	s := m.explainState()
	V := m.sess.Trainer.Model.Config.VocabSize
	if s.vocab != V || V < 2 {
		t.Fatalf("explainState vocab = %d, want the model's V %d", s.vocab, V)
	}
	for _, tc := range []struct {
		pane paneID
		want string
	}{
		{paneLoss, fmt.Sprintf("V = %d tokens", V)},
		{paneLoss, fmt.Sprintf("ln %d = %.2f", V, math.Log(float64(V)))},
		{panePredict, fmt.Sprintf("1/%d = %.1f%%", V, 100/float64(V))},
		{paneTokens, fmt.Sprintf("%s with V = %d", m.sess.Tokenizer.Name(), V)},
		{paneSample, fmt.Sprintf("temperature (now %.1f)", *m.sample.temperature)},
		{paneSample, fmt.Sprintf("top-k (now %d)", m.sample.topK)},
		{paneAttention, fmt.Sprintf("%d layers × %d heads", m.attention.layers, m.attention.heads)},
		{paneAttention, fmt.Sprintf("weight below %.2f", shadeLimits[0])},
		{paneAttention, fmt.Sprintf("weight %.2f to %.2f", shadeLimits[0], shadeLimits[1])},
		{paneAttention, fmt.Sprintf("weight %.2f to %.2f", shadeLimits[2], shadeLimits[3])},
		{paneAttention, fmt.Sprintf("weight %.2f or more", shadeLimits[3])},
	} {
		if got := explainText(tc.pane, s); !strings.Contains(got, tc.want) {
			t.Errorf("%s explanation lacks %q:\n%s", paneTitles[tc.pane], tc.want, got)
		}
	}
	// Each shade glyph has its range in the legend, in shadeLimits order.
	legend := shadeLegend()
	if len(legend) != len(shades) {
		t.Fatalf("shade legend has %d entries, want %d", len(legend), len(shades))
	}
	for i, l := range legend {
		if l.mark != shades[i] {
			t.Errorf("shade legend entry %d is %q, want %q", i, l.mark, shades[i])
		}
	}
}

// TestExplainNow checks that "what to look for now" follows the run: before
// the first step, while training, at the end, and per lesson.
func TestExplainNow(t *testing.T) {
	cats, err := samples.Lookup("cats")
	if err != nil {
		t.Fatal(err)
	}
	bank, err := samples.Lookup("bank")
	if err != nil {
		t.Fatal(err)
	}
	base := explainState{loaded: true, vocab: 100, tokenizer: "word", total: 400, temperature: 0.8, topK: 20, layers: 2, heads: 2}
	fresh := base
	fresh.threeWays = true
	if got := strings.Join(explain(paneTokens, fresh).now, " "); !strings.Contains(got, "Artificial Intelligence\" is cut below") {
		t.Errorf("with the three ways shown, what to look for now = %q", got)
	}
	at := func(step int, done bool, s *samples.Sample) explainState {
		st := base
		st.step, st.done, st.sample = step, done, s
		return st
	}
	for _, tc := range []struct {
		name string
		pane paneID
		s    explainState
		want string
	}{
		{"loss at step 0", paneLoss, at(0, false, nil), "Press n once: the first loss should be close to ln 100 = 4.61"},
		{"loss training", paneLoss, at(120, false, nil), "Step 120 of 400"},
		{"loss paused", paneLoss, at(120, false, nil), "Paused: space goes on"},
		{"loss done", paneLoss, at(400, true, nil), "The run is done"},
		{"predict at step 0", panePredict, at(0, false, &cats), "nearly even"},
		{"predict cats", panePredict, at(50, false, &cats), "watch mat rise"},
		{"predict bank", panePredict, at(50, false, &bank), "river sentence"},
		{"attention bank", paneAttention, at(50, false, &bank), "river or money"},
		{"attention at step 0", paneAttention, at(0, false, nil), "spread evenly"},
		{"sample at step 0", paneSample, at(0, false, nil), "random tokens"},
		{"sample done", paneSample, at(400, true, nil), "temperature and top-k change"},
		{"dataset done", paneDataset, at(400, true, nil), "fine-tuning"},
		{"tokens word", paneTokens, at(0, false, nil), "a word it never saw is <unk>"},
		{"tokens own text", paneTokens, at(0, false, nil), "c compares your text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := explain(tc.pane, tc.s)
			if got := strings.Join(e.now, "\n"); !strings.Contains(got, tc.want) {
				t.Errorf("what to look for now = %q, want it to contain %q", got, tc.want)
			}
		})
	}
	running := at(120, false, nil)
	running.running = true
	if got := strings.Join(explain(paneLoss, running).now, " "); strings.Contains(got, "Paused") {
		t.Errorf("while running, what to look for now says %q", got)
	}
	// The workbench passes its own state: done after the last step.
	m := fixture(t, 120, 40)
	m.done = true
	if s := m.explainState(); s.phase() != phaseDone {
		t.Errorf("a finished run's phase is %d, want phaseDone", s.phase())
	}
}

// paneGlyphs returns the marks pane view v draws: every character that is
// neither ASCII, nor a letter, nor part of the pane's frame (the first and
// last line and column).
func paneGlyphs(v string) map[string]bool {
	lines := strings.Split(v, "\n")
	out := map[string]bool{}
	for i, l := range lines {
		if i == 0 || i == len(lines)-1 {
			continue
		}
		rs := []rune(l)
		if len(rs) < 2 {
			continue
		}
		for _, r := range rs[1 : len(rs)-1] {
			if r >= utf8.RuneSelf && !unicode.IsLetter(r) {
				out[string(r)] = true
			}
		}
	}
	return out
}

// glyphStates draws pane p in the states that bring out its marks.
func glyphStates(t *testing.T, p paneID) []string {
	t.Helper()
	view := func(m *Model) string { return ansi.Strip(m.pane(p).View()) }
	var out []string
	for _, sz := range goldenSizes {
		m := fixture(t, sz[0], sz[1])
		m.setFocus(p)
		out = append(out, view(m))
	}
	m := fixture(t, 200, 60)
	m.setFocus(p)
	switch p {
	case paneDataset:
		m2 := newModelWith(t, twoSources(), 200, 60)
		start(t, m2)
		m2.setFocus(paneDataset)
		out = append(out, view(m2))
		m2.Update(keyPress("a"))
		out = append(out, view(m2))
	case paneTokens:
		d := newDriver(t, m)
		// Control characters, an unknown word and a byte that is not UTF-8:
		// ASCII in, marks out.
		m.tokens.setText("a\tb\r\ncat  qux \xff.")
		out = append(out, view(m))
		for _, k := range []string{"i", "g", "right"} {
			d.key(k)
			out = append(out, view(m))
		}
		d.key("c") // compare with char
		d.until("the comparison", func() bool { return m.tokens.cmpTok != nil })
		out = append(out, view(m))
		// A BPE to watch and replay, and the edit box.
		h := newPaneHarness(t, PlainStyles(), testBPE(t), "the cat sat on the mat", 100, 30)
		h.p.corpus = func() string { return "the cat sat on the mat" }
		for _, k := range []string{"r", "]", "a", "]", "w", "right", "e"} {
			h.press(k)
			out = append(out, ansi.Strip(h.p.View()))
		}
	case paneLoss:
		d := newDriver(t, m)
		for _, k := range []string{"m", "y", "*", "c", "c", "c", "c", "c", "c"} {
			d.key(k)
			out = append(out, view(m))
		}
		m2 := fixture(t, 200, 60)
		showAnatomy(t, m2, 120)
		out = append(out, ansi.Strip(m2.loss.View()))
	case panePredict:
		m.Update(keyPress("e"))
		out = append(out, view(m))
		m.Update(keyPress("esc"))
		feedComparison(m, 100)
		out = append(out, view(m))
	case paneAttention:
		m2 := fixture(t, 80, 24)
		m2.setFocus(paneAttention)
		for _, k := range []string{"left", "up", "<"} {
			m2.Update(keyPress(k))
			out = append(out, view(m2))
		}
	case paneSample:
		m.Update(keyPress("t"))
		out = append(out, view(m))
		m.Update(keyPress("e"))
		out = append(out, view(m))
	}
	return out
}

// TestEveryGlyphHasALegend draws each pane in several states and checks
// that every mark it draws is explained by ? on that pane.
func TestEveryGlyphHasALegend(t *testing.T) {
	for p := paneID(0); p < numPanes; p++ {
		t.Run(paneTitles[p], func(t *testing.T) {
			m := fixture(t, 120, 40)
			text := explainText(p, m.explainState())
			seen := map[string]bool{}
			for _, v := range glyphStates(t, p) {
				for g := range paneGlyphs(v) {
					seen[g] = true
				}
			}
			if len(seen) == 0 {
				t.Fatalf("the %s pane drew no marks at all; the states are wrong", paneTitles[p])
			}
			var missing []string
			for g := range seen {
				if !strings.Contains(text, g) {
					missing = append(missing, g)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("the %s pane draws %q, which its explanation does not mention", paneTitles[p], missing)
			}
		})
	}
}

// TestHelpScrolls pages through a ? screen too long for an 80×24 terminal:
// every line is reached, the position line says where, and the offset
// stays within the content.
func TestHelpScrolls(t *testing.T) {
	m := fixture(t, 80, 24)
	m.setFocus(paneTokens)
	m.Update(keyPress("?"))
	w, h := m.lay.body.W, m.lay.body.H
	_, body := m.helpContent(w)
	if len(body) <= h {
		t.Fatalf("the Tokens help has %d lines and fits %d: no scrolling to test", len(body), h)
	}
	top := m.helpPage(w, h, 0)
	if n := strings.Count(top, "\n") + 1; n != h {
		t.Errorf("the page has %d lines, want the body's %d", n, h)
	}
	if !strings.Contains(ansi.Strip(top), fmt.Sprintf("lines 1–%d of %d", h-2, len(body))) {
		t.Errorf("the first page does not say which lines show:\n%s", ansi.Strip(top))
	}
	if got := ansi.Strip(m.View().Content); !strings.Contains(got, "lines 1–") {
		t.Errorf("the screen does not show the first page:\n%s", got)
	}
	// Scrolling a line at a time reaches every line once.
	shown := map[string]bool{}
	off, last := 0, -1
	for off != last {
		for _, l := range strings.Split(ansi.Strip(m.helpPage(w, h, off)), "\n") {
			shown[strings.TrimSpace(l)] = true
		}
		last, off = off, m.helpScroll(keyPress("down"), off, w, h)
	}
	if want := len(body) - (h - 2); last != want {
		t.Errorf("↓ stopped at offset %d, want %d (the last page)", last, want)
	}
	for _, l := range body {
		if l := strings.TrimSpace(ansi.Strip(l)); !shown[l] {
			t.Errorf("line %q is never shown", l)
		}
	}
	for _, tc := range []struct {
		key       string
		from, off int
	}{
		{"up", 0, 0},
		{"up", 5, 4},
		{"down", 3, 4},
		{"pgdown", 0, h - 2},
		{"pgup", h, 2},
		{"pgup", 3, 0},
		{"end", 0, last},
		{"pgdown", last, last},
		{"home", last, 0},
		{"x", 3, 3},
	} {
		if got := m.helpScroll(scrollKey(tc.key), tc.from, w, h); got != tc.off {
			t.Errorf("%s from %d: offset %d, want %d", tc.key, tc.from, got, tc.off)
		}
	}
	// A screen that fits has no position line and does not scroll.
	big := fixture(t, 200, 60)
	big.setFocus(paneSample)
	bw, bh := big.lay.body.W, big.lay.body.H
	if s := big.helpPage(bw, bh, 0); strings.Contains(s, "lines 1–") {
		t.Errorf("a help that fits shows a position line:\n%s", s)
	}
	if got := big.helpScroll(keyPress("down"), 0, bw, bh); got != 0 {
		t.Errorf("↓ on a help that fits moved to %d", got)
	}
}

// scrollKey is keyPress with the page keys.
func scrollKey(name string) tea.KeyPressMsg {
	switch name {
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	}
	return keyPress(name)
}

// TestExplainGolden draws ? on the Tokens, Loss and Attention panes at
// each golden size.
func TestExplainGolden(t *testing.T) {
	for _, p := range []paneID{paneTokens, paneLoss, paneAttention} {
		t.Run(paneTitles[p], func(t *testing.T) {
			for _, sz := range goldenSizes {
				t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
					m := fixture(t, sz[0], sz[1])
					m.setFocus(p)
					m.Update(keyPress("?"))
					checkGolden(t, stripped(m), sz[0])
				})
			}
		})
	}
}

// TestThreeWays checks the "Artificial Intelligence" rows: char cuts
// letters, word cuts whole words (and says it never saw them), BPE cuts
// pieces between the two; each row names its spec, its training text and
// its count.
func TestThreeWays(t *testing.T) {
	rows, err := threeWaysRows()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want char, word and BPE", len(rows))
	}
	spans := func(r threeWaysRow) []string {
		var out []string
		for _, tk := range r.toks {
			out = append(out, threeWaysPhrase[tk.Start:tk.End])
		}
		return out
	}
	char, word, bpe := rows[0], rows[1], rows[2]
	if got, want := len(char.toks), utf8.RuneCountInString(threeWaysPhrase); got != want {
		t.Errorf("char: %d tokens %q, want one per character (%d)", got, spans(char), want)
	}
	// Each word after the first carries the space before it (GPT-2's rule).
	for i, w := range strings.Fields(threeWaysPhrase) {
		if i > 0 {
			w = " " + w
		}
		if !slices.Contains(spans(word), w) {
			t.Errorf("word: tokens %q lack the whole word %q", spans(word), w)
		}
	}
	if word.unknown != 2 {
		t.Errorf("word: %d unknown, want 2: sample:%s has neither word", word.unknown, threeWaysSample)
	}
	if n := len(bpe.toks); n <= len(word.toks) || n >= len(char.toks) {
		t.Errorf("bpe: %d tokens %q, want more than word's %d and fewer than char's %d", n, spans(bpe), len(word.toks), len(char.toks))
	}
	if char.unknown != 0 || bpe.unknown != 0 {
		t.Errorf("char and bpe cover every character, yet report %d and %d unknown", char.unknown, bpe.unknown)
	}
	view := ansi.Strip(threeWays(PlainStyles(), TokenViewOptions{Width: 80, Whitespace: true}))
	for _, r := range rows {
		want := fmt.Sprintf("%s (%d ids): %d tokens", r.spec, r.tok.VocabSize(), len(r.toks))
		if !strings.Contains(view, want) {
			t.Errorf("the rows lack %q:\n%s", want, view)
		}
	}
	for _, want := range []string{"learned from sample:general", "not in sample:general", "Artificial" + glyphUnknown} {
		if !strings.Contains(view, want) {
			t.Errorf("the rows lack %q:\n%s", want, view)
		}
	}
}

// TestThreeWaysGolden draws the Tokens pane of a fresh session at 100×30:
// the session's text, then the phrase three ways.
func TestThreeWaysGolden(t *testing.T) {
	m := fixture(t, 100, 30)
	m.setFocus(paneTokens)
	checkGolden(t, ansi.Strip(m.tokens.View()), m.lay.panes[paneTokens].W)
}

// TestThreeWaysGoesAwayWithOwnText checks that the comparison is shown
// until the user gives the pane a text, and only without another
// comparison.
func TestThreeWaysGoesAwayWithOwnText(t *testing.T) {
	shows := func(m *Model) bool { return strings.Contains(ansi.Strip(m.tokens.View()), "Artificial") }
	m := fixture(t, 200, 60)
	m.setFocus(paneTokens)
	if !shows(m) {
		t.Fatalf("a fresh Tokens pane lacks the comparison:\n%s", ansi.Strip(m.tokens.View()))
	}
	d := newDriver(t, m)
	d.key("c")
	d.until("the comparison", func() bool { return m.tokens.cmpTok != nil })
	if shows(m) {
		t.Error("comparing with another tokenizer still shows the three ways")
	}
	for range len(m.tokens.specList()) - 1 {
		d.key("c")
	}
	if !shows(m) {
		t.Error("back to no comparison, the three ways are gone")
	}
	d.key("e")
	d.send(tea.PasteMsg{Content: " and more"})
	d.key("enter")
	if !m.tokens.ownText || shows(m) {
		t.Errorf("after editing the text (own %v) the three ways still show", m.tokens.ownText)
	}
	// Editing and keeping the same text is not a text of one's own.
	m2 := fixture(t, 200, 60)
	m2.setFocus(paneTokens)
	m2.Update(keyPress("e"))
	m2.Update(keyPress("enter"))
	if !shows(m2) {
		t.Error("e then enter with the text unchanged hid the three ways")
	}
}

// TestHelpScrollsThroughUpdate: with ? open, ↓ and pgdn through Update move
// the page the screen shows, and reopening starts from the top again.
func TestHelpScrollsThroughUpdate(t *testing.T) {
	m := fixture(t, 80, 24)
	m.setFocus(paneTokens)
	m.Update(keyPress("?"))
	first := ansi.Strip(m.View().Content)
	if !strings.Contains(first, "lines 1–") {
		t.Fatalf("the help does not open at its first line:\n%s", first)
	}
	m.Update(keyPress("down"))
	if m.helpOffset != 1 {
		t.Errorf("after ↓ the help starts at line %d, want 1", m.helpOffset+1)
	}
	m.Update(keyPress("pgdown"))
	if got := ansi.Strip(m.View().Content); got == first || strings.Contains(got, "lines 1–") {
		t.Errorf("after ↓ pgdn the screen still shows the first page:\n%s", got)
	}
	m.Update(keyPress("?"))
	m.Update(keyPress("?"))
	if m.helpOffset != 0 {
		t.Errorf("reopened help starts at line %d, want 1", m.helpOffset+1)
	}
}
