package tui

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// compareSpecs are the tokenizers c cycles through for comparison, built
// from the session's training text; "" means no comparison. Tokenizers
// given with CompareWith (--compare) come before them.
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

	specs   []string // the comparisons c cycles through; nil: compareSpecs
	cmpIdx  int
	cmpTok  tokenizer.Tokenizer
	cmpErr  error
	cmpWait bool
	cmpDone map[string]tokenizer.Tokenizer // comparison tokenizers built, by spec

	offset int

	// The debugger (tokendetail.go): a cursor over the tokens, the legend,
	// the merge replay of the cursor's token, a file to load.
	kind     pieceKind
	cur      int  // the cursor's token; -1: no cursor yet
	follow   bool // scroll to the cursor at the next draw
	legendOn bool
	replayOn bool
	replay   *replay
	rtab     *replayTable // the tokenizer's merges, for the replay
	step     int          // merges of the replay applied
	// The replay of the whole text (a toggles): every merge of the text.
	replayAll bool
	whole     *wholeReplay
	wholeTok  tokenizer.Tokenizer // the tokenizer whole was made with
	watch     bpeWatch            // a trained BPE, merge by merge (bpewatch.go)
	opening   bool                // the edit box holds a file path
	fileErr   error
	fileName  string

	cache, cmpCache tokenCache // the tokens of the text, as last drawn

	fromBefore, fromAfter boxText // the text outside a long text's edit window

	// ownText is set once the user has given the pane a text (edited it,
	// opened a file); until then the pane shows "Artificial Intelligence"
	// cut three ways under the session's text.
	ownText bool
}

func newTokenPane(st *Styles, km *keyMap) *tokenPane {
	return &tokenPane{box: box{st: st}, km: km, editor: newEditor(st), cur: -1}
}

// Editing reports whether the text input has the keys.
func (p *tokenPane) Editing() bool { return p.editing }

func (p *tokenPane) SetSize(w, h int) {
	p.box.SetSize(w, h)
	iw, _ := p.inner()
	p.setWidth(max(iw-7, 1))
}

func (p *tokenPane) setSession(s *lab.Session) {
	p.setTokenizer(s.Tokenizer)
	p.setText(s.Prompt())
	p.ownText = false // the session's text is the default, not the user's
	p.setCorpus(s.Corpus)
}

// setTokenizer makes t the pane's tokenizer.
func (p *tokenPane) setTokenizer(t tokenizer.Tokenizer) {
	p.tok = t
	p.kind = pieceKindOf(t)
	p.cache.reset()
	p.replay, p.replayOn, p.whole = nil, false, nil
	if p.watch.on {
		p.toggleWatch()
	}
}

// setText makes text the pane's text, the cursor back at the start.
func (p *tokenPane) setText(text string) {
	p.text, p.ownText = text, true
	p.setValue(toBox(text))
	p.cur, p.offset, p.replayOn = -1, 0, false
}

// specList is the comparisons c cycles through.
func (p *tokenPane) specList() []string {
	if p.specs == nil {
		return compareSpecs
	}
	return p.specs
}

// CompareWith adds tokenizers (specs as tokenizer.FromSpec reads them:
// tiktoken:FILE, hf:FILE, bpe:FILE, bpe:N, char, word) to the comparisons
// the Tokens pane's c key cycles through, before the built-in ones. Specs
// that learn (bpe:N, char, word) learn from the training text; files are
// read when the comparison is first shown. A spec that does not parse is
// an error that names it.
func (m *Model) CompareWith(specs ...string) error {
	if len(specs) == 0 {
		return nil
	}
	list := []string{""}
	seen := map[string]bool{"": true}
	for _, s := range specs {
		if _, err := tokenizer.ParseSpec(s); err != nil {
			return fmt.Errorf("--compare %q: %w", s, err)
		}
		if !seen[s] {
			seen[s] = true
			list = append(list, s)
		}
	}
	for _, s := range compareSpecs {
		if !seen[s] {
			list = append(list, s)
		}
	}
	m.tokens.specs = list
	return nil
}

// toBox is text as the one-line edit box holds it: a newline is ⏎ (the
// box would make it a space), so that enter gives the text back whole.
func toBox(text string) string { return strings.ReplaceAll(text, "\n", glyphNewline) }

// fromBox is the text an edit box's value stands for: ⏎ is a newline.
func fromBox(value string) string { return strings.ReplaceAll(value, glyphNewline, "\n") }

// editingText is fromBox(p.value()), converting the text outside a long
// text's edit window only when it changes (the window moves).
func (p *tokenPane) editingText() string {
	if p.before == "" && p.after == "" {
		return fromBox(p.input.Value())
	}
	return p.fromBefore.of(p.before) + fromBox(p.input.Value()) + p.fromAfter.of(p.after)
}

// boxText caches fromBox of one string.
type boxText struct{ in, out string }

func (c *boxText) of(s string) string {
	if s != c.in {
		c.in, c.out = s, fromBox(s)
	}
	return c.out
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
	if msg.tok != nil {
		if p.cmpDone == nil {
			p.cmpDone = map[string]tokenizer.Tokenizer{}
		}
		p.cmpDone[msg.spec] = msg.tok
	}
	if p.specList()[p.cmpIdx] != msg.spec {
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
		return p.editText(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || p.tok == nil {
		return nil
	}
	km := p.km
	if p.watch.on && p.watchKey(k) {
		return nil
	}
	switch {
	case key.Matches(k, km.Watch):
		p.toggleWatch()
	case key.Matches(k, km.ReplayAll):
		p.replayAll, p.replayOn = !p.replayAll, true
		p.showReplay()
	case key.Matches(k, km.Edit):
		p.opening = false
		return p.start(toBox(p.text))
	case key.Matches(k, km.Open):
		p.opening, p.fileErr = true, nil
		return p.start(p.fileName)
	case key.Matches(k, km.IDs):
		p.ids = !p.ids
	case key.Matches(k, km.Legend):
		p.legendOn = !p.legendOn
	case key.Matches(k, km.Compare):
		if p.watch.on { // the watch may be of the comparison going away
			p.toggleWatch()
		}
		specs := p.specList()
		p.cmpIdx = (p.cmpIdx + 1) % len(specs)
		p.cmpTok, p.cmpErr = nil, nil
		p.cmpCache.reset()
		spec := specs[p.cmpIdx]
		if spec == "" {
			return nil
		}
		if t := p.cmpDone[spec]; t != nil {
			p.cmpTok = t
			return nil
		}
		p.cmpWait = true
		return compareCmd(spec, p.corpus)
	case key.Matches(k, km.TokPrev):
		p.moveCursor(p.cur - 1)
	case key.Matches(k, km.TokNext):
		p.moveCursor(p.cur + 1)
	case key.Matches(k, km.TokFirst):
		p.moveCursor(0)
	case key.Matches(k, km.TokLast):
		p.moveCursor(len(p.cache.tokens(p.tok, p.text)) - 1)
	case key.Matches(k, km.Replay):
		p.replayOn = !p.replayOn
		p.showReplay()
	case key.Matches(k, km.ReplayPrev):
		p.step = max(p.step-1, 0)
	case key.Matches(k, km.ReplayNext):
		switch {
		case p.replayAll && p.whole != nil:
			p.step = min(p.step+1, len(p.whole.steps))
		case !p.replayAll && p.replay != nil:
			p.step = min(p.step+1, len(p.replay.steps))
		}
	case key.Matches(k, km.Up):
		p.scroll(-1)
	case key.Matches(k, km.Down):
		p.scroll(1)
	}
	return nil
}

// editText passes msg to the open edit box: alt+enter (or ctrl+j) writes a
// newline, a paste keeps its newlines, and enter applies the text or loads
// the file whose path was typed.
func (p *tokenPane) editText(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		if !p.opening && key.Matches(m, p.km.Newline) {
			msg = tea.KeyPressMsg{Code: '⏎', Text: glyphNewline}
		}
	case tea.PasteMsg:
		if !p.opening {
			m.Content = toBox(strings.ReplaceAll(m.Content, "\r\n", "\n"))
			msg = m
		}
	}
	if p.opening {
		return p.edit(p.km, msg, toBox(p.text), func(path string) tea.Cmd {
			p.opening = false
			p.setValue(toBox(p.text))
			return p.load(path)
		})
	}
	return p.edit(p.km, msg, toBox(p.text), func(value string) tea.Cmd {
		text := fromBox(value)
		if text != p.text {
			p.text, p.ownText = text, true
			p.cur, p.replayOn = min(p.cur, len(p.cache.tokens(p.tok, text))-1), false
		}
		return nil
	})
}

// load reads the file at path into the text. The file is small (see
// readTextFile) and never a FIFO, so this does not block.
func (p *tokenPane) load(path string) tea.Cmd {
	p.fileName = path
	text, err := readTextFile(path)
	if err != nil {
		p.fileErr = err
		return func() tea.Msg { return errMsg{err} }
	}
	p.fileErr = nil
	p.setText(text)
	return nil
}

// moveCursor puts the token cursor on token i (clamped), and the view
// scrolls to it.
func (p *tokenPane) moveCursor(i int) {
	n := len(p.cache.tokens(p.tok, p.text))
	if n == 0 {
		p.cur = -1
		return
	}
	p.cur = min(max(i, 0), n-1)
	p.follow = true
	if p.replayAll { // the cursor's keys take the replay back to its token
		p.replayAll, p.step = false, 0
	}
	if p.replayOn {
		p.startReplay()
	}
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
	switch {
	case p.editing && p.opening:
		out = append(out, st.Label.Render("file ")+p.view(), st.Hint.Render("enter loads the file · esc cancels"))
	case p.editing:
		text = p.editingText()
		out = append(out, st.Label.Render("text ")+p.view(), st.Hint.Render("enter keeps · alt+enter newline · esc restores"))
	default:
		hint := st.Muted.Render("e edits · c compares · i ids")
		if p.fileErr != nil {
			hint = st.Error.Render(p.fileErr.Error())
		}
		out = append(out, st.Label.Render("text ")+st.Value.Render(headLine(headText(text, w))), hint)
	}
	foot := p.footer(text, w, max(h-len(out)-2, 0))
	rows := max(h-len(out)-len(foot), 1)
	body := p.body(text, w, p.offset+rows+2)
	if p.follow && p.cur >= 0 && !p.recut() {
		p.follow = false
		if line := p.cursorRow(text, w); line >= 0 && (line < p.offset || line >= p.offset+rows) {
			p.offset = max(line-rows/2, 0)
			body = p.body(text, w, p.offset+rows+2)
		}
	}
	p.offset = min(p.offset, max(len(body)-rows, 0))
	out = append(out, body[p.offset:min(p.offset+rows, len(body))]...)
	return append(out, foot...)
}

// footer is the lines under the tokens: the cursor token's details, the
// merge replay, the legend; each cut to the pane's width.
func (p *tokenPane) footer(text string, w, most int) []string {
	var out []string
	if p.cur >= 0 && !p.recut() {
		toks := p.cache.tokens(p.tok, text)
		out = append(out, tokenDetail(*p.st, p.tok, p.kind, text, toks, min(p.cur, len(toks)-1))...)
	}
	switch {
	case p.watch.on:
		out = append(out, p.watchLines()...)
	case p.replayOn && p.replayAll:
		out = append(out, p.wholeLines()...)
	case p.replayOn:
		out = append(out, p.replayLines()...)
	}
	if p.legendOn {
		out = append(out, legend(*p.st, p.st.NoColor)...)
	}
	var lines []string
	for _, l := range out {
		lines = append(lines, strings.Split(ansi.Wrap(l, w, " "), "\n")...)
	}
	return lines[:min(len(lines), most)]
}

// cursorRow is the body line the cursor's token is drawn on: the title
// line (wrapped) and the tokens' lines before it.
func (p *tokenPane) cursorRow(text string, w int) int {
	toks := p.cache.tokens(p.tok, text)
	if p.cur >= len(toks) {
		return -1
	}
	head := strings.Count(ansi.Wrap(tokName(p.tok)+"  "+TokenSummary(text, toks), w, " "), "\n") + 1
	opt := TokenViewOptions{Width: w, ShowIDs: p.ids, Whitespace: true}
	a, _ := tokensBefore(toks, toks[p.cur].End+1)
	return head + cursorLine(*p.st, text, a, opt, p.cur)
}

// body is the pane's text below the edit box, wrapped at w: the tokens, the
// comparison and the vocabulary. Only the start of a long text is drawn,
// enough for at least need lines (the counts are of the whole text); the
// rest is drawn as the pane scrolls down to it.
func (p *tokenPane) body(text string, w, need int) []string {
	main, toks := p.tok, p.cache.tokens(p.tok, text)
	var cmpTok tokenizer.Tokenizer
	var cmp []tokenizer.Token
	if p.specList()[p.cmpIdx] != "" && p.cmpTok != nil {
		cmpTok, cmp = p.cmpTok, p.cmpCache.tokens(p.cmpTok, text)
	}
	main, toks, cmpTok, cmp, text = p.recutRows(text, main, toks, cmpTok, cmp)
	least := 1024
	if p.cur >= 0 && p.cur < len(toks) {
		least = max(least, toks[p.cur].End+1)
	}
	for budget := max(2*need*w, least); ; budget *= 2 {
		view, all := p.render(text, main, toks, cmpTok, cmp, w, budget)
		body := strings.Split(ansi.Wrap(view, w, " "), "\n")
		if all || len(body) >= need {
			return body
		}
	}
}

// render draws the tokens (and with cmp, the comparison) of the text's
// first budget bytes or so, and says whether that is all of it. A view cut
// short ends with the last token drawn: what follows is further down.
func (p *tokenPane) render(text string, main tokenizer.Tokenizer, toks []tokenizer.Token, cmpTok tokenizer.Tokenizer, cmp []tokenizer.Token, w, budget int) (string, bool) {
	st := p.st
	opt := TokenViewOptions{Width: w, ShowIDs: p.ids, Whitespace: true}
	a, aCuts := tokensBefore(toks, budget)
	var view string
	spec := p.specList()[p.cmpIdx]
	drawn := text
	if len(a) < len(toks) {
		drawn = text[:min(toks[len(a)].Start, len(text))]
	}
	unknown := unknownLine(*st, main, drawn)
	if unknown != "" {
		unknown = "\n" + unknown
	}
	switch {
	case spec != "" && cmpTok != nil:
		b, bCuts := tokensBefore(cmp, budget)
		view = p.row(text, main, toks, a, cuts(bCuts), opt) + unknown
		if len(a) < len(toks) {
			return view, false
		}
		view += "\n\n" + p.row(text, cmpTok, cmp, b, cuts(aCuts), opt)
		if len(b) < len(cmp) {
			return view, false
		}
		view += "\n" + differLine(*st, countDiffer(toks, cmp))
		if at, more := differAt(toks, cmp, 8); len(at) > 0 {
			s := make([]string, len(at))
			for i, c := range at {
				s[i] = fmt.Sprint(c)
			}
			tail := ""
			if more {
				tail = ", …"
			}
			view += st.Muted.Render(" at bytes " + strings.Join(s, ", ") + tail)
		}
	default:
		view = p.row(text, main, toks, a, nil, opt) + unknown
		if len(a) < len(toks) {
			return view, false
		}
		switch {
		case spec == "" && !p.ownText:
			view += "\n\n" + threeWays(*st, opt)
		case spec == "":
		case p.cmpWait:
			view += "\n\n" + st.Muted.Render("building "+spec+" from the training text…")
		case p.cmpErr != nil:
			view += "\n\n" + st.Error.Render(spec+": "+p.cmpErr.Error())
		}
	}
	if p.watch.on && p.watch.at != nil {
		return view + "\n\n" + p.watchVocabulary(), true
	}
	return view + "\n\n" + p.vocabulary(p.tok), true
}

// row is one tokenizer's tokens of text: its name and counts (of all of
// toks), and drawn the tokens before, with the cuts other lacks marked
// (nil: no comparison), and the cursor on the pane's tokenizer's row.
func (p *tokenPane) row(text string, tok tokenizer.Tokenizer, toks, drawn []tokenizer.Token, other map[int]bool, opt TokenViewOptions) string {
	cursor := -1
	if tok == p.tok && !p.recut() {
		cursor = p.cur
	}
	return p.st.Title.Render(tokName(tok)) + p.st.Muted.Render("  "+TokenSummary(text, toks)) + "\n" +
		drawTokens(*p.st, text, drawn, other, opt, cursor)
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
func (p *tokenPane) vocabulary(tok tokenizer.Tokenizer) string {
	const n = 48
	v := tok.VocabSize()
	lo, what := 0, fmt.Sprintf("vocabulary, first %d of %d:", min(n, v), v)
	if v > 300 {
		lo, what = v-n, fmt.Sprintf("vocabulary, last %d of %d (the longest merges):", n, v)
	}
	pieces := make([]string, 0, n)
	for id := lo; id < min(lo+n, v); id++ {
		pieces = append(pieces, standalone(showFormat(showSpace(printable(string(tok.TokenBytes(id)))))))
	}
	return p.st.Muted.Render(what) + "\n" + strings.Join(pieces, " ")
}

// The primer's second example: the same phrase cut into letters, whole
// words or pieces, depending on the tokenizer. The comparison tokenizers
// learn from one built-in sample (not the session's data), so the rows are
// the same in every session; they take about 20 ms to build, once.
const (
	threeWaysPhrase = "Artificial Intelligence"
	threeWaysSample = "general"
)

// threeWaysSpecs are the tokenizers of the comparison, in the order shown,
// with what each row makes visible.
var threeWaysSpecs = []struct{ spec, note string }{
	{"char", "letters"},
	{"word", "whole words"},
	{"bpe:1024", "pieces of words"},
}

// threeWaysRow is one tokenizer's cut of threeWaysPhrase.
type threeWaysRow struct {
	spec, note string
	tok        tokenizer.Tokenizer
	toks       []tokenizer.Token
	unknown    int // tokens that are <unk> or outside the vocabulary
}

// threeWaysRows builds the comparison tokenizers from the sample and cuts
// the phrase with each.
var threeWaysRows = sync.OnceValues(func() ([]threeWaysRow, error) {
	s, err := samples.Lookup(threeWaysSample)
	if err != nil {
		return nil, err
	}
	text := s.Text()
	rows := make([]threeWaysRow, 0, len(threeWaysSpecs))
	for _, c := range threeWaysSpecs {
		tok, err := tokenizer.FromSpec(c.spec, tokenizer.SpecOptions{Text: text, TextName: "sample:" + threeWaysSample})
		if err != nil {
			return nil, err
		}
		r := threeWaysRow{spec: c.spec, note: c.note, tok: tok, toks: tok.EncodeTokens(threeWaysPhrase)}
		r.unknown = len(tokenizer.Unknown(tok, threeWaysPhrase))
		rows = append(rows, r)
	}
	return rows, nil
})

// threeWays draws "Artificial Intelligence" cut by each of threeWaysSpecs:
// per row, the spec, what it learned from, its vocabulary and the token
// count, then the tokens. A word tokenizer that never saw a word says so.
func threeWays(st Styles, opt TokenViewOptions) string {
	rows, err := threeWaysRows()
	head := st.Label.Render(fmt.Sprintf("%q", threeWaysPhrase)) +
		st.Muted.Render(fmt.Sprintf(" by tokenizers learned from sample:%s:", threeWaysSample))
	if err != nil {
		return head + "\n" + st.Error.Render(err.Error())
	}
	var b strings.Builder
	b.WriteString(head)
	for _, r := range rows {
		count := fmt.Sprintf("%d tokens, %s", len(r.toks), r.note)
		if r.unknown > 0 {
			count += fmt.Sprintf("; %d unknown (%s): not in sample:%s", r.unknown, glyphUnknown, threeWaysSample)
		}
		b.WriteString("\n" + st.Title.Render(r.spec) + st.Muted.Render(fmt.Sprintf(" (%d ids): ", r.tok.VocabSize())) + count + "\n")
		b.WriteString(drawTokens(st, threeWaysPhrase, r.toks, nil, opt, -1))
	}
	return b.String()
}

// showReplay starts the replay r or a asked for (the whole text's, or the
// cursor's token's, the cursor put on the first token if it has none),
// closing the BPE watch that shares the pane's space.
func (p *tokenPane) showReplay() {
	if p.watch.on {
		p.toggleWatch()
	}
	if p.replayAll {
		p.startWhole()
		return
	}
	if p.cur < 0 {
		p.moveCursor(0)
	}
	p.startReplay()
}
