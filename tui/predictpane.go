package tui

import (
	"fmt"
	"math"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// predictionLabel is one candidate next token, decoded for display.
type predictionLabel struct {
	text string
	prob float32
}

// nextLabel is the token that comes next in the prompt after a position,
// decoded, with the model's score of it.
type nextLabel struct {
	text    string
	p, pTau float32 // its probability at temperature 1 (the loss is −ln p) and at the bars' temperature
	rank    int     // among all tokens, 1 the likeliest
	bar     int     // its row among the bars; -1: not there
	ok      bool    // false: the prompt ends at this position
}

// predictPane shows the prompt's tokens and, for the selected position, the
// model's top next tokens with their probabilities as bars, at the
// temperature, and the token that actually comes next in the prompt with
// its probability and loss.
type predictPane struct {
	box
	km          *keyMap
	temperature *float64 // the root's, shared with Sample

	editor
	prompt string
	step   int
	have   bool
	tokens []string            // the prompt's tokens the model sees
	more   bool                // the prompt has more tokens than the model sees
	next   [][]predictionLabel // at temperature 1
	at     [][]predictionLabel // at temperature atTau; nil: none yet, the bars show next
	atTau  []float64           // per position: tau, or 1 before the positions an inspection reweighs (tauBudget)
	tau    float64             // the temperature the last inspection was asked for
	actual []nextLabel         // per position, with at
	pos    int                 // selected position
	follow bool                // keep the selection on the last position

	base     string             // the fine-tune base's name; "": no base, no comparison
	cmp      *predictComparison // the base's predictions, once computed
	probeOff int                // first probe shown
}

// predictComparison is the base's side of the comparison, decoded: its
// predictions at each prompt position and the probe prompts' next tokens,
// base and now.
type predictComparison struct {
	next   [][]predictionLabel
	probes []probeLabels
}

// probeLabels is one probe prompt's top next tokens, base and now.
type probeLabels struct {
	prompt    string
	base, now []predictionLabel
}

func newPredictPane(st *Styles, km *keyMap, temperature *float64) *predictPane {
	return &predictPane{box: box{st: st}, km: km, temperature: temperature, editor: newEditor(st), follow: true}
}

// Editing reports whether the prompt input has the keys.
func (p *predictPane) Editing() bool { return p.editing }

func (p *predictPane) SetSize(w, h int) {
	p.box.SetSize(w, h)
	iw, _ := p.inner()
	p.setWidth(max(iw-9, 1))
}

func (p *predictPane) setPrompt(s string) {
	p.prompt = s
	if !p.editing {
		p.setValue(s)
	}
}

// setInspection shows the predictions of a snapshot at step.
func (p *predictPane) setInspection(step int, tokens []string, next [][]predictionLabel, more bool) {
	p.step, p.have, p.more = step, true, more
	p.tokens, p.next = tokens, next
	p.at, p.atTau, p.actual = nil, nil, nil
	if p.follow || p.pos >= len(tokens) {
		p.pos = max(len(tokens)-1, 0)
	}
}

// setPredictions shows the predictions of the last inspection at
// temperature tau and the prompt's next tokens scored, one of each per
// position.
func (p *predictPane) setPredictions(tau float64, at [][]predictionLabel, atTau []float64, actual []nextLabel) {
	if len(at) != len(p.tokens) || len(atTau) != len(p.tokens) || len(actual) != len(p.tokens) {
		return // not of this inspection
	}
	p.tau, p.at, p.atTau, p.actual = tau, at, atTau, actual
}

// bars returns the predictions the bars show at the selected position and
// their temperature.
func (p *predictPane) bars() ([]predictionLabel, float64) {
	if p.at != nil {
		return p.at[p.pos], p.atTau[p.pos]
	}
	return p.next[p.pos], 1
}

// setBase turns the comparison on with a new base; the predictions follow
// from the next inspection.
func (p *predictPane) setBase(name string) {
	p.base, p.cmp, p.probeOff = name, nil, 0
}

// setComparison shows the base's predictions for the prompt and probes.
func (p *predictPane) setComparison(c *predictComparison) {
	p.cmp = c
	p.probeOff = min(p.probeOff, max(len(c.probes)-1, 0))
}

// scrollProbes moves through the probe prompts.
func (p *predictPane) scrollProbes(d int) {
	if p.cmp == nil {
		return
	}
	p.probeOff = min(max(p.probeOff+d, 0), max(len(p.cmp.probes)-1, 0))
}

// move shifts the selected position by d.
func (p *predictPane) move(d int) {
	if len(p.tokens) == 0 {
		return
	}
	p.pos = min(max(p.pos+d, 0), len(p.tokens)-1)
	p.follow = p.pos == len(p.tokens)-1
}

// Update handles the pane's keys, and all keys while the prompt is edited.
func (p *predictPane) Update(msg tea.Msg) tea.Cmd {
	if p.editing {
		return p.editPrompt(p.km, msg, p.prompt)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, p.km.Edit):
		return p.start(p.prompt)
	case key.Matches(k, p.km.PosPrev):
		p.move(-1)
	case key.Matches(k, p.km.PosNext):
		p.move(1)
	case key.Matches(k, p.km.PosFirst):
		p.move(-len(p.tokens))
	case key.Matches(k, p.km.PosLast):
		p.move(len(p.tokens))
	case key.Matches(k, p.km.ProbeUp):
		p.scrollProbes(-1)
	case key.Matches(k, p.km.ProbeDown):
		p.scrollProbes(1)
	case key.Matches(k, p.km.TempDown):
		return changeTemperature(p.temperature, -1)
	case key.Matches(k, p.km.TempUp):
		return changeTemperature(p.temperature, 1)
	}
	return nil
}

func (p *predictPane) View() string { return p.frame("Predict", p.lines()) }

func (p *predictPane) lines() []string {
	st := p.st
	w, h := p.inner()
	var out []string
	if p.editing {
		out = append(out, st.Label.Render("prompt ")+p.view(), st.Hint.Render("enter applies · esc cancels"))
	} else {
		hint := firstFit(w, "e edits · ←/→ picks the position · t/T temperature", "e edits · ←/→ position · t/T temperature")
		if p.base != "" {
			hint = "e edits · ←/→ position · ↑/↓ probes"
		}
		out = append(out, st.Label.Render("prompt ")+st.Value.Render(showSpace(headText(p.prompt, w))), st.Muted.Render(hint))
	}
	if !p.have {
		return append(out, "", st.Muted.Render("waiting for the model…"))
	}
	if len(p.tokens) == 0 {
		return append(out, "", st.Muted.Render("the prompt has no tokens; e edits it"))
	}
	out = append(out, p.tokenRow(w))
	if p.more {
		out = append(out, st.Muted.Render(fmt.Sprintf("the model sees the last %d tokens", len(p.tokens))))
	}
	if p.base != "" {
		return p.compareLines(out, w, h)
	}
	preds, tau := p.bars()
	tok := showSpace(p.tokens[p.pos])
	out = append(out, st.Label.Render(firstFit(w,
		fmt.Sprintf("after %q (position %d/%d), step %d, temperature %s:", tok, p.pos+1, len(p.tokens), p.step, formatTemperature(tau)),
		fmt.Sprintf("after %q (position %d/%d), step %d, τ %s:", tok, p.pos+1, len(p.tokens), p.step, formatTemperature(tau)),
		fmt.Sprintf("after %q (position %d/%d), τ %s:", tok, p.pos+1, len(p.tokens), formatTemperature(tau)),
		fmt.Sprintf("after %q (%d/%d), τ %s:", tok, p.pos+1, len(p.tokens), formatTemperature(tau)))))
	if p.at != nil && tau != p.tau {
		from := len(p.tokens) - 1
		for from > 0 && p.atTau[from-1] == p.tau {
			from--
		}
		out = append(out, st.Muted.Render(firstFit(w,
			fmt.Sprintf("temperature %s is for the last %d positions only", formatTemperature(p.tau), len(p.tokens)-from),
			fmt.Sprintf("τ %s: last %d positions only", formatTemperature(p.tau), len(p.tokens)-from))))
	}
	var actual nextLabel
	if p.actual != nil {
		actual = p.actual[p.pos]
	}
	under := 0 // lines under the bars: the next token in the prompt
	if p.actual != nil {
		under = 1
		if actual.ok {
			under = 2
		}
	}
	rows := max(min(len(preds), h-len(out)-under), 0)
	labelW := 0
	for _, c := range preds[:rows] {
		labelW = max(labelW, ansi.StringWidth(showSpace(c.text)))
	}
	labelW = min(labelW, max(w/3, 4))
	barW := max(w-labelW-11, 1)
	marked := actual.ok && actual.bar >= 0 && actual.bar < rows
	for i, c := range preds[:rows] {
		label := fit(showSpace(c.text), labelW)
		n := int(c.prob*float32(barW) + 0.5)
		bar := strings.Repeat("█", n) + strings.Repeat("░", barW-n)
		style := st.Bar
		if i == 0 {
			style = st.BarTop
		}
		mark := "  "
		if marked && i == actual.bar {
			mark = " ◀"
		}
		out = append(out, label+" "+style.Render(bar)+" "+fmt.Sprintf("%6.1f%%", 100*c.prob)+st.Selected.Render(mark))
	}
	if p.actual != nil {
		out = append(out, p.actualLines(actual, marked, tau)...)
	}
	return out
}

// actualLines say which token comes next in the prompt after the selected
// position, where it ranks, its probability and its loss: what training on
// this text pushes up, and down.
func (p *predictPane) actualLines(a nextLabel, marked bool, tau float64) []string {
	st := p.st
	w, _ := p.inner()
	if !a.ok {
		return []string{st.Muted.Render(firstFit(w, "the prompt ends here: ← shows what comes next at earlier positions",
			"the prompt ends here (← earlier ones)"))}
	}
	where, short := fmt.Sprintf("rank %d, not among the bars", a.rank), fmt.Sprintf("rank %d, below the bars", a.rank)
	if marked {
		where = fmt.Sprintf("rank %d ◀", a.rank)
		short = where
	}
	tok := fmt.Sprintf("%q", showSpace(a.text))
	first := firstFit(w, "next in the prompt "+tok+" "+where, "next "+tok+": "+where, "next "+tok+": "+short)
	p1 := "p " + formatProb(a.p)
	if tau != 1 {
		p1 += fmt.Sprintf(" (%s at τ %s)", formatProb(a.pTau), formatTemperature(tau))
	}
	loss := fmt.Sprintf("  loss −ln p %.2f", -math.Log(float64(a.p)))
	second := firstFit(w, p1+loss+" · training pushes p up", p1+loss, "p "+formatProb(a.p)+loss)
	return []string{st.Value.Render(first), st.Value.Render(second)}
}

// firstFit returns the first of texts, from the longest way of saying it
// to the shortest, that fits in w cells, or else the last.
func firstFit(w int, texts ...string) string {
	for _, t := range texts {
		if ansi.StringWidth(t) <= w {
			return t
		}
	}
	return texts[len(texts)-1]
}

// formatProb writes a probability as a percentage with a precision that
// keeps small ones readable.
func formatProb(p float32) string {
	switch pct := 100 * float64(p); {
	case pct >= 9.95:
		return fmt.Sprintf("%.0f%%", pct)
	case pct >= 0.095:
		return fmt.Sprintf("%.1f%%", pct)
	default:
		return fmt.Sprintf("%.2g%%", pct)
	}
}

// compareLines draws the fine-tune comparison below the prompt's tokens:
// at the selected position, then for as many probe prompts as fit, the top
// next tokens of the base and of the model now, side by side.
func (p *predictPane) compareLines(out []string, w, h int) []string {
	st := p.st
	cw := max((w-3)/2, 1) // a column; " │ " between them
	sep := st.Muted.Render(" │ ")
	out = append(out, fit(st.Label.Render("base ")+st.Value.Render(p.base), cw)+sep+
		st.Label.Render("now ")+st.Value.Render(fmt.Sprintf("step %d", p.step)))
	if p.cmp == nil {
		return append(out, st.Muted.Render("comparing with the base…"))
	}
	var base []predictionLabel
	if p.pos < len(p.cmp.next) {
		base = p.cmp.next[p.pos]
	}
	now := p.next[p.pos]
	out = append(out, st.Label.Render(fmt.Sprintf("after %q (position %d/%d):", showSpace(p.tokens[p.pos]), p.pos+1, len(p.tokens))))
	out = append(out, p.columns(base, now, cw, max(h-len(out), 0))...)
	probes := p.cmp.probes
	for i := p.probeOff; i < len(probes); i++ {
		if h-len(out) < 3 { // a heading and two rows at least
			break
		}
		pr := probes[i]
		out = append(out, st.Label.Render(fmt.Sprintf("probe %d/%d ", i+1, len(probes)))+st.Value.Render(showSpace(pr.prompt)))
		out = append(out, p.columns(pr.base, pr.now, cw, h-len(out))...)
	}
	return out
}

// columns draws two lists of predictions side by side in columns of cw
// cells, at most compareK rows and no more than rows.
func (p *predictPane) columns(left, right []predictionLabel, cw, rows int) []string {
	n := min(max(len(left), len(right)), compareK, rows)
	labelW := 1
	for _, list := range [][]predictionLabel{left, right} {
		for _, c := range list[:min(len(list), n)] {
			labelW = max(labelW, ansi.StringWidth(showSpace(c.text)))
		}
	}
	labelW = min(labelW, max(cw/3, 1))
	cell := func(list []predictionLabel, i int) string {
		if i >= len(list) {
			return strings.Repeat(" ", cw)
		}
		return fit(p.barRow(list[i], i == 0, labelW, cw), cw)
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, cell(left, i)+p.st.Muted.Render(" │ ")+cell(right, i))
	}
	return out
}

// barRow draws one prediction in w cells: its text, a bar and the
// probability.
func (p *predictPane) barRow(c predictionLabel, top bool, labelW, w int) string {
	barW := max(w-labelW-8, 1)
	n := int(c.prob*float32(barW) + 0.5)
	style := p.st.Bar
	if top {
		style = p.st.BarTop
	}
	return fit(showSpace(c.text), labelW) + " " + style.Render(strings.Repeat("█", n)+strings.Repeat("░", barW-n)) +
		" " + fmt.Sprintf("%5.1f%%", 100*c.prob)
}

// tokenRow shows the prompt's tokens with the selected one bracketed,
// scrolled so that the selection is visible.
func (p *predictPane) tokenRow(w int) string {
	parts := make([]string, len(p.tokens))
	for i, t := range p.tokens {
		s := showSpace(t)
		if i == p.pos {
			parts[i] = p.st.Cursor.Render("[" + s + "]")
		} else {
			parts[i] = " " + s + " "
		}
	}
	// Drop tokens from the left until the selection fits.
	start := 0
	width := func(from, to int) int {
		n := 0
		for _, s := range parts[from:to] {
			n += ansi.StringWidth(s)
		}
		return n
	}
	for start < p.pos && width(start, p.pos+1) > w-1 {
		start++
	}
	row := strings.Join(parts[start:], "")
	if start > 0 {
		row = "…" + row
	}
	return row
}

// showSpace makes whitespace visible: · for a space, → for a tab, ⏎ for a
// newline; other control characters show as their code.
func showSpace(s string) string {
	plain := true
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteString("·")
		case r == '\t':
			b.WriteString("→")
		case r == '\n':
			b.WriteString("⏎")
		case r == '\r':
			b.WriteString("␍")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
