package tui

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// summaryOf is the Tokens pane's token count for text under tok, from one
// encoding of the whole text.
func summaryOf(tok tokenizer.Tokenizer, text string) string {
	return fmt.Sprintf("  %d tokens ·", len(tok.EncodeTokens(text)))
}

// TestPasteIntoTokens: a 1 MB paste into the Tokens pane's text shows the
// end of the text in the edit box and the start of its tokens below, with
// the counts of the whole text; typing at the end or in the middle keeps
// the counts those of encoding the edited text from scratch.
func TestPasteIntoTokens(t *testing.T) {
	m := fixture(t, 120, 40)
	m.setFocus(paneTokens)
	m.Update(keyPress("e"))
	paste := pasteText(1 << 20)
	m.Update(tea.PasteMsg{Content: paste})
	text := m.tokens.text + paste // pasted at the end; the box shows newlines as ⏎ and keeps them
	tok := m.sess.Tokenizer

	screen := stripped(m)
	box := lineWith(screen, "┃text ")
	if end := strings.TrimSpace(toBox(text[len(text)-8:])); !strings.Contains(box, end) {
		t.Errorf("the edit box does not show the end of the text %q:\n%s", end, box)
	}
	if want := summaryOf(tok, text); !strings.Contains(screen, want) {
		t.Errorf("after the paste the pane does not show %q:\n%s", want, screen)
	}
	first := tok.EncodeTokens(text)[0]
	if glyph := showSpace(text[first.Start:first.End]); !strings.Contains(screen, "┃"+glyph+"│") {
		t.Errorf("the first token line does not show the first token %q:\n%s", glyph, screen)
	}

	m.Update(keyPress("z"))
	text += "z"
	if want, screen := summaryOf(tok, text), stripped(m); !strings.Contains(screen, want) {
		t.Errorf("after typing z the pane does not show %q:\n%s", want, lineWith(screen, " tokens ·"))
	}

	// To the start (the window moves), then an edit there.
	m.Update(keyPress("home"))
	for _, k := range []string{"T", "h", "e", "space"} {
		m.Update(keyPress(k))
	}
	text = "The " + text
	if got := fromBox(m.tokens.value()); got != text {
		t.Fatalf("the box holds %d bytes starting %q, want %d starting %q", len(got), got[:20], len(text), text[:20])
	}
	if want, screen := summaryOf(tok, text), stripped(m); !strings.Contains(screen, want) {
		t.Errorf("after an edit at the start the pane does not show %q:\n%s", want, lineWith(screen, " tokens ·"))
	}
	if got, want := m.tokens.cache.toks, tok.EncodeTokens(text); !slices.Equal(got, want) {
		t.Errorf("the pane's tokens (%d) are not those of encoding the text (%d)", len(got), len(want))
	}
	m.Update(keyPress("enter"))
	if m.tokens.text != text {
		t.Errorf("enter kept %d bytes, want the %d edited", len(m.tokens.text), len(text))
	}
	if want, screen := summaryOf(tok, text), stripped(m); !strings.Contains(screen, want) {
		t.Errorf("after enter the pane does not show %q:\n%s", want, lineWith(screen, " tokens ·"))
	}
}

// TestPasteIntoPredict: a 1 MB prompt pasted into the Predict pane is
// inspected through its tail only (the model sees its last Context tokens),
// and the pane says so.
func TestPasteIntoPredict(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first inspection", func() bool { return m.predict.have })
	m.setFocus(panePredict)
	d.key("e")
	paste := pasteText(1 << 20)
	d.send(tea.PasteMsg{Content: paste})
	d.key("enter")
	text := m.sess.Prompt() + sanitize(paste)
	d.until("the prompt's inspection", func() bool { return m.prompt == text && !m.busy && m.predict.have && m.predict.more })
	ctx := m.sess.Trainer.Model.Config.Context
	full := m.sess.Encode(text)
	var want []string
	for _, id := range full[len(full)-ctx:] {
		want = append(want, m.sess.Decode([]int32{id}))
	}
	if !slices.Equal(m.predict.tokens, want) {
		t.Errorf("the Predict pane inspected %q, want the prompt's last %d tokens %q", m.predict.tokens, ctx, want)
	}
	note := fmt.Sprintf("the model sees the last %d tokens", ctx)
	if screen := stripped(m); !strings.Contains(screen, note) {
		t.Errorf("the pane does not say %q:\n%s", note, screen)
	}
}

// TestPromptTailMatchesFullEncoding is the naive twin of promptTail: the
// last n ids of encoding the whole text, for texts cut anywhere.
func TestPromptTailMatchesFullEncoding(t *testing.T) {
	big := pasteText(64 << 10)
	for name, tok := range cacheTokenizers(t) {
		encode := func(s string) []int32 { return engine.IDs(tok.Encode(s)) }
		rng := rand.New(rand.NewPCG(3, 4))
		for i := 0; i < 40; i++ {
			text := big[rng.IntN(len(big)/2):][:rng.IntN(len(big)/2)]
			for _, n := range []int{1, 16, 64, 256} {
				full := encode(text)
				want, wantMore := full, false
				if len(full) > n {
					want, wantMore = full[len(full)-n:], true
				}
				got, more := promptTail(encode, text, n)
				if !slices.Equal(got, want) || more != wantMore {
					t.Fatalf("%s: promptTail(%d bytes, %d) = %d ids (more %v), want %d (more %v)",
						name, len(text), n, len(got), more, len(want), wantMore)
				}
			}
		}
	}
}

// TestCountDiffer: counting by merging agrees with counting with sets.
func TestCountDiffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cutAt := func(n int) []tokenizer.Token {
		var toks []tokenizer.Token
		for at := 0; at < n; {
			end := min(at+1+rng.IntN(4), n)
			toks = append(toks, tokenizer.Token{Start: at, End: end})
			at = end
		}
		return toks
	}
	for i := 0; i < 200; i++ {
		n := rng.IntN(40)
		a, b := cutAt(n), cutAt(n)
		if i%10 == 0 && len(a) > 2 { // out of order: the sets count
			a[0], a[1] = a[1], a[0]
		}
		want := 0
		ca, cb := cuts(a), cuts(b)
		for c := range ca {
			if !cb[c] {
				want++
			}
		}
		for c := range cb {
			if !ca[c] {
				want++
			}
		}
		if got := countDiffer(a, b); got != want {
			t.Fatalf("countDiffer(%v, %v) = %d, want %d", a, b, got, want)
		}
	}
}
