package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// shortRunOptions is testSessionOptions cut to a run of steps steps with
// no periodic evaluation.
func shortRunOptions(steps int) lab.Options {
	opt := testSessionOptions()
	adjust := opt.Adjust
	opt.Adjust = func(c *engine.Config, tc *engine.TrainConfig) error {
		adjust(c, tc)
		tc.Steps, tc.EvalEvery = steps, 0
		return nil
	}
	return opt
}

// runToTheEnd starts a workbench on a run of steps steps and runs it to
// its end.
func runToTheEnd(t *testing.T, steps int) (*Model, *driver) {
	t.Helper()
	st := PlainStyles()
	m := New(Options{Session: shortRunOptions(steps), Styles: &st})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("space")
	d.until("the end of the run", func() bool { return m.done && !m.running && m.step == steps })
	return m, d
}

// recipe reads the trainer's recipe on the runner's goroutine.
func recipe(t *testing.T, m *Model) engine.TrainConfig {
	t.Helper()
	var tc engine.TrainConfig
	if !m.runner.Do(func(tr *engine.Trainer) { tc = tr.Cfg }) {
		t.Fatal("the runner has stopped")
	}
	return tc
}

// After the last step the workbench offers to go on; E asks for as many
// steps again at the final learning rate, says so where the messages go,
// and the run continues to the new end.
func TestGoOnAfterTheEnd(t *testing.T) {
	m, d := runToTheEnd(t, 6)
	final := recipe(t, m).MinLR
	s := stripped(m)
	if !strings.Contains(s, "reached its 6 steps: E trains 6 more at its final lr") {
		t.Errorf("the end does not offer to go on:\n%s", lineWith(s, "reached"))
	}
	if help := ansi.Strip(m.help.ShortHelpView(m.keys.ShortHelp())); !strings.Contains(help, "E 6 more steps (final lr)") {
		t.Errorf("short help %q lacks E", help)
	}

	d.key("E")
	if !m.asking(askExtend) || m.keys.Extend.Enabled() {
		t.Fatalf("E did not ask to go on, or stays enabled (asking %v)", m.asking(askExtend))
	}
	d.until("the extension", func() bool { return m.total == 12 })
	want := "run extended to step 12 at constant lr " + fmtLR(final) + " (the final rate)"
	if got := lineWith(stripped(m), "run extended"); !strings.Contains(got, want) {
		t.Errorf("help line %q, want %q", got, want)
	}
	if !m.asking(askRun) {
		t.Error("the extension's answer did not ask to run")
	}
	d.until("the new end", func() bool { return m.done && !m.running })
	if m.step != 12 || m.total != 12 {
		t.Errorf("done at step %d of %d, want 12 of 12", m.step, m.total)
	}
	if m.last.Step == 12 && m.last.LR != final {
		t.Errorf("step 12 at lr %g, want the final rate %g", m.last.LR, final)
	}
	tc := recipe(t, m)
	if tc.Steps != 12 || tc.LRAt(6) != final || tc.LRAt(11) != final {
		t.Errorf("trainer recipe: %d steps, lr %g at step 7, %g at 12; want 12, %g, %g", tc.Steps, tc.LRAt(6), tc.LRAt(11), final, final)
	}
	if c := m.loss.mon.changes; len(c) != 1 || c[0] != (recipeMark{6, "+6 steps, final lr"}) {
		t.Errorf("Loss pane changes %v, want [{6 +6 steps, final lr}]", c)
	}
	if !strings.Contains(stripped(m), "reached its 12 steps: E trains 6 more") {
		t.Errorf("the second end does not offer to go on:\n%s", lineWith(stripped(m), "steps"))
	}
}

func fmtLR(lr float64) string { return fmt.Sprintf("%.2e", lr) }

// ctrl+e goes on with a fresh cosine: from the peak back down to the final
// rate, and the help line says so.
func TestGoOnFreshCosine(t *testing.T) {
	m, d := runToTheEnd(t, 6)
	orig := recipe(t, m)
	d.send(tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl})
	d.until("the extension", func() bool { return m.total == 12 })
	want := "run extended to step 12 at cosine lr " + fmtLR(orig.LR) + " → " + fmtLR(orig.MinLR)
	if got := lineWith(stripped(m), "run extended"); !strings.Contains(got, want) {
		t.Errorf("help line %q, want %q", got, want)
	}
	d.until("the new end", func() bool { return m.done && !m.running })
	tc := recipe(t, m)
	if m.step != 12 || tc.LRAt(6) != orig.LR || !(tc.LRAt(11) < tc.LRAt(10)) || tc.LRAt(12) != orig.MinLR {
		t.Errorf("step %d; lr %g at step 7, %g at 11, %g at 12, %g after; want 12, the peak %g, falling to %g",
			m.step, tc.LRAt(6), tc.LRAt(10), tc.LRAt(11), tc.LRAt(12), orig.LR, orig.MinLR)
	}
}

// n after the end takes one more step at the final rate, each time.
func TestStepAfterTheEnd(t *testing.T) {
	m, d := runToTheEnd(t, 6)
	final := recipe(t, m).MinLR
	if !m.keys.Step.Enabled() {
		t.Fatal("n is disabled after the end")
	}
	for want := 7; want <= 8; want++ {
		d.key("n")
		d.until("the step", func() bool { return m.step == want && m.done && m.stepsAsked == 0 })
		if m.total != want || m.last.Step != want || m.last.LR != final {
			t.Errorf("after n: step %d of %d, last step %d at lr %g; want %d of %d at the final rate %g",
				m.step, m.total, m.last.Step, m.last.LR, want, want, final)
		}
	}
	if m.msgErr {
		t.Errorf("n after the end shows an error: %s", m.message)
	}
}

// Adding a data source after the end does what its message says: the run
// goes on, on the new data, for as many steps again at the final rate.
func TestAddDataAfterTheEnd(t *testing.T) {
	m, d := runToTheEnd(t, 6)
	text, err := os.ReadFile(testCorpus)
	if err != nil {
		t.Fatal(err)
	}
	more := filepath.Join(t.TempDir(), "more.txt")
	if err := os.WriteFile(more, text, 0o644); err != nil {
		t.Fatal(err)
	}
	d.run(m.addSource(more))
	d.until("the source", func() bool { return strings.HasPrefix(m.message, "added") || m.msgErr })
	if want := "the run goes on from step 6 for 6 more steps at its final lr"; !strings.Contains(m.message, want) {
		t.Fatalf("message %q, want %q", m.message, want)
	}
	d.until("the run on the new data", func() bool { return m.total == 12 && m.done && !m.running })
	if m.step != 12 || len(m.applied.Sources) != 2 {
		t.Errorf("step %d with %d sources, want 12 with 2", m.step, len(m.applied.Sources))
	}
	var segs int
	m.runner.Do(func(tr *engine.Trainer) { segs = len(tr.Data.Train) })
	if segs != 2 {
		t.Errorf("the trainer trains on %d sources, want 2", segs)
	}
}

// A workbench resumed with --steps past its checkpoint's run finishes the
// saved schedule and then goes on at the final rate, as train --resume
// does; a checkpoint saved after E resumes with the longer recipe.
func TestResumePastTheEnd(t *testing.T) {
	m, d := runToTheEnd(t, 6)
	d.key("E")
	d.until("the new end", func() bool { return m.total == 12 && m.done && !m.running })
	path := filepath.Join(t.TempDir(), "run.safetensors")
	m.opts.Out = path
	d.key("s")
	d.until("the save", func() bool { return !m.saving })
	ck, err := engine.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Step != 12 || ck.Train.Steps != 12 || ck.Train.LRAt(12) != ck.Train.MinLR || ck.Train.LR != ck.Train.MinLR {
		t.Fatalf("checkpoint at step %d of %d, lr %g → %g; want 12 of 12 at a held rate", ck.Step, ck.Train.Steps, ck.Train.LR, ck.Train.MinLR)
	}

	st := PlainStyles()
	opt := lab.Options{Resume: path, Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
		tc.Steps = 15 // --steps 15
		return nil
	}}
	r := New(Options{Session: opt, Styles: &st})
	r.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	rd := newDriver(t, r)
	rd.run(start(t, r))
	if r.done || r.total != 15 {
		t.Fatalf("resumed with --steps 15: done %v, total %d; want going on to 15", r.done, r.total)
	}
	if tc := recipe(t, r); tc.Steps != 15 || tc.LRAt(12) != ck.Train.MinLR {
		t.Errorf("resumed recipe %d steps, lr %g at step 13; want 15 at %g", tc.Steps, tc.LRAt(12), ck.Train.MinLR)
	}
	rd.key("space")
	rd.until("the resumed run's end", func() bool { return r.done && !r.running })
	if r.step != 15 {
		t.Errorf("the resumed run ended at step %d, want 15", r.step)
	}
}

// What the run goes on at stays on the help line when the run starts,
// which clears other messages; the status bar has the step count of the
// longer run.
func TestGoOnMessageStays(t *testing.T) {
	m := fixture(t, 160, 40) // 120 steps of history, paused
	tc := engine.TrainConfig{Steps: 240, LR: 3e-4, MinLR: 3e-4}
	m.done = true
	id := m.runner.Send(engine.Pause{}) // any request: its id is the answer's
	if m.asked == nil {
		m.asked = map[uint64]asked{}
	}
	m.asked[id] = asked{kind: askExtend, label: "+120 steps, final lr"}
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventRecipe, ID: id, Step: 120, Recipe: tc}}})
	want := "run extended to step 240 at constant lr 3.00e-04 (the final rate)"
	if got := lineWith(stripped(m), "run extended"); !strings.Contains(got, want) {
		t.Fatalf("help line %q, want %q", got, want)
	}
	if m.done || !strings.Contains(lineWith(stripped(m), "loss "), "step 120/240") {
		t.Errorf("done %v; status bar %q, want step 120/240", m.done, lineWith(stripped(m), "loss "))
	}
	for _, running := range []bool{true, false, true} {
		m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventState, Step: 120, Running: running}}})
		if got := lineWith(stripped(m), "run extended"); !strings.Contains(got, want) {
			t.Errorf("after running %v, the help line is %q; want it to keep %q", running, lineWith(stripped(m), "loss "), want)
		}
	}
	m.say("another message")
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventState, Step: 120, Running: false}}})
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventState, Step: 120, Running: true}}})
	if m.message != "" {
		t.Errorf("another message %q stayed when the run started", m.message)
	}
}

// Resumed from the middle of its run with --steps past its end, the
// workbench trains the saved schedule to its end, then goes on by itself at
// the final rate to the steps asked.
func TestResumeMidRunPastTheEnd(t *testing.T) {
	st := PlainStyles()
	m := New(Options{Session: shortRunOptions(6), Styles: &st})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	d := newDriver(t, m)
	d.run(start(t, m))
	orig := recipe(t, m)
	for range 3 {
		d.key("n")
	}
	d.until("three steps", func() bool { return m.step == 3 && m.stepsAsked == 0 })
	path := filepath.Join(t.TempDir(), "mid.safetensors")
	m.opts.Out = path
	d.key("s")
	d.until("the save", func() bool { return !m.saving })

	opt := lab.Options{Resume: path, Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
		tc.Steps = 10 // --steps 10
		return nil
	}}
	r := New(Options{Session: opt, Styles: &st})
	r.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	rd := newDriver(t, r)
	rd.run(start(t, r))
	if tc := recipe(t, r); r.total != 10 || tc.Steps != 6 || tc.LRAt(5) != orig.LRAt(5) {
		t.Fatalf("resumed at step 3: total %d, recipe %d steps, lr %g at step 6; want 10, the saved 6, %g",
			r.total, tc.Steps, tc.LRAt(5), orig.LRAt(5))
	}
	rd.key("space")
	rd.until("the end of the longer run", func() bool { return r.done && !r.running && r.step == 10 })
	if tc := recipe(t, r); tc.Steps != 10 || tc.LRAt(6) != orig.MinLR || tc.LRAt(9) != orig.MinLR {
		t.Errorf("recipe %d steps, lr %g at step 7, %g at 10; want 10 at the final rate %g", tc.Steps, tc.LRAt(6), tc.LRAt(9), orig.MinLR)
	}
}
