package tui

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

// OrigValLoss is the metric a fine-tune's evaluations add: the loss on the
// validation text of the data the base checkpoint was trained on. When it
// rises while the domain loss falls, the model is forgetting.
const OrigValLoss = "orig_val_loss"

// forgetWindows is how many windows of the original validation text each
// evaluation measures: a few, so evaluations stay short.
const forgetWindows = 8

// forgetState is the forgetting chart's data: the original data's
// validation loss at each evaluation of a fine-tune.
type forgetState struct {
	on    bool   // the session is a fine-tune from a checkpoint that names other data
	name  string // the base's data
	err   string // why the original data cannot be measured ("": it can, or not yet tried)
	steps []int
	vals  []float64
	probe *forgetProbe // shared with the runner's goroutine
}

// forgetProbe measures the original validation loss on the runner's
// goroutine, through the runner's Metrics hook. The text is reloaded and
// encoded at the first evaluation.
type forgetProbe struct {
	specs      []string
	encode     func(string) []int32
	ctx, batch int

	mu     sync.Mutex
	loaded bool
	ids    []int32
	err    string
}

// measure returns the original validation loss of m, or false when the
// text cannot be had.
func (f *forgetProbe) measure(m *engine.Model) (float64, bool) {
	f.mu.Lock()
	if !f.loaded {
		f.loaded = true
		f.ids, f.err = f.load()
	}
	ids := f.ids
	f.mu.Unlock()
	if ids == nil {
		return 0, false
	}
	loss, n := m.Eval(ids, f.ctx, f.batch, forgetWindows)
	return loss, n > 0
}

func (f *forgetProbe) load() ([]int32, string) {
	if slices.Contains(f.specs, "-") {
		return nil, "it was read from stdin, which cannot be read again"
	}
	c, err := samples.Load(f.specs, samples.Options{})
	if err != nil {
		return nil, firstLine(err)
	}
	ids := f.encode(c.ValText())
	if len(ids) <= f.ctx {
		return nil, fmt.Sprintf("its validation text has %d tokens, fewer than a window of %d", len(ids), f.ctx+1)
	}
	return ids, ""
}

// failure is why the text could not be had ("" when it could, or before
// the first evaluation).
func (f *forgetProbe) failure() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// watchForgetting makes a fine-tune's evaluations also measure the loss on
// the base checkpoint's own data, when its metadata names data other than
// the session's. Call it before the first request to the runner.
func (m *Model) watchForgetting() {
	ck := m.sess.Checkpoint
	if ck == nil || m.sess.Mode != lab.FromWeights {
		return
	}
	var specs []string
	if err := json.Unmarshal([]byte(ck.Meta["data"]), &specs); err != nil || len(specs) == 0 {
		return
	}
	if slices.Equal(specs, m.sess.DataSpecs) {
		return // the same data: the validation loss is the original one
	}
	tc := m.sess.Trainer.Cfg
	f := &forgetProbe{specs: specs, encode: m.sess.Encode, ctx: tc.Context, batch: tc.Batch}
	m.loss.forget = forgetState{on: true, name: strings.Join(specs, "+"), probe: f}
	inner := m.runner.Metrics
	m.runner.Metrics = func(model *engine.Model) map[string]float64 {
		var out map[string]float64
		if inner != nil {
			out = inner(model)
		}
		if loss, ok := f.measure(model); ok {
			if out == nil {
				out = map[string]float64{}
			}
			out[OrigValLoss] = loss
		}
		return out
	}
}

// addForget records an evaluation's original validation loss, or why
// there is none.
func (s *forgetState) add(step int, metrics map[string]float64) {
	if !s.on {
		return
	}
	v, ok := metrics[OrigValLoss]
	if !ok {
		s.err = s.probe.failure()
		return
	}
	if n := len(s.steps); n > 0 && s.steps[n-1] == step {
		s.vals[n-1] = v
		return
	}
	s.steps = append(s.steps, step)
	s.vals = append(s.vals, v)
}

// forgettingChart is the forgetting page: the original data's validation
// loss beside the domain's, at each evaluation.
func (p *lossPane) forgettingChart(w, h int) (head, lines []string, empty string) {
	st, f := p.st, &p.forget
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	note := func(msgs ...string) []string {
		var out []string
		for _, msg := range msgs {
			for _, l := range strings.Split(ansi.Wordwrap(msg, max(w-2, 10), ""), "\n") {
				out = append(out, st.Muted.Render(l))
			}
		}
		return out
	}
	if !f.on {
		return note("forgetting is measured in a fine-tune from a checkpoint on other data:", "lmlab --ckpt BASE --data NEW"), nil, ""
	}
	if f.err != "" {
		return append([]string{st.Label.Render("original data") + " " + st.Value.Render(f.name), ""},
			note("cannot reload the base's data, so forgetting is not measured: "+f.err)...), nil, ""
	}
	line := kv("original", "-")
	if n := len(f.vals); n > 0 {
		line = kv("original", fmt.Sprintf("%.4f", f.vals[n-1]))
		if n > 1 && f.vals[0] != 0 {
			line += st.Muted.Render(fmt.Sprintf(" (%+.1f%% since step %d)", 100*(f.vals[n-1]-f.vals[0])/f.vals[0], f.steps[0]))
		}
	}
	domain := kv("domain val", "-")
	if n := len(p.val); n > 0 {
		domain = kv("domain val", fmt.Sprintf("%.4f", p.val[n-1]))
	}
	head = []string{line, domain, st.Muted.Render("── original  •• domain val   original data: " + f.name)}
	switch len(f.vals) {
	case 0:
		return head, nil, "no evaluation yet: v evaluates (and training does every few steps)"
	case 1:
		return head, nil, "one evaluation so far; the chart starts at two"
	}
	rows := h - len(head) - 2
	if rows < 3 || w < 20 {
		return head, nil, ""
	}
	// Each evaluation's losses hold until the next, over every step from
	// the first evaluation on, as the loss chart's validation loss does.
	first, last := f.steps[0], f.steps[len(f.steps)-1]
	if n := len(p.steps); n > 0 {
		last = max(last, p.steps[n-1])
	}
	xs := make([]int, last-first+1)
	orig := make([]float64, len(xs))
	dom := make([]float64, len(xs))
	for i := range xs {
		xs[i] = first + i
		orig[i] = latestAt(f.steps, f.vals, xs[i])
		dom[i] = latestAt(p.valSteps, p.val, xs[i])
	}
	lines = plot(st, w, rows, len(xs), p.mon.logScale, yFixed(2), func(width int) ([]int, [][]float64) {
		return bucketMeans(xs, [][]float64{orig, dom}, width)
	})
	return head, lines, ""
}

// latestAt is the value of the last of steps (ascending) at or before x,
// NaN when there is none.
func latestAt(steps []int, vals []float64, x int) float64 {
	if k := sort.SearchInts(steps, x+1); k > 0 {
		return vals[k-1]
	}
	return math.NaN()
}
