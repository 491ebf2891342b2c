package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// trainerSteps asks the runner how many steps the trainer has completed.
func trainerSteps(m *Model) int {
	var n int
	m.runner.Do(func(t *engine.Trainer) { n = t.Steps() })
	return n
}

var stepRe = regexp.MustCompile(`step (\d+)`)

// shownStep is the step the status bar shows.
func shownStep(t testing.TB, m *Model) int {
	t.Helper()
	s := stripped(m)
	line := lineWith(s, "loss ")
	sm := stepRe.FindStringSubmatch(line)
	if sm == nil {
		t.Fatalf("no step in the status bar:\n%s", s)
	}
	n, _ := strconv.Atoi(sm[1])
	return n
}

func TestStartsPausedWithHint(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	if got := stripped(m); !strings.Contains(got, "loading…") {
		t.Fatalf("not loading before the session is built:\n%s", got)
	}
	d := newDriver(t, m)
	d.send(m.Init()())
	d.until("the session", func() bool { return m.sess != nil })
	s := stripped(m)
	status := lineWith(s, "loss ")
	for _, want := range []string{"paused", "step 0/400", "loss -", "tok/s 0", "lr ", "elapsed 0:00"} {
		if !strings.Contains(status, want) {
			t.Errorf("status bar %q lacks %q", status, want)
		}
	}
	if strings.Contains(status, "val ") {
		t.Errorf("status bar shows a val loss before any evaluation: %q", status)
	}
	if !strings.Contains(s, "Press space to start training") {
		t.Errorf("no start hint:\n%s", s)
	}
	for _, title := range paneTitles {
		if !strings.Contains(s, "─ "+title+" ─") && !strings.Contains(s, "━ "+title+" ━") {
			t.Errorf("no pane titled %q:\n%s", title, s)
		}
	}
	if m.running || trainerSteps(m) != 0 {
		t.Errorf("the trainer should wait: running %v, steps %d", m.running, trainerSteps(m))
	}
	t.Cleanup(m.Close)
}

func TestSpaceRunsAndPauses(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("space")
	d.until("running", func() bool { return m.running })
	if !strings.Contains(lineWith(stripped(m), "loss "), "running") {
		t.Errorf("status bar does not say running: %q", lineWith(stripped(m), "loss "))
	}
	if m.keys.Step.Enabled() {
		t.Error("n is enabled while training runs")
	}
	d.until("three steps", func() bool { return m.step >= 3 })
	d.key("space")
	d.until("paused", func() bool { return !m.running })
	if got, want := m.step, trainerSteps(m); got != want {
		t.Errorf("after pausing the screen shows step %d, the trainer is at %d", got, want)
	}
	if got := shownStep(t, m); got != m.step {
		t.Errorf("status bar shows step %d, model has %d", got, m.step)
	}
	if !strings.Contains(lineWith(stripped(m), "loss "), "paused") {
		t.Errorf("status bar does not say paused: %q", lineWith(stripped(m), "loss "))
	}
	if !m.keys.Step.Enabled() {
		t.Error("n is disabled while paused")
	}
}

func TestStepKeyTakesExactlyOneStep(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	d := newDriver(t, m)
	d.run(start(t, m))
	for i := 1; i <= 3; i++ {
		d.key("n")
		d.until(fmt.Sprintf("step %d", i), func() bool { return m.step == i && m.stepsAsked == 0 })
		if got := trainerSteps(m); got != i {
			t.Fatalf("after %d presses of n the trainer took %d steps", i, got)
		}
		if got := shownStep(t, m); got != i {
			t.Fatalf("after %d presses of n the status bar shows step %d", i, got)
		}
	}
	if m.running {
		t.Error("n started training")
	}
	// A single step refreshes the inspection panes from a snapshot.
	d.until("the inspection of step 3", func() bool { return m.snapStep == 3 && !m.busy })
	if m.predict.step != 3 || m.attention.step != 3 || m.sample.step != 3 {
		t.Errorf("panes show steps %d/%d/%d after three single steps", m.predict.step, m.attention.step, m.sample.step)
	}
}

func TestInspectionFollowsRunningTraining(t *testing.T) {
	m, c := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first inspection", func() bool { return m.predict.have && !m.busy })
	d.key("space")
	d.until("some steps", func() bool { return m.step >= 5 })
	c.Add(time.Minute) // past both refresh intervals: the next frame takes a snapshot
	d.until("a fresh snapshot while running", func() bool { return m.snapStep > 0 && m.sample.step > 0 })
	if !m.running {
		t.Fatal("training stopped")
	}
	d.key("space")
	d.until("paused", func() bool { return !m.running })
	final := m.step
	d.until("the snapshot at the pause", func() bool { return m.snapStep == final && !m.busy })
	if m.predict.step != final || m.attention.step != final {
		t.Errorf("after pausing at %d, predict shows step %d and attention %d", final, m.predict.step, m.attention.step)
	}
}

func TestQuitAsksBeforeLosingTraining(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	// Nothing trained yet: q quits at once.
	_, cmd := m.Update(keyPress("q"))
	if cmd == nil || !isQuit(cmd) {
		t.Fatal("q with nothing to lose did not quit")
	}
	m.quitting = false
	d.key("n")
	d.until("one step", func() bool { return m.step == 1 })
	_, cmd = m.Update(keyPress("q"))
	if cmd != nil && isQuit(cmd) {
		t.Fatal("q quit without asking after training")
	}
	if s := stripped(m); !strings.Contains(s, "Quit anyway?") {
		t.Fatalf("no question:\n%s", s)
	}
	m.Update(keyPress("n"))
	if m.confirm || trainerSteps(m) != 1 {
		t.Fatalf("n in the question should only close it: confirm %v, steps %d", m.confirm, trainerSteps(m))
	}
	m.Update(keyPress("ctrl+c"))
	if !m.confirm {
		t.Fatal("ctrl+c did not ask either")
	}
	_, cmd = m.Update(keyPress("y"))
	if cmd == nil || !isQuit(cmd) {
		t.Fatal("y did not quit")
	}
}

func isQuit(cmd tea.Cmd) bool {
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestSaveWritesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModel(t, 120, 40)
	m.opts.Out = filepath.Join(dir, "wb.safetensors")
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("n")
	d.key("n")
	d.until("two steps", func() bool { return m.step == 2 })
	d.key("s")
	d.until("the save", func() bool { return !m.saving })
	if m.msgErr {
		t.Fatalf("save failed: %s", m.message)
	}
	if s := stripped(m); !strings.Contains(s, "saved step 2 to "+m.opts.Out) {
		t.Errorf("the path is not shown:\n%s", lineWith(s, "saved"))
	}
	ck, err := engine.LoadCheckpoint(m.opts.Out)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Step != 2 || ck.Train == nil || len(ck.Tokenizer) == 0 {
		t.Errorf("checkpoint has step %d, train %v, tokenizer %d bytes", ck.Step, ck.Train != nil, len(ck.Tokenizer))
	}
	if ck.Meta["data"] == "" {
		t.Error("checkpoint lacks the data list")
	}
	// Saved: q quits without asking.
	_, cmd := m.Update(keyPress("q"))
	if cmd == nil || !isQuit(cmd) {
		t.Error("q asked although everything is saved")
	}
}

func TestSaveAndQuitFromTheQuestion(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModel(t, 120, 40)
	m.opts.Out = filepath.Join(dir, "q.safetensors")
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("n")
	d.until("one step", func() bool { return m.step == 1 })
	d.key("q")
	d.key("s")
	d.until("quit after saving", func() bool { return d.quit })
	if _, err := os.Stat(m.opts.Out); err != nil {
		t.Fatal(err)
	}
}

func TestSaveErrorIsAMessage(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir()) // where the failed save is rescued
	m, _ := newTestModel(t, 120, 40)
	m.opts.Out = filepath.Join(t.TempDir(), "missing", "dir", "x.safetensors")
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("s")
	d.until("the save", func() bool { return !m.saving })
	if !m.msgErr || !strings.Contains(stripped(m), "save:") {
		t.Errorf("a failed save should show an error in the help line:\n%s", stripped(m))
	}
	rescue := lab.FallbackPaths(m.opts.Out, os.Getpid())[1]
	if !strings.Contains(m.message, "saved to "+rescue) {
		t.Errorf("the message %q does not say the run went to %s", m.message, rescue)
	}
	if _, err := os.Stat(rescue); err != nil {
		t.Errorf("the run was not rescued: %v", err)
	}
}

func TestDataName(t *testing.T) {
	for _, c := range []struct {
		specs []string
		want  string
	}{
		{[]string{"sample:cats"}, "cats"},
		{[]string{"../shared/data/tinyshakespeare.txt"}, "tinyshakespeare"},
		{[]string{"notes/:3"}, "notes"},
		{[]string{"a.txt", "b.txt"}, "mix"},
		{[]string{"-"}, "stdin"},
	} {
		if got := dataName(c.specs); got != c.want {
			t.Errorf("dataName(%q) = %q, want %q", c.specs, got, c.want)
		}
	}
}

func TestFocusMovesWithTabAndNumbers(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	start(t, m)
	for i := 1; i <= int(numPanes); i++ {
		m.Update(keyPress("tab"))
		want := paneID(i) % numPanes
		if m.focus != want {
			t.Fatalf("after %d tabs focus is %v, want %v", i, m.focus, want)
		}
		if bar := strings.Split(stripped(m), "\n")[0]; !strings.Contains(bar, "["+fmt.Sprint(int(want)+1)+" "+paneTitles[want]+"]") {
			t.Fatalf("tab bar %q does not mark %v", bar, want)
		}
	}
	m.Update(keyPress("shift+tab"))
	if m.focus != paneSample {
		t.Errorf("shift+tab from Dataset went to %v", m.focus)
	}
	m.Update(keyPress("5"))
	if m.focus != paneAttention {
		t.Errorf("5 went to %v", m.focus)
	}
	// The tab layout shows only the focused pane, by its title.
	if s := stripped(m); !strings.Contains(strings.Split(s, "\n")[1], " Attention ") {
		t.Errorf("the Attention pane is not on screen:\n%s", s)
	}
}

func TestEditingTakesEveryLetter(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first inspection", func() bool { return m.predict.have && !m.busy })
	d.key("4") // Predict
	d.key("e")
	if !m.editing() {
		t.Fatal("e did not start editing")
	}
	for _, k := range []string{"ctrl+u", "q", "space", "n", "s", "?", "1"} {
		if k == "ctrl+u" {
			d.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
			continue
		}
		d.key(k)
	}
	if got := m.predict.input.Value(); got != "q ns?1" {
		t.Fatalf("input holds %q, want every key as text", got)
	}
	if m.quitting || m.running || m.showHelp || m.focus != panePredict || m.saving || m.stepsAsked != 0 {
		t.Fatalf("a key acted while editing: quitting %v running %v help %v focus %v saving %v steps %d",
			m.quitting, m.running, m.showHelp, m.focus, m.saving, m.stepsAsked)
	}
	// esc restores the prompt.
	old := m.prompt
	d.key("esc")
	if m.editing() || m.prompt != old || m.predict.input.Value() != old {
		t.Fatalf("esc: editing %v, prompt %q, input %q", m.editing(), m.prompt, m.predict.input.Value())
	}
	// enter applies a new prompt; the panes follow it.
	d.key("e")
	d.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	for _, r := range "The dog sat on the" {
		if r == ' ' {
			d.key("space")
		} else {
			d.key(string(r))
		}
	}
	d.key("enter")
	d.until("the new prompt's inspection", func() bool {
		return m.prompt == "The dog sat on the" && !m.busy && len(m.predict.tokens) > 0 && strings.Join(m.predict.tokens, "") == m.prompt
	})
	if got := strings.Join(m.attention.tokens, ""); got != m.prompt {
		t.Errorf("attention shows %q", got)
	}
	if !strings.HasPrefix(m.sample.prompt, "The dog sat on the") {
		t.Errorf("sample prompt is %q", m.sample.prompt)
	}
	// ctrl+c still quits (asking first if training would be lost).
	d.key("e")
	_, cmd := m.Update(keyPress("ctrl+c"))
	if cmd == nil || !isQuit(cmd) {
		t.Error("ctrl+c while editing did not quit")
	}
}

func TestPredictPositions(t *testing.T) {
	m := fixture(t, 120, 40)
	m.setFocus(panePredict)
	n := len(m.predict.tokens)
	if m.predict.pos != n-1 {
		t.Fatalf("selection starts at %d, want the last position %d", m.predict.pos, n-1)
	}
	m.Update(keyPress("left"))
	m.Update(keyPress("h"))
	if m.predict.pos != n-3 {
		t.Fatalf("two steps left: position %d, want %d", m.predict.pos, n-3)
	}
	s := stripped(m)
	want := fmt.Sprintf("(position %d/%d)", n-2, n)
	if !strings.Contains(s, want) {
		t.Errorf("screen lacks %q:\n%s", want, s)
	}
	// The list is the prediction at that position: its top candidate leads.
	top := showSpace(m.predict.next[n-3][0].text)
	if l := lineWith(s, "60.0%"); !strings.Contains(l, top) {
		t.Errorf("top prediction line %q lacks %q", l, top)
	}
	m.Update(keyPress("end"))
	if m.predict.pos != n-1 {
		t.Errorf("end: position %d", m.predict.pos)
	}
}

func TestAttentionKeys(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneAttention)
	a := m.attention
	if a.layer != 1 || a.head != 2 {
		t.Fatalf("starts on layer %d head %d, want the last layer's mean (1, 2)", a.layer, a.head)
	}
	m.Update(keyPress("["))
	m.Update(keyPress(">"))
	if a.layer != 0 || a.head != 0 {
		t.Fatalf("[ then >: layer %d head %d", a.layer, a.head)
	}
	q, k := a.q, a.k
	m.Update(keyPress("up"))
	m.Update(keyPress("right")) // stays on or below the diagonal
	if a.q != q-1 {
		t.Fatalf("up: query %d, want %d", a.q, q-1)
	}
	if a.k > a.q || a.k != min(k+1, a.q) {
		t.Fatalf("right: key %d (query %d)", a.k, a.q)
	}
	s := stripped(m)
	exact := fmt.Sprintf(": %.4f", m.attention.att[0][0][a.q][a.k])
	if !strings.Contains(s, exact) {
		t.Errorf("cursor weight %q not shown:\n%s", exact, s)
	}
	if !strings.Contains(s, "layer 1/2") || !strings.Contains(s, "head 1/2") {
		t.Errorf("layer/head not shown:\n%s", lineWith(s, "layer"))
	}
	m.Update(keyPress("a"))
	if !strings.Contains(stripped(m), "mean of heads") {
		t.Error("a did not select the mean of heads")
	}
	// The mean is the mean.
	var sum float32
	for h := range a.att[0] {
		sum += a.att[0][h][a.q][a.k]
	}
	if got, want := a.weight(a.q, a.k), sum/float32(len(a.att[0])); got != want {
		t.Errorf("mean weight %v, want %v", got, want)
	}
}

func TestShadeLevels(t *testing.T) {
	for _, c := range []struct {
		w    float32
		want string
	}{{0, "·"}, {0.049, "·"}, {0.05, "░"}, {0.3, "▒"}, {0.6, "▓"}, {0.75, "█"}, {1, "█"}} {
		if got := shades[shade(c.w)]; got != c.want {
			t.Errorf("shade(%v) = %q, want %q", c.w, got, c.want)
		}
	}
}

func TestLossSmoothingAndDownsampling(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneLoss)
	before := stripped(m)
	m.Update(keyPress("m"))
	after := stripped(m)
	if !strings.Contains(after, "smoothing on") || !strings.Contains(after, "(smoothed ") {
		t.Errorf("m did not turn smoothing on:\n%s", lineWith(after, "smoothing"))
	}
	if before == after {
		t.Error("smoothing changed nothing on screen")
	}
	// The raw latest value stays on screen.
	raw := fmt.Sprintf("train %.4f", m.loss.train[len(m.loss.train)-1])
	if !strings.Contains(after, raw) {
		t.Errorf("raw latest value %q missing", raw)
	}
	// Downsampling: 120 steps into 10 buckets: the first step alone (the
	// loss near ln V stays on the chart), then 9 buckets of 13 or so, means
	// and last vals.
	steps, tr, va := m.loss.downsample(m.loss.train, 10)
	if len(steps) != 10 || steps[0] != 1 || steps[1] != 14 || steps[9] != 120 {
		t.Fatalf("bucket steps %v", steps)
	}
	if tr[0] != m.loss.train[0] {
		t.Errorf("first bucket %v, want the first step's loss %v", tr[0], m.loss.train[0])
	}
	var sum float64
	for _, v := range m.loss.train[1:14] {
		sum += v
	}
	if tr[1] != sum/13 {
		t.Errorf("second bucket mean %v, want %v", tr[1], sum/13)
	}
	if va[0] == va[0] { // NaN before the first evaluation at step 25
		t.Errorf("val before the first evaluation is %v, want NaN", va[0])
	}
	if va[2] != m.loss.val[0] || va[9] != m.loss.val[3] {
		t.Errorf("val buckets %v, evaluations %v", va, m.loss.val)
	}
	// The graph fits its pane at every width.
	for _, w := range []int{30, 60, 150} {
		for _, l := range m.loss.graph(w, 10) {
			if ansi.StringWidth(l) > w {
				t.Fatalf("graph line wider than %d: %q", w, l)
			}
		}
	}
}

func TestSampleSettings(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first sample", func() bool { return m.sample.have && !m.busy })
	d.key("6")
	d.key("t")
	d.key("t")
	d.key("-")
	d.until("a sample at temperature 0.8", func() bool {
		return !m.busy && m.sample.used.Temperature == 0.8 && m.sample.used.TopK == 10
	})
	if s := stripped(m); !strings.Contains(s, "temperature 0.8") || !strings.Contains(s, "top-k 10") {
		t.Errorf("settings not shown:\n%s", lineWith(s, "temperature"))
	}
	seed := m.sample.used.Seed
	d.key("r")
	d.until("a new seed", func() bool { return !m.busy && m.sample.used.Seed == seed+1 })
	for i := 0; i < 12; i++ {
		d.key("t")
	}
	if *m.sample.temperature != 0 {
		t.Errorf("temperature went below 0 to %v", *m.sample.temperature)
	}
	if !strings.Contains(stripped(m), "0 (greedy)") {
		t.Error("temperature 0 is not called greedy")
	}
}

func TestTokensPaneCompares(t *testing.T) {
	m, _ := newTestModel(t, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("2")
	d.key("c") // char
	d.until("the char tokenizer", func() bool { return m.tokens.cmpTok != nil })
	s := stripped(m)
	if !strings.Contains(s, "char (") || !strings.Contains(s, "cuts differ") {
		t.Errorf("no comparison on screen:\n%s", s)
	}
	d.key("i")
	if !m.tokens.ids {
		t.Error("i did not turn ids on")
	}
	d.key("c") // word
	d.key("c") // bpe:256
	d.key("c") // bpe:1024
	d.key("c") // off
	if m.tokens.cmpIdx != 0 || m.tokens.cmpTok != nil {
		t.Errorf("comparison not off after a full cycle: %d", m.tokens.cmpIdx)
	}
}

func TestMouseWheelScrollsThePaneUnderIt(t *testing.T) {
	m := fixture(t, 120, 40)
	r := m.lay.panes[paneDataset]
	m.Update(tea.MouseWheelMsg{X: r.X + 2, Y: r.Y + 12, Button: tea.MouseWheelDown})
	if m.dataset.offset != 3 {
		t.Fatalf("wheel over Dataset: offset %d", m.dataset.offset)
	}
	m.Update(tea.MouseWheelMsg{X: r.X + 2, Y: r.Y + 12, Button: tea.MouseWheelUp})
	if m.dataset.offset != 0 {
		t.Fatalf("wheel up over Dataset: offset %d", m.dataset.offset)
	}
	a := m.lay.panes[paneAttention]
	q := m.attention.q
	m.Update(tea.MouseWheelMsg{X: a.X + 3, Y: a.Y + 3, Button: tea.MouseWheelUp})
	if m.attention.q != q-1 || m.dataset.offset != 0 {
		t.Errorf("wheel over Attention: query %d (was %d), dataset offset %d", m.attention.q, q, m.dataset.offset)
	}
}

func TestResizeKeepsTheFrameExact(t *testing.T) {
	m := fixture(t, 120, 40)
	for _, sz := range [][2]int{{200, 60}, {80, 24}, {60, 20}, {121, 41}, {119, 50}, {80, 24}, {120, 40}, {10, 3}, {200, 60}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		s := stripped(m)
		lines := strings.Split(s, "\n")
		if len(lines) != sz[1] {
			t.Fatalf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Fatalf("%dx%d: line %d is %d wide: %q", sz[0], sz[1], i, w, l)
			}
		}
		small := strings.Contains(s, "Terminal ")
		if small != (sz[0] < 80 || sz[1] < 24) {
			t.Errorf("%dx%d: too-small message shown %v", sz[0], sz[1], small)
		}
		if !small && !strings.Contains(s, "paused  step 120") {
			t.Errorf("%dx%d: status bar missing:\n%s", sz[0], sz[1], s)
		}
	}
}

func TestLoadErrorIsShownAndQuits(t *testing.T) {
	st := PlainStyles()
	m := New(Options{Session: lab.Options{Data: []string{filepath.Join(t.TempDir(), "missing.txt")}}, Styles: &st})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(m.Init()())
	s := stripped(m)
	if !strings.Contains(s, "lmlab could not start") || !strings.Contains(s, "missing.txt") {
		t.Fatalf("no error on screen:\n%s", s)
	}
	if m.Err() == nil {
		t.Error("Err is nil after a failed start")
	}
	_, cmd := m.Update(keyPress("q"))
	if cmd == nil || !isQuit(cmd) {
		t.Error("q does not quit after a failed start")
	}
}

func TestPanicInAPaneQuitsWithTheError(t *testing.T) {
	m := fixture(t, 120, 40)
	m.focus = paneAttention
	m.attention = nil // a bug in a pane
	_, cmd := m.Update(keyPress("a"))
	if cmd == nil || !isQuit(cmd) {
		t.Fatal("a panic in Update did not quit")
	}
	if err := m.Err(); err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("Err() = %v", err)
	}

	m = fixture(t, 120, 40)
	quit := make(chan struct{})
	m.opts.Quit = func() { close(quit) }
	m.loss = nil
	m.dirty = true
	v := m.View()
	<-quit
	if !strings.Contains(v.Content, "internal error") || !v.AltScreen {
		t.Errorf("view after a panic: %q", v.Content)
	}
	if m.Err() == nil {
		t.Error("no error after a panic in View")
	}
}

func TestEvaluateKeyShowsVal(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("v")
	d.until("the validation loss", func() bool { return m.haveVal })
	if !strings.Contains(lineWith(stripped(m), "loss "), fmt.Sprintf("val %.4f", m.val)) {
		t.Errorf("status bar lacks val: %q", lineWith(stripped(m), "loss "))
	}
}

func TestRunToTheEnd(t *testing.T) {
	st := PlainStyles()
	opt := testSessionOptions()
	adjust := opt.Adjust
	opt.Adjust = func(c *engine.Config, tc *engine.TrainConfig) error {
		adjust(c, tc)
		tc.Steps, tc.EvalEvery = 6, 0
		return nil
	}
	m := New(Options{Session: opt, Styles: &st})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("space")
	d.until("the end of the run", func() bool { return m.done && !m.running })
	if m.step != 6 || !m.haveVal {
		t.Errorf("done at step %d, val %v", m.step, m.haveVal)
	}
	s := stripped(m)
	if !strings.Contains(lineWith(s, "loss "), "paused (done)") || !strings.Contains(s, "reached its 6 steps") {
		t.Errorf("end of run not shown:\n%s", s)
	}
	if m.keys.Run.Enabled() || !m.keys.Step.Enabled() || !m.keys.Extend.Enabled() {
		t.Error("after the run ended: space still enabled, or n or E (going on) not") // goon_test.go tests n and E
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	st := DefaultStyles()
	if !st.NoColor {
		t.Fatal("NO_COLOR ignored")
	}
	m := New(Options{Session: testSessionOptions(), Styles: &st})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	start(t, m)
	out := m.View().Content
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`).MatchString(out) {
		t.Errorf("colour escape in a NO_COLOR frame: %q", out[:min(len(out), 400)])
	}
	t.Setenv("NO_COLOR", "")
	if DefaultStyles().NoColor {
		t.Error("colour off without NO_COLOR")
	}
}

func TestHelpKeys(t *testing.T) {
	m := fixture(t, 120, 40)
	m.Update(keyPress("?"))
	s := stripped(m)
	for _, want := range []string{"Keys", "Training", "space", "run/pause", "one step", "save checkpoint", "Dataset pane"} {
		if !strings.Contains(s, want) {
			t.Errorf("help lacks %q:\n%s", want, s)
		}
	}
	// Help is modal for pane keys but not for training keys.
	m.Update(keyPress("down"))
	if m.dataset.offset != 0 {
		t.Error("a pane key acted under the help")
	}
	m.Update(keyPress("esc"))
	if m.showHelp {
		t.Error("esc did not close the help")
	}
	// Disabled bindings vanish from the short help.
	m.running = true
	m.updateKeys()
	if strings.Contains(m.help.ShortHelpView(m.keys.ShortHelp()), "one step") {
		t.Error("n shows in the help while it cannot act")
	}
}

func TestElapsedCountsTrainingTimeOnly(t *testing.T) {
	m := fixture(t, 120, 40) // 83 s of running in the history
	if !strings.Contains(stripped(m), "elapsed 1:23") {
		t.Fatalf("elapsed not 1:23:\n%s", lineWith(stripped(m), "elapsed"))
	}
	if got := fmtDuration(3723 * time.Second); got != "1:02:03" {
		t.Errorf("fmtDuration = %q", got)
	}
}

func TestErrorsAreMessages(t *testing.T) {
	m := fixture(t, 120, 40)
	m.Update(errMsg{errors.New("disk full")})
	if l := lineWith(stripped(m), "disk full"); l == "" {
		t.Error("error not shown")
	}
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventError, Err: errors.New("boom")}}})
	if l := lineWith(stripped(m), "boom"); l == "" {
		t.Error("runner error not shown")
	}
}

func TestKeysActInTheOrderPressed(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	m.opts.Out = filepath.Join(t.TempDir(), "order.safetensors")
	d := newDriver(t, m)
	d.run(start(t, m))
	// Pressed faster than the runner answers: the save must see all three steps.
	for _, k := range []string{"n", "n", "n", "s"} {
		_, cmd := m.Update(keyPress(k))
		d.run(cmd)
	}
	d.until("the save", func() bool { return m.step == 3 && !m.saving && m.savedStep > 0 })
	if m.savedStep != 3 || !strings.Contains(stripped(m), "saved step 3 to") {
		t.Errorf("n n n s saved step %d:\n%s", m.savedStep, lineWith(stripped(m), "saved"))
	}
	// space space, pressed at once: run then pause, ending paused.
	for _, k := range []string{"space", "space"} {
		_, cmd := m.Update(keyPress(k))
		d.run(cmd)
	}
	d.until("the queue to drain and the screen to catch up", func() bool {
		return len(m.asked) == 0 && !m.running && trainerSteps(m) == m.step
	})
	if m.wantRun {
		t.Error("two spaces left the workbench wanting to run")
	}
}
