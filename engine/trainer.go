package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"lmlab/engine/fastblas"
	"lmlab/engine/vec"
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

	// Data parallelism (see backprop): replicas[s-1] computes shard s of
	// each micro-batch; shard 0 is Model's own.
	replicas  []*Model
	models    []*Model  // Model, then the replicas in use this step
	shards    int       // shards of the micro-batch being computed
	shardLoss []float64 // each shard's mean loss
	shardRun  func(lo, hi int)
}

// NewTrainer prepares a run of cfg on data for m. It checks that every
// segment holds at least one window of cfg.Context+1 tokens and that all ids
// fit m's vocabulary.
func NewTrainer(m *Model, cfg TrainConfig, data Data) (*Trainer, error) {
	if err := cfg.Validate(m.Config); err != nil {
		return nil, err
	}
	if err := m.SetPrecision(cfg.Precision); err != nil {
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

// Done reports whether the run has reached its length (Cfg.Steps); an
// Extension makes it go on, and Done false again.
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

// DivergedError is a training step whose loss or gradient was not finite.
// The step was not applied: the weights and optimizer moments are those of
// the last good step and the trainer's step count did not advance (the batch
// sampler and dropout streams did, so a retry sees other batches).
type DivergedError struct {
	Step     int     // the step that failed, 1-based
	Loss     float64 // the micro-batch loss that was not finite, else the step's mean loss
	GradNorm float64 // the global gradient norm before clipping; 0 when the loss failed first
	LR       float64 // the learning rate the step would have used
	Tensor   string  // the first parameter whose gradient holds NaN or Inf; "" when the loss itself was not finite
}

func (e *DivergedError) Error() string {
	what := fmt.Sprintf("loss became %v", e.Loss)
	if e.Tensor != "" {
		what = fmt.Sprintf("the gradient of %s became non-finite (loss %.4g, gradient norm %v)", e.Tensor, e.Loss, e.GradNorm)
	}
	return fmt.Sprintf("training diverged at step %d: %s; the weights are kept as after step %d — lower --lr (now %.3g) or check the data", e.Step, what, e.Step-1, e.LR)
}

// Step runs one optimizer step: GradAccum micro-batches of forward and
// backward, gradient clipping, and an AdamW update at the scheduled rate.
// A loss or gradient that is NaN or Inf stops it before the update with a
// *DivergedError, leaving the model and the step count as they were.
func (t *Trainer) Step() (StepStats, error) {
	start := time.Now()
	loss, err := t.backprop()
	if err != nil {
		return StepStats{}, err
	}
	return t.apply(loss, start)
}

// backprop runs the step's micro-batches, accumulating gradients, and returns
// their mean loss. It stops at the first micro-batch whose loss is not finite.
//
// With several threads the micro-batch is cut into shards of whole
// sequences, one per thread (shardCount), and each shard runs forward and
// backward on its own goroutine through a replica of the model that shares
// its weights and keeps its own activations and gradients, which are summed
// into Model's at the end. A small model's products are too small to split
// well: cut over two threads, a baby step's forty-odd products and as many
// element-wise layers each ended in a wait for the slower thread, and ran
// 1.45× the speed of one thread; whole shards meet once per micro-batch.
// The sums over a batch (weight gradients, the loss) then add shard by
// shard, so the numbers depend on the thread count within float rounding,
// as PyTorch's do.
func (t *Trainer) backprop() (float64, error) {
	m, c := t.Model, t.Cfg
	S := shardCount(m.Config, c)
	t.shards = S
	models := t.shardModels(S)
	for _, r := range models {
		r.SetTraining(true)
		r.ZeroGrad()
	}
	defer func() {
		for _, r := range models {
			r.SetTraining(false)
		}
	}()
	var loss float64
	for i := 0; i < c.GradAccum; i++ {
		t.nextBatch()
		if S == 1 {
			t.runShard(0)
		} else {
			parallelFor(S, t.shardRun)
		}
		var l float64
		for s, ls := range t.shardLoss[:S] {
			b0, b1 := t.shardRows(s)
			l += ls * float64(b1-b0) / float64(c.Batch)
		}
		if !finite(l) {
			return 0, &DivergedError{Step: t.step + 1, Loss: l, LR: t.LR()}
		}
		loss += l
	}
	for _, r := range models[1:] {
		vec.AddTo(m.garena, r.garena)
	}
	return loss / float64(c.GradAccum), nil
}

// Shards is how many shards each micro-batch of the next step is cut into,
// one per thread (see backprop).
func (t *Trainer) Shards() int { return shardCount(t.Model.Config, t.Cfg) }

// shardCount is how many shards a micro-batch of tc is cut into: one per
// thread, at most one per sequence, and no more replicas than
// shardGradBudget holds gradients for. One when dropout is on (its masks are
// drawn from the model's own stream, which a checkpoint saves).
func shardCount(c Config, tc TrainConfig) int {
	if c.Dropout > 0 {
		return 1
	}
	replicas := shardGradBudget / max(4*int64(c.NumParams()), 1)
	return int(max(1, min(int64(fastblas.Threads()), int64(tc.Batch), 1+replicas)))
}

// shardGradBudget bounds the memory the replicas' gradients take: each is
// as large as the weights, so GPT-2 small (500 MB of them) keeps one shard
// while the baby preset (3 MB) may have one per thread. A model that large
// has products large enough to split well across threads anyway.
const shardGradBudget = 256 << 20

// shardRows returns the sequences [b0, b1) of the micro-batch in shard s.
func (t *Trainer) shardRows(s int) (b0, b1 int) {
	B := t.Cfg.Batch
	return B * s / t.shards, B * (s + 1) / t.shards
}

// shardModels returns the models of S shards: Model, then replicas that
// share its weights (made on first use, kept for later steps).
func (t *Trainer) shardModels(S int) []*Model {
	m := t.Model
	if t.shardRun == nil {
		t.shardRun = t.runShards
	}
	if len(t.replicas) > 0 && (t.replicas[0].Config != m.Config || &t.replicas[0].arena[0] != &m.arena[0]) {
		t.replicas = nil // Model was replaced
	}
	for len(t.replicas) < S-1 {
		r := &Model{Config: m.Config, arena: m.arena}
		r.Params.point(m.Config, r.arena)
		t.replicas = append(t.replicas, r)
	}
	if len(t.shardLoss) < S {
		t.shardLoss = make([]float64, S)
	}
	t.models = append(t.models[:0], m)
	for _, r := range t.replicas[:S-1] {
		_ = r.SetPrecision(m.Precision()) // m's is valid
		t.models = append(t.models, r)
	}
	return t.models
}

// runShards runs shards [lo, hi) of the current micro-batch.
func (t *Trainer) runShards(lo, hi int) {
	for s := lo; s < hi; s++ {
		t.runShard(s)
	}
}

// runShard runs forward and backward for shard s, leaving its mean loss in
// shardLoss[s]; a loss that is not finite is not back-propagated.
func (t *Trainer) runShard(s int) {
	c := t.Cfg
	m := t.Model
	if s > 0 {
		m = t.replicas[s-1]
	}
	b0, b1 := t.shardRows(s)
	T := c.Context
	l := float64(m.Forward(t.inputs[b0*T:b1*T], t.targets[b0*T:b1*T], b1-b0, T))
	t.shardLoss[s] = l
	if finite(l) {
		m.Backward(float32(b1-b0) / float32(c.Batch) / float32(c.GradAccum))
	}
}

// apply clips the accumulated gradients and, when they are finite, takes the
// AdamW step.
func (t *Trainer) apply(loss float64, start time.Time) (StepStats, error) {
	m, c := t.Model, t.Cfg
	lr := t.LR()
	t.opt.clearFrozen(m.garena) // frozen weights neither move nor count in the norm
	// The norm sums squares in float64, so it is finite exactly when every
	// gradient is (clipping by an infinite norm scales them to 0 or NaN, which
	// keeps a bad tensor bad for the search below).
	norm := clipGradNorm(m.garena, c.GradClip)
	if !finite(norm) {
		name, _ := firstNonFinite(m.Config, m.garena)
		return StepStats{}, &DivergedError{Step: t.step + 1, Loss: loss, GradNorm: norm, LR: lr, Tensor: name}
	}
	t.step++
	t.opt.update(m.arena, m.garena, lr, c.Beta1, c.Beta2, c.Eps, c.WeightDecay, t.step)
	return StepStats{Step: t.step, Loss: loss, LR: lr, GradNorm: norm,
		Tokens: c.GradAccum * c.Batch * c.Context, Duration: time.Since(start)}, nil
}

// firstNonFinite returns the name of the first tensor of arena (in arena
// order) holding NaN or ±Inf and the index of that value inside the tensor;
// "" and -1 when all are finite.
func firstNonFinite(c Config, arena []float32) (string, int) {
	for _, nt := range c.tensors() {
		for i, v := range arena[nt.start:nt.end] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nt.name, i
			}
		}
	}
	return "", -1
}

// Evaluate returns the mean next-token loss of the model on the validation
// data, cut as Model.Eval cuts it, with at most maxWindows windows (0: all).
func (t *Trainer) Evaluate(maxWindows int) (loss float64, tokens int) {
	return t.Model.Eval(t.Data.Val, t.Cfg.Context, t.Cfg.Batch, maxWindows)
}

// EvaluateContext is Evaluate that stops between batches of windows when ctx
// is done, returning ctx.Err().
func (t *Trainer) EvaluateContext(ctx context.Context, maxWindows int) (loss float64, tokens int, err error) {
	return t.Model.EvalContext(ctx, t.Data.Val, t.Cfg.Context, t.Cfg.Batch, maxWindows)
}

// Eval returns the mean next-token loss over tokens cut into consecutive
// non-overlapping windows of T: window i has inputs [iT, iT+T) and targets
// shifted by one; only full windows count. With maxWindows > 0 and more
// windows than that, an evenly spaced subset is used. Windows are run B at a
// time. n is the number of tokens scored; with n == 0 (not one full window)
// there is no loss and loss is 0.
func (m *Model) Eval(tokens []int32, T, B, maxWindows int) (loss float64, n int) {
	loss, n, _ = m.EvalContext(context.Background(), tokens, T, B, maxWindows)
	return loss, n
}

// EvalContext is Eval that checks ctx before each batch of B windows and,
// once it is done, returns 0, 0 and ctx.Err(): an interrupt waits for at most
// one batch's forward pass.
func (m *Model) EvalContext(ctx context.Context, tokens []int32, T, B, maxWindows int) (loss float64, n int, err error) {
	nw := 0
	if len(tokens) > T {
		nw = (len(tokens) - 1) / T
	}
	if nw == 0 {
		return 0, 0, ctx.Err()
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
	B = min(B, use) // a batch larger than the data allocates no more than the data
	inputs, targets := make([]int32, B*T), make([]int32, B*T)
	var sum float64
	for j := 0; j < use; j += B {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
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
	return sum / float64(n), n, nil
}
