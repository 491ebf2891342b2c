package tui

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// syntheticAnatomy is a made-up anatomy of the step after step for m's
// prompt and "mat": p(mat) from 4 % to 9 %.
func syntheticAnatomy(m *Model, step int) engine.Event {
	ids, _ := promptTail(m.sess.Encode, m.prompt, m.sess.Trainer.Model.Config.Context)
	mat := m.sess.Encode(" mat")[0]
	rep := engine.AnatomyReport{LR: 2.5e-3, GradNorm: 1.7, Clipped: true, Tokens: len(ids),
		Before: engine.AnatomyPoint{PTarget: 0.04, Loss: -math.Log(0.04), MeanLoss: 2.1},
		After:  engine.AnatomyPoint{PTarget: 0.09, Loss: -math.Log(0.09), MeanLoss: 1.9}}
	for i := range ids {
		rep.Before.Losses = append(rep.Before.Losses, 3-0.1*float64(i))
		rep.After.Losses = append(rep.After.Losses, 2.9-0.1*float64(i))
	}
	for i, g := range m.sess.Trainer.Model.Config.TensorGroups() {
		rep.Layers = append(rep.Layers, engine.AnatomyGroup{Name: g.Name, Kind: g.Kind,
			GradNorm: 0.1 * float64(i+1), WeightNorm: 3, UpdateRatio: 1e-3 * float64(i+1)})
	}
	var top []engine.Prediction
	for i, w := range []string{" mat", " rug", " log"} {
		top = append(top, engine.Prediction{ID: m.sess.Encode(w)[0], Prob: 0.5 / float32(i+1)})
	}
	return engine.Event{Kind: engine.EventAnatomy, Step: step,
		Anatomy: &engine.AnatomyResult{Probe: ids, Target: mat, Report: rep, Top: top}}
}

// showAnatomy turns the anatomy on in m's Loss pane and answers its
// request with a synthetic anatomy of the step after step.
func showAnatomy(t *testing.T, m *Model, step int) {
	t.Helper()
	m.setFocus(paneLoss)
	m.Update(keyPress("a"))
	var id uint64
	for i, a := range m.asked {
		if a.kind == askAnatomy {
			id = i
		}
	}
	if id == 0 {
		t.Fatal("a asked the runner for no anatomy")
	}
	ev := syntheticAnatomy(m, step)
	ev.ID = id
	m.Update(eventsMsg{events: []engine.Event{ev}})
}

func TestAnatomyViewShowsTheStep(t *testing.T) {
	m := fixture(t, 80, 24)
	showAnatomy(t, m, 120)
	s := stripped(m)
	// The target is the word with its leading space, " mat".
	for _, want := range []string{"Loss · step anatomy", "step 121", `→ " mat"`, "forward",
		"backward", "clipped to 1", "wte", "h0.attn", "update", "lr 2.50e-03", "after",
		`" mat" went from 4.0 % to 9.0 % in this step.`} {
		if !strings.Contains(s, want) {
			t.Errorf("anatomy lacks %q:\n%s", want, s)
		}
	}
	for _, c := range []struct{ line, p string }{{"forward", "4.0 %"}, {"after ", "9.0 %"}} {
		if l := lineWith(s, c.line); !strings.Contains(l, "mat") || !strings.Contains(l, c.p) {
			t.Errorf("the %q line does not give p(mat) %s: %q", c.line, c.p, l)
		}
	}
	// The bars: h0.attn's gradient (0.3) is a third of the largest (0.9, ln_f).
	attn, lnf := lineWith(s, "h0.attn"), lineWith(s, "ln_f")
	if a, l := strings.Count(attn, "█"), strings.Count(lnf, "█"); l == 0 || a*3 < l-2 || a*3 > l+2 {
		t.Errorf("bars of h0.attn (%d) and ln_f (%d) are not 1:3:\n%s\n%s", a, l, attn, lnf)
	}
	// a again: back to the loss chart.
	m.Update(keyPress("a"))
	if s := stripped(m); strings.Contains(s, "step anatomy") || !strings.Contains(s, "smoothing off") {
		t.Errorf("a did not leave the anatomy:\n%s", s)
	}
}

func TestAnatomyGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := fixture(t, sz[0], sz[1])
			showAnatomy(t, m, 120)
			checkGolden(t, ansi.Strip(m.loss.View()), m.lay.panes[paneLoss].W)
		})
	}
}

// With a real runner: a takes the step apart; n trains a step and the
// anatomy follows; → picks another target.
func TestAnatomyFollowsSteps(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("3")
	d.key("a")
	a := &m.loss.mon.anatomy
	d.until("the anatomy", func() bool { return a.have })
	first := a.history[0]
	if first.step != 0 || !(first.after > first.before) {
		t.Errorf("anatomy at step 0: p %v → %v; want a rise", first.before, first.after)
	}
	if s := stripped(m); !strings.Contains(s, "went from") {
		t.Errorf("screen lacks the sentence:\n%s", s)
	}
	d.key("n")
	d.until("the anatomy of step 2", func() bool { return a.have && a.step == 1 && !a.waiting })
	if len(a.history) != 2 || a.history[1].step != 1 {
		t.Errorf("history %+v; want steps 0 and 1", a.history)
	}
	target := a.curTarget
	d.key("right")
	d.until("another target", func() bool { return a.curTarget != target && !a.waiting })
	if len(a.history) != 1 {
		t.Errorf("a new target kept the history %+v", a.history)
	}
}

func TestHealthEventsWarn(t *testing.T) {
	m := fixture(t, 200, 60)
	h := engine.HealthEvent{Step: 7, Kind: engine.LossSpike, Message: "loss 9.1 at step 7 is 3× its recent median; lower the learning rate"}
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventHealth, Step: 7, Health: h}}})
	s := stripped(m)
	if l := lineWith(s, "health: step 7: loss 9.1"); l == "" {
		t.Errorf("help line lacks the warning:\n%s", s)
	}
	if !m.msgErr {
		t.Error("the health finding is not shown as a warning")
	}
	m.setFocus(paneLoss)
	for range chartHealth {
		m.Update(keyPress("c"))
	}
	s = stripped(m)
	if !strings.Contains(s, "Loss · health") || !strings.Contains(s, "loss_spike at step 7") || !strings.Contains(s, "1 findings") {
		t.Errorf("the health chart lacks the finding:\n%s", s)
	}
}

// The health monitor is on in the workbench's runner, with the prompt as
// its attention probe.
func TestWorkbenchWatchesHealth(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	start(t, m)
	if m.runner.Health == nil || len(m.runner.HealthProbe) == 0 {
		t.Errorf("runner health %v probe %v; want both set", m.runner.Health, m.runner.HealthProbe)
	}
}

func TestChartsCycle(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneLoss)
	for c := chartLoss + 1; c < numCharts; c++ {
		m.Update(keyPress("c"))
		if title := "Loss · " + chartNames[c]; !strings.Contains(stripped(m), title) {
			t.Errorf("press %d: no %q:\n%s", c, title, m.loss.View())
		}
	}
	m.Update(keyPress("c"))
	if s := stripped(m); !strings.Contains(s, "smoothing off") {
		t.Errorf("c did not come back to the loss:\n%s", s)
	}
}

func TestChartGolden(t *testing.T) {
	for c := chartLR; c < numCharts; c++ {
		t.Run(strings.ReplaceAll(chartNames[c], " ", "-"), func(t *testing.T) {
			for _, sz := range goldenSizes[:2] {
				t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
					m := fixture(t, sz[0], sz[1])
					m.loss.addVal(100, 0.7, map[string]float64{"accuracy": 0.25})
					m.loss.addVal(120, 0.6, map[string]float64{"accuracy": 0.5})
					m.loss.mon.health = append(m.loss.mon.health, engine.HealthEvent{Step: 60, Kind: engine.ExplodingGrad, Message: "gradient norm 40 is 12× its recent median"})
					m.setFocus(paneLoss)
					for range c {
						m.Update(keyPress("c"))
					}
					checkGolden(t, ansi.Strip(m.loss.View()), m.lay.panes[paneLoss].W)
				})
			}
		})
	}
}

func TestLRChartPlansTheSchedule(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneLoss)
	m.Update(keyPress("c"))
	s := stripped(m)
	tc := m.sess.Trainer.Cfg
	want := fmt.Sprintf("next %.2e at step 121", tc.LRAt(120))
	if !strings.Contains(s, want) || !strings.Contains(s, fmt.Sprintf("of %d", tc.Steps)) {
		t.Errorf("lr chart lacks %q:\n%s", want, m.loss.View())
	}
}

func TestGradChartCountsClipping(t *testing.T) {
	m := fixture(t, 200, 60) // clip 1; the history's norms are 1/√step ≤ 1: none clipped
	m.setFocus(paneLoss)
	m.Update(keyPress("c"))
	m.Update(keyPress("c"))
	got := lineWith(stripped(m), "clipped")
	if !strings.Contains(got, "clip 1") || !strings.Contains(got, "clipped 0 of 120 steps") {
		t.Errorf("grad chart head %q; want clip 1, 0 of 120 clipped", got)
	}
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventStep, Step: 121, Stats: engine.StepStats{Step: 121, Loss: 0.5, GradNorm: 3, Tokens: 64}}}})
	if got := lineWith(ansi.Strip(m.loss.View()), "clipped"); !strings.Contains(got, "clipped 1 of 121 steps (last 121)") {
		t.Errorf("after a norm of 3: %q", got)
	}
}

func TestLogScale(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneLoss)
	before := stripped(m)
	m.Update(keyPress("y"))
	after := stripped(m)
	if !strings.Contains(after, "log scale (y)") || before == after {
		t.Errorf("y did not switch to a log scale:\n%s", after)
	}
	// The top label is still the largest loss, the first step's.
	top := fmt.Sprintf("%.2f", m.loss.train[0])
	if !strings.Contains(lineWith(after, "┼"), top) && !strings.Contains(after, top+" ┤") {
		t.Errorf("log chart lacks the first loss %s:\n%s", top, m.loss.View())
	}
}

// With a real runner: the recipe keys change the trainer's recipe, the
// change is marked on the charts, and the next steps use it.
func TestRecipeKeysChangeTheRun(t *testing.T) {
	m, _ := newTestModel(t, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("3")
	lr0 := m.sess.Trainer.Cfg.LR
	d.key("n")
	d.until("one step", func() bool { return m.step == 1 && m.stepsAsked == 0 })
	d.key("*")
	d.until("the change", func() bool { return len(m.loss.mon.changes) == 1 })
	d.key("d")
	d.key("x")
	d.until("two more changes", func() bool { return len(m.loss.mon.changes) == 3 })
	var cfg engine.TrainConfig
	var dropout float64
	m.runner.Do(func(t *engine.Trainer) { cfg, dropout = t.Cfg, t.Model.Config.Dropout })
	if cfg.LR != 2*lr0 || dropout != nextStep(dropoutSteps, 0) || cfg.GradClip != nextStep(clipSteps, 1) {
		t.Errorf("trainer lr %g dropout %g clip %g; want %g %g %g", cfg.LR, dropout, cfg.GradClip, 2*lr0, 0.1, 2.0)
	}
	s := stripped(m)
	if l := lineWith(s, "changes"); !strings.Contains(l, "▲1 lr×2") || !strings.Contains(l, "▲1 dropout 0.1") || !strings.Contains(l, "▲1 clip 2") {
		t.Errorf("changes line %q", l)
	}
	d.key("n")
	d.until("step 2", func() bool { return m.step == 2 && m.stepsAsked == 0 })
	if want := cfg.LRAt(1); m.last.LR != want {
		t.Errorf("step 2 took lr %g; want the changed schedule's %g", m.last.LR, want)
	}
}
