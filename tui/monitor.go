package tui

import (
	"fmt"
	"strings"

	"lmlab/engine"
)

// anatomyTop is how many of the model's next tokens, likeliest first, the
// anatomy offers as targets (←/→): enough that a lesson's word still at a
// few percent ("mat" early in cats) can be picked, not only the leaders.
const anatomyTop = 64

// startMonitor sets up the monitoring of a new session's runner, before its
// first request: the health checks (with the prompt as the attention
// probe), the recipe the charts plan with, and the Loss pane's requests.
func (m *Model) startMonitor() {
	m.runner.Health = &engine.HealthMonitor{}
	m.runner.HealthProbe, _ = promptTail(m.sess.Encode, m.prompt, m.sess.Trainer.Model.Config.Context)
	mon := &m.loss.mon
	mon.setRecipe(m.sess.Trainer.Cfg, m.sess.Trainer.Model.Config.Dropout)
	mon.anatomy.target = -1
	mon.askRecipe = m.askRecipe
	mon.askAnatomy = m.askAnatomy
}

// askRecipe asks the runner to change the recipe; the Loss pane marks the
// change when the runner says it took it.
func (m *Model) askRecipe(c engine.RecipeChange, label string) {
	if m.runner == nil || m.done {
		return
	}
	m.say("changing the recipe: %s…", label)
	m.ask(asked{kind: askRecipe, label: label}, engine.SetRecipe{Change: c})
}

// recipeChanged takes the runner's answer to a recipe change.
func (m *Model) recipeChanged(ev engine.Event, label string) {
	m.loss.mon.addChange(ev.Step, label, ev.Recipe, ev.Dropout)
	m.lr = ev.Recipe.LRAt(ev.Step)
	m.loss.lr = m.lr
	m.loss.valid = false
	m.say("from step %d: %s (lr %.2e, weight decay %g, dropout %g, clip %g; a checkpoint keeps it)",
		ev.Step+1, label, m.lr, ev.Recipe.WeightDecay, ev.Dropout, ev.Recipe.GradClip)
}

// askAnatomy asks for the anatomy of the next step on the Predict prompt,
// unless one is on its way (then one more follows its answer).
func (m *Model) askAnatomy() {
	a := &m.loss.mon.anatomy
	if m.runner == nil || !a.on {
		return
	}
	if a.waiting {
		a.again = true
		return
	}
	ids, _ := promptTail(m.sess.Encode, m.prompt, m.sess.Trainer.Model.Config.Context)
	if len(ids) == 0 {
		a.err = "the Predict prompt has no tokens: write one in the Predict pane (4, then e)"
		a.have = false
		m.loss.valid = false
		return
	}
	target := a.target
	if m.prompt != a.prompt {
		target = -1 // another prompt: its own likeliest token
		a.target = -1
	}
	a.waiting, a.again = true, false
	a.next = m.now().Add(max(m.every.Inspect, anatomyRefresh))
	m.ask(asked{kind: askAnatomy, label: m.prompt}, engine.Anatomize{Probe: ids, Target: target, Top: anatomyTop})
}

// anatomyAnswered takes an anatomy for prompt.
func (m *Model) anatomyAnswered(ev engine.Event, prompt string) {
	a := &m.loss.mon.anatomy
	a.waiting = false
	res := ev.Anatomy
	n := res.Report.Tokens
	seq := append(append([]int32(nil), res.Probe...), res.Target)
	seq = seq[len(seq)-n-1:]
	tokens := make([]string, len(seq))
	for i, id := range seq {
		tokens[i] = m.sess.Decode([]int32{id})
	}
	top := make([]predictionLabel, len(res.Top))
	for i, p := range res.Top {
		top[i] = predictionLabel{text: m.sess.Decode([]int32{p.ID}), prob: p.Prob}
	}
	a.set(ev.Step, prompt, res, tokens, tokens[len(tokens)-1], top)
	m.loss.valid = false
	if a.again {
		m.askAnatomy()
	}
}

// anatomyFailed shows why an anatomy could not be taken.
func (m *Model) anatomyFailed(err error) {
	a := &m.loss.mon.anatomy
	a.waiting, a.again = false, false
	a.err = err.Error()
	m.loss.valid = false
}

// healthFound shows a health finding on the help line, as a warning with
// its step, and keeps it in the Loss pane's health chart (c).
func (m *Model) healthFound(h engine.HealthEvent) {
	m.loss.mon.health = append(m.loss.mon.health, h)
	m.loss.valid = false
	m.warn("%s", healthLine(h))
}

// healthLine is a finding in one line.
func healthLine(h engine.HealthEvent) string {
	msg := h.Message
	if !strings.HasPrefix(msg, fmt.Sprintf("step %d", h.Step)) {
		msg = fmt.Sprintf("step %d: %s", h.Step, msg)
	}
	return "health: " + msg
}

// followAnatomy asks for a new anatomy after the run moved, when the view
// is shown; while training runs, at most every few seconds.
func (m *Model) followAnatomy(running bool) {
	a := &m.loss.mon.anatomy
	if !a.on {
		return
	}
	if running && m.now().Before(a.next) {
		return
	}
	m.askAnatomy()
}
