package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"lmlab/tokenizer"
)

// bpeWatch is the Tokens pane's watch mode: a BPE trained here (bpe:N)
// replayed merge by merge, the vocabulary growing and the text re-cut with
// only the first k merges.
type bpeWatch struct {
	on     bool
	src    *tokenizer.BPE // the trained BPE watched; nil: nothing to watch
	merges []tokenizer.Merge
	k      int            // merges applied
	at     *tokenizer.BPE // src.FirstMerges(k)
	atK    int
	cache  tokenCache // at's tokens of the text
	why    string     // why there is nothing to watch, or ""
}

// trainedBPE is t as a BPE trained here (bpe:N, its merge history with
// counts), or nil.
func trainedBPE(t tokenizer.Tokenizer) *tokenizer.BPE {
	b, ok := t.(*tokenizer.BPE)
	if !ok || !strings.HasPrefix(b.Name(), "bpe:") || pieceKindOf(b) != pieceByteLevel {
		return nil
	}
	for _, m := range b.Merges() {
		if m.Count <= 0 {
			return nil
		}
	}
	return b
}

// watchSource is the BPE the watch mode replays: the pane's tokenizer when
// it was trained here, else the comparison shown when it was.
func (p *tokenPane) watchSource() *tokenizer.BPE {
	if b := trainedBPE(p.tok); b != nil {
		return b
	}
	if p.specList()[p.cmpIdx] != "" && p.cmpTok != nil {
		return trainedBPE(p.cmpTok)
	}
	return nil
}

// toggleWatch enters watch mode at no merges, or leaves it.
func (p *tokenPane) toggleWatch() {
	w := &p.watch
	if w.on {
		*w = bpeWatch{}
		p.km.watchOn = false
		return
	}
	*w = bpeWatch{on: true, src: p.watchSource(), atK: -1}
	if w.src == nil {
		w.why = "only a bpe:N trained here has a merge history to watch; " + tokName(p.tok) + " is not one (c compares with bpe:256 or bpe:1024)"
	} else {
		w.merges = w.src.Merges()
	}
	p.replayOn = false
	p.km.watchOn = w.src != nil
}

// watchKey moves the watch's merge counter; it reports whether k was a
// watch key.
func (p *tokenPane) watchKey(k tea.KeyPressMsg) bool {
	w, km := &p.watch, p.km
	n := len(w.merges)
	to := w.k
	switch {
	case key.Matches(k, km.WatchPrev):
		to--
	case key.Matches(k, km.WatchNext):
		to++
	case key.Matches(k, km.WatchBack10):
		to -= 10
	case key.Matches(k, km.WatchFwd10):
		to += 10
	case key.Matches(k, km.WatchBack100):
		to -= 100
	case key.Matches(k, km.WatchFwd100):
		to += 100
	case key.Matches(k, km.WatchFirst):
		to = 0
	case key.Matches(k, km.WatchLast):
		to = n
	default:
		return false
	}
	w.k = min(max(to, 0), n)
	return true
}

// tokenizer is the watched BPE with its first k merges (built once per k).
func (w *bpeWatch) tokenizer() *tokenizer.BPE {
	if w.src == nil {
		return nil
	}
	if w.at == nil || w.atK != w.k {
		at, err := w.src.FirstMerges(w.k)
		if err != nil { // k is kept within 0..len(merges): cannot happen
			w.why = err.Error()
			return nil
		}
		w.at, w.atK = at, w.k
		w.cache.reset()
	}
	return w.at
}

// watching reports whether the watch re-cuts the text with tok's merges.
func (p *tokenPane) watching(tok tokenizer.Tokenizer) bool {
	return p.watch.on && p.watch.src != nil && tok == tokenizer.Tokenizer(p.watch.src)
}

// watchLines draws the watch: the k-th merge with its count in the
// training text, and the vocabulary so far.
func (p *tokenPane) watchLines() []string {
	st, w := p.st, &p.watch
	head := st.Label.Render("watch ")
	if w.src == nil {
		return []string{head + st.Muted.Render(w.why)}
	}
	at := w.tokenizer()
	if at == nil {
		return []string{head + st.Error.Render(w.why)}
	}
	out := []string{head + st.Value.Render(fmt.Sprintf("%s: %d of %d merges, vocabulary %d ids", w.src.Name(), w.k, len(w.merges), at.VocabSize())) +
		st.Muted.Render(" · ←→ [] pgup/pgdn home/end · w leaves")}
	if w.k == 0 {
		return append(out, st.Muted.Render("no merges yet: every byte is a token"))
	}
	m := w.merges[w.k-1]
	piece := func(id int) string {
		return strconvQuote(rawPiece(w.src, pieceByteLevel, tokenizer.Token{ID: id}))
	}
	return append(out, st.Value.Render(fmt.Sprintf("#%d  %s + %s → %s", w.k, piece(m.Left), piece(m.Right), piece(m.ID)))+
		st.Muted.Render(fmt.Sprintf("  (count %d, id %d)", m.Count, m.ID)))
}

// recut reports whether the tokens drawn are not the tokenizer's final
// cut of the text (watch mode, the whole-text replay): the cursor is not
// drawn on them.
func (p *tokenPane) recut() bool {
	return p.watch.on || p.wholeShown()
}

// wholeShown reports whether the text is drawn as the whole-text replay
// has cut it so far.
func (p *tokenPane) wholeShown() bool {
	return p.replayOn && p.replayAll && p.whole != nil && p.whole.why == "" && !p.editing
}

// recutRows swaps the rows' tokens for what the watch and the whole-text
// replay show: the watched tokenizer's row with its first k merges, or the
// pane's row at the replay's step (then the text is what was replayed, and
// a comparison is drawn only when that is all of it).
func (p *tokenPane) recutRows(text string, main tokenizer.Tokenizer, toks []tokenizer.Token, cmpTok tokenizer.Tokenizer, cmp []tokenizer.Token) (tokenizer.Tokenizer, []tokenizer.Token, tokenizer.Tokenizer, []tokenizer.Token, string) {
	switch {
	case p.watch.on:
		at := p.watch.tokenizer()
		if at == nil {
			break
		}
		if p.watching(main) {
			main, toks = at, p.watch.cache.tokens(at, text)
		} else if p.watching(cmpTok) {
			cmpTok, cmp = at, p.watch.cache.tokens(at, text)
		}
	case p.wholeShown():
		r := p.whole
		if r.of != text {
			break
		}
		toks = r.tokensAt(p.tok, p.rtab, p.step)
		if r.text != text {
			cmpTok, cmp = nil, nil
		}
		text = r.text
	}
	return main, toks, cmpTok, cmp, text
}

// watchVocabulary lists the pieces the watched merges have made so far,
// the newest last.
func (p *tokenPane) watchVocabulary() string {
	const n = 48
	w := &p.watch
	lo := max(w.k-n, 0)
	pieces := make([]string, 0, w.k-lo)
	for _, m := range w.merges[lo:w.k] {
		pieces = append(pieces, standalone(showFormat(showSpace(printable(string(w.src.TokenBytes(m.ID)))))))
	}
	what := fmt.Sprintf("vocabulary: 256 bytes, then the merges, newest %d of %d ids:", w.k-lo, w.at.VocabSize())
	return p.st.Muted.Render(what) + "\n" + strings.Join(pieces, " ")
}
