package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/samples"
)

// A guided lesson (lmlab lesson NAME, L in the workbench) walks a beginner
// through one built-in sample in short steps. Its first screen is the
// sample's lesson card; then a box of two lines above the status bar says
// "step 3/7" and what to do. Each step is done when a condition on the
// workbench holds: the user has done what it asks (pressed space, focused a
// pane, picked a head) or the model has got there (a step count, "mat" on
// top of Predict). The conditions read the root model's state after every
// message, so a room of people can go at their own pace.

// Lesson is a guided lesson: what the workbench opens on and the steps.
type Lesson struct {
	Name       string   // as in lmlab lesson NAME
	Summary    string   // one line, for the list of lessons
	Sample     string   // the built-in sample whose card is the first screen
	Data       []string // the --data values the workbench opens on
	TrainSteps int      // the run's length (--steps); 0: see RunSteps
	Then       string   // what to try after the last step

	steps []guideStep
}

// guideStep is one step: what to do, and when it is done.
type guideStep struct {
	text string
	done func(m *Model, g *guide) bool
}

// ErrUnknownLesson is what LookupLesson's error matches for a name that is
// not a lesson.
var ErrUnknownLesson = errors.New("unknown lesson")

// lessons are the guided lessons, in the order a workshop meets them.
var lessons = []Lesson{
	{
		Name: "cats", Sample: "cats", Data: []string{"sample:cats"},
		Summary: "next-word prediction: \"mat\" rises to the top after \"The cat sat on the\"",
		Then:    "Next: lmlab lesson bank — a word whose meaning depends on one said before it.",
		steps: []guideStep{
			{"Press space to start training. The loss (pane 3) starts near ln(vocabulary size).", isRunning},
			{"Press 4 to look at Predict: its bars are the guesses for the word after the prompt.", focused(panePredict)},
			{"Watch \"mat\" rise to the top in Predict as the loss falls.", topIs("mat")},
			{"Press space to pause: the model stops learning, the panes stay as they are.", isPaused},
			{"Press 5 for Attention: a row is a token, its cells the earlier tokens it reads.", focused(paneAttention)},
			{"Press [ for layer 1 and > for head 1: each head looks at something different.", firstLayerOneHead},
			{"Press n to take one more step (or space to train on) and watch the shades move.", trainedSince(1)},
		},
	},
	{
		Name: "bank", Sample: "bank", Data: []string{"sample:bank"}, TrainSteps: 1500,
		Summary: "attention: \"bank\" is a river bank or a money bank, and an earlier word decides",
		Then:    "Next: lmlab lesson addition — attention learning an algorithm.",
		steps: []guideStep{
			{"Press space to start training on sentences where \"bank\" has two meanings.", isRunning},
			{"Press 4 for Predict: the bars guess the word after \"bank\".", focused(panePredict)},
			{"Let it train to step 400 and watch the guesses after \"bank\" settle.", stepAtLeast(400)},
			{"Press e, change the word that decides (river → market), press enter: the guess changes.", promptEdited("bank")},
			{"Press 5 for Attention and < > through the heads: one looks back from \"bank\" to it.", all(focused(paneAttention), oneHead)},
		},
	},
	{
		Name: "addition", Sample: "addition", Data: []string{"sample:addition"},
		Summary: "an algorithm: accuracy on unseen sums stays at zero, then jumps",
		Then:    "Next: lmlab lesson reverse — attention as a pointer.",
		steps: []guideStep{
			{"Press space to start training on sums like 123+045=0168.", isRunning},
			{"Press 3 for Loss, then c until the accuracy chart: exact answers to unseen sums.", all(focused(paneLoss), chartShown(chartAccuracy))},
			{"Wait for the accuracy to leave 0%: the loss falls fast, accuracy stays flat, then jumps.", accuracyAbove(0)},
			{"Press 4 for Predict: ←/→ moves along the sum, the bars guess each next digit.", focused(panePredict)},
			{"Press 5 for Attention and < > through the heads: answer digits look at the digits they add.", all(focused(paneAttention), oneHead)},
		},
	},
	{
		Name: "reverse", Sample: "reverse", Data: []string{"sample:reverse"},
		Summary: "attention as a pointer: each output letter looks back at its mirror position",
		Then:    "Next: lmlab lesson finetuning — a pretrained model learns a domain.",
		steps: []guideStep{
			{"Press space to start training on words written backwards: lantern|nretnal.", isRunning},
			{"Press 3 for Loss, then c until the accuracy chart: words never seen reversed.", all(focused(paneLoss), chartShown(chartAccuracy))},
			{"Press 4 for Predict and wait until the next letter of the reversed word tops the bars.", all(focused(panePredict), topIsReversed)},
			{"Press 5 for Attention and < > through the heads: one draws the mirror diagonal.", all(focused(paneAttention), oneHead)},
		},
	},
	{
		Name: "finetuning", Sample: "clinic", Data: []string{"sample:general"},
		Summary: "fine-tuning: pretrain on general prose, mark the base, then train on clinic Q&A",
		Then:    "Next: the README workshop's steps 4–5 do this headless (lmlab train, lmlab finetune); try --freeze-layers 2.",
		steps: []guideStep{
			{"Press space to pretrain on general prose (the Sample pane, 6, turns into words).", isRunning},
			{"Let it pretrain to step 500: the loss (pane 3) falls as spelling, then words appear.", stepAtLeast(500)},
			{"Press f to keep these weights as the base: Predict will compare the model with it.", baseMarked},
			{"Press 1 for Dataset, then a, type sample:clinic and press enter.", sourceIs("sample:clinic", true)},
			{"Select sample:general with ←/→ and press x to switch it off: only clinic trains now.", sourceIs("sample:general", false)},
			{"Press 4: Predict shows base vs now on the clinic probes. Train 200 more steps.", all(focused(panePredict), trainedSince(200))},
			{"Press 3: the Loss pane shows the base's val loss beside now's on the clinic text.", focused(paneLoss)},
		},
	},
}

// Lessons returns the guided lessons, in the order a workshop meets them.
func Lessons() []Lesson {
	out := make([]Lesson, len(lessons))
	copy(out, lessons)
	return out
}

// LessonNames returns the lessons' names, in the order Lessons lists them.
func LessonNames() []string {
	names := make([]string, len(lessons))
	for i, l := range lessons {
		names[i] = l.Name
	}
	return names
}

// LookupLesson returns the lesson called name. The error lists the lessons
// and matches ErrUnknownLesson.
func LookupLesson(name string) (Lesson, error) {
	for _, l := range lessons {
		if l.Name == name {
			return l, nil
		}
	}
	return Lesson{}, fmt.Errorf("%w %q; the lessons are %s (lmlab lesson lists them)", ErrUnknownLesson, name, strings.Join(LessonNames(), ", "))
}

// RunSteps is the run's length the lesson asks for: TrainSteps, else the
// steps its sample says its lesson needs (samples.Sample.Steps) when the
// lesson trains on that sample alone; 0 leaves the preset's.
func (l Lesson) RunSteps() int {
	if l.TrainSteps > 0 {
		return l.TrainSteps
	}
	if s, err := samples.Lookup(l.Sample); err == nil && len(l.Data) == 1 && l.Data[0] == "sample:"+s.Name {
		return s.Steps
	}
	return 0
}

// StepCount is how many steps the lesson has.
func (l Lesson) StepCount() int { return len(l.steps) }

// guide is a lesson in progress.
type guide struct {
	lesson  Lesson
	card    samples.Card
	prompt  string // the sample's default prompt, which conditions on Predict compare with
	open    bool   // the box is on screen (L)
	intro   bool   // the card is on screen: the first screen, before step 1
	cur     int    // the current step, from 0; len(lesson.steps) when finished
	at      int    // the training step when the current step began
	rows    int    // screen lines the box takes above the status bar; 0: it takes the help line
	winW    int    // the terminal's size, for re-laying out when L hides the box
	winH    int
	started bool // the first step has begun (it waits for the session)
}

func newGuide(l Lesson) *guide {
	g := &guide{lesson: l, open: true, intro: true}
	if s, err := samples.Lookup(l.Sample); err == nil {
		g.prompt = s.Prompt
		g.card, _ = s.Card()
	}
	return g
}

// finished reports whether every step is done.
func (g *guide) finished() bool { return g.cur >= len(g.lesson.steps) }

// openLesson starts the lesson called name, with its card on screen.
func (m *Model) openLesson(name string) {
	l, err := LookupLesson(name)
	if err != nil {
		m.setError(err)
		return
	}
	m.guide = newGuide(l)
	m.keys.lessonOn = true
}

// lessonFor returns the lesson that trains on exactly the session's data,
// which L opens in a workbench started without one.
func (m *Model) lessonFor() (Lesson, bool) {
	if m.sess == nil {
		return Lesson{}, false
	}
	for _, l := range lessons {
		if slices.Equal(l.Data, m.sess.DataSpecs) {
			return l, true
		}
	}
	return Lesson{}, false
}

// advanceGuide moves the lesson past every step whose condition holds now.
// It runs after every message; the card holds the lesson at step 1.
func (m *Model) advanceGuide() {
	g := m.guide
	if g == nil {
		_, ok := m.lessonFor()
		m.keys.lessonOn = ok // L can open the session's lesson
		return
	}
	if g.intro || m.sess == nil {
		return
	}
	if !g.started { // the first step begins when there is a session
		g.started, g.at = true, m.step
	}
	for !g.finished() && g.lesson.steps[g.cur].done(m, g) {
		g.cur++
		g.at = m.step
		m.dirty = true
	}
}

// guideKey handles L and the keys pressed while the card is on screen; ok
// is false when the key is for the workbench as usual. Any key but L
// closes the card and begins the lesson; enter and esc do only that, the
// others then act as they always do (space on the card starts training).
// In a workbench opened without a lesson, L opens the one for the
// session's data.
func (m *Model) guideKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	if m.confirm || m.editing() {
		return nil, false
	}
	g := m.guide
	if g == nil {
		l, ok := m.lessonFor()
		if !ok || !key.Matches(msg, m.keys.Guide) {
			return nil, false
		}
		m.guide = newGuide(l) // its card first
		m.keys.lessonOn = true
		m.resize(m.lay.W, m.lay.H) // without a box the layout has the whole terminal
		return nil, true
	}
	if key.Matches(msg, m.keys.Guide) {
		g.open = !g.open
		g.intro = false
		m.relayout()
		return nil, true
	}
	if g.open && g.intro && !m.showHelp {
		g.intro = false
		if msg.String() == "enter" || msg.String() == "esc" {
			return nil, true
		}
	}
	return nil, false
}

// guideRows is how many lines the box takes above the status bar in a w×h
// terminal: two, unless that would cost the panes their layout (the grid
// falling back to tabs), in which case the box takes the help line.
func (m *Model) guideRows(w, h int) int {
	g := m.guide
	if g == nil || !g.open {
		return 0
	}
	full := computeLayout(w, h)
	if full.mode == layoutTooSmall || computeLayout(w, h-2).mode != full.mode {
		return 0
	}
	return 2
}

// relayout lays the screen out again for the size it has, after the box
// has appeared or gone.
func (m *Model) relayout() {
	if g := m.guide; g != nil && g.winW > 0 {
		m.resize(g.winW, g.winH)
	}
}

// guideBox returns the box's lines above the status bar: a rule with the
// lesson and the step, and what to do now.
func (m *Model) guideBox(w int) []string {
	g := m.guide
	if g == nil || !g.open || g.rows == 0 {
		return nil
	}
	title, text := m.guideText()
	hint := " L hides "
	fill := w - 3 - ansi.StringWidth(title) - 1 - len(hint) - 2
	var rule string
	if fill >= 1 {
		rule = m.st.Border.Render("── ") + m.st.TitleFocused.Render(title) + m.st.Border.Render(" "+strings.Repeat("─", fill)) +
			m.st.Muted.Render(hint) + m.st.Border.Render("──")
	} else {
		rule = m.st.TitleFocused.Render(title)
	}
	return []string{fit(rule, w), fit(" "+m.st.Hint.Render(text), w)}
}

// guideLine is the box squeezed into the help line, for terminals with no
// room for it above the status bar: what to do comes before "L hides".
func (m *Model) guideLine(w int) string {
	title, text := m.guideText()
	title = strings.TrimPrefix(title, "lesson ")
	line := m.st.TitleFocused.Render(title+":") + " " + m.st.Hint.Render(text)
	if hint := m.st.Muted.Render("  (L hides)"); ansi.StringWidth(line+hint) <= w {
		line += hint
	}
	return line
}

// guideText is the box's title ("lesson cats · step 3/7") and what to do.
func (m *Model) guideText() (title, text string) {
	g := m.guide
	n := len(g.lesson.steps)
	switch {
	case g.intro:
		return fmt.Sprintf("lesson %s · %d steps", g.lesson.Name, n), "Read the card, then press enter to begin."
	case g.finished():
		return fmt.Sprintf("lesson %s · done", g.lesson.Name), "Well done. " + g.lesson.Then
	}
	return fmt.Sprintf("lesson %s · step %d/%d", g.lesson.Name, g.cur+1, n), g.lesson.steps[g.cur].text
}

// showingCard reports whether the lesson card fills the panes' area.
func (m *Model) showingCard() bool {
	return m.guide != nil && m.guide.open && m.guide.intro
}

// cardView is the lesson's first screen: the sample's card, wrapped to w
// columns, without its blank lines when it is higher than h.
func (m *Model) cardView(w, h int) string {
	g := m.guide
	st := m.st
	w = min(max(w-4, 20), 96)
	wrap := func(s string) string { return ansi.Wordwrap(strings.ReplaceAll(s, "\n", " "), w, "") }
	var sb strings.Builder
	sb.WriteString(st.TitleFocused.Render("Lesson: "+g.lesson.Name) + "\n" + st.Muted.Render(wrap(g.lesson.Summary)) + "\n\n")
	sb.WriteString(st.HelpHeading.Render("What it teaches") + "\n" + wrap(g.card.Teaches) + "\n\n")
	sb.WriteString(st.HelpHeading.Render("What to watch") + "\n" + wrap(g.card.Watch) + "\n\n")
	sb.WriteString(st.HelpHeading.Render("Keys") + "\n")
	for _, k := range g.card.Keys {
		sb.WriteString("  " + st.HelpKey.Render(fmt.Sprintf("%-6s", k.Key)) + " " + st.HelpDesc.Render(k.Does) + "\n")
	}
	sb.WriteString("\n" + st.Hint.Render(wrap(fmt.Sprintf("%d short steps follow in the box at the bottom. Press enter to begin; L hides the guide.", len(g.lesson.steps)))))
	lines := strings.Split(sb.String(), "\n")
	if len(lines) > h {
		lines = slices.DeleteFunc(lines, func(l string) bool { return l == "" })
	}
	// One width for every line, so centring keeps the block's left edge.
	width := 0
	for _, l := range lines {
		width = max(width, ansi.StringWidth(l))
	}
	for i, l := range lines {
		lines[i] = l + strings.Repeat(" ", width-ansi.StringWidth(l))
	}
	return strings.Join(lines, "\n")
}

// Conditions. Each reads the root model's state; none changes it.

func isRunning(m *Model, _ *guide) bool { return m.running || m.wantRun }

func isPaused(m *Model, _ *guide) bool { return m.step > 0 && !m.running && !m.wantRun }

func baseMarked(m *Model, _ *guide) bool { return m.base != nil }

// focused is done when pane p has the focus.
func focused(p paneID) func(*Model, *guide) bool {
	return func(m *Model, _ *guide) bool { return m.focus == p }
}

// stepAtLeast is done when training has reached step n (or its end).
func stepAtLeast(n int) func(*Model, *guide) bool {
	return func(m *Model, _ *guide) bool { return m.step >= n || m.done }
}

// trainedSince is done n training steps after the guide's step began (or
// at the run's end).
func trainedSince(n int) func(*Model, *guide) bool {
	return func(m *Model, g *guide) bool { return m.step >= g.at+n || m.done }
}

// all is done when every one of conds is.
func all(conds ...func(*Model, *guide) bool) func(*Model, *guide) bool {
	return func(m *Model, g *guide) bool {
		for _, c := range conds {
			if !c(m, g) {
				return false
			}
		}
		return true
	}
}

// topIs is done when Predict, on the lesson's prompt, puts word on top
// after it. Spaces around the token do not count: with the word tokenizer
// a word may carry its leading space (" mat").
func topIs(word string) func(*Model, *guide) bool {
	return func(m *Model, g *guide) bool {
		top, ok := m.predict.topNext()
		return ok && m.prompt == g.prompt && strings.TrimSpace(top) == word
	}
}

// topIsReversed is done when Predict's top next token for a reverse
// prompt ("violin|" or "violin|nil") is the next letter of the reversed
// word.
func topIsReversed(m *Model, _ *guide) bool {
	top, ok := m.predict.topNext()
	if !ok {
		return false
	}
	want, ok := nextReversed(m.predict.prompt)
	return ok && top == want
}

// nextReversed returns the letter that comes next in the answer to a
// reverse prompt "word|start of the answer".
func nextReversed(prompt string) (string, bool) {
	word, answer, ok := strings.Cut(prompt, "|")
	w := []rune(word)
	if !ok || len(w) == 0 || strings.ContainsAny(word, "\n ") {
		return "", false
	}
	n := len([]rune(answer))
	if n >= len(w) {
		return "", false
	}
	return string(w[len(w)-1-n]), true
}

// promptEdited is done when the user has changed the lesson's prompt to
// another that still contains word.
func promptEdited(word string) func(*Model, *guide) bool {
	return func(m *Model, g *guide) bool {
		return m.prompt != g.prompt && strings.Contains(m.prompt, word)
	}
}

// oneHead is done when Attention shows a single head, not the mean.
func oneHead(m *Model, _ *guide) bool { return m.attention.head < m.attention.heads }

// firstLayerOneHead is done when Attention shows one head of layer 1.
func firstLayerOneHead(m *Model, g *guide) bool {
	return m.attention.layer == 0 && oneHead(m, g)
}

// chartShown is done when the Loss pane shows chart c.
func chartShown(c chartKind) func(*Model, *guide) bool {
	return func(m *Model, _ *guide) bool { return m.loss.mon.chart == c }
}

// accuracyAbove is done when the last evaluation's task accuracy is above
// x (or the run has ended).
func accuracyAbove(x float64) func(*Model, *guide) bool {
	return func(m *Model, _ *guide) bool {
		acc := m.loss.mon.acc
		return (len(acc) > 0 && acc[len(acc)-1] > x) || m.done
	}
}

// sourceIs is done when the trainer's data has the source called name,
// switched on or off as on says.
func sourceIs(name string, on bool) func(*Model, *guide) bool {
	return func(m *Model, _ *guide) bool {
		if m.applied == nil {
			return false
		}
		for _, s := range m.applied.Sources {
			if s.Name == name {
				return s.Enabled == on
			}
		}
		return false
	}
}

// topNext returns the likeliest next token after the whole prompt, as the
// Predict pane last showed it, and whether it has one.
func (p *predictPane) topNext() (string, bool) {
	if !p.have || len(p.next) == 0 {
		return "", false
	}
	last := p.next[len(p.next)-1]
	if len(last) == 0 {
		return "", false
	}
	return last[0].text, true
}
