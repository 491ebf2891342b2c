package tui

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// topKSteps are the top-k values -/+ move through; 0 keeps every token.
var topKSteps = []int{1, 2, 3, 5, 10, 20, 50, 100, 0}

// samplePane shows text the model generates from the prompt, with the
// temperature and top-k it used; for a task sample, first the model's
// answers to a few held-out problems, each marked right or wrong.
type samplePane struct {
	box
	km *keyMap

	editor
	prompt      string
	temperature *float64 // the root's, shared with Predict
	topK        int
	cpt         float64 // characters per token of the data, to size samples

	have bool
	step int
	text string // the continuation
	used engine.SampleOptions

	offset int // first wrapped line shown

	answers    []taskAnswer // a task sample's held-out problems, answered; nil: not a task
	answerStep int
}

// taskAnswer is the model's greedy answer to one held-out problem of a task
// sample.
type taskAnswer struct {
	prompt, want string
	got          string // what the model wrote, up to its newline
	right        bool
}

func newSamplePane(st *Styles, km *keyMap, temperature *float64) *samplePane {
	return &samplePane{box: box{st: st}, km: km, editor: newEditor(st), temperature: temperature, topK: 20, cpt: 4}
}

// setAnswers shows a task sample's answers from the snapshot at step.
func (p *samplePane) setAnswers(step int, answers []taskAnswer) {
	p.answerStep, p.answers = step, answers
}

// Editing reports whether the prompt input has the keys.
func (p *samplePane) Editing() bool { return p.editing }

func (p *samplePane) SetSize(w, h int) {
	p.box.SetSize(w, h)
	iw, _ := p.inner()
	p.setWidth(max(iw-9, 1))
}

func (p *samplePane) setPrompt(s string) {
	p.prompt = s
	if !p.editing {
		p.setValue(s)
	}
}

func (p *samplePane) setCharsPerToken(c float64) {
	if c > 0 && !math.IsInf(c, 0) {
		p.cpt = c
	}
}

// options are the sampling settings for a new sample.
func (p *samplePane) options(seed uint64) engine.SampleOptions {
	return engine.SampleOptions{Temperature: *p.temperature, TopK: p.topK, Seed: seed}
}

// tokensWanted is about as many tokens as fill the pane (16 to 256).
func (p *samplePane) tokensWanted() int {
	w, h := p.inner()
	chars := float64(w * max(h-4, 1))
	return min(max(int(chars/p.cpt), 16), 256)
}

func (p *samplePane) setSample(step int, prompt, text string, used engine.SampleOptions) {
	p.have, p.step = true, step
	p.prompt, p.text, p.used = prompt, text, used
}

func (p *samplePane) scroll(d int) {
	p.offset = max(p.offset+d, 0) // View clamps the bottom
}

// Update handles the pane's keys, and all keys while the prompt is edited.
func (p *samplePane) Update(msg tea.Msg) tea.Cmd {
	if p.editing {
		return p.editPrompt(p.km, msg, p.prompt)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := p.km
	regen := func() tea.Msg { return regenerateMsg{} }
	again := func() tea.Msg { return regenerateMsg{newSeed: true} }
	switch {
	case key.Matches(k, km.Edit):
		return p.start(p.prompt)
	case key.Matches(k, km.Regenerate):
		return again
	case key.Matches(k, km.TempDown):
		return changeTemperature(p.temperature, -1)
	case key.Matches(k, km.TempUp):
		return changeTemperature(p.temperature, 1)
	case key.Matches(k, km.TopKDown):
		p.topK = stepTopK(p.topK, -1)
		return regen
	case key.Matches(k, km.TopKUp):
		p.topK = stepTopK(p.topK, 1)
		return regen
	case key.Matches(k, km.Up):
		p.scroll(-1)
	case key.Matches(k, km.Down):
		p.scroll(1)
	}
	return nil
}

// changeTemperature moves the shared temperature *t a tenth up (d > 0) or
// down, within 0 (greedy) to 2, and reports it to the root, which redoes
// the predictions and the sample at it.
func changeTemperature(t *float64, d int) tea.Cmd {
	*t = math.Min(2, math.Max(0, math.Round(*t*10+float64(d))/10))
	return func() tea.Msg { return temperatureMsg{} }
}

// formatTemperature writes a temperature as the t/T keys step it.
func formatTemperature(t float64) string {
	if t == 0 {
		return "0 (greedy)"
	}
	return fmt.Sprintf("%.1f", t)
}

func stepTopK(cur, d int) int {
	i := len(topKSteps) - 1
	for j, v := range topKSteps {
		if v == cur {
			i = j
		}
	}
	return topKSteps[min(max(i+d, 0), len(topKSteps)-1)]
}

func (p *samplePane) View() string { return p.frame("Sample", p.lines()) }

func (p *samplePane) lines() []string {
	st := p.st
	w, h := p.inner()
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	topK := "all"
	if p.topK > 0 {
		topK = fmt.Sprint(p.topK)
	}
	out := []string{kv("temperature", formatTemperature(*p.temperature)) + "  " + kv("top-k", topK)}
	if p.editing {
		out = append(out, st.Label.Render("prompt ")+p.view()+"  "+st.Hint.Render("enter/esc"))
	} else {
		out = append(out, st.Muted.Render("r again · t/T temperature · -/+ top-k · e prompt"))
	}
	if !p.have {
		return append(out, "", st.Muted.Render("waiting for the model…"))
	}
	out = append(out, p.answerLines(h-len(out))...)
	out = append(out, st.Muted.Render(fmt.Sprintf("step %d, seed %d:", p.step, p.used.Seed)))
	// A sample is a few hundred tokens: wrapping it on each redraw costs
	// well under a tenth of a millisecond, so it is not cached (the
	// Dataset pane's 16 KB preview is: ~0.7 ms).
	// A long prompt (a paste) shows its end, which the sample continues,
	// about a pane's worth.
	text := st.Prompt.Render(printable(tailText(p.prompt, 4*w*h+64))) + printable(p.text)
	wrapped := strings.Split(ansi.Wrap(text, w, " "), "\n")
	rows := max(h-len(out), 1)
	p.offset = min(p.offset, max(len(wrapped)-rows, 0))
	end := min(p.offset+rows, len(wrapped))
	return append(out, wrapped[p.offset:end]...)
}

// answerLines list a task sample's answered problems in at most about half
// of rows: the count right, then each problem with ✓ or ✗ and, beside a
// wrong answer, the right one; and where accuracy is charted.
func (p *samplePane) answerLines(rows int) []string {
	if p.answers == nil || rows < 6 {
		return nil
	}
	st := p.st
	right := 0
	for _, a := range p.answers {
		if a.right {
			right++
		}
	}
	out := []string{st.Label.Render("held-out, greedy: ") +
		st.Value.Render(fmt.Sprintf("%d of %d right", right, len(p.answers))) +
		st.Muted.Render(fmt.Sprintf(" · step %d", p.answerStep))}
	n := min(len(p.answers), rows/2-2)
	promptW := 0
	for _, a := range p.answers[:n] {
		promptW = max(promptW, ansi.StringWidth(printable(a.prompt)))
	}
	for _, a := range p.answers[:n] {
		got := printable(a.got)
		if got == "" {
			got = "∅"
		}
		line := fit(printable(a.prompt), promptW) + " " + got
		if a.right {
			line = st.Value.Render("✓ ") + line
		} else {
			line = st.Error.Render("✗ ") + line + st.Muted.Render("  want ") + st.Value.Render(printable(a.want))
		}
		out = append(out, line)
	}
	if n < len(p.answers) {
		out = append(out, st.Muted.Render(fmt.Sprintf("… %d more", len(p.answers)-n)))
	}
	return append(out, st.Muted.Render("accuracy over time: Loss pane (3), c"))
}

// printable keeps newlines and makes every other control character harmless:
// tabs become spaces, the rest show as \xNN, so generated bytes can never
// drive the terminal.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tailText is s when it has at most n bytes, else "…" and about its last n
// bytes, cut at a character.
func tailText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := len(s) - n
	for cut < len(s) && !utf8.RuneStart(s[cut]) {
		cut++
	}
	return "…" + s[cut:]
}
