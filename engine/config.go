package engine

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Config is the model's shape. JSON names follow nanoGPT's GPTConfig so a
// PyTorch user can build the matching model from a checkpoint's metadata.
type Config struct {
	VocabSize int     `json:"vocab_size"` // V
	Context   int     `json:"block_size"` // maximum sequence length T
	Layers    int     `json:"n_layer"`    // L
	Heads     int     `json:"n_head"`     // NH
	Embd      int     `json:"n_embd"`     // C
	Dropout   float64 `json:"dropout"`    // on embeddings and residual branches while training
}

// Limits on a Config. They keep a mistyped flag or a hostile checkpoint header
// from asking for an absurd allocation; the largest useful lmlab model on a
// laptop CPU is far below them.
const (
	MaxVocab   = 1 << 20
	MaxContext = 1 << 14
	MaxLayers  = 128
	MaxEmbd    = 1 << 14
	MaxParams  = 1 << 28 // float32s in the arena: 1 GiB of weights
)

// Limits on a TrainConfig's integers, for the same reason.
const (
	MaxBatch     = 1 << 16
	MaxGradAccum = 1 << 16
	// MaxActivation caps the longest activation buffer of one micro-batch
	// (the attention maps L·B·NH·T·T, or B·T·V for the logits), in float32s:
	// 1<<34 is 64 GiB for one buffer, past any machine lmlab runs on, and
	// far from where int arithmetic on the shapes could overflow.
	MaxActivation = 1 << 34
)

// ConfigError is a value of a Config or TrainConfig out of its range. Flag
// names the command-line flag that sets it ("--lr"), or the field when no
// flag does ("beta1"), so Error is one line a CLI can print as is.
type ConfigError struct {
	Flag  string // "--lr", "--warmup", …
	Value string // the value given, formatted
	Want  string // what is accepted and how to fix it
}

func (e *ConfigError) Error() string { return e.Flag + " " + e.Value + ": " + e.Want }

// badInt and badFloat build a ConfigError.
func badInt(flag string, v int, want string, args ...any) error {
	return &ConfigError{Flag: flag, Value: fmt.Sprint(v), Want: fmt.Sprintf(want, args...)}
}

func badFloat(flag string, v float64, want string, args ...any) error {
	return &ConfigError{Flag: flag, Value: fmt.Sprint(v), Want: fmt.Sprintf(want, args...)}
}

// finite reports whether x is neither NaN nor ±Inf.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate reports the first problem with c as a *ConfigError naming the flag
// and the accepted range.
func (c Config) Validate() error {
	switch {
	case c.VocabSize < 1 || c.VocabSize > MaxVocab:
		return badInt("vocab_size", c.VocabSize, "the tokenizer's vocabulary must have 1..%d ids; use a smaller tokenizer", MaxVocab)
	case c.Context < 1 || c.Context > MaxContext:
		return badInt("--context", c.Context, "out of range 1..%d", MaxContext)
	case c.Layers < 1 || c.Layers > MaxLayers:
		return badInt("--layers", c.Layers, "out of range 1..%d", MaxLayers)
	case c.Embd < 1 || c.Embd > MaxEmbd:
		return badInt("--embd", c.Embd, "out of range 1..%d", MaxEmbd)
	case c.Heads < 1 || c.Embd%c.Heads != 0:
		return badInt("--heads", c.Heads, "must be ≥ 1 and divide --embd %d", c.Embd)
	case !(c.Dropout >= 0 && c.Dropout < 1): // also NaN
		return badFloat("--dropout", c.Dropout, "out of range [0, 1)")
	}
	if n := c.NumParams(); n > MaxParams {
		return &ConfigError{Flag: "--embd", Value: fmt.Sprint(c.Embd),
			Want: fmt.Sprintf("the model would have %d parameters, over the limit of %d; lower --embd or --layers", n, MaxParams)}
	}
	return nil
}

// NumParams is the number of float32 parameters (the tied LM head counted once).
func (c Config) NumParams() int64 {
	V, T, L, C := int64(c.VocabSize), int64(c.Context), int64(c.Layers), int64(c.Embd)
	perLayer := 2*C + (3*C*C + 3*C) + (C*C + C) + 2*C + (4*C*C + 4*C) + (4*C*C + C)
	return V*C + T*C + L*perLayer + 2*C
}

// TrainConfig holds the optimisation recipe. A run is Steps optimizer steps;
// the learning-rate schedule spans exactly that run.
type TrainConfig struct {
	Steps       int     `json:"steps"`
	Batch       int     `json:"batch_size"`   // sequences per micro-batch (B)
	Context     int     `json:"context"`      // training sequence length T (≤ Config.Context)
	GradAccum   int     `json:"grad_accum"`   // micro-batches per optimizer step
	LR          float64 `json:"lr"`           // peak learning rate
	MinLR       float64 `json:"min_lr"`       // end of the cosine decay
	Warmup      int     `json:"warmup"`       // linear warmup steps
	WeightDecay float64 `json:"weight_decay"` // decoupled, on 2-D weights only
	GradClip    float64 `json:"grad_clip"`    // global norm; 0 disables
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	Seed        uint64  `json:"seed"`
	EvalEvery   int     `json:"eval_every"`   // steps between validation passes; 0: only at the end
	EvalWindows int     `json:"eval_windows"` // cap on windows for periodic evals; 0: the whole split

	// Fine-tuning: frozen parameters keep their values bit for bit.
	FreezeEmbeddings bool `json:"freeze_embeddings,omitempty"` // wte and wpe
	FreezeLayers     int  `json:"freeze_layers,omitempty"`     // the first K blocks

	// Precision of the matrix products: "" or PrecisionFP32 (float32), or
	// PrecisionBF16 (operands rounded to bfloat16, float32 accumulation and
	// master weights; emulated, see SetPrecision). Empty in float32 runs'
	// checkpoints, which stay as they were.
	Precision string `json:"precision,omitempty"`
}

// Validate reports the first problem with tc for a model of shape c as a
// *ConfigError naming the flag and the accepted range. Besides each value's
// range it refuses shapes whose activation
// buffers would pass MaxActivation (where sizes computed in int could
// overflow); whether the run fits in memory is CheckMemory's question. A
// warmup longer than the run is allowed here (the rate then never reaches its
// peak, and checkpoints of such runs must still load); the command line
// refuses it when --warmup is given.
func (tc TrainConfig) Validate(c Config) error {
	switch {
	case tc.Steps < 1:
		return badInt("--steps", tc.Steps, "must be ≥ 1")
	case tc.Batch < 1 || tc.Batch > MaxBatch:
		return badInt("--batch", tc.Batch, "out of range 1..%d", MaxBatch)
	case tc.Context < 1 || tc.Context > c.Context:
		return badInt("--context", tc.Context, "out of range 1..%d (the model's block size)", c.Context)
	case tc.GradAccum < 1 || tc.GradAccum > MaxGradAccum:
		return badInt("--accum", tc.GradAccum, "out of range 1..%d", MaxGradAccum)
	case !(tc.LR > 0 && tc.LR <= 10): // also NaN
		return badFloat("--lr", tc.LR, "out of range (0, 10]")
	case !(tc.MinLR >= 0 && tc.MinLR <= tc.LR):
		return badFloat("--min-lr", tc.MinLR, "must be in [0, --lr %g]", tc.LR)
	case tc.Warmup < 0:
		return badInt("--warmup", tc.Warmup, "must be ≥ 0")
	case !(tc.WeightDecay >= 0) || math.IsInf(tc.WeightDecay, 0):
		return badFloat("--weight-decay", tc.WeightDecay, "must be finite and ≥ 0")
	case !(tc.GradClip >= 0) || math.IsInf(tc.GradClip, 0):
		return badFloat("--grad-clip", tc.GradClip, "must be finite and ≥ 0 (0 disables)")
	case !(tc.Beta1 >= 0 && tc.Beta1 < 1):
		return badFloat("beta1", tc.Beta1, "out of range [0, 1)")
	case !(tc.Beta2 >= 0 && tc.Beta2 < 1):
		return badFloat("--beta2", tc.Beta2, "out of range [0, 1)")
	case !(tc.Eps > 0) || math.IsInf(tc.Eps, 0):
		return badFloat("eps", tc.Eps, "must be finite and > 0")
	case tc.EvalEvery < 0:
		return badInt("--eval-every", tc.EvalEvery, "must be ≥ 0 (0: only at the end)")
	case tc.EvalWindows < 0:
		return badInt("--eval-windows", tc.EvalWindows, "must be ≥ 0 (0: the whole split)")
	case tc.FreezeLayers < 0 || tc.FreezeLayers > c.Layers:
		return badInt("--freeze-layers", tc.FreezeLayers, "out of range 0..%d (the model's layers)", c.Layers)
	case !validPrecision(tc.Precision):
		return badPrecision(tc.Precision)
	}
	// The longest activation buffers of one micro-batch, in saturating
	// arithmetic so absurd values cannot wrap around.
	B, T := int64(tc.Batch), int64(tc.Context)
	if n := satMul(int64(c.Layers), B, int64(c.Heads), T, T); n > MaxActivation {
		return badInt("--batch", tc.Batch, "with --context %d the attention maps need %d floats, over the limit of %d; lower --batch or --context", tc.Context, n, int64(MaxActivation))
	}
	if n := satMul(B, T, int64(c.VocabSize)); n > MaxActivation {
		return badInt("--batch", tc.Batch, "with --context %d and a vocabulary of %d the logits need %d floats, over the limit of %d; lower --batch or --context", tc.Context, c.VocabSize, n, int64(MaxActivation))
	}
	if n := satMul(B, T, int64(tc.GradAccum)); n > MaxActivation {
		return badInt("--accum", tc.GradAccum, "with --batch %d and --context %d a step is %d tokens, over the limit of %d; lower --accum", tc.Batch, tc.Context, n, int64(MaxActivation))
	}
	return nil
}

// satMul multiplies non-negative factors, saturating at math.MaxInt64.
func satMul(xs ...int64) int64 {
	p := int64(1)
	for _, x := range xs {
		if x < 0 {
			panic("engine: satMul: negative factor")
		}
		if x != 0 && p > math.MaxInt64/x {
			return math.MaxInt64
		}
		p *= x
	}
	return p
}

// satAdd adds non-negative terms, saturating at math.MaxInt64.
func satAdd(xs ...int64) int64 {
	s := int64(0)
	for _, x := range xs {
		if x > math.MaxInt64-s {
			return math.MaxInt64
		}
		s += x
	}
	return s
}

// Preset is a named model shape with its training recipe.
type Preset struct {
	Name, Description string
	Model             Config // VocabSize is filled from the tokenizer
	Train             TrainConfig
}

var presets = map[string]Preset{
	// baby is the published CPU "baby GPT" recipe for tiny shakespeare
	// (nanoGPT README: 4 layers, 4 heads, 128 channels, context 64, batch 12,
	// lr 1e-3 cosine to 1e-4 over the run, warmup 100, dropout 0).
	"baby": {
		Name:        "baby",
		Description: "the CPU baby-GPT recipe: 4 layers, 4 heads, 128 channels, context 64, batch 12",
		Model:       Config{Context: 64, Layers: 4, Heads: 4, Embd: 128},
		Train: TrainConfig{Steps: 2000, Batch: 12, Context: 64, GradAccum: 1, LR: 1e-3, MinLR: 1e-4,
			Warmup: 100, WeightDecay: 0.1, GradClip: 1.0, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			Seed: 1337, EvalEvery: 250, EvalWindows: 200},
	},
	// tiny learns a small built-in sample visibly within half a minute on two
	// cores: a quarter of baby's width, two layers, a higher learning rate.
	"tiny": {
		Name:        "tiny",
		Description: "a quick learner for small samples: 2 layers, 4 heads, 64 channels, context 64, batch 16",
		Model:       Config{Context: 64, Layers: 2, Heads: 4, Embd: 64},
		Train: TrainConfig{Steps: 1000, Batch: 16, Context: 64, GradAccum: 1, LR: 3e-3, MinLR: 3e-4,
			Warmup: 30, WeightDecay: 0.1, GradClip: 1.0, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			Seed: 1337, EvalEvery: 100, EvalWindows: 100},
	},
	// small is for longer runs on more data: 6 layers, 6 heads, 192 channels.
	"small": {
		Name:        "small",
		Description: "a bigger model for longer runs: 6 layers, 6 heads, 192 channels, context 128, batch 16",
		Model:       Config{Context: 128, Layers: 6, Heads: 6, Embd: 192},
		Train: TrainConfig{Steps: 5000, Batch: 16, Context: 128, GradAccum: 1, LR: 6e-4, MinLR: 6e-5,
			Warmup: 200, WeightDecay: 0.1, GradClip: 1.0, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			Seed: 1337, EvalEvery: 500, EvalWindows: 200},
	},
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown preset %q; known presets: %s", name, strings.Join(PresetNames(), ", "))
	}
	return p, nil
}

// PresetNames lists the presets in alphabetical order.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
