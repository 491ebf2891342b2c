package tui

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

// newLessonModel returns a workbench in plain styles opening lesson, on
// opt, sized w×h, not yet started. It keeps the real clock, so the
// inspection panes follow a running trainer as they do on screen.
func newLessonModel(t testing.TB, lesson string, opt lab.Options, w, h int) *Model {
	t.Helper()
	st := PlainStyles()
	m := New(Options{Session: opt, Styles: &st, Lesson: lesson,
		Every: RefreshIntervals{Frame: 20 * time.Millisecond, Inspect: 100 * time.Millisecond, Sample: 400 * time.Millisecond}})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// lessonOptions opens the lesson's data with a model small enough for a
// test to train for real; steps is the run's length.
func lessonOptions(l Lesson, steps int) lab.Options {
	return lab.Options{Data: l.Data, Preset: "tiny", Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
		c.Layers, c.Heads, c.Embd = 2, 2, 32
		tc.Steps, tc.EvalEvery, tc.EvalWindows, tc.Warmup = steps, 0, 4, 5
		return nil
	}}
}

// stepLine is the box's title for step i of n of lesson name.
func stepLine(name string, i, n int) string {
	return fmt.Sprintf("lesson %s · step %d/%d", name, i, n)
}

func TestLessonsAreComplete(t *testing.T) {
	if len(Lessons()) < 4 {
		t.Fatalf("%d lessons, want at least cats, bank, addition and fine-tuning", len(Lessons()))
	}
	for _, name := range []string{"cats", "bank", "addition", "finetuning"} {
		if _, err := LookupLesson(name); err != nil {
			t.Errorf("LookupLesson(%q): %v", name, err)
		}
	}
	for _, l := range Lessons() {
		t.Run(l.Name, func(t *testing.T) {
			s, err := samples.Lookup(l.Sample)
			if err != nil {
				t.Fatalf("sample: %v", err)
			}
			if _, ok := s.Card(); !ok {
				t.Errorf("sample %s has no card for the first screen", s.Name)
			}
			if l.Summary == "" || l.Then == "" || len(l.Data) == 0 {
				t.Errorf("summary, what to try next or data missing: %+v", l)
			}
			for _, d := range l.Data {
				if _, err := samples.ParseSpec(d, nil); err != nil {
					t.Errorf("data %q: %v", d, err)
				}
			}
			if got := l.StepCount(); got < 3 || got > 9 {
				t.Errorf("%d steps, want a few short ones (3–9)", got)
			}
			for i, st := range l.steps {
				if st.text == "" || st.done == nil {
					t.Errorf("step %d has no text or no condition", i+1)
				}
			}
		})
	}
}

func TestLookupLessonUnknown(t *testing.T) {
	_, err := LookupLesson("kittens")
	if !errors.Is(err, ErrUnknownLesson) {
		t.Fatalf("LookupLesson(kittens) = %v, want ErrUnknownLesson", err)
	}
	for _, name := range LessonNames() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not list %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("the error is more than one line: %q", err)
	}
}

// TestCardKeysExistInTheWorkbench checks every key a lesson card names
// against the keyMap: a card must not teach a key the workbench does not
// have.
func TestCardKeysExistInTheWorkbench(t *testing.T) {
	km := newKeyMap()
	have := map[string]bool{}
	v := reflect.ValueOf(km)
	for i := range v.NumField() {
		if v.Type().Field(i).Type != reflect.TypeFor[key.Binding]() {
			continue
		}
		for _, k := range v.Field(i).Interface().(key.Binding).Keys() {
			have[k] = true
		}
	}
	if !have["space"] || !have["L"] {
		t.Fatalf("the key map's keys were not collected: %v", have)
	}
	for _, s := range samples.All() {
		c, _ := s.Card()
		for _, k := range c.Keys {
			if !have[k.Key] {
				t.Errorf("the %s card names key %q (%s), which the workbench does not have", s.Name, k.Key, k.Does)
			}
		}
	}
}

func TestNextReversed(t *testing.T) {
	tests := []struct {
		prompt, want string
		ok           bool
	}{
		{"violin|", "n", true},
		{"violin|nil", "o", true},
		{"violin|nilo", "i", true},
		{"ab|ba", "", false}, // the answer is complete
		{"violin", "", false},
		{"|", "", false},
		{"", "", false},
		{"naïve|", "e", true},
		{"猫犬|", "犬", true},
		{"two words|", "", false},
	}
	for _, tt := range tests {
		got, ok := nextReversed(tt.prompt)
		if got != tt.want || ok != tt.ok {
			t.Errorf("nextReversed(%q) = %q, %v; want %q, %v", tt.prompt, got, ok, tt.want, tt.ok)
		}
	}
}

// TestGuideToggles checks the card as the first screen, L hiding and
// showing the box, and that the box takes screen lines of its own (two
// above the status bar when the panes keep their layout, the help line
// when they would not), so the panes are never covered.
func TestGuideToggles(t *testing.T) {
	l, _ := LookupLesson("cats")
	for _, tc := range []struct {
		name string
		w, h int
		rows int // lines the box takes above the status bar
	}{
		{"grid with room", 120, 44, 2},
		{"grid without room", 120, 40, 0},
		{"tabs", 100, 30, 2},
		{"tabs at the minimum", 80, 24, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newLessonModel(t, "cats", lessonOptions(l, 50), tc.w, tc.h)
			start(t, m)
			scr := stripped(m)
			if !strings.Contains(scr, "What it teaches") || !strings.Contains(scr, "press enter to begin") && !strings.Contains(scr, "Press enter to begin") {
				t.Fatalf("the card is not the first screen:\n%s", scr)
			}
			m.Update(keyPress("enter"))
			scr = stripped(m)
			if strings.Contains(scr, "What it teaches") {
				t.Fatalf("enter left the card on screen:\n%s", scr)
			}
			if got := len(strings.Split(scr, "\n")); got != tc.h {
				t.Errorf("the screen has %d lines, want %d", got, tc.h)
			}
			first := fmt.Sprintf("cats · step 1/%d", l.StepCount()) // the box's title, or the help line's
			if !strings.Contains(scr, first) || !strings.Contains(scr, "Press space to start training") {
				t.Fatalf("no step 1 on screen:\n%s", scr)
			}
			if got := m.guide.rows; got != tc.rows {
				t.Errorf("the box takes %d lines above the status bar, want %d", got, tc.rows)
			}
			if got, want := m.lay.mode, computeLayout(tc.w, tc.h).mode; got != want {
				t.Errorf("the layout with the box is %v, without it %v", got, want)
			}
			if got, want := m.lay.body.H, computeLayout(tc.w, tc.h).body.H-tc.rows; got != want {
				t.Errorf("the panes have %d lines, want %d", got, want)
			}

			m.Update(keyPress("L"))
			scr = stripped(m)
			if strings.Contains(scr, "lesson cats") {
				t.Errorf("L did not hide the guide:\n%s", scr)
			}
			if got, want := m.lay, computeLayout(tc.w, tc.h); got != want {
				t.Errorf("without the box the layout is %+v, want %+v", got, want)
			}
			if got := len(strings.Split(scr, "\n")); got != tc.h {
				t.Errorf("the screen has %d lines, want %d", got, tc.h)
			}
			m.Update(keyPress("L"))
			if scr = stripped(m); !strings.Contains(scr, first) {
				t.Errorf("a second L did not show the guide again:\n%s", scr)
			}
			if !strings.Contains(lineWith(scr, "quit"), "lesson guide") && tc.rows > 0 {
				t.Errorf("the help line does not offer L:\n%s", lineWith(scr, "quit"))
			}
		})
	}
}

// TestLOpensTheSessionsLesson checks that in a workbench opened without a
// lesson, on a lesson's data, L opens that lesson at its card.
func TestLOpensTheSessionsLesson(t *testing.T) {
	l, _ := LookupLesson("cats")
	m := newLessonModel(t, "", lessonOptions(l, 50), 120, 44)
	start(t, m)
	if strings.Contains(stripped(m), "lesson cats") || m.lay != computeLayout(120, 44) {
		t.Fatalf("a lesson shows before L:\n%s", stripped(m))
	}
	if hint := lineWith(stripped(m), "Press space"); !strings.Contains(hint, "L for a guided lesson") {
		t.Errorf("the start hint does not offer L: %q", hint)
	}
	m.Update(keyPress("L"))
	if scr := stripped(m); !strings.Contains(scr, "What it teaches") || !strings.Contains(scr, "lesson cats · 7 steps") {
		t.Fatalf("L did not open the cats lesson at its card:\n%s", scr)
	}
	m.Update(keyPress("enter"))
	if scr := stripped(m); !strings.Contains(scr, stepLine("cats", 1, l.StepCount())) || len(strings.Split(scr, "\n")) != 44 {
		t.Errorf("no step 1 after the card, or the screen lost its size:\n%s", scr)
	}
	if m.lay.body.H != computeLayout(120, 44).body.H-2 {
		t.Errorf("the panes have %d lines with the box, want %d", m.lay.body.H, computeLayout(120, 44).body.H-2)
	}
}

// TestNoGuideWithoutLesson checks that L does nothing and takes no screen
// line when no lesson is open and none trains on the session's data.
func TestNoGuideWithoutLesson(t *testing.T) {
	m, _ := newTestModel(t, 120, 44)
	start(t, m)
	before := stripped(m)
	m.Update(keyPress("L"))
	if got := stripped(m); got != before || m.guide != nil {
		t.Errorf("L changed a workbench without a lesson")
	}
	if m.lay != computeLayout(120, 44) {
		t.Errorf("the layout lost lines without a lesson")
	}
}

// topInspection is an inspection of m's prompt as the runner's snapshot
// would give it, with word the likeliest next token at every position.
func topInspection(t *testing.T, m *Model, word string) inspectedMsg {
	t.Helper()
	ids := m.sess.Encode(word)
	if len(ids) != 1 {
		t.Fatalf("%q is %d tokens, want 1", word, len(ids))
	}
	prompt := m.sess.Encode(m.prompt)
	ins := engine.Inspection{Tokens: prompt}
	for range prompt {
		ins.Next = append(ins.Next, []engine.Prediction{{ID: ids[0], Prob: 0.6}})
	}
	return inspectedMsg{step: m.step, prompt: m.prompt, ins: ins}
}

// TestCatsLessonAdvances drives the cats lesson from its card to its end
// through Update, with real key presses and the real runner's events. What
// Predict shows comes as an inspection message ("log", then "mat" on
// top): the tmux test (lesson_e2e_test.go) waits for real training to put
// "mat" there, which under the race detector takes minutes.
func TestCatsLessonAdvances(t *testing.T) {
	l, _ := LookupLesson("cats")
	m := newLessonModel(t, "cats", lab.Options{Data: l.Data}, 120, 44)
	d := newDriver(t, m)
	d.run(start(t, m))
	n := l.StepCount()
	at := func(i int) func() bool {
		return func() bool { return strings.Contains(stripped(m), stepLine("cats", i, n)) }
	}
	d.key("enter")
	d.until("step 1", at(1))
	d.key("space")
	d.until("step 2 once training runs", at(2))
	d.key("4")
	d.until("step 3 with Predict focused", at(3))
	if !strings.Contains(stripped(m), `Watch "mat" rise`) {
		t.Fatalf("step 3 does not say what to watch:\n%s", stripped(m))
	}
	word := func(w string) string { // the word as a token of the session's tokenizer
		for _, id := range m.sess.Tokenizer.Encode(m.prompt + " " + w) {
			if tok := m.sess.Decode([]int32{int32(id)}); strings.TrimSpace(tok) == w {
				return tok
			}
		}
		t.Fatalf("no token for %q", w)
		return ""
	}
	// A real user pauses once mat has risen, after steps were taken: wait
	// for the runner's first step, as a loaded machine may not have taken
	// one yet (step 5 is a pause after training).
	d.until("a training step", func() bool { return m.step > 0 })
	d.send(topInspection(t, m, word("log")))
	if at(4)() {
		t.Fatalf("step 4 reached with %q on top", "log")
	}
	d.send(topInspection(t, m, word("mat")))
	if !at(4)() {
		t.Fatalf("no step 4 with %q on top of Predict:\n%s", "mat", stripped(m))
	}
	d.key("space")
	d.until("the pause (step 5)", at(5))
	if m.running {
		t.Errorf("step 5 reached while running")
	}
	d.key("5")
	d.until("step 6 with Attention focused", at(6))
	d.key("[")
	if at(7)() {
		t.Fatalf("step 7 reached with a layer picked but no head")
	}
	d.key(">")
	d.until("step 7 with one head of layer 1", at(7))
	before := m.step
	d.key("n")
	d.until("the end of the lesson", func() bool { return strings.Contains(stripped(m), "lesson cats · done") })
	if m.step != before+1 {
		t.Errorf("the last step ended at training step %d, want %d", m.step, before+1)
	}
	if scr := stripped(m); !strings.Contains(scr, "lmlab lesson bank") {
		t.Errorf("the end does not say what to try next:\n%s", scr)
	}
}

// TestFineTuningLessonAdvances drives the general → clinic lesson through
// Update: real keys, the real runner answering f and the data changes,
// and synthetic step events for the pretraining (500 steps would be slow).
func TestFineTuningLessonAdvances(t *testing.T) {
	l, _ := LookupLesson("finetuning")
	m := newLessonModel(t, "finetuning", lessonOptions(l, 2000), 120, 44)
	d := newDriver(t, m)
	d.run(start(t, m))
	n := l.StepCount()
	at := func(i int) func() bool {
		return func() bool { return strings.Contains(stripped(m), stepLine("finetuning", i, n)) }
	}
	d.key("x") // any key but L closes the card; x then acts as usual (one source: it says why it stays)
	d.until("step 1", at(1))
	d.key("space")
	d.until("step 2 once training runs", at(2))
	d.key("space")
	d.until("the pause", func() bool { return !m.running && !m.wantRun })
	d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventStep, Step: 499, Stats: engine.StepStats{Step: 499, Loss: 1.9}}}})
	if at(3)() {
		t.Fatalf("step 3 reached at training step 499")
	}
	d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventStep, Step: 500, Stats: engine.StepStats{Step: 500, Loss: 1.8}}}})
	d.until("step 3 at training step 500", at(3))
	d.key("f")
	d.until("the base marked (step 4)", at(4))
	d.key("1")
	d.key("a")
	for _, r := range "sample:clinic" {
		d.key(string(r))
	}
	d.key("enter")
	d.until("clinic added to the trainer's data (step 5)", at(5))
	d.key("left") // the selection is on the new source
	d.key("x")
	d.until("general switched off (step 6)", at(6))
	d.key("4")
	step := m.step
	d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventStep, Step: step + 199, Stats: engine.StepStats{Step: step + 199, Loss: 1.2}}}})
	if at(7)() {
		t.Fatalf("step 7 reached after 199 fine-tuning steps")
	}
	d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventStep, Step: step + 200, Stats: engine.StepStats{Step: step + 200, Loss: 1.1}}}})
	d.until("step 7 after 200 fine-tuning steps", at(7))
	d.key("3")
	d.until("the end of the lesson", func() bool { return strings.Contains(stripped(m), "lesson finetuning · done") })
}

// TestTaskLessonsAdvance drives addition and reverse through Update: the
// accuracy arrives as the runner's evaluation event would carry it.
func TestTaskLessonsAdvance(t *testing.T) {
	for _, name := range []string{"addition", "reverse"} {
		t.Run(name, func(t *testing.T) {
			l, _ := LookupLesson(name)
			m := newLessonModel(t, name, lessonOptions(l, 2000), 120, 44)
			d := newDriver(t, m)
			d.run(start(t, m))
			n := l.StepCount()
			at := func(i int) func() bool {
				return func() bool { return strings.Contains(stripped(m), stepLine(name, i, n)) }
			}
			d.key("enter")
			d.key("space")
			d.until("step 2 once training runs", at(2))
			d.key("3")
			if at(3)() {
				t.Fatalf("step 3 reached before the accuracy chart")
			}
			for i := chartKind(0); i < numCharts && !at(3)(); i++ {
				d.key("c")
			}
			d.until("step 3 with the accuracy chart", at(3))
			if m.loss.mon.chart != chartAccuracy {
				t.Errorf("step 3 reached on chart %v", m.loss.mon.chart)
			}
			d.key("space")
			d.until("the pause", func() bool { return !m.running && !m.wantRun })
			switch name {
			case "addition":
				d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventEval, Step: m.step, ValLoss: 1, Metrics: map[string]float64{"accuracy": 0}}}})
				if at(4)() {
					t.Fatalf("step 4 reached at 0%% accuracy")
				}
				d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventEval, Step: m.step, ValLoss: 1, Metrics: map[string]float64{"accuracy": 0.25}}}})
				d.until("step 4 once accuracy leaves zero", at(4))
				d.key("4")
				d.until("step 5 with Predict focused", at(5))
			case "reverse":
				d.key("4")
				want, _ := nextReversed(m.prompt)
				d.send(topInspection(t, m, "|"))
				if at(4)() {
					t.Fatalf("step 4 reached with %q on top", "|")
				}
				d.send(topInspection(t, m, want))
				d.until(fmt.Sprintf("step 4 with %q on top", want), at(4))
			}
			d.key("5")
			if strings.Contains(stripped(m), "lesson "+name+" · done") {
				t.Fatalf("done on the mean of heads")
			}
			d.key(">")
			d.until("the end of the lesson", func() bool { return strings.Contains(stripped(m), "lesson "+name+" · done") })
		})
	}
}

// TestBankLessonAdvances drives the bank lesson: the prompt edit is typed
// into Predict as a user would.
func TestBankLessonAdvances(t *testing.T) {
	l, _ := LookupLesson("bank")
	m := newLessonModel(t, "bank", lessonOptions(l, 1500), 120, 44)
	d := newDriver(t, m)
	d.run(start(t, m))
	n := l.StepCount()
	at := func(i int) func() bool {
		return func() bool { return strings.Contains(stripped(m), stepLine("bank", i, n)) }
	}
	d.key("enter")
	d.key("space")
	d.key("4")
	d.until("step 3", at(3))
	d.key("space")
	d.until("the pause", func() bool { return !m.running && !m.wantRun })
	d.send(eventsMsg{events: []engine.Event{{Kind: engine.EventStep, Step: 400, Stats: engine.StepStats{Step: 400, Loss: 1}}}})
	d.until("step 4 at training step 400", at(4))
	prompt := m.prompt
	d.key("e")
	for range len([]rune(prompt)) {
		d.key("backspace")
	}
	for _, r := range strings.Replace(prompt, "river", "market", 1) {
		if r == ' ' {
			d.key("space")
			continue
		}
		d.key(string(r))
	}
	d.key("enter")
	d.until("step 5 after the edit", at(5))
	if m.prompt == prompt || !strings.Contains(m.prompt, "market") {
		t.Errorf("step 5 reached with the prompt %q", m.prompt)
	}
	d.key("5")
	d.key(">")
	d.until("the end of the lesson", func() bool { return strings.Contains(stripped(m), "lesson bank · done") })
}

// TestGuideGolden draws each lesson's card and its box at the first step,
// a middle one and the end, at the grid's width, without colour.
func TestGuideGolden(t *testing.T) {
	for _, l := range Lessons() {
		t.Run(l.Name, func(t *testing.T) {
			st := PlainStyles()
			m := New(Options{Session: lab.Options{Data: l.Data}, Styles: &st, Lesson: l.Name})
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 44})
			g := m.guide
			var sb strings.Builder
			for _, line := range strings.Split(ansi.Strip(m.cardView(m.lay.body.W, m.lay.body.H)), "\n") {
				sb.WriteString(strings.TrimRight(line, " ") + "\n")
			}
			sb.WriteString("\n")
			g.intro = false
			for _, i := range []int{0, l.StepCount() / 2, l.StepCount()} {
				g.cur = i
				for _, line := range m.guideBox(120) {
					sb.WriteString(strings.TrimRight(ansi.Strip(line), " ") + "\n")
				}
			}
			checkGolden(t, sb.String(), 120)
		})
	}
}
