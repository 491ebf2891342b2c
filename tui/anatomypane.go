package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// anatomyView is the Loss pane's step anatomy: one training step taken
// apart for the Predict prompt and a target token (by default the model's
// likeliest next one; ←/→ choose another of its top predictions). It shows
// the forward pass (the target's probability, the loss at each position),
// the backward pass (each tensor group's gradient norm, as bars), the
// update (the rate and each group's update-to-weight ratio) and the target's
// probability again on the updated weights. Each new snapshot of the run
// adds a point to the history, so stepping shows the probability climb.
type anatomyView struct {
	on      bool
	waiting bool // a request is on its way
	again   bool // and another is wanted when it is answered
	next    time.Time
	err     string

	prompt string  // the probe's text
	target int32   // the chosen target; -1: the model's top prediction
	topIDs []int32 // candidates, the model's top predictions

	have      bool
	curTarget int32 // the target of the report shown
	step      int   // steps completed when the copy was taken
	rep       engine.AnatomyReport
	tokens    []string // the probe's tokens (the last Report.Tokens of them) and the target
	tname     string
	top       []predictionLabel
	history   []anatomyPoint // for this prompt and target
}

// anatomyPoint is the target's probability around the step after a
// snapshot.
type anatomyPoint struct {
	step          int
	before, after float64
}

// moveTarget picks the previous (d < 0) or next candidate target; it
// reports whether the target changed.
func (a *anatomyView) moveTarget(d int) bool {
	if len(a.topIDs) < 2 {
		return false
	}
	i := 0
	cur := a.target
	if cur < 0 {
		cur = a.curTarget
	}
	for j, id := range a.topIDs {
		if id == cur {
			i = j
		}
	}
	i = (i + d + len(a.topIDs)) % len(a.topIDs)
	a.target = a.topIDs[i]
	return true
}

// set takes an answer: the report for probe text prompt at step, with the
// probe's token texts, the target's and the top predictions'.
func (a *anatomyView) set(step int, prompt string, res *engine.AnatomyResult, tokens []string, tname string, top []predictionLabel) {
	if a.have && (prompt != a.prompt || res.Target != a.curTarget) {
		a.history = nil
	}
	a.have, a.err = true, ""
	a.step, a.prompt, a.rep, a.tokens, a.tname, a.top = step, prompt, res.Report, tokens, tname, top
	a.topIDs = a.topIDs[:0]
	for _, p := range res.Top {
		a.topIDs = append(a.topIDs, p.ID)
	}
	a.curTarget = res.Target
	if a.target < 0 {
		a.target = res.Target // keep following this token as the run moves
	}
	pt := anatomyPoint{step, res.Report.Before.PTarget, res.Report.After.PTarget}
	if n := len(a.history); n > 0 && a.history[n-1].step == step {
		a.history[n-1] = pt
	} else {
		a.history = append(a.history, pt)
	}
}

// anatomyLines draws the anatomy in the pane's inner w×h.
func (p *lossPane) anatomyLines() []string {
	st, a := p.st, &p.mon.anatomy
	w, h := p.inner()
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	if !a.have {
		msg := "taking a step apart…"
		if a.err != "" {
			msg = a.err
		}
		return []string{st.Muted.Render("One training step on the Predict prompt and a target token."), "", st.Muted.Render(msg)}
	}
	r := a.rep
	pct := func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }
	tq := fmt.Sprintf("%q", a.tname)
	var out []string
	probe := strings.Join(a.tokens[:len(a.tokens)-1], "")
	room := w - len(fmt.Sprint(a.step+1)) - 5 - 4 - len(tq) - 2 - 14
	out = append(out, kv("step", fmt.Sprint(a.step+1))+"  "+st.Value.Render(fmt.Sprintf("%q", tailCells(probe, room)))+" → "+st.LossTrain.Render(tq)+
		st.Muted.Render("  ←/→ target"))
	out = append(out, st.Label.Render("forward ")+" "+kv("p("+spellToken(a.tname)+")", pct(r.Before.PTarget))+"  "+
		kv("loss", fmt.Sprintf("%.3f", r.Before.Loss))+"  "+kv("mean", fmt.Sprintf("%.3f", r.Before.MeanLoss)))
	clip := ""
	if r.Clipped {
		clip = st.Error.Render(fmt.Sprintf(" clipped to %g", p.mon.recipe.GradClip))
	}
	out = append(out, st.Label.Render("backward")+" "+kv("grad norm", fmt.Sprintf("%.4g", r.GradNorm))+clip)

	// The layers: name, gradient-norm bar, norm, update/weight.
	fixed := 2 + 8 + 1 + 1 + 9 + 1 + 8
	barW := max(w-fixed, 4)
	var maxNorm float64
	for _, g := range r.Layers {
		maxNorm = max(maxNorm, g.GradNorm)
	}
	rows := len(r.Layers)
	sentence := strings.Split(ansi.Wrap(fmt.Sprintf("%s went from %s to %s in this step.", tq, pct(r.Before.PTarget), pct(r.After.PTarget)), w, ""), "\n")
	spare := h - len(out) - 4 - len(sentence) // header, update, after, the sentence, history
	if rows > spare {
		rows = max(spare, 0)
	}
	head := "gradient norm"
	if barW < len(head) {
		head = "grad"
	}
	out = append(out, st.Muted.Render(fmt.Sprintf("  %-8s %-*s %9s %8s", "group", barW, head, "", "upd/w")))
	for _, g := range r.Layers[:rows] {
		n := 0
		if maxNorm > 0 {
			n = int(math.Round(g.GradNorm / maxNorm * float64(barW)))
		}
		bar := st.LossTrain.Render(strings.Repeat("█", n)) + strings.Repeat(" ", barW-n)
		out = append(out, fmt.Sprintf("  %-8s %s %9.3g %8.1e", g.Name, bar, g.GradNorm, g.UpdateRatio))
	}
	out = append(out, st.Label.Render("update  ")+" "+kv("lr", fmt.Sprintf("%.2e", r.LR))+"  "+
		st.Muted.Render("upd/w: ‖Δw‖/‖w‖ per group, ~1e-3 is the rule of thumb"))
	out = append(out, st.Label.Render("after   ")+" "+kv("p("+spellToken(a.tname)+")", pct(r.After.PTarget))+"  "+
		kv("loss", fmt.Sprintf("%.3f", r.After.Loss))+"  "+kv("mean", fmt.Sprintf("%.3f", r.After.MeanLoss)))
	for _, l := range sentence {
		out = append(out, st.Value.Render(l))
	}
	var hist []string
	for _, pt := range a.history[max(0, len(a.history)-8):] {
		hist = append(hist, fmt.Sprintf("%d: %.1f%%", pt.step, 100*pt.before))
	}
	out = append(out, kv("p("+spellToken(a.tname)+") by step", strings.Join(hist, "  ")))
	// Positions, as room allows: the token predicted and its loss before → after.
	if room := h - len(out) - 1; room > 0 && len(r.Before.Losses) > 0 {
		out = append(out, st.Muted.Render("loss at each position (predicting the next token), before → after:"))
		var line []string
		for t := range r.Before.Losses {
			line = append(line, fmt.Sprintf("%q %.2f→%.2f", a.tokens[t+1], r.Before.Losses[t], r.After.Losses[t]))
		}
		out = append(out, wrapJoin(line, "  ", w, room)...)
	}
	return out
}

// wrapJoin joins items with sep into at most n lines of w cells, keeping
// the last items (the target's position) when they do not all fit.
func wrapJoin(items []string, sep string, w, n int) []string {
	var lines []string
	cur := ""
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		switch {
		case cur == "":
			cur = it
		case len([]rune(cur))+len(sep)+len([]rune(it)) <= w:
			cur = it + sep + cur
		default:
			lines = append(lines, cur)
			cur = it
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > n {
		lines = lines[:n]
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return lines
}

// tailCells returns the last n cells of s, with … in front when it is cut.
func tailCells(s string, n int) string {
	r := []rune(s)
	if n < 2 {
		n = 2
	}
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}
