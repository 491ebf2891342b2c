package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// chartKind is a page of the Loss pane.
type chartKind int

const (
	chartLoss chartKind = iota
	chartLR
	chartGrad
	chartAccuracy
	chartTokens
	chartHealth
	chartForgetting // a fine-tune's loss on its base's data (chartforgetting.go)
	numCharts
)

var chartNames = [numCharts]string{"loss", "learning rate", "gradient norm", "accuracy", "tokens seen", "health", "forgetting"}

// Values the recipe keys step through: each press takes the next one.
var (
	decaySteps   = []float64{0, 0.01, 0.1}
	dropoutSteps = []float64{0, 0.1, 0.2}
	clipSteps    = []float64{0, 0.5, 1, 2}
)

// recipeMark is a change of the recipe, marked on the charts.
type recipeMark struct {
	step  int // steps completed when it took effect
	label string
}

// monitorState is what the Loss pane keeps for its charts besides the
// losses: per-step learning rate, gradient norm and clipping threshold, the
// evaluations' accuracy, the health findings, the recipe and its changes,
// and the step anatomy view.
type monitorState struct {
	chart    chartKind
	logScale bool

	lrs, grads, clips []float64 // aligned with lossPane.steps; clips NaN when off
	tokensPerStep     int
	clipped           int // steps whose gradient norm was above the threshold
	lastClipped       int

	accSteps []int
	acc      []float64

	health []engine.HealthEvent

	recipe     engine.TrainConfig
	dropout    float64
	haveRecipe bool
	changes    []recipeMark

	anatomy anatomyView

	// Set by the model: the pane's keys only ask.
	askRecipe  func(change engine.RecipeChange, label string)
	askAnatomy func()
}

func (s *monitorState) setRecipe(tc engine.TrainConfig, dropout float64) {
	s.recipe, s.dropout, s.haveRecipe = tc, dropout, true
}

func (s *monitorState) addStep(st engine.StepStats) {
	clip := math.NaN()
	if s.haveRecipe && s.recipe.GradClip > 0 {
		clip = s.recipe.GradClip
		if st.GradNorm > clip {
			s.clipped++
			s.lastClipped = st.Step
		}
	}
	s.lrs = append(s.lrs, st.LR)
	s.grads = append(s.grads, st.GradNorm)
	s.clips = append(s.clips, clip)
	s.tokensPerStep = st.Tokens
}

func (s *monitorState) addAccuracy(step int, acc float64) {
	if n := len(s.accSteps); n > 0 && s.accSteps[n-1] == step {
		s.acc[n-1] = acc
		return
	}
	s.accSteps = append(s.accSteps, step)
	s.acc = append(s.acc, acc)
}

// addChange records a recipe change that took effect after step.
func (s *monitorState) addChange(step int, label string, tc engine.TrainConfig, dropout float64) {
	s.setRecipe(tc, dropout)
	s.changes = append(s.changes, recipeMark{step, label})
}

// changesLine lists the latest recipe changes ("" when none).
func (s *monitorState) changesLine(st *Styles) string {
	if len(s.changes) == 0 {
		return ""
	}
	var parts []string
	for _, c := range s.changes[max(0, len(s.changes)-4):] {
		parts = append(parts, fmt.Sprintf("▲%d %s", c.step, c.label))
	}
	return st.Label.Render("changes") + " " + st.Value.Render(strings.Join(parts, "  "))
}

// monitorKey handles the Loss pane's chart, anatomy and recipe keys.
func (p *lossPane) monitorKey(k tea.KeyPressMsg) {
	s, km := &p.mon, p.km
	switch {
	case key.Matches(k, km.Chart):
		s.anatomy.on = false
		s.chart = (s.chart + 1) % numCharts
	case key.Matches(k, km.LogScale):
		s.logScale = !s.logScale
	case key.Matches(k, km.Anatomy):
		s.anatomy.on = !s.anatomy.on
		if s.anatomy.on && s.askAnatomy != nil {
			s.askAnatomy()
		}
		km.anatomyOn = s.anatomy.on
	case key.Matches(k, km.TargetPrev), key.Matches(k, km.TargetNext):
		d := 1
		if key.Matches(k, km.TargetPrev) {
			d = -1
		}
		if s.anatomy.moveTarget(d) && s.askAnatomy != nil {
			s.askAnatomy()
		}
	case key.Matches(k, km.LRUp):
		s.ask(engine.RecipeChange{LRScale: 2}, "lr×2")
	case key.Matches(k, km.LRDown):
		s.ask(engine.RecipeChange{LRScale: 0.5}, "lr÷2")
	case key.Matches(k, km.Decay):
		v := nextStep(decaySteps, s.recipe.WeightDecay)
		s.ask(engine.RecipeChange{WeightDecay: &v}, fmt.Sprintf("wd %g", v))
	case key.Matches(k, km.Dropout):
		v := nextStep(dropoutSteps, s.dropout)
		s.ask(engine.RecipeChange{Dropout: &v}, fmt.Sprintf("dropout %g", v))
	case key.Matches(k, km.Clip):
		v := nextStep(clipSteps, s.recipe.GradClip)
		label := fmt.Sprintf("clip %g", v)
		if v == 0 {
			label = "clip off"
		}
		s.ask(engine.RecipeChange{GradClip: &v}, label)
	}
	km.anatomyOn = s.anatomy.on
}

func (s *monitorState) ask(c engine.RecipeChange, label string) {
	if s.askRecipe != nil && s.haveRecipe {
		s.askRecipe(c, label)
	}
}

// nextStep returns the first of steps above v, or the first when none is.
func nextStep(steps []float64, v float64) float64 {
	for _, x := range steps {
		if x > v+1e-12 {
			return x
		}
	}
	return steps[0]
}

// chartLines draws the chart pages other than the loss.
func (p *lossPane) chartLines() []string {
	st, s := p.st, &p.mon
	w, h := p.inner()
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	var head []string
	var lines []string
	empty := ""
	changes := s.changesLine(st)
	if changes != "" {
		h-- // the changes line goes under the head
	}
	switch s.chart {
	case chartLR:
		if !s.haveRecipe {
			return []string{st.Muted.Render("no run yet")}
		}
		r := s.recipe
		next := p.lr
		cur := 0
		if n := len(p.steps); n > 0 {
			cur = p.steps[n-1]
			next = r.LRAt(cur)
		}
		head = append(head, kv("next", fmt.Sprintf("%.2e", next))+" "+st.Muted.Render(fmt.Sprintf("at step %d", cur+1))+"  "+
			kv("peak", fmt.Sprintf("%.2e", r.LR))+"  "+kv("min", fmt.Sprintf("%.2e", r.MinLR))+"  "+kv("warmup", fmt.Sprint(r.Warmup)))
		head = append(head, st.Muted.Render(fmt.Sprintf("── taken  •• planned from step %d of %d", cur+1, r.Steps)))
		lines = p.lrChart(w, h-len(head)-2, cur)
	case chartGrad:
		clip := "off"
		if s.haveRecipe && s.recipe.GradClip > 0 {
			clip = fmt.Sprintf("%g", s.recipe.GradClip)
		}
		g := "-"
		if n := len(s.grads); n > 0 {
			g = fmt.Sprintf("%.3f", s.grads[n-1])
		}
		line := kv("grad", g) + "  " + kv("clip", clip) + "  " + kv("clipped", fmt.Sprintf("%d of %d steps", s.clipped, len(s.grads)))
		if s.clipped > 0 {
			line += st.Muted.Render(fmt.Sprintf(" (last %d)", s.lastClipped))
		}
		head = append(head, line, st.Muted.Render("── norm before clipping  •• clipping threshold"))
		empty = "no steps yet"
		if len(s.grads) >= 2 {
			lines = p.stepChart(w, h-len(head)-2, yFixed(2), s.grads, s.clips)
		}
	case chartAccuracy:
		if len(s.acc) == 0 {
			return []string{st.Muted.Render("no accuracy yet: it is measured at each evaluation (v) of a task sample"),
				st.Muted.Render("(sample:addition, sample:reverse); this data has none")}
		}
		head = append(head, kv("accuracy", fmt.Sprintf("%.0f%%", 100*s.acc[len(s.acc)-1]))+st.Muted.Render(fmt.Sprintf(" at step %d", s.accSteps[len(s.accSteps)-1])),
			st.Muted.Render("── exact-match accuracy at each evaluation"))
		empty = "one evaluation so far; the chart starts at two"
		if len(s.acc) >= 2 {
			pct := make([]float64, len(s.acc))
			for i, a := range s.acc {
				pct[i] = 100 * a
			}
			lines = plot(st, w, h-len(head)-2, len(pct), false, func(v float64) string { return fmt.Sprintf("%.0f%%", v) },
				func(width int) ([]int, [][]float64) { return bucketMeans(s.accSteps, [][]float64{pct}, width) })
		}
	case chartTokens:
		seen := 0
		if n := len(p.steps); n > 0 {
			seen = p.steps[n-1] * s.tokensPerStep
		}
		head = append(head, kv("seen", compact(float64(seen)))+"  "+kv("per step", fmt.Sprint(s.tokensPerStep))+"  "+kv("tok/s", fmt.Sprintf("%.0f", p.tokPerSec)),
			st.Muted.Render("── training tokens seen"))
		empty = "no steps yet"
		if len(p.steps) >= 2 {
			tok := make([]float64, len(p.steps))
			for i, x := range p.steps {
				tok[i] = float64(x * s.tokensPerStep)
			}
			lines = p.stepChart(w, h-len(head)-2, compact, tok)
		}
	case chartHealth:
		return p.healthLines(w, h)
	case chartForgetting:
		head, lines, empty = p.forgettingChart(w, h)
	}
	if changes != "" {
		head = append(head, changes)
	}
	if lines == nil {
		return append(head, "", st.Muted.Render(empty))
	}
	return append(head, lines...)
}

// stepChart plots series aligned with the recorded steps.
func (p *lossPane) stepChart(w, rows int, yfmt func(float64) string, series ...[]float64) []string {
	if rows < 3 || w < 20 {
		return nil
	}
	return plot(p.st, w, rows, len(p.steps), p.mon.logScale, yfmt, func(width int) ([]int, [][]float64) {
		return bucketMeans(p.steps, series, width)
	})
}

// lrChart plots the rates taken so far and the schedule planned from step
// cur on, over the whole run.
func (p *lossPane) lrChart(w, rows, cur int) []string {
	s := &p.mon
	total := max(s.recipe.Steps, cur+1)
	if rows < 3 || w < 20 || total < 2 {
		return nil
	}
	xs := make([]int, total)
	taken := make([]float64, total)
	planned := make([]float64, total)
	for i := range xs {
		xs[i] = i + 1
		taken[i], planned[i] = math.NaN(), math.NaN()
		if i >= cur {
			planned[i] = s.recipe.LRAt(i)
		}
	}
	for i, st := range p.steps {
		if st >= 1 && st <= total {
			taken[st-1] = s.lrs[i]
		}
	}
	if cur > 0 {
		planned[cur-1] = taken[cur-1] // join the two lines
	}
	return plot(p.st, w, rows, total, p.mon.logScale, func(v float64) string { return fmt.Sprintf("%.1e", v) },
		func(width int) ([]int, [][]float64) { return bucketMeans(xs, [][]float64{taken, planned}, width) })
}

// bucketMeans cuts points into at most n buckets as downsample does and
// returns each bucket's last x and, per series, the mean of its numbers
// (NaN when it has none).
func bucketMeans(xs []int, series [][]float64, n int) ([]int, [][]float64) {
	total := len(xs)
	n = min(n, total)
	outX := make([]int, n)
	out := make([][]float64, len(series))
	for i := range out {
		out[i] = make([]float64, n)
	}
	for b := 0; b < n; b++ {
		lo, hi := bucket(b, n, total)
		outX[b] = xs[hi-1]
		for i, s := range series {
			var sum float64
			k := 0
			for _, v := range s[lo:hi] {
				if !math.IsNaN(v) {
					sum += v
					k++
				}
			}
			out[i][b] = math.NaN()
			if k > 0 {
				out[i][b] = sum / float64(k)
			}
		}
	}
	return outX, out
}

// compact writes a count as 950, 12.3k, 4.56M.
func compact(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e9:
		return fmt.Sprintf("%.3gG", v/1e9)
	case a >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// healthLines lists the health findings, newest last, wrapped to w.
func (p *lossPane) healthLines(w, h int) []string {
	st, s := p.st, &p.mon
	head := []string{st.Muted.Render(fmt.Sprintf("%d findings of the training-health checks", len(s.health)))}
	if len(s.health) == 0 {
		return append(head, "", st.Muted.Render("none so far: loss spikes, exploding or vanishing gradients,"),
			st.Muted.Render("update ratios, overfitting and uniform attention are watched"))
	}
	var body []string
	for _, e := range s.health {
		first := true
		for _, l := range strings.Split(ansi.Wrap(e.Message, max(w-2, 10), ""), "\n") {
			if first {
				body = append(body, st.Error.Render(fmt.Sprintf("%s at step %d", e.Kind, e.Step)))
				first = false
			}
			body = append(body, "  "+l)
		}
	}
	if room := h - len(head); len(body) > room {
		body = body[len(body)-max(room, 0):]
	}
	return append(head, body...)
}

// anatomyRefresh is how often a shown anatomy follows a running trainer.
const anatomyRefresh = 2 * time.Second
