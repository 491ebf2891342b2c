package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Data is what a run trains and evaluates on, as token ids.
type Data struct {
	Train []Segment // sampled in proportion to their weights
	Val   []int32   // cut into consecutive windows for evaluation
}

// Segment is one source of training tokens with its sampling weight.
type Segment struct {
	Name   string
	Tokens []int32
	Weight float64
}

// StepStats reports one optimizer step.
type StepStats struct {
	Step     int           `json:"step"` // steps completed, 1-based
	Loss     float64       `json:"loss"` // mean over the step's micro-batches
	LR       float64       `json:"lr"`
	GradNorm float64       `json:"grad_norm"` // before clipping
	Tokens   int           `json:"tokens"`    // trained on in this step
	Duration time.Duration `json:"-"`
}

// TokensPerSec is the step's throughput.
func (s StepStats) TokensPerSec() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Tokens) / s.Duration.Seconds()
}

// Trainer runs the optimisation of one model on one Data. Its methods are not
// safe for concurrent use; Runner drives a Trainer from its own goroutine.
type Trainer struct {
	Model *Model
	Cfg   TrainConfig
	Data  Data

	step    int        // optimizer steps completed
	pcg     *rand.PCG  // batch sampling; its state is the data position
	rng     *rand.Rand // over pcg
	opt     adamW
	cum     []float64 // cumulative segment weights
	inputs  []int32   // (B,T)
	targets []int32   // (B,T)
}

// NewTrainer prepares a run of cfg on data for m. It checks that every
// segment holds at least one window of cfg.Context+1 tokens and that all ids
// fit m's vocabulary.
func NewTrainer(m *Model, cfg TrainConfig, data Data) (*Trainer, error) {
	if err := cfg.Validate(m.Config); err != nil {
		return nil, err
	}
	t := &Trainer{Model: m, Cfg: cfg,
		pcg: rand.NewPCG(cfg.Seed, 0xda3e39cb94b95bdb),
		opt: newAdamW(m.Config, cfg.FreezeEmbeddings, cfg.FreezeLayers),
	}
	t.rng = rand.New(t.pcg)
	m.dropMu = cfg.Seed ^ 0x2545f4914f6cdd1d
	if err := t.SetData(data); err != nil {
		return nil, err
	}
	t.inputs = make([]int32, cfg.Batch*cfg.Context)
	t.targets = make([]int32, cfg.Batch*cfg.Context)
	return t, nil
}

func checkData(d Data, T, V int) error {
	if len(d.Train) == 0 {
		return errors.New("no training data")
	}
	var total float64
	for _, s := range d.Train {
		if len(s.Tokens) < T+1 {
			return fmt.Errorf("training source %q has %d tokens, fewer than one window of context %d + 1; add data or lower --context", s.Name, len(s.Tokens), T)
		}
		if !(s.Weight >= 0) || math.IsInf(s.Weight, 0) {
			return fmt.Errorf("training source %q has weight %g; weights must be finite and ≥ 0", s.Name, s.Weight)
		}
		total += s.Weight
		if err := checkIDs(s.Tokens, V); err != nil {
			return fmt.Errorf("training source %q: %w", s.Name, err)
		}
	}
	if !(total > 0) {
		return errors.New("all training sources have weight 0")
	}
	if err := checkIDs(d.Val, V); err != nil {
		return fmt.Errorf("validation data: %w", err)
	}
	return nil
}

func checkIDs(ids []int32, V int) error {
	for i, id := range ids {
		if id < 0 || int(id) >= V {
			return fmt.Errorf("token %d has id %d outside the model's vocabulary of %d", i, id, V)
		}
	}
	return nil
}

// SetData replaces the data the run trains and evaluates on (a source was
// toggled or re-weighted, or more data arrived), keeping the model, the
// optimizer state and the step: continuing a run on new data.
func (t *Trainer) SetData(d Data) error {
	if err := checkData(d, t.Cfg.Context, t.Model.Config.VocabSize); err != nil {
		return err
	}
	t.Data = d
	t.cum = t.cum[:0]
	var total float64
	for _, s := range d.Train {
		total += s.Weight
		t.cum = append(t.cum, total)
	}
	return nil
}

// Steps returns the number of optimizer steps completed.
func (t *Trainer) Steps() int { return t.step }

// Done reports whether the run has reached its length.
func (t *Trainer) Done() bool { return t.step >= t.Cfg.Steps }

// LR is the learning rate the next step will use.
func (t *Trainer) LR() float64 {
	c := t.Cfg
	return lrAt(t.step, c.Steps, c.Warmup, c.LR, c.MinLR)
}

// nextBatch fills inputs and targets with B random windows: a segment by
// weight, then an offset uniformly in [0, len−T), as nanoGPT's get_batch.
func (t *Trainer) nextBatch() {
	B, T := t.Cfg.Batch, t.Cfg.Context
	for b := 0; b < B; b++ {
		seg := t.Data.Train[0].Tokens
		if len(t.cum) > 1 {
			u := t.rng.Float64() * t.cum[len(t.cum)-1]
			for i, c := range t.cum {
				if u < c {
					seg = t.Data.Train[i].Tokens
					break
				}
			}
		}
		off := t.rng.IntN(len(seg) - T)
		copy(t.inputs[b*T:(b+1)*T], seg[off:off+T])
		copy(t.targets[b*T:(b+1)*T], seg[off+1:off+T+1])
	}
}

// Step runs one optimizer step: GradAccum micro-batches of forward and
// backward, gradient clipping, and an AdamW update at the scheduled rate.
func (t *Trainer) Step() StepStats {
	start := time.Now()
	m, c := t.Model, t.Cfg
	lr := t.LR()
	m.SetTraining(true)
	m.ZeroGrad()
	var loss float64
	for i := 0; i < c.GradAccum; i++ {
		t.nextBatch()
		loss += float64(m.Forward(t.inputs, t.targets, c.Batch, c.Context))
		m.Backward(1 / float32(c.GradAccum))
	}
	m.SetTraining(false)
	t.opt.clearFrozen(m.garena)
	norm := clipGradNorm(m.garena, c.GradClip)
	t.step++
	t.opt.update(m.arena, m.garena, lr, c.Beta1, c.Beta2, c.Eps, c.WeightDecay, t.step)
	return StepStats{Step: t.step, Loss: loss / float64(c.GradAccum), LR: lr, GradNorm: norm,
		Tokens: c.GradAccum * c.Batch * c.Context, Duration: time.Since(start)}
}

// Evaluate returns the mean next-token loss of the model on the validation
// data, cut as Model.Eval cuts it, with at most maxWindows windows (0: all).
func (t *Trainer) Evaluate(maxWindows int) (loss float64, tokens int) {
	return t.Model.Eval(t.Data.Val, t.Cfg.Context, t.Cfg.Batch, maxWindows)
}

// Eval returns the mean next-token loss over tokens cut into consecutive
// non-overlapping windows of T: window i has inputs [iT, iT+T) and targets
// shifted by one; only full windows count. With maxWindows > 0 and more
// windows than that, an evenly spaced subset is used. Windows are run B at a
// time. It returns NaN and 0 when there is not one full window.
func (m *Model) Eval(tokens []int32, T, B, maxWindows int) (loss float64, n int) {
	nw := 0
	if len(tokens) > T {
		nw = (len(tokens) - 1) / T
	}
	if nw == 0 {
		return math.NaN(), 0
	}
	use := nw
	if maxWindows > 0 && nw > maxWindows {
		use = maxWindows
	}
	window := func(j int) int { // index of the j-th window used
		if use == nw {
			return j
		}
		return j * nw / use
	}
	m.SetTraining(false)
	inputs, targets := make([]int32, B*T), make([]int32, B*T)
	var sum float64
	for j := 0; j < use; j += B {
		bs := min(B, use-j)
		for b := 0; b < bs; b++ {
			off := window(j+b) * T
			copy(inputs[b*T:(b+1)*T], tokens[off:off+T])
			copy(targets[b*T:(b+1)*T], tokens[off+1:off+T+1])
		}
		l := m.Forward(inputs[:bs*T], targets[:bs*T], bs, T)
		sum += float64(l) * float64(bs*T)
		n += bs * T
	}
	return sum / float64(n), n
}
