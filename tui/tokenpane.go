package tui

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// compareSpecs are the tokenizers c cycles through for comparison, built
// from the session's training text; "" means no comparison.
var compareSpecs = []string{"", "char", "word", "bpe:256", "bpe:1024"}

// tokenPane shows how the session's tokenizer cuts an editable text, with
// visible whitespace, ids on demand, and a second tokenizer to compare.
type tokenPane struct {
	box
	km *keyMap

	editor
	text   string
	tok    tokenizer.Tokenizer
	corpus func() string // the training text, for building comparison tokenizers
	ids    bool

	cmpIdx  int
	cmpTok  tokenizer.Tokenizer
	cmpErr  error
	cmpWait bool

	offset int

	cache, cmpCache tokenCache // the tokens of the text, as last drawn
}

func newTokenPane(st *Styles, km *keyMap) *tokenPane {
	return &tokenPane{box: box{st: st}, km: km, editor: newEditor(st)}
}

// Editing reports whether the text input has the keys.
func (p *tokenPane) Editing() bool { return p.editing }

func (p *tokenPane) SetSize(w, h int) {
	p.box.SetSize(w, h)
	iw, _ := p.inner()
	p.setWidth(max(iw-7, 1))
}

func (p *tokenPane) setSession(s *lab.Session) {
	p.tok = s.Tokenizer
	p.cache.reset()
	p.text = s.Prompt()
	p.setValue(p.text)
	p.setCorpus(s.Corpus)
}

// setCorpus makes comparison tokenizers learn from corpus's enabled
// sources; the corpus is never changed once the workbench has published it.
func (p *tokenPane) setCorpus(corpus *samples.Corpus) {
	p.corpus = func() string {
		var b strings.Builder
		for _, src := range corpus.Enabled() {
			b.WriteString(src.TrainText)
		}
		return b.String()
	}
}

func (p *tokenPane) setCompare(msg compareMsg) {
	if compareSpecs[p.cmpIdx] != msg.spec {
		return // the user has moved on
	}
	p.cmpWait = false
	p.cmpTok, p.cmpErr = msg.tok, msg.err
	p.cmpCache.reset()
}

func (p *tokenPane) scroll(d int) { p.offset = max(p.offset+d, 0) }

// compareCmd builds the comparison tokenizer off the UI goroutine (a BPE
// vocabulary takes a while to learn).
func compareCmd(spec string, corpus func() string) tea.Cmd {
	return func() tea.Msg {
		text := corpus()
		tok, err := tokenizer.FromSpec(spec, tokenizer.SpecOptions{Text: text, TextName: "the training text"})
		return compareMsg{spec: spec, tok: tok, err: err}
	}
}

// Update handles the pane's keys, and all keys while the text is edited.
func (p *tokenPane) Update(msg tea.Msg) tea.Cmd {
	if p.editing {
		cmd := p.edit(p.km, msg, p.text, func(text string) tea.Cmd {
			p.text = text
			return nil
		})
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || p.tok == nil {
		return nil
	}
	km := p.km
	switch {
	case key.Matches(k, km.Edit):
		return p.start(p.text)
	case key.Matches(k, km.IDs):
		p.ids = !p.ids
	case key.Matches(k, km.Compare):
		p.cmpIdx = (p.cmpIdx + 1) % len(compareSpecs)
		p.cmpTok, p.cmpErr = nil, nil
		p.cmpCache.reset()
		spec := compareSpecs[p.cmpIdx]
		if spec == "" {
			return nil
		}
		p.cmpWait = true
		return compareCmd(spec, p.corpus)
	case key.Matches(k, km.Up):
		p.scroll(-1)
	case key.Matches(k, km.Down):
		p.scroll(1)
	}
	return nil
}

func (p *tokenPane) View() string { return p.frame("Tokens", p.lines()) }

func (p *tokenPane) lines() []string {
	st := p.st
	w, h := p.inner()
	if p.tok == nil {
		return []string{st.Muted.Render("loading…")}
	}
	text := p.text
	var out []string
	if p.editing {
		text = p.value()
		out = append(out, st.Label.Render("text ")+p.view(), st.Hint.Render("enter keeps · esc restores"))
	} else {
		out = append(out, st.Label.Render("text ")+st.Value.Render(showSpace(headText(text, w))), st.Muted.Render("e edits · c compares · i ids"))
	}
	rows := max(h-len(out), 1)
	body := p.body(text, w, p.offset+rows+2)
	p.offset = min(p.offset, max(len(body)-rows, 0))
	return append(out, body[p.offset:min(p.offset+rows, len(body))]...)
}

// body is the pane's text below the edit box, wrapped at w: the tokens, the
// comparison and the vocabulary. Only the start of a long text is drawn,
// enough for at least need lines (the counts are of the whole text); the
// rest is drawn as the pane scrolls down to it.
func (p *tokenPane) body(text string, w, need int) []string {
	toks := p.cache.tokens(p.tok, text)
	var cmp []tokenizer.Token
	if compareSpecs[p.cmpIdx] != "" && p.cmpTok != nil {
		cmp = p.cmpCache.tokens(p.cmpTok, text)
	}
	for budget := max(2*need*w, 1024); ; budget *= 2 {
		view, all := p.render(text, toks, cmp, w, budget)
		body := strings.Split(ansi.Wrap(view, w, " "), "\n")
		if all || len(body) >= need {
			return body
		}
	}
}

// render draws the tokens (and with cmp, the comparison) of the text's
// first budget bytes or so, and says whether that is all of it. A view cut
// short ends with the last token drawn: what follows is further down.
func (p *tokenPane) render(text string, toks, cmp []tokenizer.Token, w, budget int) (string, bool) {
	st := p.st
	opt := TokenViewOptions{Width: w, ShowIDs: p.ids, Whitespace: true}
	a, aCuts := tokensBefore(toks, budget)
	var view string
	spec := compareSpecs[p.cmpIdx]
	switch {
	case spec != "" && p.cmpTok != nil:
		b, bCuts := tokensBefore(cmp, budget)
		view = compareRow(*st, text, tokName(p.tok), TokenSummary(text, toks), a, cuts(bCuts), opt)
		if len(a) < len(toks) {
			return view, false
		}
		view += "\n\n" + compareRow(*st, text, tokName(p.cmpTok), TokenSummary(text, cmp), b, cuts(aCuts), opt)
		if len(b) < len(cmp) {
			return view, false
		}
		view += "\n" + differLine(*st, countDiffer(toks, cmp))
	default:
		view = st.Title.Render(tokName(p.tok)) + st.Muted.Render("  "+TokenSummary(text, toks)) + "\n" +
			RenderTokens(*st, text, a, opt)
		if len(a) < len(toks) {
			return view, false
		}
		switch {
		case spec == "":
		case p.cmpWait:
			view += "\n\n" + st.Muted.Render("building "+spec+" from the training text…")
		case p.cmpErr != nil:
			view += "\n\n" + st.Error.Render(spec+": "+p.cmpErr.Error())
		}
	}
	return view + "\n\n" + p.vocabulary(), true
}

// tokensBefore returns the tokens that start before byte n, and those with
// one more, whose cuts are all the cuts before n.
func tokensBefore(toks []tokenizer.Token, n int) (before, cutsOf []tokenizer.Token) {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Start >= n })
	return toks[:i], toks[:min(i+1, len(toks))]
}

// headText is the start of s, cut at a character, long enough to fill
// more than w cells once whitespace is shown (s itself when shorter), so
// that a line cut at w cells reads the same as with all of s.
func headText(s string, w int) string {
	for n := 4 * (w + 2); n < len(s); n *= 2 {
		head := s[:n]
		for len(head) > 0 && !utf8.RuneStart(s[len(head)]) {
			head = head[:len(head)-1]
		}
		if ansi.StringWidth(showSpace(head)) > w+1 {
			return head
		}
	}
	return s
}

// tokName names a tokenizer with its vocabulary size.
func tokName(t tokenizer.Tokenizer) string {
	return fmt.Sprintf("%s (%d)", t.Name(), t.VocabSize())
}

// vocabulary lists pieces of the tokenizer's vocabulary: the first ones of a
// small vocabulary, the last-learned merges of a large one.
func (p *tokenPane) vocabulary() string {
	const n = 48
	v := p.tok.VocabSize()
	lo, what := 0, fmt.Sprintf("vocabulary, first %d of %d:", min(n, v), v)
	if v > 300 {
		lo, what = v-n, fmt.Sprintf("vocabulary, last %d of %d (the longest merges):", n, v)
	}
	pieces := make([]string, 0, n)
	for id := lo; id < min(lo+n, v); id++ {
		pieces = append(pieces, showSpace(printable(string(p.tok.TokenBytes(id)))))
	}
	return p.st.Muted.Render(what) + "\n" + strings.Join(pieces, " ")
}
