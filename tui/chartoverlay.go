package tui

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"lmlab/engine/runlog"
)

// overlayState is the earlier run the loss chart shows under the current
// one (o cycles, O turns it off): its loss and validation loss, with its
// name and how its recipe differs in the legend.
type overlayState struct {
	runs  []*runlog.Run // the candidates, in the order o steps through them
	i     int           // the shown one's index; -1: none
	note  string        // why nothing shows, after an o that found no run
	steps []int         // the shown run's loss series
	loss  []float64
	vs    []int // and its validation loss
	val   []float64
}

// overlay is the shown run, or nil.
func (o *overlayState) overlay() *runlog.Run {
	if o.i < 0 || o.i >= len(o.runs) {
		return nil
	}
	return o.runs[o.i]
}

// nextOverlay shows the next earlier run. The first press (and the one
// after the last run, which turns the overlay off) reads the runs
// directory again, so runs finished meanwhile join the list.
func (p *lossPane) nextOverlay() {
	o := &p.overlay
	o.note = ""
	if o.overlay() == nil {
		if p.runs.dir == "" {
			o.note = "no runs to overlay: give --runs DIR"
			return
		}
		runs, err := runlog.List(p.runs.dir)
		o.runs = overlayOrder(runs, p.runs.self, p.runs.head.Data)
		o.i = -1
		if len(o.runs) == 0 {
			o.note = "no earlier run in " + p.runs.dir
			if err != nil {
				o.note += fmt.Sprintf(" (%v)", firstLine(err))
			}
			return
		}
	}
	o.i++
	if o.i >= len(o.runs) {
		p.overlayOff()
		return
	}
	r := o.runs[o.i]
	o.steps, o.loss = r.Series(runlog.Loss)
	o.vs, o.val = r.Series(runlog.ValLoss)
}

// overlayOff hides the overlay.
func (p *lossPane) overlayOff() {
	p.overlay.i = -1
	p.overlay.note = ""
	p.overlay.steps, p.overlay.loss, p.overlay.vs, p.overlay.val = nil, nil, nil, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// overlayOrder keeps the runs that logged a loss curve of two points or
// more, other than the file self, and orders them as o steps through them:
// those trained on data first, then the rest, newest first in each.
func overlayOrder(runs []*runlog.Run, self string, data []string) []*runlog.Run {
	var out []*runlog.Run
	for _, r := range runs {
		if s, _ := r.Series(runlog.Loss); len(s) >= 2 && (self == "" || r.Path != self) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := slices.Equal(out[i].Data, data), slices.Equal(out[j].Data, data)
		if si != sj {
			return si
		}
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].Name > out[j].Name
	})
	return out
}

// recipeDiff says how run b's recipe differs from a's, the differences
// that tell runs apart first (data, then the learning rate, then the
// model's shape, then the rest), at most three; "same recipe" when none.
func recipeDiff(a, b runlog.Header) string {
	var d []string
	add := func(name string, av, bv any) {
		if av != bv {
			d = append(d, fmt.Sprintf("%s %v", name, bv))
		}
	}
	if !slices.Equal(a.Data, b.Data) {
		d = append(d, "data "+strings.Join(b.Data, "+"))
	}
	add("lr", fmt.Sprintf("%.0e", a.Train.LR), fmt.Sprintf("%.0e", b.Train.LR))
	add("vocab", a.Model.VocabSize, b.Model.VocabSize)
	add("layers", a.Model.Layers, b.Model.Layers)
	add("embd", a.Model.Embd, b.Model.Embd)
	add("heads", a.Model.Heads, b.Model.Heads)
	add("context", a.Train.Context, b.Train.Context)
	add("batch", a.Train.Batch, b.Train.Batch)
	add("wd", a.Train.WeightDecay, b.Train.WeightDecay)
	add("dropout", a.Model.Dropout, b.Model.Dropout)
	add("clip", a.Train.GradClip, b.Train.GradClip)
	add("warmup", a.Train.Warmup, b.Train.Warmup)
	add("steps", a.Train.Steps, b.Train.Steps)
	if a.From != b.From {
		from := b.From
		if from == "" {
			from = "scratch"
		}
		d = append(d, "from "+from)
	}
	if len(d) == 0 {
		return "same recipe"
	}
	return strings.Join(d[:min(3, len(d))], ", ")
}

// overlayLine is the legend of the overlay: which run, how it differs,
// and its last losses; or why none shows; "" when off.
func (p *lossPane) overlayLine() string {
	st, o := p.st, &p.overlay
	r := o.overlay()
	if r == nil {
		if o.note != "" {
			return st.Muted.Render(o.note)
		}
		return ""
	}
	line := st.Muted.Render(fmt.Sprintf("·· %s (%d/%d)", r.Name, o.i+1, len(o.runs))) + " " +
		st.Value.Render(recipeDiff(p.runs.head, r.Header))
	if n := len(o.loss); n > 0 {
		line += st.Muted.Render(fmt.Sprintf("  loss %.4f", o.loss[n-1]))
	}
	if n := len(o.val); n > 0 {
		line += st.Muted.Render(fmt.Sprintf(" val %.4f", o.val[n-1]))
	}
	return line
}

// overlaySeries samples the overlay's loss and validation loss at the
// chart's buckets, whose last steps are xs: the mean loss of the overlay's
// steps in each bucket (else its latest before), and its latest validation
// loss; NaN where the overlay has none yet.
func (p *lossPane) overlaySeries(xs []int) (loss, val []float64) {
	o := &p.overlay
	ls := o.loss
	if p.smooth {
		ls = smooth(ls)
	}
	loss = make([]float64, len(xs))
	val = make([]float64, len(xs))
	prev := math.MinInt
	for b, x := range xs {
		lo := sort.SearchInts(o.steps, prev+1)
		hi := sort.SearchInts(o.steps, x+1)
		switch {
		case hi > lo:
			var sum float64
			for _, v := range ls[lo:hi] {
				sum += v
			}
			loss[b] = sum / float64(hi-lo)
		case hi > 0:
			loss[b] = ls[hi-1]
		default:
			loss[b] = math.NaN()
		}
		val[b] = math.NaN()
		if k := sort.SearchInts(o.vs, x+1); k > 0 {
			val[b] = o.val[k-1]
		}
		prev = x
	}
	return loss, val
}
