package tui

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"

	"lmlab/engine"
)

// smoothing is the weight of the past in the smoothed train loss (an
// exponential moving average with TensorBoard's debiasing).
const smoothing = 0.9

// lossPane plots train and validation loss against steps, with the raw
// latest values, the learning rate, the gradient norm and tokens/s. c cycles
// to the other charts (the learning-rate schedule, the gradient norm against
// the clipping threshold, task accuracy, tokens seen, the health findings),
// and a turns it into the step anatomy view (anatomypane.go).
type lossPane struct {
	box
	km      *keyMap
	mon     monitorState // charts, recipe changes, health, anatomy
	runs    runLogState  // this session's run log (runlog.go)
	overlay overlayState // an earlier run on the loss chart (chartoverlay.go)
	forget  forgetState  // a fine-tune's loss on its base's data (chartforgetting.go)

	steps    []int
	train    []float64
	valSteps []int
	val      []float64
	metrics  map[string]float64

	last      engine.StepStats
	haveStep  bool
	tokPerSec float64
	lr        float64
	smooth    bool

	base        string  // the fine-tune base's name, or ""
	baseStep    int     // the step it was marked at
	baseVal     float64 // its validation loss on the data now
	haveBaseVal bool

	cache string
	valid bool
}

func newLossPane(st *Styles, km *keyMap) *lossPane {
	return &lossPane{box: box{st: st}, km: km, overlay: overlayState{i: -1}}
}

func (p *lossPane) SetSize(w, h int) { p.box.SetSize(w, h); p.valid = false }

func (p *lossPane) SetFocused(f bool) {
	if f != p.focused {
		p.valid = false
	}
	p.box.SetFocused(f)
}

// setRun sets what shows before the first step.
func (p *lossPane) setRun(lr float64) {
	p.lr = lr
	p.valid = false
}

// setBase shows the comparison with a newly marked fine-tune base.
func (p *lossPane) setBase(name string, step int) {
	p.base, p.baseStep, p.haveBaseVal = name, step, false
	p.valid = false
}

// setBaseVal sets the base's validation loss on the current data.
func (p *lossPane) setBaseVal(loss float64, ok bool) {
	p.baseVal, p.haveBaseVal = loss, ok
	p.valid = false
}

// addStep records one optimizer step.
func (p *lossPane) addStep(st engine.StepStats, tokPerSec float64) {
	if n := len(p.steps); n > 0 && st.Step <= p.steps[n-1] {
		return
	}
	p.steps = append(p.steps, st.Step)
	p.train = append(p.train, st.Loss)
	p.mon.addStep(st)
	p.last, p.haveStep = st, true
	p.tokPerSec = tokPerSec
	p.lr = st.LR
	p.valid = false
}

// addVal records a validation pass at step.
func (p *lossPane) addVal(step int, loss float64, metrics map[string]float64) {
	if n := len(p.valSteps); n > 0 && p.valSteps[n-1] == step {
		p.val[n-1] = loss
	} else {
		p.valSteps = append(p.valSteps, step)
		p.val = append(p.val, loss)
	}
	p.forget.add(step, metrics)
	if metrics != nil {
		p.metrics = metrics
		if acc, ok := metrics["accuracy"]; ok {
			p.mon.addAccuracy(step, acc)
		}
	}
	p.valid = false
}

// Update handles the pane's keys.
func (p *lossPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	p.valid = false
	switch {
	case key.Matches(k, p.km.Smooth):
		p.smooth = !p.smooth
	case key.Matches(k, p.km.Overlay):
		p.nextOverlay()
	case key.Matches(k, p.km.OverlayOff):
		p.overlayOff()
	default:
		p.monitorKey(k)
	}
	return nil
}

// View draws the pane; the graph is rebuilt only when data or size changed.
func (p *lossPane) View() string {
	if !p.valid {
		switch {
		case p.mon.anatomy.on:
			p.cache = p.frame("Loss · step anatomy", p.anatomyLines())
		case p.mon.chart != chartLoss:
			p.cache = p.frame("Loss · "+chartNames[p.mon.chart], p.chartLines())
		default:
			p.cache = p.frame("Loss", p.lines())
		}
		p.valid = true
	}
	return p.cache
}

func (p *lossPane) lines() []string {
	st := p.st
	w, h := p.inner()
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	var head []string
	first := st.LossTrain.Render("train") + " " + st.Value.Render("-")
	if p.haveStep {
		first = st.LossTrain.Render("train") + " " + st.Value.Render(fmt.Sprintf("%.4f", p.last.Loss))
		if p.smooth {
			first += st.Muted.Render(fmt.Sprintf(" (smoothed %.4f)", p.smoothed()[len(p.train)-1]))
		}
	}
	if n := len(p.val); n > 0 {
		first += "  " + st.LossVal.Render("val") + " " + st.Value.Render(fmt.Sprintf("%.4f", p.val[n-1]))
	}
	names := make([]string, 0, len(p.metrics))
	for k := range p.metrics {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := p.metrics[k]
		if k == "accuracy" {
			first += "  " + kv("accuracy", fmt.Sprintf("%.0f%%", 100*v))
		} else {
			first += "  " + kv(k, fmt.Sprintf("%.4g", v))
		}
	}
	head = append(head, first)
	second := kv("lr", fmt.Sprintf("%.2e", p.lr))
	if p.haveStep {
		second += "  " + kv("grad", fmt.Sprintf("%.3f", p.last.GradNorm)) + "  " + kv("tok/s", fmt.Sprintf("%.0f", p.tokPerSec))
	}
	head = append(head, second)
	if p.base != "" {
		head = append(head, p.baseLine())
	}
	smooth := "off"
	if p.smooth {
		smooth = "on"
	}
	legend := "── train  •• val  smoothing " + smooth + " (m)"
	if p.mon.logScale {
		legend += "  log scale (y)"
	}
	head = append(head, st.Muted.Render(legend))
	if l := p.mon.changesLine(st); l != "" {
		head = append(head, l)
	}
	if l := p.overlayLine(); l != "" {
		head = append(head, l)
	}

	rows := h - len(head) - 2 // the x axis takes two lines
	if len(p.train) < 2 || rows < 3 || w < 20 {
		msg := "no steps yet: space trains, n takes one step"
		if len(p.train) == 1 {
			msg = "one step so far; the graph starts at two"
		}
		return append(head, "", st.Muted.Render(msg))
	}
	return append(head, p.graph(w, rows)...)
}

// baseLine compares the validation loss of the fine-tune base, on the data
// now, with the latest evaluation.
func (p *lossPane) baseLine() string {
	st := p.st
	line := st.Label.Render("base val") + " "
	if !p.haveBaseVal {
		return line + st.Muted.Render("…")
	}
	line += st.Value.Render(fmt.Sprintf("%.4f", p.baseVal))
	n := len(p.val)
	if n == 0 || p.valSteps[n-1] < p.baseStep {
		return line + st.Muted.Render(" → now: v evaluates")
	}
	now := p.val[n-1]
	line += " → " + st.Label.Render("now") + " " + st.Value.Render(fmt.Sprintf("%.4f", now))
	if p.baseVal != 0 {
		line += st.Muted.Render(fmt.Sprintf(" (%+.1f%%)", 100*(now-p.baseVal)/p.baseVal))
	}
	return line
}

// smoothed returns the debiased exponential moving average of train loss.
func (p *lossPane) smoothed() []float64 { return smooth(p.train) }

// smooth returns the debiased exponential moving average of xs.
func smooth(xs []float64) []float64 {
	out := make([]float64, len(xs))
	var ema, weight float64
	for i, v := range xs {
		ema = smoothing*ema + (1-smoothing)*v
		weight = smoothing*weight + (1 - smoothing)
		out[i] = ema / weight
	}
	return out
}

// graph renders the series in at most w columns and rows+2 lines.
func (p *lossPane) graph(w, rows int) []string {
	train := p.train
	if p.smooth {
		train = p.smoothed()
	}
	if p.overlay.overlay() == nil {
		return plot(p.st, w, rows, len(train), p.mon.logScale, yFixed(2), func(width int) ([]int, [][]float64) {
			xs, tr, va := p.downsample(train, width)
			series := [][]float64{tr}
			if hasNumber(va) {
				series = append(series, va)
			}
			return xs, series
		})
	}
	// The overlay is drawn first, so the current run's curves stay on top
	// where they cross it.
	var styles []seriesStyle
	return plotStyled(p.st, w, rows, len(train), p.mon.logScale, yFixed(2), func(width int) ([]int, [][]float64) {
		xs, tr, va := p.downsample(train, width)
		ol, ov := p.overlaySeries(xs)
		styles = styles[:0]
		var series [][]float64
		for _, s := range []struct {
			xs []float64
			st seriesStyle
		}{{ol, seriesStyle{"·", p.st.GraphAxis}}, {ov, seriesStyle{"∘", p.st.GraphAxis}},
			{tr, seriesStyle{"", p.st.GraphTrain}}, {va, seriesStyle{"•", p.st.GraphVal}}} {
			if hasNumber(s.xs) {
				series = append(series, s.xs)
				styles = append(styles, s.st)
			}
		}
		return xs, series
	}, func() []seriesStyle { return styles })
}

// seriesStyle is how plotStyled draws one series: its character (""
// asciigraph's line) and colour.
type seriesStyle struct {
	char  string
	color asciigraph.AnsiColor
}

// yFixed formats y-axis labels with d decimals.
func yFixed(d int) func(float64) string {
	return func(v float64) string { return fmt.Sprintf("%.*f", d, v) }
}

// plot draws up to two series (the first as a line, the second dotted)
// against steps in at most w columns and rows+2 lines. sample cuts the
// history of n points into at most width points; the width shrinks until
// the y axis's labels fit. On a log scale the values are plotted as their
// base-10 logarithms and labelled with the values.
func plot(st *Styles, w, rows, n int, logScale bool, yfmt func(float64) string, sample func(width int) ([]int, [][]float64)) []string {
	return plotStyled(st, w, rows, n, logScale, yfmt, sample, nil)
}

// plotStyled is plot with a style per series, which styles returns after
// each call of sample (nil: plot's line and dots).
func plotStyled(st *Styles, w, rows, n int, logScale bool, yfmt func(float64) string, sample func(width int) ([]int, [][]float64), styles func() []seriesStyle) []string {
	width := min(n, w-8)
	var out string
	for try := 0; try < 3 && width >= 2; try++ {
		xs, series := sample(width)
		if logScale {
			series = logSeries(series)
		}
		ticks := max(2, min(6, width/12))
		label := yfmt
		if logScale {
			label = func(v float64) string { return yfmt(math.Pow(10, v)) }
		}
		opts := []asciigraph.Option{
			asciigraph.Height(rows - 1),
			asciigraph.Precision(2),
			asciigraph.YAxisValueFormatter(label),
			asciigraph.XAxisRange(float64(xs[0]), float64(xs[len(xs)-1])),
			asciigraph.XAxisTickCount(ticks),
			asciigraph.XAxisValueFormatter(func(v float64) string { return fmt.Sprintf("%.0f", v) }),
			asciigraph.AxisColor(st.GraphAxis),
			asciigraph.LabelColor(st.GraphAxis),
		}
		if styles == nil {
			opts = append(opts, asciigraph.SeriesChars(asciigraph.DefaultCharSet, asciigraph.CreateCharSet("•")),
				asciigraph.SeriesColors(st.GraphTrain, st.GraphVal))
		} else {
			var chars []asciigraph.CharSet
			var colors []asciigraph.AnsiColor
			for _, s := range styles() {
				cs := asciigraph.DefaultCharSet
				if s.char != "" {
					cs = asciigraph.CreateCharSet(s.char)
				}
				chars, colors = append(chars, cs), append(colors, s.color)
			}
			opts = append(opts, asciigraph.SeriesChars(chars...), asciigraph.SeriesColors(colors...))
		}
		out = asciigraph.PlotMany(series, opts...)
		over := 0
		for _, l := range strings.Split(out, "\n") {
			over = max(over, ansi.StringWidth(l)-w)
		}
		if over <= 0 {
			break
		}
		width -= over
	}
	return strings.Split(out, "\n")
}

// logSeries returns the base-10 logarithms of positive values; others
// become NaN (not drawn).
func logSeries(series [][]float64) [][]float64 {
	out := make([][]float64, len(series))
	for i, s := range series {
		out[i] = make([]float64, len(s))
		for j, v := range s {
			out[i][j] = math.NaN()
			if v > 0 {
				out[i][j] = math.Log10(v)
			}
		}
	}
	return out
}

func hasNumber(xs []float64) bool {
	for _, x := range xs {
		if !math.IsNaN(x) {
			return true
		}
	}
	return false
}

// downsample cuts the history into n buckets of consecutive steps: the
// mean train loss of each, and the latest validation loss known at its last
// step (NaN before the first evaluation). The first step has a bucket of
// its own, so the loss at the start (near ln V) stays on the chart however
// long the run.
func (p *lossPane) downsample(train []float64, n int) (steps []int, tr, va []float64) {
	total := len(train)
	n = min(n, total)
	steps = make([]int, n)
	tr = make([]float64, n)
	va = make([]float64, n)
	vi := -1
	for b := 0; b < n; b++ {
		lo, hi := bucket(b, n, total)
		var sum float64
		for i := lo; i < hi; i++ {
			sum += train[i]
		}
		tr[b] = sum / float64(hi-lo)
		steps[b] = p.steps[hi-1]
		for vi+1 < len(p.valSteps) && p.valSteps[vi+1] <= steps[b] {
			vi++
		}
		va[b] = math.NaN()
		if vi >= 0 {
			va[b] = p.val[vi]
		}
	}
	return steps, tr, va
}

// bucket returns the range of points [lo, hi) of bucket b when total points
// are cut into n ≤ total buckets: the first point alone, the rest evenly.
func bucket(b, n, total int) (lo, hi int) {
	if n < 2 || n == total {
		return b * total / n, (b + 1) * total / n
	}
	if b == 0 {
		return 0, 1
	}
	rest, k := total-1, n-1
	return 1 + (b-1)*rest/k, 1 + b*rest/k
}
